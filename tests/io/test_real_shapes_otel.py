"""OpenTelemetry loader on files shaped exactly as the exporting tools write them.

Each sample is written here by the same serialisation the tool uses, and each test names the
source file the shape was taken from.
"""

from __future__ import annotations

import json
import os

import pytest
from _helpers_platforms import load, sniffed

TID = "5b8efff798038103d269b633813fc60c"


def _sdk_span(name, sid, parent, kind, attrs, events=(), links=(), start="2025-03-04T10:00:00.100000Z",
              end="2025-03-04T10:00:01.600000Z", status="UNSET"):
    """``ReadableSpan.to_json()`` of opentelemetry-python
    (opentelemetry-sdk/src/opentelemetry/sdk/trace/__init__.py: ``_format_context`` gives ``0x``-prefixed
    hex ids and ``repr(trace_state)``, ``kind`` is ``str(SpanKind.X)``, times are ``ns_to_iso_str``,
    ``status`` is ``{"status_code": StatusCode.name}``, ``resource`` is ``json.loads(resource.to_json())``)."""
    return {"name": name, "context": {"trace_id": f"0x{TID}", "span_id": f"0x{sid}", "trace_state": "[]"},
            "kind": kind, "parent_id": None if parent is None else f"0x{parent}",
            "start_time": start, "end_time": end, "status": {"status_code": status},
            "attributes": attrs, "events": list(events),
            "links": [{"context": {"trace_id": f"0x{t}", "span_id": f"0x{s}", "trace_state": "[]"}, "attributes": {}}
                      for t, s in links],
            "resource": {"attributes": {"telemetry.sdk.language": "python", "telemetry.sdk.name": "opentelemetry",
                                        "telemetry.sdk.version": "1.27.0", "service.name": "chat-app"},
                         "schema_url": ""}}


def _chat_and_root():
    # semantic conventions 1.26/1.27 (docs/gen-ai/gen-ai-spans.md of open-telemetry/semantic-conventions
    # v1.26.0): the content as span events gen_ai.content.prompt / gen_ai.content.completion holding the
    # messages as JSON text in gen_ai.prompt / gen_ai.completion
    child = _sdk_span("chat gpt-4o", "eee19b7ec3c1b174", "eee19b7ec3c1b173", "SpanKind.CLIENT",
                      {"gen_ai.operation.name": "chat", "gen_ai.system": "openai", "gen_ai.request.model": "gpt-4o",
                       "gen_ai.response.model": "gpt-4o-2024-08-06", "gen_ai.usage.input_tokens": 52,
                       "gen_ai.usage.output_tokens": 7, "gen_ai.response.finish_reasons": ["stop"]},
                      [{"name": "gen_ai.content.prompt", "timestamp": "2025-03-04T10:00:00.100000Z",
                        "attributes": {"gen_ai.prompt": json.dumps([{"role": "system", "content": "Be brief."},
                                                                    {"role": "user", "content": "Capital of France?"}])}},
                       {"name": "gen_ai.content.completion", "timestamp": "2025-03-04T10:00:01.600000Z",
                        "attributes": {"gen_ai.completion": json.dumps([{"role": "assistant", "content": "Paris."}])}}])
    root = _sdk_span("POST /chat", "eee19b7ec3c1b173", None, "SpanKind.SERVER", {"http.method": "POST"},
                     start="2025-03-04T10:00:00.000000Z", end="2025-03-04T10:00:01.700000Z", status="OK")
    return child, root


def test_console_span_exporter_default_output(tmp_path):
    # ConsoleSpanExporter (opentelemetry-sdk/src/opentelemetry/sdk/trace/export/__init__.py) writes
    # formatter(span) per span, the default formatter being ``span.to_json() + os.linesep`` with
    # to_json's indent=4: pretty-printed objects one after the other, not JSON lines
    child, root = _chat_and_root()
    p = tmp_path / "console.txt"
    p.write_text("".join(json.dumps(s, indent=4) + os.linesep for s in (child, root)))
    assert sniffed(p, tmp_path) == "otel"
    ts = load(p, "otel")
    assert (len(ts.traces), len(ts.spans), len(ts.rejects)) == (1, 2, 0)
    s = ts.spans.sort("span_id", descending=True).row(0, named=True)
    assert (s["span_id"], s["parent_id"], s["kind"]) == ("eee19b7ec3c1b174", "eee19b7ec3c1b173", "llm")
    # the last user message of gen_ai.prompt, the assistant message of gen_ai.completion
    assert (s["input"], s["output"]) == ("Capital of France?", "Paris.")
    t = ts.traces.row(0, named=True)
    assert (t["trace_id"], t["input_tokens"], t["output_tokens"], t["latency_ms"], t["status"]) == (TID, 52, 7, 1700.0,
                                                                                                     "ok")


