"""Load helpers for the platform-format tests.

``load(paths, fmt)`` goes through ``fl.read_traces`` when it exists (after the generic reader lands)
and otherwise through the format's own ``FORMAT.read`` + ``TraceSet.from_frames``.
"""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path

import polars as pl

from feedback_lab.schema import TraceSet

TRACE_COLS = ["trace_id", "session_id", "user_id", "timestamp", "model", "prompt_version", "input", "output",
              "reference", "latency_ms", "input_tokens", "output_tokens", "cost", "status", "tags", "metadata"]
FEEDBACK_COLS = ["trace_id", "name", "value", "label", "comment", "annotator_kind", "annotator", "timestamp"]


def fmt_module(fmt: str):
    return importlib.import_module(f"feedback_lab.io._{fmt}")


def _read_traces():
    try:
        from feedback_lab.io._read import read_traces
    except ImportError:
        return None
    return read_traces


def load(paths, fmt: str) -> TraceSet:
    """Read ``paths`` (a path or a list) as ``fmt``."""
    paths = [Path(p) for p in (paths if isinstance(paths, (list, tuple)) else [paths])]
    rt = _read_traces()
    if rt is not None:
        return rt(paths if len(paths) > 1 else paths[0], format=fmt)
    return TraceSet.from_frames(**fmt_module(fmt).FORMAT.read(paths))


def sniffed(path: Path, tmp_path: Path) -> str:
    """The format ``sniff_format`` picks for a copy of ``path`` renamed to ``.txt``."""
    from feedback_lab.io._registry import sniff_format

    dst = tmp_path / (path.name.replace(".", "_") + ".txt")
    shutil.copyfile(path, dst)
    return sniff_format(dst)


def same(a: pl.DataFrame, b: pl.DataFrame, cols: list[str], key: list[str]) -> None:
    """Assert ``a`` and ``b`` are equal on ``cols`` after sorting by ``key``."""
    a = a.select(cols).sort(key, nulls_last=True)
    b = b.select(cols).sort(key, nulls_last=True)
    for c in cols:
        assert a[c].to_list() == b[c].to_list(), f"column {c!r} differs:\n{a[c].to_list()}\n{b[c].to_list()}"
