"""Helpers shared by the platform loaders (Phoenix, OTel, Braintrust, Latitude, Helicone).

Each loader turns records into *span rows* or *trace rows* (plain dicts with canonical keys plus
``_file``/``_line``/``_ref`` bookkeeping) and calls :func:`assemble`, which builds typed polars
frames, parses timestamps (a record with an unparseable timestamp becomes a reject), drops
duplicate span ids into ``rejects`` and reduces span trees to ``traces`` with
:func:`feedback_lab.io._spans.traces_from_spans`.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

from feedback_lab.io._common import RAW_LIMIT, Rejects, iter_json_records, loads_deep, open_bytes

__all__ = [
    "BadRecord",
    "assemble",
    "as_float",
    "as_int",
    "as_str",
    "flatten_dotted",
    "jdump",
    "json_records",
    "messages_text",
    "text_of",
]

#: extra per-trace columns a span row may carry (taken from the root span first)
TRACE_EXTRAS = ("session_id", "user_id", "prompt_version", "task", "reference", "tags", "metadata",
                "cost", "source")


#: span kinds the platforms use that :data:`feedback_lab.io._spans.KIND_ALIASES` lacks
EXTRA_KINDS = {"invoke_workflow": "chain", "eval": "chain", "score": "evaluator", "review": "evaluator",
               "automation": "chain", "facet": "evaluator", "classifier": "evaluator",
               "preprocessor": "chain"}


class BadRecord(ValueError):
    """A record that cannot become a row; the message is the reject reason."""


def jdump(value: Any) -> str | None:
    """JSON text of ``value`` (``None`` stays ``None``; strings are returned as-is)."""
    if value is None or isinstance(value, str):
        return value
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return repr(value)[:RAW_LIMIT]


def as_str(value: Any, what: str) -> str | None:
    """An id or name: strings and integers are accepted, anything else is a :class:`BadRecord`."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    raise BadRecord(f"{what} must be a string, got {type(value).__name__} {jdump(value)[:80]!r}")


def as_float(value: Any, what: str) -> float | None:
    """A number (numeric strings such as ClickHouse's quoted Int64 are accepted)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, (int, float)):
        f = float(value)
    elif isinstance(value, str):
        try:
            f = float(value.strip())
        except ValueError:
            raise BadRecord(f"{what} must be a number, got {value[:80]!r}") from None
    else:
        raise BadRecord(f"{what} must be a number, got {type(value).__name__}")
    if math.isnan(f):
        return None
    if math.isinf(f):
        raise BadRecord(f"{what} must be finite, got {value!r}")
    return f


def as_int(value: Any, what: str) -> int | None:
    f = as_float(value, what)
    if f is None:
        return None
    if abs(f) > 2**62:
        raise BadRecord(f"{what} is out of range: {value!r}")
    return int(round(f))


def flatten_dotted(obj: Any, prefix: str = "", out: dict[str, Any] | None = None,
                   depth: int = 0, keep: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Flatten nested dicts to dotted keys (lists, and dicts under a key in ``keep``, stay values).

    Examples
    --------
    >>> flatten_dotted({"llm": {"model_name": "m", "token_count": {"prompt": 3}}, "a.b": 1})
    {'llm.model_name': 'm', 'llm.token_count.prompt': 3, 'a.b': 1}
    """
    if out is None:
        out = {}
    if isinstance(obj, dict) and depth < 32:
        for k, v in obj.items():
            key = f"{prefix}.{k}" if prefix else str(k)
            if isinstance(v, dict) and v and key not in keep:
                flatten_dotted(v, key, out, depth + 1, keep)
            else:
                out[key] = v
    elif prefix:
        out[prefix] = obj
    return out


def _content_text(content: Any) -> str | None:
    if content is None:
        return None
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        parts = []
        for p in content:
            if isinstance(p, str):
                parts.append(p)
            elif isinstance(p, dict):
                t = p.get("text", p.get("content"))
                if isinstance(t, str):
                    parts.append(t)
                elif isinstance(p.get("message_content"), dict):  # OpenInference contents
                    t = p["message_content"].get("text")
                    if isinstance(t, str):
                        parts.append(t)
        return "".join(parts) if parts else None
    return None


