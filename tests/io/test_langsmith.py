"""LangSmith loader: SDK payloads (vendored + shared), run trees, feedback, round trip, sniffing."""

from __future__ import annotations

import json
import shutil

import polars as pl
import pytest

import feedback_lab as fl
from feedback_lab.sample_data import _export_langsmith

TRACE_COLS = ["trace_id", "session_id", "user_id", "timestamp", "model", "prompt_version", "task", "input",
              "output", "reference", "latency_ms", "input_tokens", "output_tokens", "cost", "status", "tags",
              "metadata"]
FB_COLS = ["trace_id", "name", "value", "label", "comment", "annotator_kind", "annotator", "timestamp"]


def _check_payloads(files):
    ts = fl.read_traces(files)
    runs = [json.loads(f.read_text()) for f in files]
    assert len(ts.traces) == len(ts.spans) == len(runs) and len(ts.rejects) == 0
    for f, d in zip(files, runs, strict=True):
        post = d["post"][0]
        row = ts.traces.filter(pl.col("trace_id") == post["trace_id"]).row(0, named=True)
        assert row["input"] == post["inputs"]["messages"][-1]["content"]
        out = d["patch"][0]["outputs"]["choices"][0]["message"]["content"]
        assert row["output"] == out, f.name
    return ts


def test_vendored_langsmith_payloads(test_data):
    files = sorted((test_data / "io" / "langsmith").glob("*.json"))
    ts = _check_payloads(files)
    py = ts.traces.filter(pl.col("trace_id") == "d0d84d31-923d-4cb5-94a8-40a0a0087578").row(0, named=True)
    assert (py["model"], py["input_tokens"], py["output_tokens"]) == ("gpt-4o-mini", 9, 9)
    assert py["latency_ms"] == pytest.approx(1118.333)  # 20:58:24.417106 - 20:58:23.298773
    js = ts.traces.filter(pl.col("trace_id") == "dc34609e-3eeb-459d-bc2a-6fedb01d2e6e").row(0, named=True)
    assert js["latency_ms"] == 1115.0  # epoch-millisecond start/end (JS SDK)


@pytest.mark.shared
def test_shared_langsmith_payloads(shared_data):
    _check_payloads(sorted((shared_data / "trace_langsmith_runs").rglob("*.json")))


def test_run_tree_via_child_runs_and_dotted_order(tmp_path):
    t0 = "2025-01-01T00:00:00+00:00"
    tree = {"id": "r", "name": "agent", "run_type": "chain", "start_time": t0, "end_time": "2025-01-01T00:00:03+00:00",
            "inputs": {"question": "Where is my order?"}, "outputs": {"output": "It ships today."},
            "extra": {"metadata": {"thread_id": "th1", "user_id": "u1"}}, "tags": ["prod"],
            "child_runs": [{"id": "l", "name": "ChatOpenAI", "run_type": "llm", "start_time": t0,
                            "end_time": "2025-01-01T00:00:02+00:00", "prompt_tokens": 10, "completion_tokens": 4,
                            "inputs": {"messages": [{"role": "user", "content": "Where is my order?"}]},
                            "outputs": {"generations": [[{"text": "It ships today."}]]},
                            "extra": {"invocation_params": {"model": "gpt-4o"}}}]}
    flat = [{"id": "x", "run_type": "chain", "start_time": t0, "dotted_order": "20250101T000000000000Zx",
             "inputs": {"input": "hi"}, "outputs": {"output": "hello"}},
            {"id": "y", "run_type": "tool", "start_time": t0, "error": "Timeout",
             "dotted_order": "20250101T000000000000Zx.20250101T000001000000Zy", "inputs": {}, "outputs": None}]
    (tmp_path / "runs.json").write_text(json.dumps([tree, *flat]))
    ts = fl.read_traces(tmp_path / "runs.json")
    assert len(ts.spans) == 4 and sorted(ts.traces["trace_id"]) == ["r", "x"]
    r = ts.traces.filter(pl.col("trace_id") == "r").row(0, named=True)
    assert (r["input"], r["output"], r["model"], r["input_tokens"]) == ("Where is my order?", "It ships today.", "gpt-4o", 10)
    assert (r["session_id"], r["user_id"], r["latency_ms"]) == ("th1", "u1", 3000.0)
    assert ts.spans.filter(pl.col("span_id") == "y")["parent_id"][0] == "x"
    assert ts.traces.filter(pl.col("trace_id") == "x")["status"][0] == "error"


def test_feedback_records(tmp_path):
    recs = [
        {"id": "f1", "run_id": "r", "key": "correctness", "score": 0, "comment": "wrong", "created_at": "2025-01-01T00:00:00Z",
         "feedback_source": {"type": "model"}},
        {"id": "f2", "run_id": "r", "key": "helpful", "score": True, "feedback_source": {"type": "api", "user_id": "u1"}},
        {"id": "f3", "run_id": "r", "key": "tone", "value": "rude", "correction": {"output": "Sorry about that!"},
         "feedback_source": {"type": "app", "user_name": "alice"}},
        {"id": "f4", "key": "orphan"},
    ]
    p = tmp_path / "feedback.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in recs))
    fb = fl.read_traces(p, format="langsmith")
    assert fb.feedback.select("trace_id", "name", "value", "label", "comment", "annotator_kind").rows() == [
        ("r", "correctness", 0.0, None, "wrong", "llm"), ("r", "helpful", 1.0, None, None, "user"),
        ("r", "tone", None, "rude", None, "human"), ("r", "correction", None, None, "Sorry about that!", "human")]
    assert fb.rejects["line"].to_list() == [4]
    assert fl.sniff_format(p) == "langsmith"


def test_round_trip_small_traceset(tmp_path, small_traceset):
    _export_langsmith.write(small_traceset, tmp_path)
    back = fl.read_traces(tmp_path)
    assert len(back.rejects) == 0 and len(back.spans) == len(small_traceset.spans)
    a, b = small_traceset.traces.select(TRACE_COLS).sort("trace_id"), back.traces.select(TRACE_COLS).sort("trace_id")
    assert a.equals(b), [c for c in TRACE_COLS if not a[c].equals(b[c])]
    fa = small_traceset.feedback.select(FB_COLS).sort(FB_COLS, nulls_last=True)
    assert fa.equals(back.feedback.select(FB_COLS).sort(FB_COLS, nulls_last=True))


def test_auto_recognises_langsmith_from_content(tmp_path, test_data):
    shutil.copy(test_data / "io" / "langsmith" / "langsmith_py_wrap_openai_.json", tmp_path / "x.data")
    assert fl.sniff_format(tmp_path / "x.data") == "langsmith"


@pytest.mark.parametrize("suffix", [".json", ".jsonl"])
def test_tags_that_are_not_strings(tmp_path, suffix):
    # found by tests/io/test_fuzz_real_exports.py: a number among the tags made the trace frame fail
    run = {"id": "r", "name": "agent", "run_type": "chain", "trace_id": "r", "dotted_order": "20250101T000000000000Zr",
           "start_time": "2025-01-01T00:00:00+00:00",
           "end_time": "2025-01-01T00:00:01+00:00", "inputs": {"input": "hi"}, "outputs": {"output": "hello"},
           "tags": [1, "support", None, {"k": "v"}]}
    p = tmp_path / f"runs{suffix}"
    p.write_text(json.dumps([run]) if suffix == ".json" else json.dumps(run) + "\n")
    ts = fl.read_traces(p)
    assert ts.traces["tags"].to_list() == [["1", "support", '{"k": "v"}']]
