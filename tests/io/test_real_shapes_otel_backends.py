"""OpenTelemetry loader on trace JSON downloaded from the backends OTel GenAI spans are sent to.

Each sample is written with the serialisation the backend uses (Go ``jsonpb``/``encoding/json``:
compact, one document; JavaScript ``JSON.stringify`` for the UI downloads), and each test names the
source file the shape was taken from. Every sample holds the same chat trace: a root span and a
``chat`` span carrying GenAI attributes and a ``gen_ai.evaluation.result`` event.
"""

from __future__ import annotations

import base64
import json
import shutil

import pytest
from _helpers_platforms import load, sniffed

# OTLP/JSON AnyValue as Go's jsonpb writes it (int64 as a JSON string), the project's OTLP writer's
from feedback_lab.sample_data._export_otel import _v as _otlp_value

TID = "5b8efff798038103d269b633813fc60c"
ROOT, CHAT = "eee19b7ec3c1b173", "eee19b7ec3c1b174"
T0 = 1741082400000000000  # 2025-03-04T10:00:00Z in ns
# the chat span runs 0.1 s .. 1.6 s, the root 0 .. 1.7 s
INPUT = [{"role": "system", "parts": [{"type": "text", "content": "Be brief."}]},
         {"role": "user", "parts": [{"type": "text", "content": "Capital of France?"}]}]
OUTPUT = [{"role": "assistant", "parts": [{"type": "text", "content": "Paris."}], "finish_reason": "stop"}]
CHAT_ATTRS = {"gen_ai.operation.name": "chat", "gen_ai.provider.name": "openai", "gen_ai.request.model": "gpt-4o",
              "gen_ai.response.model": "gpt-4o-2024-08-06", "gen_ai.usage.input_tokens": 52,
              "gen_ai.usage.output_tokens": 7, "gen_ai.input.messages": json.dumps(INPUT),
              "gen_ai.output.messages": json.dumps(OUTPUT)}
EVAL_ATTRS = {"gen_ai.evaluation.name": "relevance", "gen_ai.evaluation.score.value": 0.9,
              "gen_ai.evaluation.score.label": "relevant", "gen_ai.evaluation.explanation": "answers the question"}
RESOURCE = {"service.name": "chat-app", "telemetry.sdk.language": "python"}


def _b64(hexid):
    return base64.b64encode(bytes.fromhex(hexid)).decode()


def _compact(doc):
    return json.dumps(doc, separators=(",", ":"), ensure_ascii=False)


def _check_chat_trace(ts, *, n_feedback=1, tid=TID):
    """What every sample must load to: derived from the constants above, not from the loader."""
    assert (len(ts.traces), len(ts.spans), len(ts.rejects)) == (1, 2, 0), ts.rejects
    t = ts.traces.row(0, named=True)
    assert (t["trace_id"], t["model"], t["input_tokens"], t["output_tokens"]) == (tid, "gpt-4o-2024-08-06", 52, 7)
    assert (t["input"], t["output"], t["latency_ms"]) == ("Capital of France?", "Paris.", 1700.0)
    assert str(t["timestamp"]) == "2025-03-04 10:00:00+00:00"
    chat = ts.spans.filter(ts.spans["span_id"] == CHAT).row(0, named=True)
    assert (chat["parent_id"], chat["kind"]) == (ROOT, "llm")
    assert len(ts.feedback) == n_feedback
    if n_feedback:
        f = ts.feedback.row(0, named=True)
        assert (f["trace_id"], f["name"], f["value"], f["label"], f["comment"], f["annotator_kind"]) == (
            tid, "relevance", 0.9, "relevant", "answers the question", "llm")


# --- Grafana Tempo ------------------------------------------------------------------------------------

def _kv(d, value=_otlp_value):
    return [{"key": k, "value": value(v)} for k, v in d.items()]