def _msg_fields(m: dict) -> tuple[str | None, str | None]:
    if isinstance(m.get("message"), dict):  # OpenInference {"message": {...}} / OpenAI choice
        m = m["message"]
    role = m.get("role", m.get("message.role"))
    if "parts" in m:
        text = _content_text(m["parts"])
    else:
        text = _content_text(m.get("content", m.get("message.content", m.get("text"))))
        if text is None and isinstance(m.get("message.contents"), list):
            text = _content_text(m["message.contents"])
    return (role if isinstance(role, str) else None), text


def messages_text(value: Any, side: str) -> str | None:
    """The text of a chat-message list: the last user message (``side="input"``) or the
    assistant messages joined (``side="output"``); ``None`` when ``value`` is not messages.

    Examples
    --------
    >>> msgs = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi?"}]
    >>> messages_text(msgs, "input")
    'Hi?'
    >>> messages_text([{"index": 0, "message": {"role": "assistant", "content": "Yes."}}], "output")
    'Yes.'
    """
    if isinstance(value, dict):
        if isinstance(value.get("messages"), list):
            value = value["messages"]
        elif isinstance(value.get("choices"), list):
            value = value["choices"]
        else:
            return None
    if not isinstance(value, list) or not value or not all(isinstance(m, dict) for m in value):
        return None
    fields = [_msg_fields(m) for m in value]
    if not any(t is not None for _, t in fields):
        return None
    if side == "input":
        users = [t for r, t in fields if r in ("user", "human") and t is not None]
        if users:
            return users[-1]
        texts = [t for _, t in fields if t is not None]
        return texts[-1]
    outs = [t for r, t in fields if r in (None, "assistant", "ai", "model") and t is not None]
    if not outs:
        outs = [t for _, t in fields if t is not None]
    return "\n".join(outs)


def text_of(value: Any, side: str = "input") -> str | None:
    """Canonical text of an input/output value: strings as-is (JSON-encoded strings that hold a
    message list are reduced to their text), message lists to their text, other JSON to JSON text.

    Examples
    --------
    >>> text_of({"question": "Where?"})
    '{"question": "Where?"}'
    >>> text_of('[{"role": "user", "content": "Hello"}]')
    'Hello'
    """
    if value is None:
        return None
    if isinstance(value, str):
        s = value.lstrip()
        if s[:1] == "[" or s.startswith('{"messages"') or s.startswith('{"choices"') or s.startswith('{"text"'):
            decoded = loads_deep(value)
            t = text_of(decoded, side) if isinstance(decoded, (dict, list)) else None
            t = None if t == jdump(decoded) else t
            if t is not None:
                return t
        return value
    t = messages_text(value, side)
    if t is None and side == "output" and isinstance(value, dict) and isinstance(value.get("text"), str) \
            and set(value) <= {"text", "finish_reason", "role", "type"}:
        t = value["text"]  # a completion object {"text": ..., "finish_reason": ...}
    return t if t is not None else jdump(value)


def json_records(paths: list[Path], rejects: Rejects,
                 envelopes: tuple[str, ...] = ("data", "events", "items")):
    """Yield ``(file, line, raw, record)`` for every JSON object in JSON/JSONL files.

    A top-level object holding a list under one of ``envelopes`` (``{"data": [...]}``) yields the
    list's elements (``line`` = 1-based index). Invalid JSON, invalid UTF-8 and non-object records
    go to ``rejects``.
    """
    for path in paths:
        data = open_bytes(path)
        try:
            items = list(iter_json_records(path, data))
        except RecursionError:  # a whole-file JSON document nested deeper than Python's parser allows
            rejects.add(path, 1, "invalid JSON: nested too deeply", data[:RAW_LIMIT].decode("utf-8", "replace"))
            continue
        for line, raw, rec, err in items:
            if err is not None:
                rejects.add(path, line, err, raw)
                continue
            if isinstance(rec, dict):
                env = next((k for k in envelopes if isinstance(rec.get(k), list)), None)
                if env is not None and line == 1 and data.lstrip()[:1] == b"{" and _is_single_doc(data):
                    for i, el in enumerate(rec[env], start=1):
                        if isinstance(el, dict):
                            yield path, i, None, el
                        else:
                            rejects.add(path, i, f"{env}[{i - 1}] is a {type(el).__name__}, expected an object", el)
                    continue
                yield path, line, raw, rec
            else:
                rejects.add(path, line, f"expected a JSON object, got {type(rec).__name__}", raw)


