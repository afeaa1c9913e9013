"""OpenTelemetry GenAI OTLP/JSON loader (feedback_lab/io/_otel.py)."""

from __future__ import annotations

import base64
import json
import warnings

import pytest
from _helpers_platforms import FEEDBACK_COLS, load, same, sniffed

from feedback_lab.sample_data._export_otel import otel_trace_id, write

V = "io/platforms/otel"


def _typed(v):
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}
    if isinstance(v, float):
        return {"doubleValue": v}
    if isinstance(v, list) and all(isinstance(x, (str, int, float)) for x in v):
        return {"arrayValue": {"values": [_typed(x) for x in v]}}
    if isinstance(v, (list, dict)):
        return {"stringValue": json.dumps(v)}  # GenAI message attributes are JSON strings on the wire
    return {"stringValue": str(v)}


def _attrs(d):
    return [{"key": k, "value": _typed(v)} for k, v in d.items()]


def _semconv_otlp(examples):
    """The spec's worked examples as one OTLP/JSON document (each example its own trace)."""
    spans, logs = [], []
    for i, ex in enumerate(examples["examples"]):
        props = dict(ex["properties"])
        name = props.pop("Span name", None)
        props.pop("Trace id", None)
        props.pop("Span id", None)
        tid, sid = f"{i + 1:032x}", f"{i + 1:016x}"
        if ex["record_type"] == "span":
            spans.append({"traceId": tid, "spanId": sid, "name": name, "kind": 3,
                          "startTimeUnixNano": "1700000000000000000", "endTimeUnixNano": "1700000001500000000",
                          "attributes": _attrs(props)})
        else:  # the event carries the content of the span before it
            logs.append({"eventName": "gen_ai.client.inference.operation.details",
                         "timeUnixNano": "1700000001000000000", "traceId": f"{i:032x}", "spanId": f"{i:016x}",
                         "attributes": _attrs(props)})
    return {"resourceSpans": [{"resource": {"attributes": _attrs({"service.name": "x"})},
                               "scopeSpans": [{"scope": {"name": "s"}, "spans": spans}]}],
            "resourceLogs": [{"resource": {}, "scopeLogs": [{"logRecords": logs}]}]}


@pytest.fixture(params=["vendored", "shared"])
def semconv_examples(request, test_data):
    if request.param == "shared":
        root = request.getfixturevalue("shared_data") / "otel_genai_semconv"
    else:
        root = test_data / V
    return json.loads((root / "examples_llm_calls.json").read_text())


def test_semconv_examples_load(semconv_examples, tmp_path):
    p = tmp_path / "otlp.json"
    p.write_text(json.dumps(_semconv_otlp(semconv_examples)))
    ts = load(p, "otel")
    n_spans = sum(e["record_type"] == "span" for e in semconv_examples["examples"])
    assert (len(ts.traces), len(ts.spans), len(ts.rejects)) == (n_spans, n_spans, 0)
    t = ts.traces.sort("trace_id")
    # example 2: content on span attributes; example 3 + 4: content in a log event
    for i in (1, 2):
        row = t.row(i, named=True)
        assert row["input"] == "Tell me a joke about OpenTelemetry"
        assert row["output"].startswith(" Why did the developer bring OpenTelemetry to the party?")
        assert (row["model"], row["input_tokens"], row["output_tokens"], row["latency_ms"]) == ("gpt-4-0613", 52, 47, 1500.0)
    kinds = set(ts.spans["kind"].to_list())
    assert {"llm", "tool"} <= kinds


def test_proto_envelope_example(test_data, tmp_path):
    ts = load(test_data / V / "otlp_proto_example_trace.json", "otel")
    s = ts.spans.row(0, named=True)
    assert (s["span_id"], s["trace_id"], s["parent_id"]) == ("eee19b7ec3c1b174", "5b8efff798038103d269b633813fc60c",
                                                             "eee19b7ec3c1b173")
    assert str(s["start"]) == "2018-12-13 14:51:00+00:00"
    assert ts.traces["latency_ms"].to_list() == [1000.0]
    assert json.loads(s["attributes"])["my.span.attr"] == "some value"


def _doc(spans):
    return {"resourceSpans": [{"scopeSpans": [{"spans": spans}]}]}


