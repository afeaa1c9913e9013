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
#: OTLP protobuf: an OTLP/HTTP body, and the Collector file exporter's format: proto (plain and zstd)
PROTO = ("otlp_{}.binpb", "file_exporter_{}.binpb", "file_exporter_zstd_{}.binpb.zst")
SHAPES = ("console_{}.txt", "console_oneline_{}.jsonl", "otlp_msg2json_{}.json", "otlp_msg2dict_{}.json", *PROTO)
FILES = [s.format(r) for r in RUNS for s in SHAPES]
#: run "logs": the evaluations are log records, in a file of their own (the Collector's logs pipeline)
LOG_PAIRS = [("otlp_msg2json_logs.json", "otlp_msg2json_logs_records.json"),
             ("file_exporter_logs.binpb", "file_exporter_logs_records.binpb"),
             ("file_exporter_zstd_logs.binpb.zst", "file_exporter_logs_records.binpb")]


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


@pytest.mark.parametrize("name", [s.format(r) for r in RUNS for s in PROTO])
def test_protobuf_is_recognised_from_its_content(name, tmp_path):
    assert fl.sniff_format(DIR / name) == "otel"
    renamed = tmp_path / "traces"  # the file exporter's path is whatever the config says
    renamed.write_bytes((DIR / name).read_bytes())
    assert len(fl.read_traces(renamed).spans) == EXPECTED["spans"]


@pytest.mark.parametrize("pair", LOG_PAIRS, ids=lambda p: p[0])
def test_evaluation_log_records_are_feedback_on_the_span_they_were_emitted_in(pair):
    spans_only = fl.read_traces(DIR / pair[0])
    assert (len(spans_only.traces), len(spans_only.spans), len(spans_only.feedback)) == (
        EXPECTED["traces"], EXPECTED["spans"], 0)
    ts = fl.read_traces([DIR / p for p in pair])
    assert ts.rejects.is_empty()
    got = sorted((r["name"], r["value"], r["label"], r["comment"], r["annotator_kind"])
                 for r in ts.feedback.iter_rows(named=True))
    want = sorted((n, s, lab, e, "llm") for t in EXPECTED["traces_detail"] for n, s, lab, e in t["evals"])
    assert got == want
    llm = ts.spans.filter(ts.spans["kind"] == "llm")
    assert set(zip(ts.feedback["span_id"], ts.feedback["trace_id"], strict=True)) == set(
        zip(llm["span_id"], llm["trace_id"], strict=True))
    for row, sent in zip(ts.traces.sort("timestamp").iter_rows(named=True), EXPECTED["traces_detail"], strict=True):
        assert (row["input"], row["output"]) == (sent["question"], sent["answer"])


def test_a_folder_of_protobuf_files_reads_like_the_json_ones(tmp_path):
    for name in ("file_exporter_logs.binpb", "file_exporter_logs_records.binpb"):
        (tmp_path / name).write_bytes((DIR / name).read_bytes())
    want = fl.read_traces([DIR / "otlp_msg2json_logs.json", DIR / "otlp_msg2json_logs_records.json"])
    got = fl.read_traces(tmp_path)
    for frame in ("traces", "spans", "feedback"):
        cols = [c for c in getattr(want, frame).columns if c not in ("source_file", "_file")]
        key = [c for c in ("trace_id", "span_id", "name") if c in cols]
        assert getattr(got, frame).select(cols).sort(key).equals(getattr(want, frame).select(cols).sort(key)), frame