def _tempo_spans(ids=_b64):
    """Spans as Tempo's API writes them (tempopb via gogo jsonpb, as in grafana/tempo
    cmd/tempo-vulture/testdata/trace.json): base64 ids, times and int64 as strings, enum names."""
    chat = {"traceId": ids(TID), "spanId": ids(CHAT), "parentSpanId": ids(ROOT), "name": "chat gpt-4o",
            "kind": "SPAN_KIND_CLIENT", "startTimeUnixNano": str(T0 + 100_000_000),
            "endTimeUnixNano": str(T0 + 1_600_000_000), "attributes": _kv(CHAT_ATTRS),
            "events": [{"timeUnixNano": str(T0 + 1_650_000_000), "name": "gen_ai.evaluation.result",
                        "attributes": _kv(EVAL_ATTRS)}], "status": {}}
    root = {"traceId": ids(TID), "spanId": ids(ROOT), "name": "POST /chat", "kind": "SPAN_KIND_SERVER",
            "startTimeUnixNano": str(T0), "endTimeUnixNano": str(T0 + 1_700_000_000),
            "attributes": _kv({"http.request.method": "POST"}), "status": {"code": "STATUS_CODE_OK"}}
    return [root, chat]


@pytest.mark.parametrize("scope_key", ["scopeSpans", "instrumentationLibrarySpans"])
def test_tempo_api_traces_v1_batches(tmp_path, scope_key):
    # GET /api/traces/<id> returns tempopb.Trace {"batches": [ResourceSpans]} (grafana/tempo
    # pkg/tempopb/tempo.proto "message Trace { repeated ResourceSpans batches = 1; }"); Tempo before
    # 2.0 (OTLP proto < 0.15) names the scope level instrumentationLibrarySpans/instrumentationLibrary
    scope = {"scope": {"name": "opentelemetry.instrumentation.openai_v2"}} if scope_key == "scopeSpans" \
        else {"instrumentationLibrary": {"name": "opentelemetry.instrumentation.openai_v2"}}
    doc = {"batches": [{"resource": {"attributes": _kv(RESOURCE)},
                        scope_key: [{**scope, "spans": _tempo_spans()}]}]}
    p = tmp_path / f"{TID}.json"
    p.write_text(_compact(doc))
    assert sniffed(p, tmp_path) == "otel"
    _check_chat_trace(load(p, "otel"))


def test_tempo_api_v2_traces(tmp_path):
    # GET /api/v2/traces/<id> returns tempopb.TraceByIDResponse {"trace": Trace, "metrics": {...}}
    # (modules/frontend/combiner/trace_by_id_v2.go; docs/sources/tempo/api_docs/_index.md "Query V2");
    # "status" is left out for a complete trace (enum zero value)
    doc = {"trace": {"resourceSpans": [{"resource": {"attributes": _kv(RESOURCE)},
                                        "scopeSpans": [{"scope": {"name": "openai_v2"}, "spans": _tempo_spans()}]}]},
           "metrics": {"inspectedBytes": "48213"}}
    p = tmp_path / "trace-v2.json"
    p.write_text(_compact(doc))
    assert sniffed(p, tmp_path) == "otel"
    _check_chat_trace(load(p, "otel"))


def test_tempo_api_v2_partial_trace_warns(tmp_path):
    # a trace over the size limit: status PARTIAL and a message (trace_by_id_v2.go finalize)
    spans = _tempo_spans()[:1]
    doc = {"trace": {"resourceSpans": [{"resource": {"attributes": _kv(RESOURCE)},
                                        "scopeSpans": [{"scope": {}, "spans": spans}]}]},
           "metrics": {"inspectedBytes": "48213"}, "status": "PARTIAL",
           "message": "Trace exceeds maximum size of 50 bytes, a partial trace is returned"}
    p = tmp_path / "partial.json"
    p.write_text(_compact(doc))
    with pytest.warns(UserWarning, match="partial trace.*maximum size"):
        ts = load(p, "otel")
    assert (len(ts.traces), len(ts.spans), len(ts.rejects)) == (1, 1, 0)


# --- Grafana "Download traces" ---------------------------------------------------------------------------

def _js_value(v):
    """Grafana's toAttributeValue: JS numbers stay numbers (intValue when whole, else doubleValue)."""
    if isinstance(v, bool):
        return {"boolValue": v}
    if isinstance(v, (int, float)):
        return {"intValue": v} if float(v).is_integer() else {"doubleValue": v}
    return {"stringValue": v}


