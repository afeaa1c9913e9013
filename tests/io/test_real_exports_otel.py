"""OTel loader on files written by the real OpenTelemetry Python SDK (tests/data/io/real/otel).

The files and ``expected.json`` (what was sent) come from ``scripts/real_exports/otel_sdk_exports.py``;
the expectations below are derived from ``expected.json``, not from the loader's output.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import feedback_lab as fl

DIR = Path(__file__).parents[1] / "data" / "io" / "real" / "otel"
EXPECTED = json.loads((DIR / "expected.json").read_text())
RUNS = ("attrs", "events", "oldevents")
SHAPES = ("console_{}.txt", "console_oneline_{}.jsonl", "otlp_msg2json_{}.json", "otlp_msg2dict_{}.json")
FILES = [s.format(r) for r in RUNS for s in SHAPES]


@pytest.mark.parametrize("name", FILES)
def test_counts_and_trace_fields(name):
    ts = fl.read_traces(DIR / name)
    assert ts.rejects.is_empty()
    assert (len(ts.traces), len(ts.spans), len(ts.feedback)) == (
        EXPECTED["traces"], EXPECTED["spans"], EXPECTED["feedback"])
    assert sorted(ts.spans["kind"].to_list()) == ["agent"] * 2 + ["llm"] * 2
    traces = ts.traces.sort("timestamp")
    for row, sent in zip(traces.iter_rows(named=True), EXPECTED["traces_detail"], strict=True):
        assert row["input"] == sent["question"]  # the user message, not the system instructions
        assert row["output"] == sent["answer"]
        assert row["model"] == EXPECTED["model"]  # gen_ai.response.model before gen_ai.request.model
        assert (row["input_tokens"], row["output_tokens"]) == (sent["in_tok"], sent["out_tok"])
        assert row["session_id"] == sent["conversation"]  # gen_ai.conversation.id


@pytest.mark.parametrize("name", FILES)
def test_evaluation_events_are_llm_feedback_on_their_trace(name):
    ts = fl.read_traces(DIR / name)
    got = sorted((r["name"], r["value"], r["label"], r["comment"], r["annotator_kind"])
                 for r in ts.feedback.iter_rows(named=True))
    want = sorted((n, s, lab, e, "llm") for t in EXPECTED["traces_detail"] for n, s, lab, e in t["evals"])
    assert got == want
    llm_spans = ts.spans.filter(ts.spans["kind"] == "llm")
    assert set(ts.feedback["span_id"]) == set(llm_spans["span_id"])
    assert set(ts.feedback["trace_id"]) <= set(ts.traces["trace_id"])


@pytest.mark.parametrize("run", RUNS)
def test_ids_agree_across_console_hex_and_protobuf_base64(run):
    frames = [fl.read_traces(DIR / s.format(run)).spans for s in SHAPES]
    ids = [sorted(zip(f["span_id"], f["trace_id"], f["parent_id"].fill_null(""), strict=True)) for f in frames]
    assert all(i == ids[0] for i in ids[1:])
    assert all(len(s) == 16 and len(t) == 32 for s, t, _ in ids[0])
