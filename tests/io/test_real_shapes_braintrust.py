"""Braintrust exports in the exact shapes the platform's own tools write (feedback_lab/io/_braintrust.py).

Sources the rows below are derived from:

- ``bt sync pull`` (braintrustdata/bt ``src/sync.rs``): ``select: * | from: <obj> spans | sort:
  _pagination_key DESC`` over ``POST /btql`` (``fmt: json``), each ``data`` row written as one compact
  ``serde_json`` line to ``data/part-000000.jsonl`` (newest row first);
- the Python SDK's ``Eval`` (braintrustdata/braintrust-sdk-python ``py/src/braintrust/framework.py``,
  ``run_evaluator_task`` / ``await_or_run_scorer``): a root span ``{name: "eval", type: "eval"}`` with
  ``input``, ``expected``, ``output``, ``metadata``, ``tags`` and **no scores**; a child
  ``{name: "task", type: "task"}``; one child per scorer ``{type: "score", purpose: "scorer"}`` whose
  ``input`` is ``{input, expected, metadata, output}``, ``output`` the Score without name/metadata,
  ``metadata`` the Score's metadata (autoevals LLM classifiers: ``rationale``, ``choice``) and
  ``scores = {name: score}``. ``{"span_attributes": {"purpose": "scorer"}}`` is passed as the scorer's
  ``propagated_event``, so the judge's own LLM call (a wrapped OpenAI client under the scorer span)
  carries ``span_attributes.purpose = "scorer"`` too;
- LLM spans of the OpenAI wrapper: ``input`` = the messages, ``output`` = the choices,
  ``metadata.model``, ``metrics.prompt_tokens``/``completion_tokens``/``tokens``, ``metrics.start``/``end``
  in epoch seconds (braintrust-spec ``test/llm_span/openai/completions.yaml``).
"""

from __future__ import annotations

import json

import pytest
from _helpers_platforms import load

EXPERIMENT = "f1111111-2222-4333-8444-555566667777"
PROJECT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"
T0 = 1774083600.0  # 2026-03-21T09:00:00Z
QUESTION = "What is the capital of France?"


def _row(i: int, span: str, parents: list[str] | None, attrs: dict, start: float, end: float, **fields) -> dict:
    metrics = {"start": T0 + start, "end": T0 + end, **fields.pop("metrics", {})}
    return {"id": f"e{i:07d}-0000-4000-8000-000000000000", "_xact_id": f"10001947000000000{i:02d}",
            "_pagination_key": f"p07531{i:015d}", "created": "2026-03-21T09:00:00.000Z", "project_id": PROJECT,
            "experiment_id": EXPERIMENT, "span_id": span, "root_span_id": "root-1", "span_parents": parents,
            "is_root": parents is None, "span_attributes": attrs, "metrics": metrics, **fields}


def _eval_rows(judge_cost: float | None = None) -> list[dict]:
    scorer_input = {"input": QUESTION, "expected": "Paris", "metadata": {"case": "geo-1"}, "output": "Paris."}
    judge_metrics = {"prompt_tokens": 512, "completion_tokens": 60, "tokens": 572}
    if judge_cost is not None:
        judge_metrics["estimated_cost"] = judge_cost
    rows = [
        _row(1, "root-1", None, {"name": "eval", "type": "eval"}, 0.0, 4.2, input=QUESTION, expected="Paris",
             output="Paris.", metadata={"case": "geo-1"}, tags=None, scores=None, error=None),
        _row(2, "task-1", ["root-1"], {"name": "task", "type": "task"}, 0.05, 1.2, input=QUESTION, output="Paris."),
        _row(3, "task-llm", ["task-1"], {"name": "Chat Completion", "type": "llm"}, 0.1, 1.1,
             input=[{"role": "user", "content": QUESTION}],
             output=[{"index": 0, "finish_reason": "stop", "message": {"role": "assistant", "content": "Paris."}}],
             metadata={"model": "gpt-4o-mini", "provider": "openai", "temperature": 0},
             metrics={"prompt_tokens": 14, "completion_tokens": 3, "tokens": 17, "estimated_cost": 0.0001}),
        _row(4, "fact-1", ["root-1"], {"name": "Factuality", "type": "score", "purpose": "scorer"}, 1.3, 4.1,
             input=scorer_input, output={"score": 0.6}, scores={"Factuality": 0.6},
             metadata={"rationale": "The submitted answer is a superset of the expert answer.", "choice": "B"}),
        _row(5, "judge-llm", ["fact-1"], {"name": "Chat Completion", "type": "llm", "purpose": "scorer"}, 1.4, 4.0,
             input=[{"role": "system", "content": "You are comparing a submitted answer to an expert answer."},
                    {"role": "user", "content": "[BEGIN DATA] ... [END DATA]"}],
             output=[{"index": 0, "finish_reason": "tool_calls", "message": {
                 "role": "assistant", "content": None, "tool_calls": [{"id": "call_1", "type": "function", "function": {
                     "name": "select_choice", "arguments": '{"reasons":"...","choice":"B"}'}}]}}],
             metadata={"model": "gpt-4o", "provider": "openai"}, metrics=judge_metrics),
        _row(6, "exact-1", ["root-1"], {"name": "ExactMatch", "type": "score", "purpose": "scorer"}, 1.3, 1.31,
             input=scorer_input, output={"score": 0}, scores={"ExactMatch": 0}, metadata=None),
    ]
    return sorted(rows, key=lambda r: r["_pagination_key"], reverse=True)  # sort: _pagination_key DESC


