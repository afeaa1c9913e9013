"""LangSmith loader on files produced by the real ``langsmith`` / ``langchain-core`` SDKs.

``tests/data/io/real/langsmith`` was written by ``scripts/real_exports/langsmith_sdk.py`` (see the
SOURCE.md there): run trees built with ``RunTree``, ``@traceable`` and LangChain's tracer, captured
at the SDK's HTTP session, saved as ``Run``/``Feedback`` objects the ways users save them.
Expectations come from ``expected.json`` (what the script built) and the texts the script used.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl

DATA = Path(__file__).parents[1] / "data" / "io" / "real" / "langsmith"
EXPECTED = json.loads((DATA / "expected.json").read_text())
RUNS = EXPECTED["runs"]
ROOTS = {r["name"]: r["id"] for r in RUNS if r["parent_run_id"] is None}
RUN_FILES = ["runs_json.jsonl", "runs_dict.json", "runs_nested.json", "ingest_payload.json", "runs_sent.jsonl"]
#: root input -> output text, and session/thread id, per root run (as the script built them)
TEXT = {"support_bot": ("How do I reset my password?", "Open Settings > Security and click 'Reset password'.",
                        "thread-1"),
        "refund_pipeline": ("How long do refunds take?", "Refunds take up to 14 days.", "conv-3"),
        "RunnableSequence": ("Hello! How can I help you?", "Bonjour ! Comment puis-je vous aider ?", "conv-7")}


@pytest.fixture(scope="module", params=RUN_FILES)
def runs_set(request):
    ts = fl.read_traces(DATA / request.param)
    assert ts.traces["source"].unique().to_list() == ["langsmith"]
    return ts


def test_counts(runs_set):
    assert len(runs_set.rejects) == 0
    assert runs_set.spans.height == len(RUNS)
    assert runs_set.traces.height == len({r["trace_id"] for r in RUNS}) == 3
    assert sorted(runs_set.spans["span_id"].to_list()) == sorted(r["id"] for r in RUNS)


def test_text_session_and_user(runs_set):
    t = runs_set.traces
    for name, (inp, out, sess) in TEXT.items():
        row = t.filter(pl.col("trace_id") == ROOTS[name]).row(0, named=True)
        assert (row["input"], row["output"], row["session_id"]) == (inp, out, sess)
    assert t.filter(pl.col("trace_id") == ROOTS["support_bot"])["user_id"].item() == "user-42"


def test_tokens_model_and_errors(runs_set):
    """LLM runs' tokens (server columns, outputs.usage_metadata or, in what the SDK sends,
    extra.metadata.usage_metadata for RunTree.set() and LangChain) -> spans, summed per trace."""
    spans = {r["span_id"]: r for r in runs_set.spans.iter_rows(named=True)}
    for r in RUNS:
        s = spans[r["id"]]
        assert (s["input_tokens"], s["output_tokens"]) == (r["prompt_tokens"], r["completion_tokens"]), r["name"]
        assert s["status"] == ("error" if r["error"] else "ok")
    for tid in {r["trace_id"] for r in RUNS}:
        row = runs_set.traces.filter(pl.col("trace_id") == tid).row(0, named=True)
        llm = [r for r in RUNS if r["trace_id"] == tid and r["run_type"] == "llm"]
        assert row["input_tokens"] == sum(r["prompt_tokens"] for r in llm)
        assert row["output_tokens"] == sum(r["completion_tokens"] for r in llm)
    first = runs_set.traces.filter(pl.col("trace_id") == ROOTS["support_bot"]).row(0, named=True)
    assert (first["model"], first["status"], first["tags"]) == ("gpt-4o-mini", "error", ["prod", "support"])


KIND = {"api": "user", "model": "llm", "app": "human"}


@pytest.mark.parametrize("name", ["feedback_json.jsonl", "feedback_dict.json"])
def test_feedback(name):
    fb = fl.read_traces(DATA / name).feedback
    want = EXPECTED["feedback"]
    assert fb.height == len(want) + sum(f["correction"] is not None for f in want)
    for f in want:
        row = fb.filter((pl.col("name") == f["key"]) & (pl.col("trace_id") == f["trace_id"])).row(0, named=True)
        assert row["annotator_kind"] == KIND[f["source"]]
        assert row["value"] == (float(f["score"]) if f["score"] is not None else None)
        assert row["label"] == (f["value"] if isinstance(f["value"], str) else None)
    corr = fb.filter(pl.col("name") == "correction").row(0, named=True)
    assert corr["comment"] == "Refunds are issued within 14 days."
    assert fb.filter(pl.col("name") == "fluency")["annotator"].item() == "Ada Reviewer"


def test_runs_with_feedback_point_feedback_at_the_llm_run():
    ts = fl.read_traces([DATA / "runs_json.jsonl", DATA / "feedback_json.jsonl"])
    llm = next(r["id"] for r in RUNS if r["name"] == "ChatOpenAI")
    assert ts.feedback.filter(pl.col("name") == "helpfulness")["span_id"].item() == llm
    assert ts.feedback.filter(pl.col("name") == "user_score")["span_id"].item() is None
