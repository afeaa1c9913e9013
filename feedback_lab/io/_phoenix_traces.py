"""Phoenix's traces API (``client.traces.get_traces(...)`` of ``arize-phoenix-client``,
``GET /v1/projects/{project}/traces``) -> span and trace rows, for :mod:`feedback_lab.io._phoenix`.

A trace there is ``{"id", "trace_id", "project_id", "start_time", "end_time", "token_count_prompt",
"token_count_completion", "token_count_total", "spans"}``; with ``include_spans=True`` its spans are
summaries (``span_id, parent_id, name, span_kind, status_code, start_time, end_time``) without
attributes: no input/output text, model or annotations, which the spans export has
(``client.spans.get_spans_dataframe``). Each span summary becomes a ``spans`` row; each trace a
``traces`` row with its start, end-to-end latency and Phoenix's token totals, spans or not; a
warning says what the file lacks.
"""

from __future__ import annotations

import datetime as dt
import json
import warnings
from pathlib import Path
from typing import Any

from feedback_lab.io._common import Rejects, open_bytes, to_utc
from feedback_lab.io._common import to_str as _str

__all__ = ["api_head", "is_trace_list_head", "trace_list", "trace_list_parts", "with_trace_lists"]

_MAX_BYTES = 256 * 1024 * 1024
_MS = dt.timedelta(microseconds=1000)  # latency as the spans give it: whole microseconds / 1000
_KEYS = (b'"trace_id"', b'"project_id"', b'"token_count_total"')


def is_trace_list_head(head: bytes) -> bool:
    """Whether a JSON file's first bytes look like a Phoenix trace list.

    Examples
    --------
    >>> is_trace_list_head(b'[{"id": "VHJh", "trace_id": "a1", "project_id": "UHJv", "token_count_total": 3}]')
    True
    """
    h = head.lstrip()
    return h[:1] in (b"[", b"{") and all(k in head for k in _KEYS) and b'"span_id"' not in head.split(b'"spans"')[0]


def _is_trace(v: Any) -> bool:
    return isinstance(v, dict) and isinstance(v.get("trace_id"), str) and "project_id" in v and "spans" in v and (
        v["spans"] is None or isinstance(v["spans"], list))


def api_head(path: Path, looks_like) -> bool:
    """Whether ``path`` may be a saved Phoenix API response (not over :data:`_MAX_BYTES`) whose
    first 64 KiB pass ``looks_like``: checked before a file is parsed whole, so that a spans file is
    not parsed twice."""
    from feedback_lab.io._registry import read_head

    if path.stat().st_size > _MAX_BYTES:
        return False
    return looks_like(read_head(path, 65536))  # gunzipped, without a byte-order mark


def trace_list(path: Path) -> list[dict] | None:
    """The traces of a saved trace list (a list, a REST page ``{"data": [...]}``, or JSON lines of
    traces or pages; or such records saved as a table, CSV or Parquet), else ``None``."""
    from feedback_lab.io._common import is_parquet, parquet_columns

    if is_parquet(path):
        return _table_traces(path) if _TABLE_COLUMNS <= set(parquet_columns(path) or ()) else None
    if not api_head(path, lambda h: is_trace_list_head(h) or _TABLE_COLUMNS <= _csv_header(h)):
        return None
    data = open_bytes(path)
    if data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"["):
        return _table_traces(path)
    try:
        docs = [json.loads(data.decode("utf-8"))]
    except (ValueError, RecursionError):  # JSON lines: a trace (or a REST page) per line
        try:
            docs = [json.loads(line) for line in data.decode("utf-8").split("\n") if line.strip()]
        except (ValueError, RecursionError):
            return None
    items = []
    for doc in docs:
        got = doc.get("data") if isinstance(doc, dict) and set(doc) <= {"data", "next_cursor"} else doc
        items.extend(got if isinstance(got, list) else [got])
    if not items or not all(_is_trace(t) for t in items):
        return None
    return items


#: the columns of a trace list saved as a table
_TABLE_COLUMNS = frozenset({"trace_id", "project_id", "spans", "token_count_total"})


def _csv_header(head: bytes) -> set[str]:
    return {c.strip(' "\r') for c in head.split(b"\n", 1)[0].decode("utf-8", "replace").split(",")}


def _table_traces(path: Path) -> list[dict] | None:
    """The traces of a trace list saved as a table (``pd.DataFrame(traces).to_csv()`` or
    ``.to_parquet()``; ``spans`` as JSON text, a Python repr, or a list column), else ``None``."""
    from feedback_lab.exceptions import FeedbackLabError
    from feedback_lab.io._common import loads_deep
    from feedback_lab.io._table_records import table_records

    items = []
    try:
        for _, _, _, r in table_records(path, Rejects("phoenix"), json_fields=frozenset({"spans"})):
            spans = loads_deep(r.get("spans"))
            items.append({**r, "spans": spans if isinstance(spans, list) or spans is None else r["spans"],
                          **{k: int(float(r[k])) for k in ("token_count_prompt", "token_count_completion",
                                                           "token_count_total") if _numeric(r.get(k))}})
    except FeedbackLabError:  # not a table this reader takes; the spans reader says why
        return None
    return items if items and all(_is_trace(t) for t in items) else None