def test_console_output_with_a_broken_object_rejects_only_that_object(tmp_path):
    child, root = _chat_and_root()
    broken = json.dumps(child, indent=4)[:-40]  # a span cut short (process killed mid-write)
    text = broken + os.linesep + json.dumps(root, indent=4) + os.linesep
    p = tmp_path / "console.txt"
    p.write_text(text)
    ts = load(p, "otel")
    assert len(ts.spans) == 1 and ts.spans["span_id"][0] == "eee19b7ec3c1b173"
    assert ts.rejects["line"].to_list() == [1]  # the line the broken object starts on
    assert ts.rejects["reason"][0].startswith("invalid JSON")


def _phoenix_otlp_span(sid, parent, kind, attrs, start, end):
    """A span of Phoenix's ``GET /v1/projects/{p}/spans/otlpv1`` (``OtlpSpan`` in
    packages/phoenix-client/src/phoenix/client/__generated__/v1/__init__.py: proto field names,
    ``*_value`` attribute values, times as int or str, kind as int or SPAN_KIND_* name)."""
    return {"trace_id": "0123456789abcdef0123456789abcdef", "span_id": sid, "parent_span_id": parent,
            "name": f"span-{sid[:4]}", "kind": kind, "start_time_unix_nano": start, "end_time_unix_nano": end,
            "status": {"code": 1}, "attributes": attrs, "events": [], "dropped_attributes_count": 0}


def test_phoenix_ui_otlp_json_download_with_annotations(tmp_path):
    # Phoenix UI "OTLP JSON" download (app/src/.../__tests__/spanDownloadUtils.test.ts):
    # JSON.stringify({resource_spans: [{scope_spans: [{spans: [...]}]}]}), span annotations appended
    # as annotations.N.annotation.* attributes, trace annotations as trace.annotations.N.annotation.*
    root = _phoenix_otlp_span("a1b2c3d4e5f60718", None, "SPAN_KIND_INTERNAL", [
        {"key": "openinference.span.kind", "value": {"string_value": "CHAIN"}},
        {"key": "input.value", "value": {"string_value": "What's the weather in Paris?"}},
        {"key": "output.value", "value": {"string_value": "It is rainy, 57°F."}},
        {"key": "trace.annotations.0.annotation.name", "value": {"string_value": "user_frustration"}},
        {"key": "trace.annotations.0.annotation.annotator_kind", "value": {"string_value": "HUMAN"}},
        {"key": "trace.annotations.0.annotation.label", "value": {"string_value": "high"}}],
        "1741082400123456000", "1741082402623456000")
    llm = _phoenix_otlp_span("1111222233334444", "a1b2c3d4e5f60718", 3, [
        {"key": "openinference.span.kind", "value": {"string_value": "LLM"}},
        {"key": "llm.model_name", "value": {"string_value": "gpt-4o"}},
        {"key": "llm.token_count.prompt", "value": {"int_value": 97}},
        {"key": "annotations.0.annotation.name", "value": {"string_value": "hallucination"}},
        {"key": "annotations.0.annotation.annotator_kind", "value": {"string_value": "CODE"}},
        {"key": "annotations.0.annotation.score", "value": {"double_value": 0.5}}],
        1741082400223456000, 1741082402523456000)
    p = tmp_path / "trace.json"
    p.write_text(json.dumps({"resource_spans": [{"scope_spans": [{"spans": [root, llm]}]}]}, ensure_ascii=False,
                            separators=(",", ":")))
    assert sniffed(p, tmp_path) == "otel"
    ts = load(p, "otel")
    assert (len(ts.traces), len(ts.spans), len(ts.feedback), len(ts.rejects)) == (1, 2, 2, 0)
    t = ts.traces.row(0, named=True)
    assert (t["input"], t["output"], t["model"], t["input_tokens"], t["latency_ms"]) == (
        "What's the weather in Paris?", "It is rainy, 57°F.", "gpt-4o", 97, 2500.0)
    fb = {r["name"]: r for r in ts.feedback.iter_rows(named=True)}
    assert (fb["hallucination"]["value"], fb["hallucination"]["annotator_kind"], fb["hallucination"]["span_id"]) == (
        0.5, "code", "1111222233334444")
    assert (fb["user_frustration"]["label"], fb["user_frustration"]["annotator_kind"]) == ("high", "human")
    assert fb["user_frustration"]["span_id"] is None  # about the trace, not a span
    assert {r["trace_id"] for r in fb.values()} == {"0123456789abcdef0123456789abcdef"}


def _typed(v):
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, int):
        return {"intValue": str(v)}  # int64 as a JSON string (OTLP/JSON encoding)
    if isinstance(v, float):
        return {"doubleValue": v}
    return {"stringValue": v}


