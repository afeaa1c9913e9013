"""Parquet and CSV exports of record-shaped data, one record per row (for the record-based loaders).

Some platforms write the same records they serve as JSON into tables: Braintrust's cloud-storage
export writes project logs as JSONL *or Parquet*, and its Logs/Experiments pages download *JSON or
CSV*. A table cannot nest, so such files hold the nested fields (``scores``, ``metrics``,
``metadata``, ``span_attributes``...) as JSON text, as Parquet structs/lists, or as flattened
``scores.accuracy`` columns. :func:`table_records` turns each row back into the record the JSON
export would hold, so that a loader reads it through the same code as its JSON records.

Examples
--------
>>> import polars as pl, tempfile, pathlib
>>> d = pathlib.Path(tempfile.mkdtemp())
>>> pl.DataFrame({"id": ["a"], "scores": ['{"accuracy": 1}'], "metrics.start": ["1.5"]}).write_csv(d / "t.csv")
>>> from feedback_lab.io._common import Rejects
>>> [rec for _, _, _, rec in table_records(d / "t.csv", Rejects("x"), json_fields={"scores", "metrics"})]
[{'id': 'a', 'scores': {'accuracy': 1}, 'metrics': {'start': 1.5}}]
"""

from __future__ import annotations

import datetime as dt
import decimal
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from feedback_lab.io._common import Rejects, is_parquet, open_bytes, read_parquet
from feedback_lab.io._platform_common import nest_dotted

__all__ = ["is_table", "table_records"]


def is_table(path: Path) -> bool:
    """True for a Parquet file, or a file (also gzipped, zstd or a one-file zip) whose first byte is not
    ``{`` or ``[`` (a CSV file, not JSON)."""
    from feedback_lab.exceptions import UnreadableFileError
    from feedback_lab.io._registry import read_head

    if is_parquet(path):
        return True
    try:
        head = read_head(Path(path), 64)  # gunzipped, unzipped or zstd-decompressed
    except UnreadableFileError:
        return False
    return head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] not in (b"{", b"[", b"")


def table_records(path: Path, rejects: Rejects, *, json_fields: set[str] | frozenset[str]
                  ) -> Iterator[tuple[Path, int, None, dict[str, Any]]]:
    """``(path, row, None, record)`` per row of a Parquet or CSV file (rows numbered from 1; a CSV
    row with the wrong number of fields is a reject naming its line).

    A record holds the row's non-null cells: a column named ``a.b`` becomes ``record["a"]["b"]``
    when ``a`` is one of ``json_fields``; a text cell of a ``json_fields`` column that holds a JSON
    object or array, and a CSV cell of one that holds a JSON number, is decoded (other text stays
    text: an input or output that reads as JSON is kept as written); timestamps become ISO 8601 text in UTC, decimals floats,
    Parquet maps dicts; the null fields of a Parquet struct are left out (a table cannot tell them
    from absent keys).
    """

    from feedback_lab._progress import ticking
    from feedback_lab.io._platform_frames import csv_rows

    path = Path(path)
    parquet = is_parquet(path)
    if parquet:
        df = read_parquet(path).with_row_index("_line", offset=1)
        maps = _map_columns(path, df)
    else:
        df = csv_rows(path, open_bytes(path), rejects)
        maps = set()
    cols = [c for c in df.columns if c != "_line"]
    for row in ticking(df.iter_rows(named=True), path, len(df)):  # a loading bar moves as the rows are taken
        for c in maps:
            if row[c] is not None:
                row[c] = {kv["key"]: kv["value"] for kv in row[c]}
        rec: dict[str, Any] = {}
        flat: dict[str, dict[str, Any]] = {}  # the flattened columns of each field: {"scores": {"x": 1}}
        for c in cols:
            v = row[c]
            if v is None:
                continue
            top, _, rest = c.partition(".")
            field = top if rest and top in json_fields else c
            v = _value(v, decode=field in json_fields, numbers=not parquet and field in json_fields)
            if field == c:
                rec[c] = v
            else:
                flat.setdefault(top, {})[rest] = v
        for top, sub in flat.items():
            if isinstance(rec.get(top, {}), dict):
                rec[top] = {**rec.get(top, {}), **nest_dotted(sub)}
        yield path, int(row["_line"]), None, rec


def _map_columns(path: Path, df) -> set[str]:
    """Parquet ``MAP`` columns that this polars reads as lists of ``{key, value}`` structs (polars 2
    reads them as maps, whose cells are dicts already)."""
    import polars as pl

    pairs = {c for c, t in df.schema.items() if isinstance(t, pl.List) and isinstance(t.inner, pl.Struct)
             and [f.name for f in t.inner.fields] == ["key", "value"]}
    if not pairs:
        return set()
    import pyarrow as pa
    import pyarrow.parquet as pq

    from feedback_lab.io._common import parquet_source

    return {f.name for f in pq.read_schema(parquet_source(path)) if f.name in pairs and pa.types.is_map(f.type)}


def _value(v: Any, *, decode: bool, numbers: bool) -> Any:
    if isinstance(v, bytes):  # text written as Parquet BINARY (ClickHouse's output_format_parquet_string_as_string=0)
        v = v.decode("utf-8", "replace")
    if isinstance(v, dt.datetime):
        v = v.replace(tzinfo=dt.UTC) if v.tzinfo is None else v.astimezone(dt.UTC)
        return v.isoformat().replace("+00:00", "Z")
    if isinstance(v, decimal.Decimal):
        return float(v)
    if isinstance(v, dict):  # a Parquet struct or map: a key absent from a record is a null field
        return {(k.decode("utf-8", "replace") if isinstance(k, bytes) else k): _value(x, decode=False, numbers=False)
                for k, x in v.items() if x is not None}
    if isinstance(v, list):  # a Parquet list: its BINARY text, times and decimals as above
        return [_value(x, decode=False, numbers=False) if isinstance(x, (bytes, dt.datetime, decimal.Decimal)) else x
                for x in v]
    if isinstance(v, str) and decode:
        s = v.strip()
        if s[:1] in ("{", "[") or (numbers and s[:1] in "-0123456789"):
            try:
                return json.loads(s)
            except (ValueError, RecursionError):
                return v
    return v