def _is_single_doc(data: bytes) -> bool:
    """True when the whole file is one JSON document (not JSONL)."""
    s = data.strip()
    return s.count(b"\n") == 0 or not s.endswith(b"}\n{") and b"}\n{" not in s


def _raw_of(refs: list[Any], i: int | None, row: dict | None = None) -> str:
    if i is None or i >= len(refs):
        if row is None:
            return ""
        return jdump({k: v for k, v in row.items() if not k.startswith("_")}) or ""
    return jdump(refs[i]) or ""


# ---------------------------------------------------------------- assembling frames
def _schema():
    import polars as pl

    s = pl.String
    return {
        "span_id": s, "trace_id": s, "parent_id": s, "kind": s, "name": s, "start": s, "end": s,
        "model": s, "input": s, "output": s, "input_tokens": pl.Int64, "output_tokens": pl.Int64,
        "status": s, "attributes": s, "session_id": s, "user_id": s, "prompt_version": s, "task": s,
        "reference": s, "tags": pl.List(s), "metadata": s, "cost": pl.Float64, "source": s,
        "_file": s, "_line": pl.Int64, "_ref": pl.Int64,
    }


def _feedback_schema():
    import polars as pl

    s = pl.String
    return {"trace_id": s, "span_id": s, "name": s, "value": pl.Float64, "label": s, "comment": s,
            "annotator_kind": s, "annotator": s, "timestamp": s, "metadata": s,
            "_file": s, "_line": pl.Int64, "_ref": pl.Int64}


def rows_frame(rows: list[dict], kind: str = "spans"):
    """A polars frame of span (or ``kind="feedback"``) rows with fixed dtypes."""
    import polars as pl

    schema = _schema() if kind == "spans" else _feedback_schema()
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(rows, schema=schema, strict=False)


def parse_ts_columns(df, cols: tuple[str, ...], rejects: Rejects, refs: list[Any]):
    """Parse timestamp columns in place; rows with an unparseable value go to ``rejects``."""
    import polars as pl

    from feedback_lab.io._common import parse_timestamps

    bad_any = pl.Series([False] * len(df), dtype=pl.Boolean)
    reasons: dict[int, str] = {}
    new_cols = []
    for c in cols:
        if c not in df.columns:
            continue
        parsed, bad = parse_timestamps(df[c])
        bad = bad.cast(pl.Boolean)  # an empty input gives a Null-typed mask
        for i in bad.arg_true().to_list():
            reasons.setdefault(i, f"{c}: unparseable timestamp {str(df[c][i])[:60]!r}")
        bad_any = bad_any | bad
        new_cols.append(parsed.alias(c))
    if new_cols:
        df = df.with_columns(new_cols)
    if reasons:
        for i, why in sorted(reasons.items()):
            row = df.row(i, named=True)
            rejects.add(row["_file"], row["_line"], why, _raw_of(refs, row["_ref"], row))
        df = df.filter(~bad_any)
    return df


def drop_duplicate_ids(df, keys: list[str], rejects: Rejects, refs: list[Any], what: str):
    """Keep the first row per ``keys``; later duplicates go to ``rejects`` naming the first one."""
    import polars as pl

    if len(df) == 0:
        return df
    df = df.with_row_index("_pos")
    first = df.group_by(keys, maintain_order=True).agg(pl.col("_pos").first().alias("_first"),
                                                       pl.col("_line").first().alias("_first_line"))
    df = df.join(first, on=keys, how="left", nulls_equal=True)
    dup = df.filter(pl.col("_pos") != pl.col("_first"))
    for row in dup.iter_rows(named=True):
        rejects.add(row["_file"], row["_line"],
                    f"duplicate {what} {row[keys[-1]]!r} (first seen at line {row['_first_line']}); kept the first",
                    _raw_of(refs, row["_ref"], row))
    return df.filter(pl.col("_pos") == pl.col("_first")).drop("_pos", "_first", "_first_line")


