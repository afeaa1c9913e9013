"""Shared by the fuzz tests: byte-level corruptions of an export file and the property every loader
must keep (a FeedbackLabError naming the file, or rejects that each name a file and a 1-based line)."""

from __future__ import annotations

import importlib
import os
import re
import warnings
from pathlib import Path

from hypothesis import strategies as st

from feedback_lab.exceptions import FeedbackLabError
from feedback_lab.schema import TraceSet

__all__ = ["check_loader", "corruption", "fuzz_examples"]

def fuzz_examples(default: int) -> int:
    """Hypothesis examples per fuzz test: ``default`` (what CI runs), or ``FL_FUZZ_EXAMPLES``
    (``make fuzz`` sets it high for a longer hunt)."""
    return int(os.environ.get("FL_FUZZ_EXAMPLES", default))


_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"')
_REPLACEMENTS = [b"123", b"null", b"{}", b"[]", b"true", b'{"a": [1, {"b": null}]}', b'"' + b"x" * 200_000 + b'"',
                 b"[" * 3000 + b"]" * 3000, b'"\xff\xfe"', b"-1e999", b'"NaN"']


@st.composite
def corruption(draw, data: bytes) -> bytes:
    kind = draw(st.sampled_from(["truncate", "utf8", "replace", "drop_key", "duplicate", "garbage_line"]))
    if kind == "truncate":
        return data[: draw(st.integers(0, max(len(data) - 1, 0)))]
    if kind == "utf8":
        i = draw(st.integers(0, len(data)))
        return data[:i] + draw(st.sampled_from([b"\xff", b"\xc3\x28", b"\xed\xa0\x80", b"\x00"])) + data[i:]
    if kind in ("replace", "drop_key"):
        spans = [m.span() for m in _STRING.finditer(data)]
        if not spans:
            return data + b"\n{"
        a, b = spans[draw(st.integers(0, len(spans) - 1))]
        if kind == "drop_key":
            return data[:a] + b'"zz_renamed_key"' + data[b:]
        return data[:a] + draw(st.sampled_from(_REPLACEMENTS)) + data[b:]
    lines = data.split(b"\n")
    i = draw(st.integers(0, max(len(lines) - 1, 0)))
    if kind == "duplicate":
        lines.insert(i, lines[i])
    else:
        lines.insert(i, draw(st.sampled_from([b"{", b"[1, 2", b"not json", b'{"a": 1}', b",,,,", b'"str"'])))
    return b"\n".join(lines)


def check_loader(fmt: str, paths: list[Path], target: Path) -> None:
    mod = importlib.import_module(f"feedback_lab.io._{fmt}")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            out = mod.FORMAT.read(paths)
            ts = TraceSet.from_frames(**out)
        except FeedbackLabError as exc:
            assert target.name in str(exc), f"error does not name the file: {exc}"
            return
    r = ts.rejects
    assert r["file"].null_count() == 0 and r["line"].null_count() == 0
    assert (r["line"] >= 1).all()
