"""Bulk-export Parquet read column-wise gives exactly what the per-record reader gives.

Random run sets (payload shapes with messages, unicode, escapes and control characters, floats
such as 1e-07 or 1.0, JSON held in strings, plain-text cells, nulls, tags as JSON text or a list
column, metadata with session/user ids, token counts, costs, naive and aware timestamps, dotted
orders, duplicate ids, several files) are written as Parquet and read both ways, frame for frame.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pl = pytest.importorskip("polars")
from polars.testing import assert_frame_equal  # noqa: E402

from feedback_lab.io import _langsmith  # noqa: E402

sys.path.insert(0, str(Path(__file__).parent))
from _fuzz_helpers import fuzz_examples  # noqa: E402

MAX_EXAMPLES = fuzz_examples(40)
CLEAN = st.text(st.sampled_from(list("ab \u00e9\u2014\U0001f6000e:,")), max_size=8)
TEXT = CLEAN | CLEAN | CLEAN | st.text(st.sampled_from([*list('ab "\\\n\t\x01{}[]:,0e'), "x"]), max_size=8)
FLOATS = st.sampled_from([1e-07, 1.0, 1e16, -0.0, 2.5e-05, 0.5, 123.25, 3, 10**17])
KEYS = st.sampled_from(["question", "output", "text", "content", "messages", "model", "usage", "k", "a\"b", "a\nb", "\u00e9"])
VALUE = st.recursive(st.none() | st.booleans() | st.integers(-99, 99) | FLOATS | TEXT,
                     lambda ch: st.lists(ch, max_size=3) | st.dictionaries(KEYS, ch, max_size=3), max_leaves=6)
PAYLOAD = st.one_of(
    st.builds(lambda k, t: {k: t}, st.sampled_from(["question", "input", "output", "answer"]), TEXT),
    st.builds(lambda t: {"messages": [{"role": "user", "content": t}]}, TEXT),
    st.builds(lambda t: json.dumps({"question": t}), TEXT),  # JSON held in a string
    TEXT, st.none(), VALUE)
META = st.fixed_dictionaries({}, optional={
    "session_id": st.sampled_from(["s1", "", None, 7]), "thread_id": TEXT, "user_id": st.sampled_from(["u", None]),
    "ls_model_name": st.sampled_from(["gpt-4o-mini", 5, ""]), "usage_metadata": st.just({"input_tokens": 3}),
    "k": VALUE})
EXTRA = st.none() | st.fixed_dictionaries({}, optional={"metadata": META | TEXT, "invocation_params": st.just(
    {"model": "m"}), "runtime": VALUE})
T0 = dt.datetime(2026, 1, 1)


def _cell(v, style: int):
    """A JSON text cell as an exporter may write it: compact, spaced, ASCII-escaped, or bare text."""
    if v is None:
        return None
    if isinstance(v, str) and style == 3:
        return v  # a text cell
    return json.dumps(v, ensure_ascii=style == 2, separators=(",", ":") if style == 0 else None)


@st.composite
def run_files(draw):
    n_files = draw(st.integers(1, 3))
    files, k = [], 0
    for _ in range(n_files):
        aware, unit = draw(st.booleans()), draw(st.sampled_from(["us", "ns"]))
        tag_list = draw(st.booleans())
        rows = []
        for _ in range(draw(st.integers(1, 8))):
            i, k = k, k + 1
            tid = f"t{i // 3}"
            root = i % 3 == 0
            rid = draw(st.sampled_from([f"r{i}"] * 16 + [f"r{max(i - 1, 0)}", None]))
            style = draw(st.integers(0, 3))
            tags = draw(st.none() | st.lists(st.sampled_from(["prod", "a b", 'q"', "\u00e9"]), max_size=2))
            start = draw(st.none() | st.integers(0, 10**9))
            rows.append({
                "id": rid, "name": draw(st.none() | st.sampled_from(["chain", "ChatOpenAI"]) | TEXT),
                "run_type": draw(st.sampled_from(["chain", "llm", "llm", "LLM", "tool"] * 3 + [None])),
                "trace_id": draw(st.sampled_from([tid] * 14 + [None, ""])),
                "parent_run_id": None if root else draw(st.sampled_from([f"r{i - i % 3}", None, "None"])),
                "dotted_order": draw(st.sampled_from([None, f"20260101T000000000000Z{tid}" + (
                    "" if root else f".20260101T000000000001Zr{i}")])),
                "start_time": None if start is None else T0 + dt.timedelta(microseconds=start),
                "end_time": T0 + dt.timedelta(seconds=3),
                "inputs": _cell(draw(PAYLOAD), style), "outputs": _cell(draw(PAYLOAD), style),
                "extra": _cell(draw(EXTRA), style % 3),
                "tags": tags if tag_list else _cell(tags, style % 3),
                "error": draw(st.sampled_from([None] * 6 + ["boom", "", "a\\b"])),
                "status": draw(st.sampled_from(["success", None, "pending"])),
                "session_id": draw(st.sampled_from(["p1", None, 'p"2'])),
                "prompt_tokens": draw(st.none() | st.integers(0, 99) | st.sampled_from([9007199254740993] + [7] * 9)),
                "completion_tokens": draw(st.none() | st.integers(0, 99)),
                "total_cost": draw(st.none() | FLOATS.map(float)),
                "tenant_id": "ten", "is_root": root,
            })
        ts = pl.Datetime(unit, "UTC" if aware else None)
        schema = {"id": pl.String, "name": pl.String, "run_type": pl.String, "trace_id": pl.String,
                  "parent_run_id": pl.String, "dotted_order": pl.String, "start_time": ts, "end_time": ts,
                  "inputs": pl.String, "outputs": pl.String, "extra": pl.String,
                  "tags": pl.List(pl.String) if tag_list else pl.String, "error": pl.String, "status": pl.String,
                  "session_id": pl.String, "prompt_tokens": pl.Int64, "completion_tokens": pl.Int64,
                  "total_cost": pl.Float64, "tenant_id": pl.String, "is_root": pl.Boolean}
        if aware:
            for r in rows:
                for c in ("start_time", "end_time"):
                    r[c] = r[c] and r[c].replace(tzinfo=dt.UTC)
        files.append(pl.DataFrame(rows, schema=schema))
    return files


def _per_record(paths, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(_langsmith, "read_fast", lambda p: None)
        return _langsmith.read_langsmith(paths)


def test_parquet_column_wise_equals_per_record(tmp_path_factory, monkeypatch):
    d = tmp_path_factory.mktemp("lsparq")
    taken = []

    @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None,
              suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
    @given(run_files())
    def run(frames):
        paths = []
        for j, f in enumerate(frames):
            p = d / f"part-{j}.parquet"
            f.write_parquet(p)
            paths.append(p)
        fast = _langsmith.read_fast(paths)
        slow = _per_record(paths, monkeypatch)
        taken.append(fast is not None)
        if fast is None:
            return
        assert {k: v is None for k, v in fast.items()} == {k: v is None for k, v in slow.items()}
        for name in (k for k, v in slow.items() if v is not None):
            assert_frame_equal(fast[name], slow[name])

    run()
    assert any(taken)  # the column-wise path took some of the examples


def test_clean_export_is_taken_column_wise(tmp_path):
    rows = [{"id": f"r{i}", "trace_id": "r0", "parent_run_id": None if i == 0 else "r0", "name": "n",
             "run_type": "llm", "start_time": T0, "end_time": T0, "inputs": '{"question":"hi \\u00e9"}',
             "outputs": '{"answer":"ok","score":0.5}', "extra": '{"metadata":{"session_id":"s"}}',
             "tags": '["prod"]', "prompt_tokens": 3, "completion_tokens": 4, "total_cost": 1e-07} for i in range(3)]
    p = tmp_path / "x.parquet"
    pl.DataFrame(rows).write_parquet(p)
    from feedback_lab.io._langsmith_parquet import file_frame

    df, _ = file_frame(p)
    assert not df["_slow"].any()
    assert _langsmith.read_fast([p]) is not None