def trace_extras(spans):
    """Per-trace values of :data:`TRACE_EXTRAS`, taken from the root span first."""
    import polars as pl

    present = [c for c in TRACE_EXTRAS if c in spans.columns]
    ids = spans.select("trace_id", pl.col("span_id").alias("parent_id"), pl.lit(True).alias("_pk"))
    s = spans.join(ids.unique(["trace_id", "parent_id"]), on=["trace_id", "parent_id"], how="left")
    s = s.with_columns(_root=pl.col("parent_id").is_null() | pl.col("_pk").is_null())
    s = s.sort("_root", descending=True, maintain_order=True)
    aggs = []
    for c in present:
        if c == "cost":
            aggs.append(pl.when(pl.col("cost").is_not_null().any()).then(pl.col("cost").sum()).alias("cost"))
        else:
            aggs.append(pl.col(c).drop_nulls().first().alias(c))
    return s.group_by("trace_id", maintain_order=True).agg(aggs)


def assemble(fmt: str, span_rows, feedback_rows, rejects: Rejects, refs: list[Any],
             *, events=None, traces_override=None) -> dict[str, Any]:
    """Build the reader's result from span rows (list of dicts or a frame) and feedback rows."""
    import polars as pl

    from feedback_lab.io._spans import traces_from_spans
    from feedback_lab.schema import SPANS, conform

    from feedback_lab.io._spans import KIND_ALIASES

    spans = span_rows if isinstance(span_rows, pl.DataFrame) else rows_frame(span_rows)
    k = pl.col("kind").str.strip_chars().str.to_lowercase()
    spans = spans.with_columns(kind=k.replace({**KIND_ALIASES, **EXTRA_KINDS}))
    spans = parse_ts_columns(spans, ("start", "end"), rejects, refs)
    spans = drop_duplicate_ids(spans, ["trace_id", "span_id"], rejects, refs, "span_id")
    traces = None
    if len(spans):
        traces = traces_from_spans(spans).join(trace_extras(spans), on="trace_id", how="left")
        if traces_override is not None:
            traces = traces_override(traces)
        traces = conform(traces, "traces")
    fb = feedback_rows if isinstance(feedback_rows, pl.DataFrame) else rows_frame(feedback_rows, "feedback")
    fb = parse_ts_columns(fb, ("timestamp",), rejects, refs)
    if len(fb):
        fb = resolve_span_feedback(fb, spans, fmt)
    fb = fb.drop([c for c in fb.columns if c.startswith("_")])
    spans_out = conform(spans.select([c for c in SPANS if c in spans.columns]), "spans") if len(spans) else None
    return {
        "traces": traces,
        "spans": spans_out,
        "feedback": conform(fb, "feedback") if len(fb) else None,
        "events": events,
        "rejects": rejects.frame(),
    }


def resolve_span_feedback(fb, spans, fmt: str):
    """Fill ``trace_id`` of span-level feedback from the spans loaded alongside.

    Feedback whose span is not in the load keeps its ``span_id``; its ``trace_id`` is set to the
    span id (so no row is lost) with ``metadata.trace_id_from = "span_id"`` and a warning.
    """
    import warnings

    import polars as pl

    if len(spans):
        m = spans.select("span_id", pl.col("trace_id").alias("_tid")).unique("span_id", keep="first")
        fb = fb.join(m, on="span_id", how="left").with_columns(trace_id=pl.coalesce("_tid", "trace_id"))
        fb = fb.drop("_tid")
    unresolved = fb["trace_id"].is_null() & fb["span_id"].is_not_null()
    n = int(unresolved.sum())
    if n:
        meta = [_note(m) if u else m for m, u in zip(fb["metadata"].to_list(), unresolved.to_list(), strict=True)]
        fb = fb.with_columns(
            trace_id=pl.when(unresolved).then(pl.col("span_id")).otherwise(pl.col("trace_id")),
            metadata=pl.Series(meta, dtype=pl.String),
        )
        warnings.warn(
            f"{fmt}: {n} feedback row(s) name a span_id whose span is not in this load; their trace_id is "
            "set to the span_id (metadata 'trace_id_from': 'span_id'). Load the spans export in the same "
            "read_traces call (a list of paths or a folder) to attach them to their traces.",
            UserWarning, stacklevel=4)
    return fb


