"""Column-wise reading of LangSmith bulk-export Parquet files, for :func:`._langsmith_fast.read_fast`.

A row is read as the JSONL line holding the same run: its JSON text cells (``inputs``,
``outputs``, ``extra``, ``tags``) are spliced into one NDJSON line per row, which polars parses
with the fast path's schema, and the fast path's per-line tests (``_SLOW_LINE``, ``_FLOATS``,
``row_ok``) run on those lines. The per-record reader decodes a cell with ``loads_deep``: a cell
starting with ``{`` or ``[`` is spliced as it is (``json.loads`` of the line gives the value
``loads_deep`` gives; polars rejects whatever Python's ``json`` rejects, else the file goes to the
per-record reader), a cell of plain printable text without quotes or backslashes as a JSON
string (``loads_deep`` keeps such text). Rows holding anything else (leading whitespace, JSON
strings, control characters, deep nesting, non-string scalar columns, backslashes in scalars,
integers past 15 digits, non-finite costs) go through the per-record code with the row as
``_langsmith._parquet_records`` gives it. Timestamp columns stay typed (``_start``, ``_end``).
"""

from __future__ import annotations

from pathlib import Path

from feedback_lab.io._langsmith_fast import _FLOATS, _SCALARS, _SLOW_LINE, _schema, row_ok

__all__ = ["file_frame"]

_PAYLOADS = ("inputs", "outputs", "extra", "tags")
_NUMBERS = ("prompt_tokens", "completion_tokens", "total_cost")
#: a cell ``loads_deep`` keeps as text, spliced as a JSON string
_TEXT_CELL = r'^[!#-Z\]-z|}~][^"\\\x00-\x1f]*$'
_MAX_BRACKETS = 400  # far from Python's recursion limit (json.loads raises RecursionError near 1000)


def _payload(table, name: str):
    """``(text, ok, json_cell)`` for a payload column: the text spliced into the line where the cell is
    a JSON cell (``None``: a list column, ``text`` computed in full), whether the row may stay column-wise,
    and whether the cell is spliced as it is; ``None`` for a column type the per-record code must read."""
    import polars as pl

    if name not in table.columns or table.schema[name] == pl.Null:
        return pl.lit("null"), pl.lit(True), pl.lit(False)
    dtype, c = table.schema[name], pl.col(name)
    if name == "tags" and dtype == pl.List(pl.String):
        bad = c.list.eval(pl.element().is_null() | pl.element().str.contains(r'["\\\x00-\x1f]')).list.any()
        text = pl.when(c.list.len() == 0).then(pl.lit("[]")).otherwise(
            pl.lit('["') + c.list.join('", "') + pl.lit('"]'))
        return pl.when(c.is_null()).then(pl.lit("null")).otherwise(text), c.is_null() | ~bad.fill_null(True), None
    if dtype != pl.String:
        return None
    starts = c.str.starts_with("{") if name == "extra" else (c.str.starts_with("{") | c.str.starts_with("["))
    json_cell = (starts & ~c.str.contains(r"[\x00-\x1f]")
                 & (c.str.count_matches(r"[\[{]") <= _MAX_BRACKETS)).fill_null(False)
    text_cell = c.str.contains(_TEXT_CELL).fill_null(False) if name in ("inputs", "outputs") else pl.lit(False)
    return None, c.is_null() | json_cell | text_cell, json_cell


def _spliced(table, name: str, good, json_cell, text):
    """The payload column as JSON text for the line: JSON cells as they are, text cells quoted, the rest
    ``null`` (replaced in the rare rows only: the big column is not copied)."""
    import polars as pl

    if text is not None:
        return table.select(pl.when(good).then(text).otherwise(pl.lit("null"))).to_series()
    col = table[name]
    fix = ~(good & json_cell)
    if not fix.any():
        return col
    idx = fix.arg_true()
    some = pl.DataFrame({"c": col.gather(idx), "g": good.gather(idx)})
    some = some.select(pl.when(pl.col("g") & pl.col("c").is_not_null()).then(pl.lit('"') + pl.col("c") + pl.lit('"'))
                       .otherwise(pl.lit("null"))).to_series()
    return col.scatter(idx, some)


