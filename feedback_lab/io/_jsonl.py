"""Reading clean JSONL with polars without losing keys, and mapping records back to their lines.

``polars.read_ndjson`` infers its schema from the first ``infer_schema_length`` lines and then
silently ignores every key it did not see there (pola-rs/polars#29330): a column that first
appears on line 1,001 of a 1,000-line sample is dropped without an error. Inferring from the
whole file is exact but costs a second parse (0.65 s on top of a 0.4 s read at 200,000 spans).
:func:`ndjson_schema` (and :func:`read_ndjson_keys`, which reads with it) is exact where that
is cheap:

- files up to :data:`FULL_INFERENCE_BYTES` (64 MB, ~60,000 spans) are inferred from every line;
- larger files from their first 1,000 lines plus 1,000 lines spread evenly through the file, so a
  second export appended to the first, or a kind of record that only starts late, is seen.
  A key that none of those lines carries is not read; ``full_inference=True`` (the readers'
  ``exact_schema=True`` option) infers from every line instead. Adding the keys the readers map
  to the schema just in case was measured too: each absent column costs a null per row (+0.25 s
  at 200,000 spans), and it would still not keep the keys they do not map.

Polars writes an object it reads into a ``String`` column as JSON text, but with its keys
unescaped (seen in polars 2.1: ``{"a\\"b": 1}`` becomes ``{"a"b": 1}``, an escaped newline a
raw one, ``\\\\`` one backslash). :func:`escaped_keys` finds such keys in the schema inferred
from the sampled lines (free: that schema is inferred anyway), so that a reader that reads
objects as text parses the records in Python instead. Like a late key, an escaped key only in
lines outside the sample of a file over 64 MB is not seen (``exact_schema=True`` sees every
line), nor one in an object of a key that holds text on other sampled lines (polars infers
text for it). Scanning the raw bytes instead was measured: Python's ``re`` at ~1.6 GB/s on
files without backslashes, but 45 s on 60 MB of JSON text held in strings (every escape starts
a match); polars' Rust regex 0.2-0.7 s per 200 MB.

Polars also skips blank lines, so a record's index is not always its line number:
:class:`RecordLines` maps one to the other, scanning the file only when a reject needs it.
"""

from __future__ import annotations

import mmap
from pathlib import Path
from typing import Any

__all__ = ["FULL_INFERENCE_BYTES", "RecordLines", "escaped_keys", "ndjson_schema",
           "read_ndjson_keys", "record_has_escaped_key", "sample_lines"]

#: files up to this size get their schema inferred from every line
FULL_INFERENCE_BYTES = 64 * 1024 * 1024
_HEAD_LINES = 1000
_SPREAD_LINES = 1000
def sample_lines(buf: Any, *, head: int | None = None, spread: int | None = None,
                 full_below: int | None = None) -> bytes:
    """Lines of a JSONL buffer to infer a schema from: all of it when small, else the first
    ``head`` lines and ``spread`` lines starting at evenly spaced offsets.

    Examples
    --------
    >>> data = b"".join(b'{"i": %3d}\\n' % i for i in range(100))  # 100 lines of 11 bytes
    >>> [line[6:-1].strip() for line in sample_lines(data, head=2, spread=2, full_below=0).splitlines()]
    [b'0', b'1', b'0', b'50']
    """
    head = _HEAD_LINES if head is None else head
    spread = _SPREAD_LINES if spread is None else spread
    full_below = FULL_INFERENCE_BYTES if full_below is None else full_below
    n = len(buf)
    if n <= full_below:
        return bytes(buf)
    parts = []
    pos = 0
    for _ in range(head):
        end = buf.find(b"\n", pos)
        if end < 0:
            parts.append(bytes(buf[pos:]))
            break
        parts.append(bytes(buf[pos:end]))
        pos = end + 1
    for i in range(spread):
        at = n * i // spread
        start = 0 if at == 0 else buf.find(b"\n", at - 1) + 1  # the line that begins at or after `at`
        if start <= 0 and at:
            break
        end = buf.find(b"\n", start)
        parts.append(bytes(buf[start:end if end >= 0 else n]))
    return b"\n".join(p for p in parts if p.strip()) + b"\n"


