"""Latitude loader (feedback_lab/io/_latitude.py)."""

from __future__ import annotations

import json

import polars as pl
import pytest
from _helpers_platforms import load, same, sniffed

from feedback_lab.sample_data._export_latitude import write

V = "io/platforms/latitude"


def test_v2_csv_and_detail_merge(test_data):
    d = test_data / V
    csv_only = load(d / "v2_traces_export.RECONSTRUCTED.csv", "latitude").traces.row(0, named=True)
    assert csv_only["input"] is None  # the traces CSV carries no messages
    assert csv_only["cost"] == pytest.approx(36700 / 1e8)  # microcents: USD x 1e8
    assert (csv_only["latency_ms"], csv_only["tags"], csv_only["prompt_version"]) == (2350.0, ["prod", "checkout"],
                                                                                      "support-v3")
    ts = load([d / "v2_traces_export.RECONSTRUCTED.csv", d / "v2_trace_detail.RECONSTRUCTED.json",
               d / "v2_trace_annotations_page.RECONSTRUCTED.json"], "latitude")
    assert (len(ts.traces), len(ts.feedback), len(ts.rejects)) == (1, 1, 0)
    t = ts.traces.row(0, named=True)
    assert (t["input"], t["output"], t["session_id"], t["user_id"], t["model"]) == (
        "Where is my order #1234?", "It shipped yesterday.", "sess-42", "user-7", "gpt-4o-mini")
    f = ts.feedback.row(0, named=True)
    assert (f["trace_id"], f["value"], f["label"], f["annotator_kind"], f["annotator"]) == (
        t["trace_id"], 0.0, "fail", "human", "cm9usr0000000000000000007")


@pytest.mark.parametrize(("name", "inp", "cost"), [
    ("v1_spans_export_async.RECONSTRUCTED.csv", "You are a support agent.\n\nWhere is my order #1234?", 0.000367),
    ("v1_spans_export_sync.RECONSTRUCTED.csv", '{"order_id": "1234", "customer_name": "Ana"}', None),
    ("v1_legacy_document_logs_async_2025.RECONSTRUCTED.csv", "Where is my order #1234?", 37 / 1e5),
    ("v2_dataset_export_from_traces.RECONSTRUCTED.csv", "Where is my order #1234?", 36700 / 1e8),
])
def test_v1_and_dataset_csvs(test_data, tmp_path, name, inp, cost):
    p = test_data / V / name
    assert sniffed(p, tmp_path) == "latitude"
    ts = load(p, "latitude")
    t = ts.traces.row(0, named=True)
    assert (len(ts.traces), len(ts.rejects), t["input"], t["output"]) == (1, 0, inp, "It shipped yesterday.")
    assert t["cost"] == (pytest.approx(cost) if cost is not None else None)


def test_annotation_sources_and_drafts(tmp_path):
    base = {"traceId": "t", "spanId": "s", "value": 1, "passed": True, "feedback": "x", "createdAt": "2026-04-10T11:00:00Z"}
    items = [{**base, "sourceId": "UI"}, {**base, "sourceId": "API"}, {**base, "sourceId": "SYSTEM", "draftedAt": "2026-04-10T11:00:00Z"},
             {**base, "sourceId": "cm9queue00000000000000001"}, {**base, "value": "high"}]
    p = tmp_path / "ann.json"
    p.write_text(json.dumps({"items": items, "nextCursor": None, "hasMore": False}))
    ts = load(p, "latitude")
    assert ts.feedback["annotator_kind"].to_list() == ["human", "user", "llm", "human"]
    assert json.loads(ts.feedback["metadata"][2]) == {"draft": True}
    assert ts.rejects["line"].to_list() == [5]


def test_round_trip(small_traceset, tmp_path):
    ts = load(write(small_traceset, tmp_path), "latitude")
    cols = ["trace_id", "session_id", "user_id", "timestamp", "model", "prompt_version", "input", "output",
            "latency_ms", "input_tokens", "output_tokens", "cost", "status", "tags"]
    same(ts.traces, small_traceset.traces, cols, ["trace_id"])
    meta = [json.loads(m) for m in ts.traces.sort("trace_id")["metadata"]]
    assert meta == [{k: str(v) for k, v in json.loads(m).items()} for m in small_traceset.traces["metadata"]]
    fcols = ["trace_id", "value", "comment", "annotator", "timestamp"]
    same(ts.feedback, small_traceset.feedback, fcols, fcols)
    assert len(ts.rejects) == 0


def test_sniff_from_content(small_traceset, test_data, tmp_path):
    for p in [*write(small_traceset, tmp_path / "x"), *sorted((test_data / V).glob("*"))]:
        assert sniffed(p, tmp_path) == "latitude", p.name


def test_v1_span_csv_with_several_runs_in_one_trace(tmp_path):
    """Each row of a v1 span CSV is a prompt run; two runs of one trace are two spans of it (the
    second was merged away before: its text, tokens and cost lost without a reject)."""
    p = tmp_path / "spans.csv"
    p.write_text("input,output,span_id,trace_id,tokens_prompt,tokens_cached,tokens_reasoning,tokens_completion,model,cost ($)\n"
                 "q1,a1,s1,t1,10,0,0,5,gpt-4o,0.001\nq2,a2,s2,t1,20,4,0,7,gpt-4o,0.002\nq3,a3,s3,t2,1,0,0,1,gpt-4o,\n")
    ts = load(p, "latitude")
    assert ts.rejects.is_empty()
    assert ts.spans.sort("span_id").select("span_id", "trace_id", "input", "output", "input_tokens").rows() == [
        ("s1", "t1", "q1", "a1", 10), ("s2", "t1", "q2", "a2", 20), ("s3", "t2", "q3", "a3", 1)]
    t1 = ts.traces.filter(pl.col("trace_id") == "t1").row(0, named=True)
    assert (t1["input"], t1["output"], t1["input_tokens"], t1["output_tokens"]) == ("q1", "a1", 30, 12)
    assert t1["cost"] == pytest.approx(0.003)
    assert ts.traces.filter(pl.col("trace_id") == "t2")["cost"].item() is None
