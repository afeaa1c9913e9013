"""JSONL pieces of the canonical reader (:mod:`feedback_lab.io._canonical`): the file or its
decompressed bytes, the keys of its records, records parsed in Python as a frame of text
columns, and line numbers and raw lines for rejects."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

from feedback_lab.io._common import RAW_LIMIT, polars_failures
from feedback_lab.io._jsonl import escaped_keys, record_has_escaped_key

__all__ = ["Source", "frame_from_dicts", "jsonl_keys", "jsonl_line_numbers", "jsonl_raw_lines"]

_KEY_SAMPLE = 1000


class Source:
    """A JSONL file on disk, or its decompressed bytes."""

    def __init__(self, path: Path, data: bytes | None) -> None:
        self.path, self.data = path, data

    def open(self):
        return io.BytesIO(self.data) if self.data is not None else self.path.open("rb")

    def polars(self):
        return io.BytesIO(self.data) if self.data is not None else self.path

    def lines(self):
        with self.open() as fh:
            yield from fh

    def n_lines(self) -> int:
        """Physical lines (a last line without newline counts)."""
        count, last = 0, b"\n"
        with self.open() as fh:
            while chunk := fh.read(16 * 1024 * 1024):
                count += chunk.count(b"\n")
                last = chunk[-1:]
        return count + (last != b"\n")


def jsonl_keys(src: Source, exact_schema: bool = False) -> tuple[list[str], bool]:
    """Keys of the records: those polars finds in every line of a file up to 64 MB, or in 2,000
    lines spread through a larger one (see :mod:`feedback_lab.io._jsonl`); from the first 1,000
    records that parse when a sampled line is not JSON (the slow path then reads every line).
    And whether an object in those lines has a key polars would write unescaped."""
    import mmap

    import polars as pl

    from feedback_lab.io._jsonl import sample_lines

    def sample(buf):
        return sample_lines(buf, full_below=len(buf) if exact_schema else None)

    try:
        if src.data is not None:
            lines = sample(src.data)
        else:
            with src.path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
                lines = sample(mm)
        schema = pl.read_ndjson(lines, infer_schema_length=None).schema
        return list(schema), bool(escaped_keys(schema))
    except polars_failures():
        pass
    keys: dict[str, None] = {}
    n, escaped = 0, False
    for raw in src.lines():
        if not raw.strip():
            continue
        try:
            rec = json.loads(raw)
        except (ValueError, RecursionError):
            continue
        if isinstance(rec, dict):
            keys.update(dict.fromkeys(rec))
            escaped = escaped or record_has_escaped_key(rec)
            n += 1
            if n >= _KEY_SAMPLE:
                break
    return list(keys), escaped


def _as_text(v: Any) -> str | None:
    if v is None or isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return json.dumps(v, ensure_ascii=False, default=str)


def frame_from_dicts(records: list[dict], keys: list[str]):
    """A frame of text columns from parsed records (the slow path; values as JSON text)."""
    import polars as pl

    cols = {k: [_as_text(r.get(k)) for r in records] for k in keys}
    return pl.DataFrame(cols, schema={k: pl.String for k in keys})


def jsonl_line_numbers(data: Source, rows: list[int]) -> list[int]:
    """Line numbers of the given 0-based non-blank-line indices."""
    want = sorted(set(rows))
    found: dict[int, int] = {}
    k = 0
    i = 0
    for lineno, raw in enumerate(data.lines(), start=1):
        if not raw.strip():
            continue
        while i < len(want) and want[i] == k:
            found[k] = lineno
            i += 1
        if i >= len(want):
            break
        k += 1
    return [found.get(r) for r in rows]


def jsonl_raw_lines(data: Source, lines: list[int | None]) -> list[str]:
    want = set(lines)
    got = {}
    for lineno, raw in enumerate(data.lines(), start=1):
        if lineno in want:
            got[lineno] = raw.rstrip(b"\r\n").decode("utf-8", "replace")[:RAW_LIMIT]
    return [got.get(ln, "") if ln else "" for ln in lines]
