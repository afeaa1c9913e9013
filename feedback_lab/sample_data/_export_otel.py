"""Write a TraceSet as OpenTelemetry GenAI OTLP/JSON, as the Collector's file exporter does.

``traces.jsonl`` holds one ``ExportTraceServiceRequest`` per trace (``resourceSpans`` with typed
attribute values, hex ids, nanosecond timestamps as strings); ``logs.jsonl`` holds one
``ExportLogsServiceRequest`` with a ``gen_ai.evaluation.result`` log record per feedback row,
linked to the trace's root span by ``traceId``/``spanId``.

What survives a round trip (``read_traces`` of both files): traces ``timestamp, model, input,
output, latency_ms, input_tokens, output_tokens, status, session_id, user_id``; feedback ``name,
value, label, comment, annotator_kind, annotator, timestamp``. Trace ids become OTLP hex ids
(:func:`otel_trace_id`); cost, tags, metadata, reference, prompt_version, task and implicit
events have no GenAI attribute and are not written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feedback_lab.sample_data._export_platform_common import hex_id, ns, trace_bundles

__all__ = ["otel_span_id", "otel_trace_id", "write"]

_OPS = {"llm": "chat", "tool": "execute_tool", "agent": "invoke_agent", "embedding": "embeddings",
        "retriever": "retrieval", "chain": "invoke_workflow"}


def otel_trace_id(trace_id: str) -> str:
    """The OTLP trace id (32 hex digits) the exporter writes for a canonical ``trace_id``."""
    return hex_id(trace_id, 16)


def otel_span_id(span_id: str) -> str:
    return hex_id(span_id, 8)


def _v(value: Any) -> dict[str, Any]:
    if isinstance(value, bool):
        return {"boolValue": value}
    if isinstance(value, int):
        return {"intValue": str(value)}
    if isinstance(value, float):
        return {"doubleValue": value}
    if isinstance(value, list):
        return {"arrayValue": {"values": [_v(x) for x in value]}}
    return {"stringValue": str(value)}


def _attrs(d: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"key": k, "value": _v(v)} for k, v in d.items() if v is not None]


def _messages(role: str, text: str | None) -> str | None:
    if text is None:
        return None
    return json.dumps([{"role": role, "parts": [{"type": "text", "content": text}]}], ensure_ascii=False)


def write(ts, out_dir: Path) -> list[Path]:
    """Write ``traces.jsonl`` and ``logs.jsonl`` under ``out_dir``; return their paths."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    trace_lines, log_records = [], []
    for b in trace_bundles(ts):
        t = b["trace"]
        tid = otel_trace_id(t["trace_id"])
        otlp_spans = []
        root_sid = None
        for s in b["spans"]:
            sid = otel_span_id(s["span_id"])
            root = s["parent_id"] is None
            root_sid = sid if root and root_sid is None else root_sid
            a: dict[str, Any] = {"gen_ai.operation.name": _OPS.get(s["kind"] or "", s["kind"])}
            if s["kind"] == "llm":
                a.update({"gen_ai.provider.name": "openai" if "gpt" in (s["model"] or "") else "anthropic",
                          "gen_ai.request.model": s["model"], "gen_ai.response.model": s["model"],
                          "gen_ai.usage.input_tokens": s["input_tokens"],
                          "gen_ai.usage.output_tokens": s["output_tokens"]})
            if root:
                a.update({"gen_ai.conversation.id": t["session_id"], "user.id": t["user_id"]})
            a["gen_ai.input.messages"] = _messages("user", s["input"])
            a["gen_ai.output.messages"] = _messages("assistant", s["output"])
            if s["status"] == "error":
                a["error.type"] = "_OTHER"
            span = {"traceId": tid, "spanId": sid, "name": s["name"] or s["kind"],
                    "kind": 3 if s["kind"] == "llm" else 1,
                    "startTimeUnixNano": ns(s["start"]), "endTimeUnixNano": ns(s["end"]),
                    "attributes": _attrs(a),
                    "status": {"code": 2} if s["status"] == "error" else {"code": 1} if s["status"] == "ok" else {}}
            if s["parent_id"] is not None:
                span["parentSpanId"] = otel_span_id(s["parent_id"])
            otlp_spans.append(span)
        trace_lines.append({"resourceSpans": [{
            "resource": {"attributes": _attrs({"service.name": "feedback-lab-sample"})},
            "scopeSpans": [{"scope": {"name": "feedback_lab.sample_data", "version": "1"}, "spans": otlp_spans}],
        }]})
        for f in b["feedback"]:
            a = {"gen_ai.evaluation.name": f["name"], "gen_ai.evaluation.score.value": f["value"],
                 "gen_ai.evaluation.score.label": f["label"], "gen_ai.evaluation.explanation": f["comment"],
                 "feedback_lab.annotator_kind": f["annotator_kind"], "feedback_lab.annotator": f["annotator"]}
            log_records.append({"timeUnixNano": ns(f["timestamp"]), "eventName": "gen_ai.evaluation.result",
                                "traceId": tid, "spanId": root_sid, "attributes": _attrs(a)})
    traces_path, logs_path = out_dir / "traces.jsonl", out_dir / "logs.jsonl"
    traces_path.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in trace_lines), "utf-8")
    logs_doc = {"resourceLogs": [{"resource": {"attributes": _attrs({"service.name": "feedback-lab-sample"})},
                                  "scopeLogs": [{"scope": {"name": "feedback_lab.sample_data"},
                                                 "logRecords": log_records}]}]}
    logs_path.write_text(json.dumps(logs_doc, ensure_ascii=False) + "\n", "utf-8")
    return [traces_path, logs_path]
