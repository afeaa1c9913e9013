"""Phoenix / OpenInference files as flat polars frames (dotted column names), for
:mod:`feedback_lab.io._phoenix` (spans) and :mod:`feedback_lab.io._phoenix_annotations`.

Parquet is read by polars; a plain JSONL file becomes a lazy ``scan_ndjson`` over the columns
:mod:`feedback_lab.io._jsonl` finds (collect it with :func:`collect_frame`); other JSON, and JSONL
polars cannot parse, goes record by record (each bad record a reject naming its line); CSV through
:func:`feedback_lab.io._platform_frames.csv_rows`. Nested objects become dotted columns
(:func:`unnest`), except the attributes kept whole (:data:`_WHOLE`).
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from feedback_lab.io._common import (
    Rejects,
    is_parquet,
    loads_deep,
    open_bytes,
    polars_failures,
    read_parquet,
)
from feedback_lab.io._jsonl import RecordLines, ndjson_schema, read_ndjson_keys
from feedback_lab.io._pandas_json import frame_json_rows
from feedback_lab.io._platform_common import flatten_dotted, json_records
from feedback_lab.io._platform_frames import csv_rows

__all__ = ["BulkReadFailed", "cell_value", "collect_frame", "column", "flat_rows", "frame_schema", "json_text", "load_flat",
           "meta_json", "unnest"]


#: attributes whose object value is kept whole (not flattened into columns); ``metadata`` is the
#: metadata object of an annotation record (``GET /v1/projects/{p}/span_annotations``)
_WHOLE = frozenset({"attributes.metadata", "attributes.llm.invocation_parameters", "attributes.llm.prompt_template.variables",
                    "metadata"})


def unnest(frame):
    """Struct columns -> dotted columns, recursively (a DataFrame or a LazyFrame). A field whose
    dotted name is already a column is dropped (the column wins); the new columns come last."""
    import polars as pl

    schema = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    cols = [(c, pl.col(c), t) for c, t in schema.items()]
    changed = False
    while True:
        structs = [c for c, _, t in cols if isinstance(t, pl.Struct) and c not in _WHOLE]
        if not structs:
            break
        changed = True
        for c in structs:
            _, expr, dtype = next(x for x in cols if x[0] == c)
            cols = [x for x in cols if x[0] != c]
            names = {x[0] for x in cols}
            cols += [(f"{c}.{f.name}", expr.struct.field(f.name), f.dtype) for f in dtype.fields
                     if f"{c}.{f.name}" not in names]
    return frame.select(e.alias(c) for c, e, _ in cols) if changed else frame


def _drop_nulls(v: Any) -> Any:
    if isinstance(v, dict):
        return {k: _drop_nulls(x) for k, x in v.items() if x is not None}
    return [_drop_nulls(x) for x in v] if isinstance(v, list) else v


def meta_json(d: Any) -> str | None:
    """A metadata object as JSON text without its null fields (at any depth); ``None`` when empty.

    Examples
    --------
    >>> meta_json({"app": "1.2", "ab": None, "x": {"y": None}}), meta_json({"ab": None})
    ('{"app": "1.2", "x": {}}', None)
    """
    d = _drop_nulls(d)
    return None if d is None or d == {} else json.dumps(d, ensure_ascii=False, default=str)


def _strings(rec: dict) -> dict[str, str | None]:
    """A record as flat text columns; ``_typed`` keeps the JSON of its attributes that are not text
    (numbers, booleans, lists, objects), so that the ``attributes`` JSON of a span read record by
    record holds them typed, as the bulk read does."""
    out = {}
    flat = flatten_dotted(rec, keep=_WHOLE)
    typed = {k: v for k, v in flat.items() if k.startswith("attributes.") and v is not None and not isinstance(v, str)}
    if typed:
        out["_typed"] = json.dumps(typed, ensure_ascii=False, default=str)
    for k, v in flat.items():
        if k == "attributes.metadata" and isinstance(v, dict):  # null fields go, as in a bulk read
            out[k] = meta_json(v)
        elif v is None or isinstance(v, str):
            out[k] = v
        elif isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif isinstance(v, (int, float)):
            out[k] = repr(v)
        else:
            out[k] = json.dumps(v, ensure_ascii=False, default=str)
    return out


def load_flat(path: Path, rejects: Rejects, *, exact_schema: bool = False, bulk: bool = True):
    """One file as a flat polars frame (dotted column names) with ``_file``/``_line``/``_ref``.

    A plain JSONL file comes back as a LazyFrame over polars' scan, so that its spans frame is
    built in the same query as the parse: collect it with :func:`collect_frame`, and read the file
    again with ``bulk=False`` (line by line) when that fails.
    """
    import polars as pl

    suffixes = [s.lower() for s in path.suffixes]
    data = None
    with path.open("rb") as fh:
        magic = fh.read(4)
    if ".parquet" in suffixes or magic == b"PAR1" or (magic == b"PK\x03\x04" and is_parquet(path)):
        df = unnest(read_parquet(path))
    else:
        tried = bulk and magic[:2] != b"\x1f\x8b" and _is_jsonl(path)
        df = _scan_ndjson(path, rejects, exact_schema) if tried else None
        if df is None:
            data = open_bytes(path)
            head = data.lstrip()[:1]
            if head in (b"{", b"["):
                df = _load_json(path, data, rejects, try_polars=bulk and not tried, exact_schema=exact_schema)
            else:
                df = _load_csv(path, data, rejects)
    columns = frame_schema(df).names()
    if "_line" not in columns:
        df = df.with_row_index("_line", offset=1).with_columns(pl.col("_line").cast(pl.Int64))
    df = df.drop([c for c in columns if "_duplicated_" in c])
    if "__index_level_0__" in columns:
        df = df.rename({"__index_level_0__": "_index"})
    return df.with_columns(_file=pl.lit(str(path)), _ref=pl.lit(None, dtype=pl.Int64))


def frame_schema(frame):
    import polars as pl

    return frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema


class BulkReadFailed(Exception):
    """Polars could not parse a JSONL file it scanned (raised at collect)."""


def collect_frame(frame, path: Path):
    """A LazyFrame from :func:`load_flat` collected (polars' in-memory engine: 0.77-0.82 s against
    0.90-0.94 s for the streaming engine on the 200,000 spans of ``bench_load.py``, 2.8 s against
    3.8 s on 200,000 spans of a pandas-saved spans dataframe, and less memory); a DataFrame is
    returned as is."""
    import polars as pl

    if not isinstance(frame, pl.LazyFrame):
        return frame
    try:
        return frame.collect(engine="in-memory")
    except polars_failures() as exc:  # a line polars cannot parse: the per-line reader takes over
        raise BulkReadFailed(str(path)) from exc


def _is_jsonl(path: Path) -> bool:
    """A plain file of several lines, the first starting with ``{`` (polars reads it from the path,
    without a copy in Python)."""
    import mmap

    with path.open("rb") as fh:
        try:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # empty file
            return False
        with mm:
            start = re.compile(rb"[ \t\r\n]*").match(mm).end()
            end = len(mm)
            while end > start and mm[end - 1] in b" \t\r\n":
                end -= 1
            return mm[start:start + 1] == b"{" and mm.find(b"\n", start, end) >= 0


def _scan_ndjson(path: Path, rejects: Rejects, exact_schema: bool):
    """A plain JSONL file as a lazy polars scan (columns as :func:`ndjson_schema` finds them);
    ``None`` when its sampled lines do not parse. Polars skips blank lines: rejects map record
    numbers to lines."""
    import polars as pl

    try:
        schema = ndjson_schema(path, full_inference=exact_schema)
    except polars_failures():
        return None
    rejects.map_lines(path, RecordLines(path))
    return unnest(pl.scan_ndjson(path, schema=schema))


def _read_ndjson(path: Path, source, rejects: Rejects, exact_schema: bool):
    """Clean JSONL (a path or bytes) read by polars (keys as :func:`read_ndjson_keys` finds them);
    ``None`` when polars fails. Polars skips blank lines: rejects map record numbers to lines."""
    try:
        df = unnest(read_ndjson_keys(source, full_inference=exact_schema))
    except polars_failures():
        return None
    rejects.map_lines(path, RecordLines(source))
    return df


def _load_json(path: Path, data: bytes, rejects: Rejects, *, try_polars: bool = True, exact_schema: bool = False):

    body = data.strip()
    if try_polars and body[:1] == b"{" and b"\n" in body:  # JSONL
        df = _read_ndjson(path, data, rejects, exact_schema)
        if df is not None:
            return df
    rows = []
    frame = _pandas_frame(data)
    if frame is not None:  # DataFrame.to_json() in a whole-document orient: a row per span
        for k, rec in enumerate(frame, start=1):
            r = _strings(rec)
            r["_line"] = k
            rows.append(r)
    # only {"data": [...]} is a page of records (REST responses); a span's own "events" list is not
    for _, line, _raw, rec in json_records([path], rejects, envelopes=("data",)) if frame is None else ():
        r = _strings(rec)
        r["_line"] = line
        rows.append(r)
    return _rows_frame(rows)


def _rows_frame(rows: list[dict]):
    """Rows of :func:`_strings` (with ``_line``) as a frame of text columns."""
    import polars as pl

    if not rows:
        return pl.DataFrame({"_line": []}, schema={"_line": pl.Int64})
    keys = list(dict.fromkeys(k for r in rows for k in r))
    return pl.DataFrame(rows, schema={k: (pl.Int64 if k == "_line" else pl.String) for k in keys})


def flat_rows(path: Path, records: list[dict], lines: list[int]):
    """Span (or annotation) objects found inside another document, e.g. the root spans of
    Phoenix's session turns, as the flat frame :func:`load_flat` gives for a file of them."""
    import polars as pl

    rows = [{**_strings(rec), "_line": line} for rec, line in zip(records, lines, strict=True)]
    return _rows_frame(rows).with_columns(_file=pl.lit(str(path)), _ref=pl.lit(None, dtype=pl.Int64))


_COLUMN_PREFIXES = ("attributes.", "context.", "result.", "status.")
_COLUMNS = frozenset({"name", "span_kind", "parent_id", "start_time", "end_time", "status_code", "status_message",
                      "events", "span_id", "trace_id", "annotation_name", "annotator_kind", "label", "score",
                      "explanation", "metadata", "source", "created_at", "updated_at", "identifier", "user_id"})


def _pandas_frame(data: bytes) -> list[dict] | None:
    """The rows of a spans or annotations dataframe saved with ``to_json()`` in the ``columns``
    (pandas' default), ``index``, ``split`` or ``table`` orient (:mod:`feedback_lab.io._pandas_json`),
    else ``None``."""
    return frame_json_rows(data, lambda c: c in _COLUMNS or c.startswith(_COLUMN_PREFIXES))


def _load_csv(path: Path, data: bytes, rejects: Rejects):
    import polars as pl

    df = csv_rows(path, data, rejects)
    # pandas to_csv writes the metadata dict of a spans frame as its Python repr: back to JSON
    if df.schema.get("attributes.metadata") == pl.String:
        df = df.with_columns(pl.col("attributes.metadata").map_elements(json_text, return_dtype=pl.String))
    # REST / client records (``pd.DataFrame(client.spans.get_spans(...)).to_csv()``): their nested
    # objects are JSON text (csv_rows turned the reprs into JSON), flattened here as a JSON file's are
    nested = [c for c in _NESTED if df.schema.get(c) == pl.String and df[c].str.starts_with("{").any()]
    if not nested:
        return df
    rows = []
    for rec in df.iter_rows(named=True):
        line = rec.pop("_line")
        for c in nested:
            v = loads_deep(rec[c])
            rec[c] = v if isinstance(v, dict) else rec[c]
        rows.append({**_strings({k: v for k, v in rec.items() if v is not None}), "_line": line})
    return _rows_frame(rows)


#: the nested objects of Phoenix's REST span and annotation records
_NESTED = ("context", "attributes", "result", "status")


def column(schema, names, how: str = "str"):
    """Coalesce of the first existing columns in ``names``, converted to String or Float64."""
    import polars as pl

    exprs = []
    for n in names:
        if n not in schema:
            continue
        t = schema[n]
        if how == "num":
            exprs.append(pl.col(n).cast(pl.Float64, strict=False) if t != pl.Boolean else pl.col(n).cast(pl.Float64))
        elif how == "raw":
            exprs.append(pl.col(n))
        elif t == pl.String:
            exprs.append(pl.when(pl.col(n) != "").then(pl.col(n)))
        elif isinstance(t, (pl.List, pl.Array, pl.Struct)):
            exprs.append(pl.col(n).map_elements(lambda v: json.dumps(v.to_list() if hasattr(v, "to_list") else v,
                                                                     ensure_ascii=False, default=str),
                                                return_dtype=pl.String))
        else:
            exprs.append(pl.col(n).cast(pl.String))
    if not exprs:
        return pl.lit(None, dtype=pl.Float64 if how == "num" else pl.String)
    if how == "raw":
        return exprs[0]
    return pl.coalesce(exprs) if len(exprs) > 1 else exprs[0]


def cell_value(v: Any) -> Any:
    """A cell holding JSON or a Python repr (pandas ``to_csv`` of lists) -> the value."""
    if hasattr(v, "to_list"):
        return v.to_list()
    if isinstance(v, str) and v[:1] in "[{":
        try:
            return json.loads(v)
        except (ValueError, RecursionError):
            try:
                return ast.literal_eval(v)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return v
    return v


def json_text(v: str) -> str:
    """A Python repr of a dict or list (pandas ``to_csv`` of an object column) as JSON text."""
    if v[:2] in ("{'", "[{", "['") or v == "{}":
        d = cell_value(v)
        if isinstance(d, (dict, list)):
            return json.dumps(d, ensure_ascii=False, default=str)
    return v