def _numeric(v: Any) -> bool:
    """Whether a table cell holds a finite number (a count pandas wrote as ``12.0``)."""
    import math

    try:
        return math.isfinite(float(v))
    except (TypeError, ValueError):
        return False


def trace_list_parts(path: Path, traces: list[dict], rejects: Rejects):
    """``(span rows frame or None, trace rows frame)`` of a trace list; warns that it has no text."""
    import polars as pl

    spans, rows = [], []
    for line, t in enumerate(traces, start=1):
        tid = t["trace_id"]
        try:
            start, end = to_utc(t.get("start_time")), to_utc(t.get("end_time"))
        except ValueError as exc:
            rejects.add(path, line, f"trace {tid}: {exc}", t)
            continue
        rows.append({"trace_id": tid, "timestamp": start,
                     "latency_ms": (end - start) / _MS if start and end else None,
                     "_tin": _int(t.get("token_count_prompt")), "_tout": _int(t.get("token_count_completion"))})
        for s in t.get("spans") or []:
            if not isinstance(s, dict) or not _str(s.get("span_id")):
                rejects.add(path, line, f"trace {tid}: a span without span_id", s)
                continue
            status = (_str(s.get("status_code")) or "").lower()
            spans.append({"span_id": _str(s["span_id"]), "trace_id": tid, "parent_id": _str(s.get("parent_id")),
                          "kind": _str(s.get("span_kind")), "name": _str(s.get("name")),
                          "start": _str(s.get("start_time")), "end": _str(s.get("end_time")),
                          "status": status if status in ("ok", "error") else None,
                          "_file": str(path), "_line": line, "_ref": None})
    warnings.warn(f"{path}: Phoenix's traces API gives span summaries only: the {len(traces)} trace(s) read from it "
                  "have no input/output text, model or annotations. Export the spans for those "
                  "(client.spans.get_spans_dataframe(...), saved as Parquet).", UserWarning, stacklevel=4)
    schema = {"span_id": pl.String, "trace_id": pl.String, "parent_id": pl.String, "kind": pl.String,
              "name": pl.String, "start": pl.String, "end": pl.String, "status": pl.String, "_file": pl.String,
              "_line": pl.Int64, "_ref": pl.Int64}
    span_frame = pl.DataFrame(spans, schema=schema) if spans else None
    trace_frame = pl.DataFrame(rows, schema={"trace_id": pl.String, "timestamp": pl.Datetime("us", "UTC"),
                                             "latency_ms": pl.Float64, "_tin": pl.Int64, "_tout": pl.Int64})
    return span_frame, trace_frame


def _int(v: Any) -> int | None:
    return v if isinstance(v, int) and not isinstance(v, bool) else None


def with_trace_lists(traces, listed):
    """The traces built from spans, completed from the trace rows of trace lists and sessions read
    (``listed``): a trace's token totals where its spans gave none, any other field its spans left
    null (e.g. the session, or a turn's text), and a row for each listed trace without spans.

    Examples
    --------
    >>> import polars as pl
    >>> spans = pl.DataFrame({"trace_id": ["a"], "session_id": [None], "input_tokens": [None], "output_tokens": [None]},
    ...                      schema_overrides={"session_id": pl.String, "input_tokens": pl.Int64, "output_tokens": pl.Int64})
    >>> listed = pl.DataFrame({"trace_id": ["a", "b", "b"], "session_id": ["s1", None, "s1"], "_tin": [3, 4, None]})
    >>> with_trace_lists(spans, listed).rows()
    [('a', 's1', 3, None), ('b', 's1', 4, None)]
    """
    import polars as pl

    from feedback_lab.io._spans import tokens_or

    # a trace listed in several files (its trace list and its session): the first value of each field
    listed = listed.group_by("trace_id", maintain_order=True).agg(pl.all().drop_nulls().first())
    for c in ("_tin", "_tout"):
        if c not in listed.columns:
            listed = listed.with_columns(pl.lit(None, pl.Int64).alias(c))
    fill = [c for c in listed.columns if c in traces.columns and c != "trace_id"]
    out = traces.join(listed.rename({c: f"_listed_{c}" for c in fill}), on="trace_id", how="left").with_columns(
        **{c: pl.coalesce(c, f"_listed_{c}") for c in fill}).with_columns(
        **tokens_or("_tin", "_tout")).drop("_tin", "_tout", *[f"_listed_{c}" for c in fill])
    alone = listed.join(traces.select("trace_id"), on="trace_id", how="anti").rename(
        {"_tin": "input_tokens", "_tout": "output_tokens"})
    return pl.concat([out, alone], how="diagonal_relaxed") if len(alone) else out
