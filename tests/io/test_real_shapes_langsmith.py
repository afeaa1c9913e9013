"""LangSmith loader against the shapes LangSmith's own SDK hands out (``client.list_runs`` / ``list_feedback``).

Fixtures are written here from the schema in langchain-ai/langsmith-sdk (MIT),
``python/langsmith/schemas.py``: ``Run`` (``RunBase`` + ``session_id, child_run_ids, child_runs,
feedback_stats, app_path, manifest_id, status, prompt_tokens, completion_tokens, total_tokens, ...,
total_cost, parent_run_ids, trace_id, dotted_order, in_dataset``) and ``Feedback`` (``id, created_at,
modified_at, run_id, trace_id, key, score, value, comment, correction, feedback_source{type, metadata,
user_id, user_name}, session_id, comparative_experiment_id, feedback_group_id, extra``). A run
dumped with ``run.json()`` has ISO times without a zone (the API's naive UTC); with
``json.dumps(run.dict(), default=str)`` times are ``str(datetime)`` (space separator) and the
``Decimal`` cost a string. LangChain chat-model runs hold serialised messages
(``{"lc": 1, "type": "constructor", "id": [..., "HumanMessage"], "kwargs": {...}}``), batched as a
list of lists, and ``outputs.generations`` (``LLMResult``).
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

import feedback_lab as fl

R, L, SOLO = ("1f0a1b2c-0000-4000-8000-00000000000" + c for c in "123")
KIND = {"HumanMessage": "human", "AIMessage": "ai", "SystemMessage": "system"}


def _lc(cls: str, content: str) -> dict:
    return {"lc": 1, "type": "constructor", "id": ["langchain", "schema", "messages", cls],
            "kwargs": {"content": content, "type": KIND[cls]}}


_BASE = {"error": None, "serialized": None, "events": [], "reference_example_id": None, "tags": [], "attachments": {},
         "session_id": "5e5e5e5e-0000-4000-8000-000000000000", "child_run_ids": None, "child_runs": None,
         "feedback_stats": None, "app_path": "/o/x/projects/p/x/r/y", "manifest_id": None, "status": "success",
         "prompt_token_details": None, "completion_token_details": None, "first_token_time": None,
         "prompt_cost": None, "completion_cost": None, "in_dataset": False}
ROOT = {**_BASE, "id": R, "name": "agent", "run_type": "chain", "start_time": "2025-03-01T10:00:00.000000",
        "end_time": "2025-03-01T10:00:02.500000", "extra": {"metadata": {"thread_id": "th-1"}, "runtime": {}},
        "inputs": {"messages": [_lc("HumanMessage", "Where is my order?")]},
        "outputs": {"messages": [_lc("HumanMessage", "Where is my order?"), _lc("AIMessage", "It ships today.")]},
        "parent_run_id": None, "feedback_stats": {"correctness": {"n": 1, "avg": 1.0, "values": {}}},
        "prompt_tokens": 30, "completion_tokens": 6, "total_tokens": 36, "total_cost": 0.00021,
        "parent_run_ids": [], "trace_id": R, "dotted_order": "20250301T100000000000Z" + R}
LLM = {**_BASE, "id": L, "name": "ChatOpenAI", "run_type": "llm", "start_time": "2025-03-01T10:00:00.500000",
       "end_time": "2025-03-01T10:00:02.000000",
       "extra": {"invocation_params": {"model": "gpt-4o-mini", "_type": "openai-chat"},
                 "metadata": {"ls_provider": "openai", "ls_model_name": "gpt-4o-mini", "thread_id": "th-1"}},
       "inputs": {"messages": [[_lc("SystemMessage", "Be brief."), _lc("HumanMessage", "Where is my order?")]]},
       "outputs": {"generations": [[{"text": "It ships today.", "generation_info": {"finish_reason": "stop"},
                                     "type": "ChatGeneration", "message": _lc("AIMessage", "It ships today.")}]],
                   "llm_output": {"token_usage": {"prompt_tokens": 30, "completion_tokens": 6, "total_tokens": 36},
                                  "model_name": "gpt-4o-mini"}, "run": None, "type": "LLMResult"},
       "parent_run_id": R, "prompt_tokens": 30, "completion_tokens": 6, "total_tokens": 36, "total_cost": 0.00021,
       "parent_run_ids": [R], "trace_id": R, "dotted_order": f"20250301T100000000000Z{R}.20250301T100000500000Z{L}"}
BARE = {**LLM, "id": SOLO, "parent_run_id": None, "parent_run_ids": [], "trace_id": SOLO,  # a chat model called alone
        "dotted_order": "20250301T110000000000Z" + SOLO, "start_time": "2025-03-01T11:00:00.000000",
        "end_time": "2025-03-01T11:00:01.000000"}
FEEDBACK = [
    {"id": "f1", "created_at": "2025-03-01T10:05:00.000000+00:00", "modified_at": "2025-03-01T10:05:00.000000+00:00",
     "run_id": R, "trace_id": R, "key": "correctness", "score": 1.0, "value": None, "comment": "Right answer",
     "correction": None, "feedback_source": {"type": "model", "metadata": {"__run": {"run_id": "ev-1"}},
                                             "user_id": None, "user_name": None},
     "session_id": None, "comparative_experiment_id": None, "feedback_group_id": None, "extra": None},
    {"id": "f2", "created_at": "2025-03-01T10:06:00.000000+00:00", "modified_at": "2025-03-01T10:06:00.000000+00:00",
     "run_id": L, "trace_id": R, "key": "user_score", "score": 0, "value": None, "comment": None, "correction": None,
     "feedback_source": {"type": "api", "metadata": {}, "user_id": None, "user_name": None},
     "session_id": None, "comparative_experiment_id": None, "feedback_group_id": None, "extra": None},
    {"id": "f3", "created_at": "2025-03-01T10:07:00.000000+00:00", "modified_at": "2025-03-01T10:07:00.000000+00:00",
     "run_id": R, "trace_id": R, "key": "tone", "score": None, "value": "too formal", "comment": None,
     "correction": {"outputs": {"messages": [{"type": "ai", "content": "Hey! It ships today."}]}},
     "feedback_source": {"type": "app", "metadata": None, "user_id": "a-1", "user_name": "Alice"},
     "session_id": None, "comparative_experiment_id": None, "feedback_group_id": None, "extra": None},
]


def _dict_default_str(run: dict) -> dict:
    """``json.dumps(run.dict(), default=str)``: ``str(datetime)`` and ``str(Decimal)``."""
    return {**run, "start_time": run["start_time"].replace("T", " "), "end_time": run["end_time"].replace("T", " "),
            "total_cost": str(run["total_cost"])}


@pytest.mark.parametrize("dump", ["run.json", "run.dict", "list"])
def test_list_runs_dumps_with_feedback(tmp_path, dump):
    runs = [ROOT, LLM, BARE]
    p = tmp_path / ("runs.json" if dump == "list" else "runs.jsonl")
    if dump == "list":
        p.write_text(json.dumps(runs, indent=2))
    else:
        p.write_text("".join(json.dumps(_dict_default_str(r) if dump == "run.dict" else r) + "\n" for r in runs))
    (tmp_path / "feedback.jsonl").write_text("".join(json.dumps(f) + "\n" for f in FEEDBACK))
    assert fl.sniff_format(p) == "langsmith" and fl.sniff_format(tmp_path / "feedback.jsonl") == "langsmith"
    ts = fl.read_traces(tmp_path)
    assert (len(ts.traces), len(ts.spans), len(ts.rejects)) == (2, 3, 0)
    t = ts.traces.sort("timestamp")
    assert t.select("trace_id", "session_id", "model", "input", "output").rows() == [
        (R, "th-1", "gpt-4o-mini", "Where is my order?", "It ships today."),
        (SOLO, "th-1", "gpt-4o-mini", "Where is my order?", "It ships today.")]
    assert t["timestamp"][0] == dt.datetime(2025, 3, 1, 10, tzinfo=dt.UTC)  # naive API time read as UTC
    assert t["latency_ms"].to_list() == [2500.0, 1000.0]
    # tokens of the LLM run only (the root's prompt_tokens are LangSmith's roll-up of the same call)
    assert t.select("input_tokens", "output_tokens").rows() == [(30, 6), (30, 6)]
    assert t["cost"].to_list() == pytest.approx([0.00021, 0.00021])
    fb = ts.feedback.sort("timestamp", "name")
    assert fb.select("trace_id", "name", "value", "label", "comment", "annotator_kind", "annotator").rows() == [
        (R, "correctness", 1.0, None, "Right answer", "llm", "ev-1"), (R, "user_score", 0.0, None, None, "user", None),
        (R, "correction", None, None, "Hey! It ships today.", "human", "Alice"),
        (R, "tone", None, "too formal", None, "human", "Alice")]
    assert ts.feedback.filter(pl.col("name") == "user_score")["span_id"][0] == L  # feedback on the child run