@pytest.mark.parametrize("event_name", ["gen_ai.evaluation.result", ""])
def test_grafana_download_traces_otlp(tmp_path, event_name):
    # Explore > Query inspector > Data > "Download traces" on a Tempo trace: downloadTraceAsJson ->
    # transformToOTLP (grafana public/app/plugins/datasource/tempo/resultTransformer.ts) ->
    # JSON.stringify. Times are ms * 1e6 numbers, span kind from the frame, status {code, message};
    # an event's name is `log.name || ''` (Grafana 10+) and '' in older versions
    def span(sid, parent, name, kind, start_ms, dur_ms, attrs, logs=None, status=None):
        out = {"traceId": TID.rjust(32, "0"), "spanId": sid, "parentSpanId": parent or "", "traceState": "",
               "name": name, "kind": kind, "startTimeUnixNano": start_ms * 1000000,
               "endTimeUnixNano": (start_ms + dur_ms) * 1000000, "attributes": _kv(attrs, _js_value),
               "droppedAttributesCount": 0, "droppedEventsCount": 0, "droppedLinksCount": 0}
        if status is not None:
            out["status"] = status
        if logs:
            out["events"] = [{"timeUnixNano": ts * 1000000, "attributes": _kv(a, _js_value),
                              "droppedAttributesCount": 0, "name": event_name} for ts, a in logs]
        return out
    ms = T0 // 1000000
    chat = span(CHAT, ROOT, "chat gpt-4o", "SPAN_KIND_CLIENT", ms + 100, 1500, CHAT_ATTRS,
                logs=[(ms + 1650, EVAL_ATTRS)], status={"code": 0, "message": ""})
    root = span(ROOT, None, "POST /chat", "SPAN_KIND_SERVER", ms, 1700, {"http.request.method": "POST"},
                status={"code": 1, "message": ""})
    doc = {"batches": [{"resource": {"attributes": _kv(RESOURCE, _js_value), "droppedAttributesCount": 0},
                        "instrumentationLibrarySpans": [{"spans": [root, chat],
                                                         "instrumentationLibrary": {"name": "openai_v2",
                                                                                    "version": ""}}]}]}
    p = tmp_path / "Explore-traces-2025-03-04 10_05_00.json"
    p.write_text(_compact(doc))
    assert sniffed(p, tmp_path) == "otel"
    _check_chat_trace(load(p, "otel"))


# --- Jaeger ----------------------------------------------------------------------------------------------

def test_jaeger_api_v3_get_trace(tmp_path):
    # GET /api/v3/traces/<id>: api_v3.GRPCGatewayWrapper{Result: TracesData} marshalled by gogo jsonpb
    # (jaegertracing/jaeger cmd/query/app/apiv3/http_gateway.go returnTrace); TracesData is pdata's
    # OTLP/JSON: hex ids, kind and status.code as integers (snapshots/GetTrace.json)
    chat = {"traceId": TID, "spanId": CHAT, "parentSpanId": ROOT, "name": "chat gpt-4o", "kind": 3,
            "startTimeUnixNano": str(T0 + 100_000_000), "endTimeUnixNano": str(T0 + 1_600_000_000),
            "attributes": _kv(CHAT_ATTRS), "events": [{"timeUnixNano": str(T0 + 1_650_000_000),
                                                       "name": "gen_ai.evaluation.result",
                                                       "attributes": _kv(EVAL_ATTRS)}], "status": {}}
    root = {"traceId": TID, "spanId": ROOT, "parentSpanId": "", "name": "POST /chat", "kind": 2,
            "startTimeUnixNano": str(T0), "endTimeUnixNano": str(T0 + 1_700_000_000), "status": {"code": 1}}
    doc = {"result": {"resourceSpans": [{"resource": {"attributes": _kv(RESOURCE)},
                                         "scopeSpans": [{"scope": {"name": "openai_v2"}, "spans": [root, chat]}]}]}}
    p = tmp_path / "v3.json"
    p.write_text(_compact(doc))
    assert sniffed(p, tmp_path) == "otel"
    _check_chat_trace(load(p, "otel"))