def escaped_keys(schema) -> list[str]:
    """Object keys in a polars schema (struct field names, at any depth) that JSON writes with an
    escape (a quote, a backslash or a control character): polars would write them unescaped
    wherever it reads such an object into a ``String`` column.

    Examples
    --------
    >>> import polars as pl
    >>> data = b'{"m": {"a\\\\"b": 1, "ok": {"x\\\\ny": 2}}}\\n'
    >>> pl.read_ndjson(data, schema={"m": pl.String})["m"][0]  # what polars 2.1 writes
    '{"a"b": 1, "ok": {"x\\ny": 2}}'
    >>> escaped_keys(pl.read_ndjson(data).schema)
    ['a"b', 'x\\ny']
    """
    import polars as pl

    found: list[str] = []

    def walk(dtype) -> None:
        if isinstance(dtype, pl.Struct):
            for f in dtype.fields:
                if any(ch in '"\\' or ord(ch) < 0x20 for ch in f.name):
                    found.append(f.name)
                walk(f.dtype)
        elif isinstance(dtype, (pl.List, pl.Array)):
            walk(dtype.inner)

    for dtype in schema.values():
        walk(dtype)
    return found


def record_has_escaped_key(record: Any) -> bool:
    """Whether a parsed JSON value holds, below its top level, an object key that JSON writes with
    an escape (the check of :func:`escaped_keys` for records polars could not infer a schema from).

    Examples
    --------
    >>> record_has_escaped_key({"m": [{"a\\nb": 1}]}), record_has_escaped_key({"m": {"ok": "a\\"b"}})
    (True, False)
    """
    stack = list(record.values()) if isinstance(record, dict) else [record]
    while stack:
        v = stack.pop()
        if isinstance(v, dict):
            if any(any(ch in '"\\' or ord(ch) < 0x20 for ch in k) for k in v):
                return True
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)
    return False


def _no_null(dtype):
    """``dtype`` with every ``Null`` (a key only ever null in the sample) replaced by ``String``,
    which takes any JSON value later (numbers and objects as their JSON text)."""
    import polars as pl

    if dtype == pl.Null:
        return pl.String
    if isinstance(dtype, pl.Struct):
        return pl.Struct({f.name: _no_null(f.dtype) for f in dtype.fields})
    if isinstance(dtype, pl.List):
        return pl.List(_no_null(dtype.inner))
    return dtype


def ndjson_schema(source: str | Path | bytes, *, full_inference: bool = False):
    """The polars schema of a clean JSONL file or buffer, inferred as the module docstring says
    (a key only ever null in the sample is read as text). Raises what polars raises when the
    sampled lines do not parse.

    Examples
    --------
    >>> data = b"".join(b'{"a": %d}\\n' % i for i in range(2000)) + b'{"a": 1, "late": [1]}\\n'
    >>> dict(ndjson_schema(data))
    {'a': Int64, 'late': List(Int64)}
    """
    import polars as pl

    if isinstance(source, (bytes, bytearray, memoryview)):
        sample = sample_lines(source, full_below=len(source) if full_inference else None)
    else:
        with Path(source).open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
            sample = sample_lines(mm, full_below=len(mm) if full_inference else None)
    inferred = pl.read_ndjson(sample, infer_schema_length=None).schema
    return pl.Schema({k: _no_null(v) for k, v in inferred.items()})


def read_ndjson_keys(source: str | Path | bytes, *, full_inference: bool = False):
    """``polars.read_ndjson`` of a clean JSONL file or buffer with the schema of
    :func:`ndjson_schema`. Raises what polars raises on a file it cannot read.

    Examples
    --------
    >>> data = b"".join(b'{"a": %d}\\n' % i for i in range(2000)) + b'{"a": 1, "late": "kept"}\\n'
    >>> read_ndjson_keys(data)["late"].drop_nulls().to_list()
    ['kept']
    """
    import polars as pl

    return pl.read_ndjson(source, schema=ndjson_schema(source, full_inference=full_inference))


class RecordLines:
    """Line numbers of the records polars read from a JSONL file or buffer (it skips blank and
    whitespace-only lines). The file is scanned on the first call only, and only when it has
    such lines does the mapping differ from ``record + 1``.

    Examples
    --------
    >>> lines = RecordLines(b'{"a": 1}\\n\\n{"a": 2}\\n')
    >>> lines(1), lines(2)
    (1, 3)
    """

    def __init__(self, source: str | Path | bytes) -> None:
        self.source = source
        self._lines: list[int] | None = None

    def _scan(self) -> list[int]:
        if isinstance(self.source, (bytes, bytearray, memoryview)):
            raw = bytes(self.source)
        else:
            raw = Path(self.source).read_bytes()
        return [i for i, line in enumerate(raw.split(b"\n"), start=1) if line.strip()]

    def __call__(self, record: int | None) -> int | None:
        """Line number of the ``record``-th record (1-based), or ``None``."""
        if record is None:
            return None
        if self._lines is None:
            self._lines = self._scan()
        return self._lines[record - 1] if 0 < record <= len(self._lines) else None
