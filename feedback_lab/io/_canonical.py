"""The ``canonical`` format: CSV, JSONL (also ``.gz``), JSON arrays and Parquet whose columns are
canonical names (``feedback_lab.schema``) or are renamed to them by ``column_map``.

Speed: JSONL is read by polars' native reader in one pass, every column as text, then the
canonical columns are parsed vectorised (numbers, ISO/epoch timestamps, tag lists). Only a
file with a line polars cannot parse (bad JSON, invalid UTF-8, a line that is not an object)
is split line by line with ``json``: good lines are still read in bulk, bad lines go to
``rejects`` with their line number. Non-canonical columns are kept (as text). The columns of a
JSONL file are those of every line up to 64 MB, else of 2,000 lines spread through the file
(``exact_schema=True``: every line; see :mod:`feedback_lab.io._jsonl`).
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from feedback_lab.exceptions import FormatError, UnreadableFileError
from feedback_lab.io._canonical_jsonl import (
    Source,
    frame_from_dicts,
    jsonl_keys,
    jsonl_line_numbers,
    jsonl_raw_lines,
)
from feedback_lab.io._common import (
    RAW_LIMIT,
    Rejects,
    csv_source,
    glued_objects,
    is_parquet,
    open_bytes,
    parquet_columns,
    read_parquet,
)
from feedback_lab.io._pandas_json import FRAME_HEAD, frame_json_rows, may_be_frame_json
from feedback_lab.io._registry import Format
from feedback_lab.io._tabular import frames_from_table

__all__ = ["FORMAT", "read_canonical"]

_ALL_CANONICAL = {
    "trace_id", "session_id", "user_id", "timestamp", "model", "prompt_version", "task", "input",
    "output", "reference", "latency_ms", "input_tokens", "output_tokens", "cost", "status", "tags",
    "metadata", "source", "span_id", "parent_id", "kind", "name", "start", "end", "attributes",
    "value", "label", "comment", "annotator_kind", "annotator", "event", "payload",
}


def _sniff(path: Path, head: bytes) -> float:
    """Canonical when the first record/header names ``trace_id`` (or ``span_id``/``event``) as a key."""
    if head.startswith(b"PAR1"):
        names = parquet_columns(path)
        if names is None:
            return 0.1
        return 0.5 if set(names) & {"trace_id", "span_id"} else 0.05
    text = head.decode("utf-8", "replace").lstrip("\ufeff \t\r\n")
    if text[:1] in "[{":
        first = text.lstrip("[ \t\r\n")
        keys = _first_keys(first)
        if keys is None:
            return 0.0
        if {"trace_id", "event"} & keys or {"trace_id", "span_id"} <= keys:
            return 0.5 if len(keys - _ALL_CANONICAL) <= len(keys) / 2 else 0.3
        if FRAME_HEAD.match(head) and re.search(rb'"(?:trace_id|event)"', head[:8192]):
            return 0.45  # DataFrame.to_json() in the index, split or table orient
        return 0.0
    header = text.splitlines()[0] if text else ""
    cols = {c.strip().strip('"').strip() for c in next(csv.reader([header]), [])}
    if "trace_id" in cols or "event" in cols:
        return 0.45
    return 0.02 if len(cols) > 1 else 0.0


def _first_keys(text: str) -> set[str] | None:
    """Keys of the first JSON object in ``text`` (which may be cut off)."""
    dec = json.JSONDecoder()
    try:
        obj, _ = dec.raw_decode(text)
    except (ValueError, RecursionError):
        # truncated head: take keys of the first line
        line = text.split("\n", 1)[0]
        try:
            obj = json.loads(line)
        except (ValueError, RecursionError):
            import re

            return set(re.findall(r'"([A-Za-z_][\w.]*)"\s*:', text[:4000])) or None
    return set(obj) if isinstance(obj, dict) else None


def read_canonical(paths, *, column_map: Mapping[str, str] | None = None, frame: str | None = None,
                   exact_schema: bool = False, **options: Any) -> dict[str, Any]:
    """Read canonical files into raw frames (see module docstring); used via ``read_traces``.

    ``exact_schema=True`` finds the columns of a JSONL file over 64 MB in every line rather than
    in 2,000 sampled ones (slower; sure to keep a column only a few late records carry).
    """
    if options:
        msg = f"format 'canonical' takes no option(s) {sorted(options)}; known: column_map, frame, exact_schema."
        raise TypeError(msg)
    import polars as pl

    results = [_read_file(Path(p), column_map, frame, exact_schema) for p in paths]
    out: dict[str, Any] = {}
    for name in ("traces", "spans", "feedback", "events", "rejects"):
        got = [r[name] for r in results if r.get(name) is not None]
        out[name] = pl.concat(got, how="diagonal_relaxed") if got else None
    if len(results) == 1:
        out["line_of"] = results[0]["line_of"]
    else:  # _row is only meaningful per file
        for name in ("traces", "spans", "feedback", "events"):
            if out[name] is not None and "_row" in out[name].columns:
                out[name] = out[name].drop("_row")
    return out


def _read_file(path: Path, column_map, frame, exact_schema: bool = False):
    if is_parquet(path):
        try:
            df = read_parquet(path)
        except UnreadableFileError as exc:
            raise UnreadableFileError(f"{exc} Expected a Parquet file with canonical columns.") from exc
        return _finish(df.with_row_index("_row"), path, column_map, frame, kind="parquet", data=None)
    from feedback_lab.io._registry import read_head

    with path.open("rb") as fh:
        raw = fh.read(64 * 1024)
    content = read_head(path, 64 * 1024)
    text_start = content.lstrip(b"\xef\xbb\xbf \t\r\n")[:1]
    if text_start == b"{":  # JSONL: plain files go to polars by path (no copy in Python)
        rows = _pandas_rows(path, open_bytes(path)) if may_be_frame_json(content) else None
        if rows is not None:  # DataFrame.to_json() of a whole frame
            return _read_json_array(path, rows, column_map, frame)
        packed = content != raw  # gzip, zstd, a zip or tar archive: polars reads the unpacked bytes
        return _read_jsonl(path, Source(path, open_bytes(path) if packed else None), column_map, frame, exact_schema)
    data = open_bytes(path)
    if text_start == b"[":
        return _read_json_array(path, data, column_map, frame)
    return _read_csv(path, data, column_map, frame)


def _pandas_rows(path: Path, data: bytes) -> list | None:
    """The rows of a frame saved with ``DataFrame.to_json()`` in a whole-document orient
    (:mod:`feedback_lab.io._pandas_json`; pandas' default is ``"columns"``), else ``None``. The
    index is dropped when the frame has ``trace_id`` (or ``event``) columns; without them a
    :class:`FormatError` says to save the index as a column."""
    rows = frame_json_rows(data, _ALL_CANONICAL.__contains__)
    if not rows:
        return rows
    cols = set().union(*(r.keys() for r in rows if isinstance(r, dict)))
    if "_index" in cols and not cols & {"trace_id", "event", "span_id"}:
        msg = (f"{path}: a dataframe saved with to_json() without a trace_id column (its index is not "
               "named in the file). If the index holds the trace ids, save it as a column: "
               "df.reset_index().to_json(path, orient=\"records\", lines=True).")
        raise FormatError(msg)
    return [{k: v for k, v in r.items() if k != "_index"} if isinstance(r, dict) else r for r in rows]


def _finish(df, path, column_map, frame, *, kind, data, lines=None, pre_rejects=None):
    import polars as pl

    df = df.rename({c: c.strip().lstrip("\ufeff") for c in df.columns if c != c.strip().lstrip("\ufeff")})
    df = _apply_column_map(df, column_map, path)
    n_rows = len(df)
    if "trace_id" not in df.columns and "event" not in df.columns and frame not in ("events",):
        from feedback_lab._validation import did_you_mean

        cols = [c for c in df.columns if c != "_row"]
        msg = (
            f"{path}: read as canonical {kind} but it has no 'trace_id' column.{did_you_mean('trace_id', cols)} "
            f"Columns found: {cols[:30]}. Rename your id column, or pass column_map={{'your_id': 'trace_id'}}, "
            "or pass format=... if this is a platform export."
        )
        raise FormatError(msg)

    def line_of(rows):
        if kind == "csv":
            return [r + 2 for r in rows]
        if lines is not None:
            return [lines[r] for r in rows]
        if kind == "jsonl":
            if data.n_lines() == n_rows:  # every line is a record
                return [r + 1 for r in rows]
            return jsonl_line_numbers(data, rows)
        return [r + 1 for r in rows]

    def raw_of(rows):
        if kind == "jsonl":
            ln = line_of(rows)
            return jsonl_raw_lines(data, ln)
        sub = df.filter(pl.col("_row").is_in(rows)).sort("_row").drop("_row")
        by_row = dict(zip(sorted(rows), (json.dumps(r, ensure_ascii=False, default=str)[:RAW_LIMIT]
                                         for r in sub.iter_rows(named=True)), strict=False))
        return [by_row.get(r, "") for r in rows]

    out = frames_from_table(df, file=str(path), format="canonical", line_of=line_of, raw_of=raw_of, frame=frame)
    if pre_rejects is not None and len(pre_rejects):
        out["rejects"] = pl.concat([pre_rejects.frame(), out["rejects"]]).sort("line", nulls_last=True)
    return out


def _apply_column_map(df, column_map, path):
    if not column_map:
        return df
    from feedback_lab.schema import ColumnMap

    cm = column_map if isinstance(column_map, ColumnMap) else ColumnMap(column_map)
    present = {k: v for k, v in cm.items() if k in df.columns}
    if not present:
        cols = [c for c in df.columns if c != "_row"]
        msg = f"{path}: none of the column_map columns {list(cm)} is in the file. Columns found: {cols[:30]}."
        raise FormatError(msg)
    return ColumnMap(present).apply(df, source=str(path))


# ---------------------------------------------------------------- JSONL
def _read_jsonl(path: Path, data: Source, column_map, frame, exact_schema: bool = False):
    import polars as pl

    keys, escaped = jsonl_keys(data, exact_schema)
    schema = {k: pl.String for k in keys}
    try:  # polars would write the keys of an object with an escaped key unescaped: such files are parsed in Python
        df = pl.read_ndjson(data.polars(), schema=schema) if keys and not escaped else None
    except (pl.exceptions.ComputeError, pl.exceptions.PolarsError, OverflowError, pl.exceptions.PanicException):
        df = None
    if df is not None:
        return _finish(df.with_row_index("_row"), path, column_map, frame, kind="jsonl", data=data)
    # slow path: split good and bad lines, read the good ones in bulk
    rejects = Rejects("canonical")
    good: list[bytes] = []
    good_lines: list[int] = []
    for lineno, raw in enumerate(data.lines(), start=1):
        if not raw.strip():
            continue
        raw = raw.rstrip(b"\r\n")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            rejects.add(path, lineno, f"invalid UTF-8 at byte {exc.start}", raw.decode("utf-8", "replace"))
            continue
        try:
            rec = json.loads(text)
        except json.JSONDecodeError as exc:
            glued = glued_objects(text) if exc.msg == "Extra data" else None
            if glued is None:
                rejects.add(path, lineno, f"invalid JSON: {exc.msg} (column {exc.colno})", text)
                continue
            for _, one in glued[:-1]:  # ``cat a.jsonl b.jsonl``, a.jsonl without its final newline
                for k in one:
                    schema.setdefault(k, pl.String)
                good.append(one)
                good_lines.append(lineno)
            rec = glued[-1][1]
        except RecursionError:
            rejects.add(path, lineno, "invalid JSON: nested too deeply", text)
            continue
        if not isinstance(rec, dict):
            rejects.add(path, lineno, f"expected a JSON object, got {type(rec).__name__}", text)
            continue
        for k in rec:
            schema.setdefault(k, pl.String)
        good.append(rec)
        good_lines.append(lineno)
    df = frame_from_dicts(good, list(schema) or ["trace_id"])
    if not good and not len(rejects):
        raise UnreadableFileError(f"{path}: no records found. Expected JSON lines with a 'trace_id' key.")
    return _finish(df.with_row_index("_row"), path, column_map, frame, kind="jsonl", data=data,
                   lines=good_lines, pre_rejects=rejects)


# ---------------------------------------------------------------- JSON array
def _read_json_array(path: Path, data: bytes | list, column_map, frame):
    """A JSON array of records (``data`` the file's bytes, or the records already parsed)."""
    try:
        doc = data if isinstance(data, list) else json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(f"{path}: invalid UTF-8 at byte {exc.start}; expected a JSON array.") from exc
    except (json.JSONDecodeError, RecursionError) as exc:
        where = f" at line {exc.lineno}, column {exc.colno}" if isinstance(exc, json.JSONDecodeError) else ""
        msg = (f"{path}: invalid JSON{where} ({getattr(exc, 'msg', 'nested too deeply')}); "
               "expected a JSON array of records or one record per line (JSONL).")
        raise FormatError(msg) from exc
    if not isinstance(doc, list):
        raise FormatError(f"{path}: expected a JSON array of records, got {type(doc).__name__}.")
    rejects = Rejects("canonical")
    good, idx, keys = [], [], {}
    for i, rec in enumerate(doc, start=1):
        if not isinstance(rec, dict):
            rejects.add(path, i, f"expected a JSON object, got {type(rec).__name__}", rec)
            continue
        keys.update(dict.fromkeys(rec))
        good.append(rec)
        idx.append(i)
    df = frame_from_dicts(good, list(keys) or ["trace_id"])
    return _finish(df.with_row_index("_row"), path, column_map, frame, kind="json", data=None,
                   lines=idx, pre_rejects=rejects)


# ---------------------------------------------------------------- CSV
def _read_csv(path: Path, data: bytes, column_map, frame):
    import polars as pl

    from feedback_lab.io._platform_frames import decimal_commas

    if b"\x00" in data[:4096]:
        raise UnreadableFileError(f"{path}: binary content; expected CSV, JSONL, JSON or Parquet.")
    data, sep = csv_source(path, data)
    try:
        df = pl.read_csv(io.BytesIO(data), infer_schema=False, separator=sep)
    except (pl.exceptions.PolarsError, UnicodeDecodeError, pl.exceptions.PanicException) as exc:
        return _read_csv_slow(path, data, column_map, frame, sep, exc)
    return _finish(decimal_commas(df, sep).with_row_index("_row"), path, column_map, frame, kind="csv", data=data)


def _read_csv_slow(path, data, column_map, frame, sep, exc):
    """Row by row with :mod:`csv`: rows with the wrong number of fields or bad bytes go to rejects."""
    import polars as pl

    text = data.decode("utf-8-sig", "replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as err:
        raise UnreadableFileError(f"{path}: no CSV header found ({exc}).") from err
    rejects = Rejects("canonical")
    rows, lines = [], []
    while True:
        start = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as err:
            rejects.add(path, start, f"invalid CSV: {err}", "")
            continue
        if not any(row):
            continue
        if len(row) != len(header):
            rejects.add(path, start, f"expected {len(header)} fields, got {len(row)}", sep.join(row))
            continue
        rows.append(row)
        lines.append(start)
    cols = [h.strip() for h in header]
    df = pl.DataFrame([list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in cols],
                      schema={c: pl.String for c in cols}, orient="col")
    df = df.with_columns(pl.all().replace("", None))
    return _finish(df.with_row_index("_row"), path, column_map, frame, kind="csv-rows", data=None,
                   lines=lines, pre_rejects=rejects)


FORMAT = Format(
    name="canonical",
    description="CSV / JSONL(.gz) / JSON array / Parquet with canonical column names (or column_map)",
    sniff=_sniff,
    read=read_canonical,
    extensions=(".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet", ".gz"),
    # read_traces calls it once per file, and a file's later rows repeating a trace_id are rejects
    # already (tabular._duplicates): one file needs no second check (0.3 s at 1,000,000 records)
    unique_traces=True,
)