def _jtag(k, v):
    """A Jaeger JSON KeyValue (model/json/model.go: type string|bool|int64|float64|binary)."""
    typ = "bool" if isinstance(v, bool) else "int64" if isinstance(v, int) else \
        "float64" if isinstance(v, float) else "string"
    return {"key": k, "type": typ, "value": v}


def _jaeger_trace(tid=TID, chat_tags=None):
    """One trace of Jaeger's /api/traces (model/converter/json/from_domain.go): spans translated from
    OTLP by the collector's pkg/translator/jaeger: attributes -> tags, events -> logs with the name in
    an "event" field, kind -> span.kind tag, scope -> otel.scope.name, status -> otel.status_code,
    parent -> first CHILD_OF reference, resource -> the process."""
    t0 = T0 // 1000  # µs
    prompt = json.dumps([{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Capital of France?"}])
    attrs = {k: v for k, v in CHAT_ATTRS.items() if k not in ("gen_ai.input.messages", "gen_ai.output.messages")}
    chat = {"traceID": tid, "spanID": CHAT, "operationName": "chat gpt-4o",
            "references": [{"refType": "CHILD_OF", "traceID": tid, "spanID": ROOT}],
            "startTime": t0 + 100_000, "duration": 1_500_000,
            "tags": chat_tags or [_jtag(k, v) for k, v in {**attrs, "otel.scope.name": "openai_v2",
                                                           "span.kind": "client",
                                                           "internal.span.format": "otlp"}.items()],
            # semantic conventions 1.26/1.27 content events, as Jaeger stores span events
            "logs": [{"timestamp": t0 + 100_000, "fields": [_jtag("event", "gen_ai.content.prompt"),
                                                          _jtag("gen_ai.prompt", prompt)]},
                     {"timestamp": t0 + 1_600_000, "fields": [
                         _jtag("event", "gen_ai.content.completion"),
                         _jtag("gen_ai.completion", json.dumps([{"role": "assistant", "content": "Paris."}]))]},
                     {"timestamp": t0 + 1_650_000, "fields": [_jtag("event", "gen_ai.evaluation.result"),
                                                            *(_jtag(k, v) for k, v in EVAL_ATTRS.items())]}],
            "processID": "p1", "warnings": None}
    root = {"traceID": tid, "spanID": ROOT, "operationName": "POST /chat", "references": [],
            "startTime": t0, "duration": 1_700_000,
            "tags": [_jtag("http.request.method", "POST"), _jtag("span.kind", "server"),
                     _jtag("otel.status_code", "OK"), _jtag("internal.span.format", "otlp")],
            "logs": [], "processID": "p1", "warnings": None}
    return {"traceID": tid, "spans": [root, chat],
            "processes": {"p1": {"serviceName": "chat-app", "tags": [_jtag("telemetry.sdk.language", "python")]}},
            "warnings": None}


@pytest.mark.parametrize("shape", ["api", "ui_download", "api_pretty"])
def test_jaeger_json_model(tmp_path, shape):
    # "api": GET /api/traces/<id> = structuredResponse {data, total, limit, offset, errors}
    # (cmd/query/app/http_handler.go); "api_pretty": the UI's "Trace JSON" (?prettyPrint=true, indented);
    # "ui_download": the search page's "Download Results" = `{"data":${JSON.stringify(traces)}}`
    # (jaeger-ui packages/jaeger-ui/src/components/SearchTracePage/SearchResults/DownloadResults.tsx)
    trace = _jaeger_trace()
    p = tmp_path / "jaeger.json"
    if shape == "ui_download":
        p.write_text('{"data":' + _compact([trace]) + "}")
    else:
        doc = {"data": [trace], "total": 0, "limit": 0, "offset": 0, "errors": None}
        p.write_text(json.dumps(doc, indent="  ") if shape == "api_pretty" else _compact(doc))
    assert sniffed(p, tmp_path) == "otel"
    ts = load(p, "otel")
    _check_chat_trace(ts)
    chat = ts.spans.filter(ts.spans["span_id"] == CHAT).row(0, named=True)
    assert (chat["input"], chat["output"]) == ("Capital of France?", "Paris.")
    assert json.loads(chat["attributes"])["resource.service.name"] == "chat-app"
    assert str(chat["start"]) == "2025-03-04 10:00:00.100000+00:00"


def test_jaeger_64_bit_trace_id_and_error_status(tmp_path):
    # model.TraceID.String() writes "%016x" when the high 64 bits are zero: a 16-character id;
    # an OTel ERROR status becomes the tags otel.status_code=ERROR and error=true
    tid16 = "d269b633813fc60c"
    trace = _jaeger_trace(tid16)
    trace["spans"][0]["tags"] = [_jtag("otel.status_code", "ERROR"), _jtag("error", True)]
    p = tmp_path / "jaeger.json"
    p.write_text(_compact({"data": [trace], "total": 0, "limit": 0, "offset": 0, "errors": None}))
    ts = load(p, "otel")
    assert ts.traces["trace_id"].to_list() == [tid16.rjust(32, "0")]
    assert ts.traces["status"].to_list() == ["error"]
    assert ts.feedback["trace_id"].to_list() == [tid16.rjust(32, "0")]


def test_jaeger_span_with_a_bad_tag_is_rejected_alone(tmp_path):
    bad = [_jtag("gen_ai.operation.name", "chat"), {"key": "gen_ai.usage.input_tokens", "type": "int64",
                                                    "value": "fifty-two"}]
    p = tmp_path / "jaeger.json"
    p.write_text(_compact({"data": [_jaeger_trace(chat_tags=bad)], "total": 0, "limit": 0, "offset": 0,
                           "errors": None}))
    ts = load(p, "otel")
    assert ts.spans["span_id"].to_list() == [ROOT]
    assert len(ts.rejects) == 1
    r = ts.rejects.row(0, named=True)
    assert (r["line"], r["reason"]) == (1, "data[0].spans[1]: tag 'gen_ai.usage.input_tokens': value "
                                           "'fifty-two' is not of type int64")
    assert json.loads(r["raw"])["spanID"] == CHAT  # the span as Jaeger wrote it


# --- folders of downloaded traces ------------------------------------------------------------------------

def _tempo_doc(tid):
    spans = _tempo_spans(ids=lambda h: _b64(tid if h == TID else h))
    return {"batches": [{"resource": {"attributes": _kv(RESOURCE)}, "scopeSpans": [{"scope": {}, "spans": spans}]}]}


def test_folder_of_downloads_loads_together(tmp_path):
    # one trace per file (Tempo, Jaeger v3 and Jaeger's own JSON side by side) and one per line
    other = "80f198ee56343ba864fe8b2a57d3eff7"
    third = "0af7651916cd43dd8448eb211c80319c"
    d = tmp_path / "downloads"
    d.mkdir()
    (d / "a.json").write_text(_compact(_tempo_doc(TID)))
    (d / "b.json").write_text(_compact({"data": [_jaeger_trace(other)], "total": 0, "limit": 0, "offset": 0,
                                        "errors": None}))
    (d / "c.jsonl").write_text(_compact(_tempo_doc(third)) + "\n")
    ts = load(d, "otel")
    assert sorted(ts.traces["trace_id"].to_list()) == sorted([TID, other, third])
    assert (len(ts.spans), len(ts.feedback), len(ts.rejects)) == (6, 3, 0)
    assert set(ts.traces["input"].to_list()) == {"Capital of France?"}


def test_same_trace_downloaded_twice_is_a_duplicate_naming_the_first_file(tmp_path):
    d = tmp_path / "downloads"
    d.mkdir()
    first = d / "a.json"
    first.write_text(_compact(_tempo_doc(TID)))
    shutil.copyfile(first, d / "b.json")
    ts = load(d, "otel")
    assert (len(ts.traces), len(ts.spans), len(ts.feedback)) == (1, 2, 1)
    assert ts.rejects["file"].to_list() == [str(d / "b.json")] * 2
    assert sorted(ts.rejects["reason"].to_list()) == sorted(
        f"duplicate span_id {s!r} (first seen at {first} line 1); kept the first" for s in (ROOT, CHAT))