def _note(meta: str | None) -> str:
    try:
        d = json.loads(meta) if meta else {}
    except ValueError:
        d = {"metadata": meta}
    if not isinstance(d, dict):
        d = {"metadata": d}
    d["trace_id_from"] = "span_id"
    return json.dumps(d, ensure_ascii=False)


_TRACE_ROW = {"trace_id": "s", "session_id": "s", "user_id": "s", "timestamp": "s", "model": "s",
              "prompt_version": "s", "task": "s", "input": "s", "output": "s", "reference": "s",
              "latency_ms": "f", "input_tokens": "i", "output_tokens": "i", "cost": "f", "status": "s",
              "tags": "l", "metadata": "s", "source": "s", "_file": "s", "_line": "i", "_ref": "i"}


def assemble_traces(fmt: str, trace_rows: list[dict], feedback_rows: list[dict], rejects: Rejects,
                    refs: list[Any], *, merge: bool = False) -> dict[str, Any]:
    """Reader result for trace-grain formats (one record = one trace).

    ``merge=True`` coalesces rows sharing a ``trace_id`` (e.g. a CSV row and the trace-detail JSON
    of the same trace); otherwise later duplicates go to ``rejects``.
    """
    import polars as pl

    from feedback_lab.schema import conform

    kinds = {"s": pl.String, "f": pl.Float64, "i": pl.Int64, "l": pl.List(pl.String)}
    schema = {k: kinds[v] for k, v in _TRACE_ROW.items()}
    if merge and trace_rows:
        merged: dict[str, dict] = {}
        for r in trace_rows:
            cur = merged.setdefault(r["trace_id"], {})
            for k, v in r.items():
                if cur.get(k) is None and v is not None:
                    cur[k] = v
        trace_rows = list(merged.values())
    df = pl.DataFrame(trace_rows, schema=schema, strict=False) if trace_rows else pl.DataFrame(schema=schema)
    df = parse_ts_columns(df, ("timestamp",), rejects, refs)
    if not merge:
        df = drop_duplicate_ids(df, ["trace_id"], rejects, refs, "trace_id")
    fb = rows_frame(feedback_rows, "feedback")
    fb = parse_ts_columns(fb, ("timestamp",), rejects, refs)
    fb = fb.drop([c for c in fb.columns if c.startswith("_")])
    return {
        "traces": conform(df.drop([c for c in df.columns if c.startswith("_")]), "traces") if len(df) else None,
        "spans": None,
        "feedback": conform(fb, "feedback") if len(fb) else None,
        "events": None,
        "rejects": rejects.frame(),
    }


def csv_rows(path: Path, data: bytes, rejects: Rejects):
    """A CSV file as a polars frame of strings with a 1-based ``_line`` (data row number).

    Falls back to the ``csv`` module when polars cannot parse the file, so that rows with the
    wrong number of fields become rejects instead of failing the whole file.
    """
    import csv
    import io

    import polars as pl

    from feedback_lab.exceptions import UnreadableFileError

    try:
        df = pl.read_csv(data, infer_schema=False, missing_utf8_is_empty_string=False)
        return df.with_row_index("_line", offset=1).with_columns(pl.col("_line").cast(pl.Int64))
    except Exception:  # noqa: BLE001 - locate the bad rows with the csv module
        pass
    text = data.decode("utf-8", "replace")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise UnreadableFileError(f"{path}: no CSV header ({exc}).") from exc
    rows = []
    i = 0
    while True:
        i += 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rejects.add(path, i, f"CSV parse error: {exc}", "")
            continue
        if len(row) != len(header):
            rejects.add(path, i, f"CSV row has {len(row)} fields, the header has {len(header)}", ",".join(row))
            continue
        rows.append([*(v if v != "" else None for v in row), i])
    names = [h if h not in header[:j] else f"{h}_duplicated_{j}" for j, h in enumerate(header)]
    return pl.DataFrame(rows, schema=[*[(n, pl.String) for n in names], ("_line", pl.Int64)], orient="row")