def test_collector_file_exporter_lines_with_evaluator_span(tmp_path):
    # collector fileexporter (opentelemetry-collector-contrib/exporter/fileexporter, format json): one
    # ExportTraceServiceRequest per line, ids hex, kind/status.code as integers, int64 as strings.
    # OpenInference evaluations (openinference spec/annotations_and_evaluations.md): an EVALUATOR span
    # with evaluations.N.evaluation.* and a span link to the span it judges, here in a later batch
    app = {"traceId": TID, "spanId": "00f067aa0ba902b7", "name": "answer_question", "kind": 1,
           "startTimeUnixNano": "1741082400000000000", "endTimeUnixNano": "1741082401000000000",
           "status": {"code": 2, "message": "timeout"},
           "attributes": [{"key": k, "value": _typed(v)} for k, v in {
               "openinference.span.kind": "CHAIN", "input.value": "Is it raining?", "output.value": "Yes.",
               "annotations.0.annotation.name": "user_feedback", "annotations.0.annotation.score": 0,
               "annotations.0.annotation.label": "thumbs_down", "annotations.0.annotation.annotator_kind": "HUMAN",
           }.items()]}
    judge = {"traceId": "80f198ee56343ba864fe8b2a57d3eff7", "spanId": "93564f51e1abe1c2", "name": "hallucination_judge",
             "kind": 1, "startTimeUnixNano": "1741082500000000000", "endTimeUnixNano": "1741082501000000000",
             "links": [{"traceId": TID, "spanId": "00f067aa0ba902b7"}],
             "attributes": [{"key": k, "value": _typed(v)} for k, v in {
                 "openinference.span.kind": "EVALUATOR", "evaluations.0.evaluation.name": "hallucination",
                 "evaluations.0.evaluation.score": 1, "evaluations.0.evaluation.label": "hallucinated",
                 "evaluations.0.evaluation.explanation": "unsupported claim",
                 "evaluations.0.evaluation.annotator_kind": "LLM", "evaluations.0.evaluation.identifier": "judge-v2",
                 "evaluations.0.evaluation.metadata": '{"rubric_version":"2026-07-01"}'}.items()]}
    lines = [{"resourceSpans": [{"resource": {"attributes": [{"key": "service.name", "value": {"stringValue": "qa"}}]},
                                 "scopeSpans": [{"scope": {"name": "openinference"}, "spans": [sp]}]}]}
             for sp in (app, judge)]
    p = tmp_path / "traces.json"
    p.write_text("".join(json.dumps(d, separators=(",", ":")) + "\n" for d in lines))
    ts = load(p, "otel")
    assert (len(ts.traces), len(ts.spans), len(ts.feedback), len(ts.rejects)) == (2, 2, 2, 0)
    fb = {r["name"]: r for r in ts.feedback.iter_rows(named=True)}
    h = fb["hallucination"]
    # the linked span is the target, not the evaluator span's own trace
    assert (h["trace_id"], h["span_id"], h["value"], h["label"], h["comment"], h["annotator_kind"]) == (
        TID, "00f067aa0ba902b7", 1.0, "hallucinated", "unsupported claim", "llm")
    assert json.loads(h["metadata"])["rubric_version"] == "2026-07-01"
    assert json.loads(h["metadata"])["identifier"] == "judge-v2"
    u = fb["user_feedback"]
    assert (u["trace_id"], u["value"], u["label"], u["annotator_kind"]) == (TID, 0.0, "thumbs_down", "human")
    status = dict(ts.traces.select("trace_id", "status").iter_rows())
    assert status[TID] == "error"


def test_feedback_attribute_without_name_is_rejected_and_the_span_kept(tmp_path):
    span = {"traceId": TID, "spanId": "00f067aa0ba902b7", "name": "x",
            "attributes": [{"key": "annotations.0.annotation.score", "value": {"doubleValue": 1.0}}]}
    p = tmp_path / "t.json"
    p.write_text(json.dumps({"resourceSpans": [{"scopeSpans": [{"spans": [span]}]}]}))
    ts = load(p, "otel")
    assert len(ts.spans) == 1 and len(ts.feedback) == 0
    assert ts.rejects["reason"].to_list() == ["span 00f067aa0ba902b7: feedback attribute annotations.0 has no name"]


@pytest.mark.parametrize("indent", [None, 4])
def test_sdk_to_json_evaluator_link(tmp_path, indent):
    # to_json's links: [{"context": {"trace_id": "0x...", "span_id": "0x...", ...}, "attributes": {...}}]
    judge = _sdk_span("judge", "93564f51e1abe1c2", None, "SpanKind.INTERNAL",
                      {"openinference.span.kind": "EVALUATOR", "evaluations.0.evaluation.name": "relevance",
                       "evaluations.0.evaluation.label": "relevant"},
                      links=[("80f198ee56343ba864fe8b2a57d3eff7", "e457b5a2e4d86bd1")])
    p = tmp_path / "spans.json"
    p.write_text(json.dumps(judge, indent=indent) + os.linesep)
    f = load(p, "otel").feedback.row(0, named=True)
    assert (f["trace_id"], f["span_id"], f["label"]) == ("80f198ee56343ba864fe8b2a57d3eff7", "e457b5a2e4d86bd1",
                                                         "relevant")