def _scalar(table, name: str):
    """``(value, ok)`` for a scalar column as the fast path's string column; non-string values are
    left to the per-record code (numbers as text: the fast path parses them as it does JSONL's)."""
    import polars as pl

    if name not in table.columns or table.schema[name] == pl.Null:
        return pl.lit(None, dtype=pl.String), pl.lit(True)
    dtype, c = table.schema[name], pl.col(name)
    if dtype == pl.String:
        return c, ~c.str.contains(r"[\\\x00-\x09\x0b-\x1f]").fill_null(False)
    if name in _NUMBERS and (dtype.is_integer() or dtype in (pl.Float32, pl.Float64)):
        text = c.cast(pl.Float64).cast(pl.String) if dtype == pl.Float32 else c.cast(pl.String)
        ok = ~text.str.contains(r"[0-9]{16}").fill_null(False)  # floats only hold 15 digits exactly
        if dtype.is_float():
            ok = ok & c.is_finite().fill_null(True)
        return text, ok
    return pl.lit(None, dtype=pl.String), c.is_null()


def file_frame(path: Path):
    """One bulk-export Parquet file as the fast path's raw columns (plus ``_line``, ``_file``, ``_slow``,
    ``_start``, ``_end``) and the frame its rows come from; ``None`` when ``path`` is not Parquet,
    ``False`` when the per-record reader must read it (unreadable, no run rows, unusual column types)."""
    import polars as pl

    from feedback_lab.io._common import is_parquet, polars_failures
    from feedback_lab.io._langsmith import parquet_table

    if not is_parquet(path):
        return None
    try:
        table = parquet_table(path)
    except polars_failures():  # the per-record reader raises the error naming the file
        return False
    if "run_type" not in table.columns or table["run_type"].null_count() == len(table) or any(c in table.columns and table[c].null_count() < len(table)
                             for c in ("child_runs", "post", "patch")):
        return False
    utc = pl.Datetime("us", "UTC")
    cols, ok = {}, []
    for name in (*_SCALARS, *_NUMBERS):
        dtype = table.schema.get(name)
        if name in ("start_time", "end_time") and isinstance(dtype, pl.Datetime):
            cols[name], cols["_" + name.split("_")[0]] = pl.lit(None, dtype=pl.String), pl.col(name).cast(utc)
            continue
        cols[name], good = _scalar(table, name)
        ok.append(good)
    for name in ("_start", "_end"):
        cols.setdefault(name, pl.lit(None, dtype=utc))
    payloads = {}
    for name in _PAYLOADS:
        got = _payload(table, name)
        if got is None:
            return False
        payloads[name] = got
        ok.append(got[1])
    flags = table.select(_good=pl.all_horizontal(ok),
                         **{n: pl.lit(False) if p[2] is None else p[2] for n, p in payloads.items()})
    good = flags["_good"]
    parts = [_spliced(table, n, good, flags[n], p[0]).alias(n) for n, p in payloads.items()]
    line = pl.DataFrame(parts).select(pl.concat_str(
        [e for n in _PAYLOADS for e in (pl.lit(f',"{n}":' if n != _PAYLOADS[0] else f'{{"{n}":'), pl.col(n))]
        + [pl.lit("}")])).to_series()
    frame = table.select(**cols).with_columns(_good=good)
    schema = _schema()
    try:
        parsed = pl.read_ndjson(line.str.join("\n").item().encode(),
                                schema={n: schema[n] for n in _PAYLOADS})
    except polars_failures():  # a JSON cell polars (hence Python's json) does not read: per record
        return False
    if len(parsed) != len(frame):
        return False
    flagged = line.str.contains(_SLOW_LINE + "|" + _FLOATS)
    df = pl.concat([frame, parsed], how="horizontal").with_columns(
        child_runs=pl.lit(None, dtype=pl.String), post=pl.lit(None, dtype=pl.String),
        patch=pl.lit(None, dtype=pl.String))
    df = df.with_columns(pl.lit(None, dtype=pl.String).alias(c) for c in schema if c not in df.columns)
    df = df.select(*schema, "_start", "_end", _line=pl.int_range(1, len(df) + 1, dtype=pl.Int64),
                   _file=pl.lit(str(path)), _slow=~pl.col("_good") | flagged | ~row_ok().fill_null(False))
    return df, table
