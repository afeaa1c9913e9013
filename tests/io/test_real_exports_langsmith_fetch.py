"""LangSmith loader on what LangChain's ``langsmith-fetch`` CLI (0.3.1) writes.

``tests/data/io/real/langsmith_fetch`` was written by ``scripts/real_exports/langsmith_fetch.py``: the
real tool against a local stand-in for the LangSmith API. Expectations come from ``expected.json``
(the runs, messages and feedback the server served), not from the loader.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl

DATA = Path(__file__).parents[1] / "data" / "io" / "real" / "langsmith_fetch"
SERVED = json.loads((DATA / "expected.json").read_text())
RUNS = {r["id"]: r for r in SERVED["runs"]}
AGENT, CHAT, FAILED = (r["id"] for r in SERVED["runs"])
#: the question and the reply a reviewer reads, per trace (the messages' last user turn and answer)
TEXT = {AGENT: ("Can I still change my flight BA117 to Friday?",
                "Yes: you can move BA117 to Friday until 24 hours before departure, for a GBP 65 fee."),
        CHAT: ("Which terminal does BA use at Heathrow?", "British Airways flies from Terminal 5 at Heathrow."),
        FAILED: (None, None)}


def _row(frame, tid):
    return frame.filter(pl.col("trace_id") == tid).row(0, named=True)


@pytest.mark.parametrize("name", ["traces", "traces_meta", "traces_stdout.json"])
def test_every_trace_loads_with_its_question_and_answer(name):
    files = sorted((DATA / name).glob("*.json")) if (DATA / name).is_dir() else [DATA / name]
    assert [fl.sniff_format(p) for p in files] == ["langsmith"] * len(files)
    ts = fl.read_traces(DATA / name)
    assert ts.rejects.height == 0
    assert sorted(ts.traces["trace_id"]) == sorted(RUNS)
    assert ts.spans.height == len(RUNS)  # one span per trace, holding every message
    for tid, (question, answer) in TEXT.items():
        row = _row(ts.traces, tid)
        assert (row["input"], row["output"]) == (question, answer)
    agent_span = _row(ts.spans, AGENT)
    # the whole exchange is kept: the tool call and the tool's answer are in the span's output
    assert "check_change_rules" in agent_span["output"] and "fee GBP 65" in agent_span["output"]


@pytest.mark.parametrize("name", ["traces_meta", "traces_stdout.json"])
def test_metadata_gives_times_status_tokens_cost_and_session(name):
    ts = fl.read_traces(DATA / name)
    for tid, run in RUNS.items():
        row = _row(ts.traces, tid)
        meta = run["extra"]["metadata"]
        assert row["timestamp"].isoformat().startswith(run["start_time"][:19])
        assert row["status"] == ("error" if run["status"] == "error" else "ok")
        assert (row["input_tokens"], row["output_tokens"]) == (run["prompt_tokens"], run["completion_tokens"])
        if run["total_cost"] is None:
            assert row["cost"] is None
        else:
            assert row["cost"] == pytest.approx(run["total_cost"])
        assert row["session_id"] == (meta.get("thread_id") or meta.get("session_id"))
        assert row["user_id"] == meta.get("user_id")
    assert _row(ts.traces, AGENT)["model"] == RUNS[AGENT]["extra"]["metadata"]["ls_model_name"]
    assert _row(ts.traces, AGENT)["latency_ms"] == pytest.approx(4750.0)
    assert _row(ts.traces, CHAT)["prompt_version"] == "v7"


@pytest.mark.parametrize("name", ["traces_meta", "traces_stdout.json", "trace_meta.json"])
def test_feedback_the_tool_wrote_is_loaded_with_unknown_annotator_kind(name):
    ts = fl.read_traces(DATA / name)
    # the tool fetched feedback for the agent run only (see SOURCE.md)
    served = SERVED["feedback"][AGENT]
    assert ts.feedback.height == len(served)
    for f in served:
        row = ts.feedback.filter(pl.col("name") == f["key"]).row(0, named=True)
        assert row["trace_id"] == AGENT
        assert row["value"] == f["score"]
        assert row["label"] == f["value"]
        assert row["comment"] == f["comment"]
        assert row["annotator_kind"] is None  # the tool drops feedback_source


def test_a_single_trace_file_without_an_id_takes_its_file_name():
    ts = fl.read_traces(DATA / "trace_raw.json")
    assert ts.traces["trace_id"].to_list() == ["trace_raw"]
    assert (ts.traces["input"][0], ts.traces["output"][0]) == TEXT[CHAT]


def test_a_thread_file_is_one_trace_its_last_exchange_with_every_turn_kept():
    ts = fl.read_traces(DATA / "threads")
    (tid, msgs), = SERVED["threads"].items()
    assert ts.traces["trace_id"].to_list() == [tid]
    assert (ts.traces["input"][0], ts.traces["output"][0]) == TEXT[AGENT]
    span = ts.spans.row(0, named=True)
    assert msgs[0]["content"] in span["input"]  # the earlier turn is in the span


def test_the_feedback_the_tool_writes_with_a_correction(tmp_path):
    # the tool's record of a feedback with a correction (``_serialize_feedback``: id, key, score, value,
    # comment, correction, created_at), in the file the tool writes with --include-feedback
    doc = json.loads((DATA / "trace_meta.json").read_text())
    fb = SERVED["feedback"][CHAT][0]
    doc["trace_id"] = CHAT
    doc["feedback"] = [{k: fb[k] for k in ("id", "key", "score", "value", "comment", "correction")}
                       | {"created_at": "2026-11-20T11:00:00"}]
    f = tmp_path / "trace.json"
    f.write_text(json.dumps(doc, indent=2))
    ts = fl.read_traces(f)
    assert sorted(ts.feedback["name"]) == ["correction", "correctness"]
    corr = ts.feedback.filter(pl.col("name") == "correction").row(0, named=True)
    assert corr["comment"] == fb["correction"]["output"] and corr["trace_id"] == CHAT


def test_a_thread_with_metadata_is_a_trace_of_its_session():
    ts = fl.read_traces(DATA / "thread_meta.json")
    (tid, _msgs), = SERVED["threads"].items()
    row = ts.traces.row(0, named=True)
    # the metadata is that of the thread's latest root run (the agent run)
    meta = RUNS[AGENT]["extra"]["metadata"]
    assert (row["trace_id"], row["session_id"], row["user_id"]) == (tid, tid, meta["user_id"])
    assert (row["input"], row["output"]) == TEXT[AGENT]
    assert row["model"] == meta["ls_model_name"]
    assert sorted(ts.feedback["name"]) == sorted(f["key"] for f in SERVED["feedback"][AGENT])
    assert set(ts.feedback["trace_id"]) == {tid}
