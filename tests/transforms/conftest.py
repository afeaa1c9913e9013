"""Small canonical frames for the transform tests (built per backend by ``make_frame``)."""

from __future__ import annotations

import pandas as pd
import pytest


def traces_data(n: int = 6, *, label_same: bool = False) -> dict:
    ts = pd.date_range("2024-01-01", periods=max(n, 1), freq="2D", tz="UTC")[:n]
    return {
        "trace_id": [f"t{i}" for i in range(n)],
        "session_id": [f"s{i // 2}" for i in range(n)],
        "timestamp": ts,
        "model": ["m1" if i % 2 else "m2" for i in range(n)],
        "prompt_version": ["v1.9.0" if i < n / 2 else "v1.10.0" for i in range(n)],
        "input": [f"question {i // 2}" for i in range(n)],
        "output": [f"answer number {i}" for i in range(n)],
        "latency_ms": [100.0 + 10 * i for i in range(n)],
    }


def feedback_data(n: int = 6, *, same: bool = False) -> dict:
    return {
        "trace_id": [f"t{i}" for i in range(n)],
        "name": ["thumb"] * n,
        "value": [1.0 if same or i % 3 else 0.0 for i in range(n)],
        "label": ["pass" if same or i % 3 else "fail" for i in range(n)],
        "comment": [None] * n,
        "annotator_kind": ["user" if i % 2 else "llm" for i in range(n)],
        "annotator": [f"u{i}" for i in range(n)],
    }


def events_data(n: int = 6) -> dict:
    kinds = ["regenerate", "copy", "edit", "abandon", "regenerate", "copy"]
    return {
        "trace_id": [f"t{i}" for i in range(n)],
        "session_id": [f"s{i // 2}" for i in range(n)],
        "event": [kinds[i % len(kinds)] for i in range(n)],
        "timestamp": pd.date_range("2024-01-01 00:05", periods=max(n, 1), freq="2D", tz="UTC")[:n],
        "payload": ["an edited answer" if kinds[i % len(kinds)] == "edit" else None for i in range(n)],
    }


@pytest.fixture
def frames(make_frame):
    """``frames(n, same=False)`` -> (traces, feedback, events) of the parametrised backend."""

    def build(n: int = 6, same: bool = False):
        tr = traces_data(n)
        fb = feedback_data(n, same=same)
        ev = events_data(n)
        if n == 0:  # keep dtypes sensible for empty frames
            tr = {k: pd.Series(v, dtype="datetime64[us, UTC]" if k == "timestamp" else ("float64" if k == "latency_ms" else object)) for k, v in tr.items()}
            fb = {k: pd.Series(v, dtype="float64" if k == "value" else object) for k, v in fb.items()}
            ev = {k: pd.Series(v, dtype="datetime64[us, UTC]" if k == "timestamp" else object) for k, v in ev.items()}
        return make_frame(tr), make_frame(fb), make_frame(ev)

    return build