def _write_part(tmp_path, rows) -> object:
    part = tmp_path / "bt-sync" / "experiment_geo" / "0123456789ab" / "data" / "part-000000.jsonl"
    part.parent.mkdir(parents=True)
    part.write_text("".join(json.dumps(r, separators=(",", ":")) + "\n" for r in rows))
    return part


def test_python_eval_judge_llm_span_is_not_the_trace_model(tmp_path):
    ts = load(_write_part(tmp_path, _eval_rows()), "braintrust")
    assert (len(ts.traces), len(ts.spans), len(ts.rejects)) == (1, 6, 0)
    t = ts.traces.row(0, named=True)
    assert (t["input"], t["output"], t["reference"]) == (QUESTION, "Paris.", "Paris")
    # the answer came from gpt-4o-mini (14 + 3 tokens); gpt-4o is the judge under the Factuality scorer
    assert (t["model"], t["input_tokens"], t["output_tokens"]) == ("gpt-4o-mini", 14, 3)
    # the judge span stays in the span drill-down with its own model
    judge = ts.spans.filter(ts.spans["span_id"] == "judge-llm").row(0, named=True)
    assert (judge["kind"], judge["parent_id"]) == ("llm", "fact-1")


def test_python_eval_scores_live_on_scorer_spans(tmp_path):
    ts = load(_write_part(tmp_path, _eval_rows()), "braintrust")
    fb = {r["name"]: r for r in ts.feedback.to_dicts()}
    assert set(fb) == {"Factuality", "ExactMatch"}  # the root carries no scores in current SDKs
    assert (fb["Factuality"]["value"], fb["Factuality"]["annotator_kind"], fb["Factuality"]["annotator"]) == (
        0.6, "llm", "Factuality")
    assert fb["Factuality"]["comment"] == "The submitted answer is a superset of the expert answer."
    assert (fb["ExactMatch"]["value"], fb["ExactMatch"]["annotator_kind"], fb["ExactMatch"]["comment"]) == (
        0.0, "code", None)
    assert {r["trace_id"] for r in fb.values()} == {"root-1"}


@pytest.mark.parametrize("judge_cost", [None, 0.0025])
def test_judge_cost_is_not_the_answers_cost(tmp_path, judge_cost):
    ts = load(_write_part(tmp_path, _eval_rows(judge_cost)), "braintrust")
    assert ts.traces["cost"].to_list() == [pytest.approx(0.0001)]


def test_btql_response_of_the_same_rows(tmp_path):
    # POST /btql {"query": ..., "fmt": "json"} -> {"data": [...], "schema": {...}, "cursor": ...}; bt reads data/cursor
    p = tmp_path / "btql.json"
    p.write_text(json.dumps({"data": _eval_rows(), "schema": {"type": "array", "items": {"type": "object"}},
                             "cursor": "aGVsbG8"}))
    ts = load(p, "braintrust")
    assert (len(ts.traces), len(ts.spans), len(ts.feedback), len(ts.rejects)) == (1, 6, 2, 0)
    assert ts.traces["model"].to_list() == ["gpt-4o-mini"]
