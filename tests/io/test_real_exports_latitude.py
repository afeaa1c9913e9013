"""Latitude loader on API responses parsed and saved by the real ``latitude-sdk`` client.

``tests/data/io/real/latitude`` was written by ``scripts/real_exports/latitude_api.py`` (see the
SOURCE.md there): ``LatitudeClient.traces.list`` / ``.get`` / ``.list_annotations`` of
latitude-sdk 9.15.0 on server-shaped responses, saved with the SDK models' ``.json()`` and
``.dict()``. Expectations come from ``expected.json`` (what was served).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl

DATA = Path(__file__).parents[1] / "data" / "io" / "real" / "latitude"
E = json.loads((DATA / "expected.json").read_text())
KIND = {"UI": "human", "API": "user", "SYSTEM": "llm"}


def _kind(source: str) -> str:
    return KIND.get(source, "human")  # an annotation-queue id: a reviewer working a queue


@pytest.mark.parametrize("files", [["trace_details.jsonl"], ["trace_1.json", "trace_2.json"],
                                   ["traces_page.json", "trace_details.jsonl"]])
def test_trace_details_give_the_conversation_text(files):
    """A ``TraceDetail`` of the current API has no per-span messages, only its ``conversation``: the
    input is the last user message before the completion's output, the output the trailing assistant
    message (after a tool call and its result in the second trace). List rows merge with the details."""
    for f in files:
        assert fl.sniff_format(DATA / f) == "latitude"
    ts = fl.read_traces([DATA / f for f in files])
    assert ts.rejects.is_empty()
    assert ts.traces.height == len(E["traces"])
    for t in E["traces"]:
        row = ts.traces.filter(pl.col("trace_id") == t["traceId"]).row(0, named=True)
        assert (row["input"], row["output"]) == (t["question"], t["answer"])  # dash, quotes, newline intact
        assert row["model"] == t["models"][0]
        assert (row["input_tokens"], row["output_tokens"]) == (t["tokensInput"], t["tokensOutput"])
        assert row["cost"] == pytest.approx(t["costTotalMicrocents"] / 1e8)  # microcents
        assert row["latency_ms"] == pytest.approx(t["durationNs"] / 1e6)
        assert row["status"] == ("error" if t["errorCount"] else "ok")
        assert (row["session_id"], row["user_id"]) == (t["sessionId"], t["userId"])


def test_trace_list_rows_carry_no_text():
    ts = fl.read_traces(DATA / "traces_page.json")
    assert ts.traces.height == len(E["traces"]) and ts.traces["input"].is_null().all()


def test_annotations_with_the_traces():
    ts = fl.read_traces([DATA / "trace_details.jsonl", DATA / "annotations.json"])
    assert ts.rejects.is_empty()
    assert ts.feedback.height == len(E["annotations"])
    for ti, aid, value, passed, feedback, source, annotator, drafted in E["annotations"]:
        row = ts.feedback.filter(pl.col("comment") == feedback).row(0, named=True)
        assert row["trace_id"] == E["traces"][ti]["traceId"], aid
        assert (row["value"], row["label"]) == (value, "pass" if passed else "fail")
        assert row["annotator_kind"] == _kind(source) and row["annotator"] == annotator
        assert json.loads(row["metadata"]).get("draft", False) is drafted


@pytest.mark.parametrize("shape", ["spans_{}.json", "span_details_{}.jsonl"])
def test_span_exports_give_spans_and_their_traces(shape):
    """``TraceSpans`` pages (no messages) and ``SpanDetail`` lines (messages, tool input/output): one
    span row per span, kinds from the GenAI operation, and the traces of the span trees (tokens of
    the LLM spans, cost in microcents summed)."""
    files = [DATA / shape.format(n) for n in (1, 2)]
    assert all(fl.sniff_format(f) == "latitude" for f in files)
    ts = fl.read_traces(files)
    assert ts.rejects.is_empty()
    want = [sp for t in E["traces"] for sp in E["spans"][t["traceId"]]]
    assert ts.spans.height == len(want)
    kinds = {"invoke_agent": "agent", "chat": "llm", "execute_tool": "tool"}
    for sp in want:
        row = ts.spans.filter(pl.col("span_id") == sp["spanId"]).row(0, named=True)
        assert (row["parent_id"], row["kind"], row["model"]) == (sp["parentSpanId"], kinds[sp["operation"]], sp["model"])
    for t in E["traces"]:
        row = ts.traces.filter(pl.col("trace_id") == t["traceId"]).row(0, named=True)
        assert (row["input_tokens"], row["output_tokens"]) == (t["tokensInput"], t["tokensOutput"])
        assert row["cost"] == pytest.approx(t["costTotalMicrocents"] / 1e8)
        assert row["status"] == ("error" if t["errorCount"] else "ok")
        assert row["user_id"] == t["userId"]
        if shape.startswith("span_details"):  # the root span's messages: the trace's question and answer
            assert (row["input"], row["output"]) == (t["question"], t["answer"])
        else:
            assert row["input"] is None and row["output"] is None
    if shape.startswith("span_details"):
        tool = ts.spans.filter(pl.col("kind") == "tool").row(0, named=True)
        assert (tool["input"], tool["output"]) == ('{"account": "A-19"}', '{"ends_on": "2026-10-31"}')


def test_trace_details_with_span_pages_and_annotations():
    """Trace rows read with the spans win (the conversation text), the span trees add the spans; the
    annotations attach to the traces."""
    ts = fl.read_traces([DATA / "trace_details.jsonl", DATA / "spans_1.json", DATA / "spans_2.json",
                         DATA / "annotations.json"])
    assert ts.rejects.is_empty()
    assert ts.traces.height == len(E["traces"])
    assert ts.spans.height == sum(len(v) for v in E["spans"].values())
    assert ts.feedback.height == len(E["annotations"])
    for t in E["traces"]:
        row = ts.traces.filter(pl.col("trace_id") == t["traceId"]).row(0, named=True)
        assert (row["input"], row["output"]) == (t["question"], t["answer"])