def test_base64_ids_event_style_and_evaluation_events(tmp_path):
    tid, sid = bytes(range(16)), bytes(range(8))
    span = {"traceId": base64.b64encode(tid).decode(), "spanId": base64.b64encode(sid).decode(),
            "name": "chat gpt-4o", "startTimeUnixNano": 1700000000000000000, "endTimeUnixNano": "1700000000250000000",
            "status": {"code": "STATUS_CODE_ERROR"},
            "attributes": _attrs({"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}),
            "events": [
                {"name": "gen_ai.user.message", "timeUnixNano": "1700000000000000000",
                 "attributes": _attrs({"content": "What is 2+2?"})},
                {"name": "gen_ai.choice", "attributes": [{"key": "message", "value": {"kvlistValue": {"values": [
                    {"key": "content", "value": {"stringValue": "4"}}]}}}]},
                {"name": "gen_ai.evaluation.result", "timeUnixNano": "1700000005000000000",
                 "attributes": _attrs({"gen_ai.evaluation.name": "correctness", "gen_ai.evaluation.score.value": 1.0,
                                       "gen_ai.evaluation.score.label": "pass",
                                       "gen_ai.evaluation.explanation": "2+2 is 4"})}]}
    p = tmp_path / "t.json"
    p.write_text(json.dumps(_doc([span])))
    ts = load(p, "otel")
    t = ts.traces.row(0, named=True)
    assert (t["trace_id"], t["input"], t["output"], t["status"], t["latency_ms"]) == (tid.hex(), "What is 2+2?", "4",
                                                                                      "error", 250.0)
    f = ts.feedback.row(0, named=True)
    assert (f["trace_id"], f["span_id"], f["name"], f["value"], f["label"], f["comment"], f["annotator_kind"]) == (
        tid.hex(), sid.hex(), "correctness", 1.0, "pass", "2+2 is 4", "llm")


def test_deprecated_indexed_and_json_prompt_attributes(test_data, tmp_path):
    attrs = json.loads((test_data / "io/platforms/phoenix/otel_genai_deprecated_client_span_tool_calls.json").read_text())
    indexed = {"gen_ai.operation.name": "chat", "gen_ai.prompt.0.role": "system", "gen_ai.prompt.0.content": "Be brief",
               "gen_ai.prompt.1.role": "user", "gen_ai.prompt.1.content": "Hi there",
               "gen_ai.completion.0.role": "assistant", "gen_ai.completion.0.content": "Hello!"}
    spans = [{"traceId": "a" * 32, "spanId": "b" * 16, "attributes": _attrs(attrs)},
             {"traceId": "c" * 32, "spanId": "d" * 16, "attributes": _attrs(indexed)}]
    p = tmp_path / "t.jsonl"
    p.write_text("\n".join(json.dumps(_doc([s])) for s in spans))  # collector file exporter: one request per line
    ts = load(p, "otel").traces.sort("trace_id")
    assert ts["input"].to_list() == ["Weather in Paris?", "Hi there"]
    assert ts["output"].to_list() == ["The weather in Paris is currently rainy with a temperature of 57°F.", "Hello!"]
    assert ts["input_tokens"].to_list() == [97, None]


def test_round_trip(small_traceset, tmp_path):
    paths = write(small_traceset, tmp_path)
    ts = load(paths, "otel")
    ref = small_traceset.traces.with_columns(trace_id=small_traceset.traces["trace_id"].map_elements(
        otel_trace_id, return_dtype=str))
    cols = ["trace_id", "timestamp", "model", "input", "output", "latency_ms", "input_tokens", "output_tokens",
            "status", "session_id", "user_id"]
    same(ts.traces, ref, cols, ["trace_id"])
    fref = small_traceset.feedback.with_columns(trace_id=small_traceset.feedback["trace_id"].map_elements(
        otel_trace_id, return_dtype=str))
    same(ts.feedback, fref, FEEDBACK_COLS, FEEDBACK_COLS)
    assert len(ts.rejects) == 0


def test_sniff_from_content(small_traceset, test_data, tmp_path):
    paths = write(small_traceset, tmp_path / "x")
    for p in [*paths, test_data / V / "otlp_proto_example_trace.json"]:
        assert sniffed(p, tmp_path) == "otel"


def test_bad_records_become_rejects(tmp_path):
    good = {"traceId": "a" * 32, "spanId": "b" * 16, "name": "ok"}
    bad = [{"traceId": "a" * 32}, {"traceId": "a" * 32, "spanId": "c" * 16, "attributes": "nope"},
           {"traceId": "a" * 32, "spanId": "d" * 16, "attributes": [{"key": "x", "value": {"intValue": "zz"}}]}, 7]
    p = tmp_path / "t.json"
    p.write_text(json.dumps(_doc([good, *bad])) + "\n{broken\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = load(p, "otel")
    assert len(ts.spans) == 1
    assert len(ts.rejects) == 5
    assert ts.rejects["reason"].str.contains(r"spans\[\d\]").sum() == 4
    assert ts.rejects["line"].to_list()[-1] == 2


@pytest.mark.parametrize("status", [{"status_code": {}}, {"status_code": ["OK"]}])
def test_sdk_span_with_a_status_code_object_is_a_reject(tmp_path, status):
    # found by tests/io/test_fuzz_real_exports.py: a dict status code raised TypeError (unhashable)
    ok = {"name": "chat", "context": {"trace_id": "0x" + "1" * 32, "span_id": "0x" + "2" * 16},
          "parent_id": None, "start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-01T00:00:01Z",
          "status": {"status_code": "OK"}, "attributes": {"gen_ai.request.model": "m"}}
    bad = {**ok, "context": {"trace_id": "0x" + "3" * 32, "span_id": "0x" + "4" * 16}, "status": status}
    p = tmp_path / "spans.jsonl"
    p.write_text(json.dumps(ok) + "\n" + json.dumps(bad) + "\n", encoding="utf-8")
    ts = load(p, "otel")
    assert (len(ts.spans), len(ts.rejects)) == (1, 1)
    assert ts.rejects.row(0, named=True)["line"] == 2 and "status code" in ts.rejects["reason"][0]


def test_int_value_out_of_range_is_a_reject(tmp_path):
    # found by tests/io/test_fuzz_real_exports.py: {"intValue": -1e999} raised OverflowError
    span = {"traceId": "1" * 32, "spanId": "2" * 16, "name": "chat", "startTimeUnixNano": "1", "endTimeUnixNano": "2",
            "attributes": [{"key": "gen_ai.usage.input_tokens", "value": {"intValue": 0}}]}
    doc = {"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}
    p = tmp_path / "trace.json"
    p.write_text(json.dumps(doc).replace('"intValue": 0', '"intValue": -1e999'))
    ts = load(p, "otel")
    assert len(ts.spans) == 0 and "intValue" in ts.rejects["reason"][0]
