"""Write a TraceSet as OpenTelemetry GenAI OTLP/JSON, as the Collector's file exporter does.

``traces.jsonl`` holds one ``ExportTraceServiceRequest`` per trace (``resourceSpans`` with typed
attribute values, hex ids, nanosecond timestamps as strings); ``logs.jsonl`` holds one
``ExportLogsServiceRequest`` with a ``gen_ai.evaluation.result`` log record per feedback row,
linked to the trace's root span by ``traceId``/``spanId``.

The root span carries the interaction's input/output (``gen_ai.input.messages`` /
``gen_ai.output.messages``), ``gen_ai.conversation.id``, ``user.id``, ``gen_ai.prompt.version``,
``tag.tags``, ``metadata`` (JSON) and ``feedback_lab.task``/``feedback_lab.reference``; LLM spans
carry ``gen_ai.usage.cost``. The last five are not GenAI semantic conventions but ordinary span
attributes that the reader maps (:data:`feedback_lab.io._genai_attrs.ALIASES`).

Round trip (checked by ``tests/io/test_cross_format.py``): every traces column except ``source``
survives; feedback ``name, value, label, comment, annotator_kind, annotator, timestamp`` survive.
Gaps: trace and span ids become OTLP hex ids (:func:`otel_trace_id`, :func:`otel_span_id`; ids
that already are hex of the right length are kept); feedback ``span_id`` is the root span (an
evaluation event belongs to a span); canonical feedback ``metadata`` and implicit events are not
written.
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
                          "gen_ai.usage.output_tokens": s["output_tokens"], "gen_ai.usage.cost": t["cost"]})
            if root:
                a.update({"gen_ai.conversation.id": t["session_id"], "user.id": t["user_id"],
                          "gen_ai.prompt.version": t["prompt_version"], "metadata": t["metadata"],
                          "tag.tags": list(t["tags"]) if t["tags"] is not None else None,
                          "feedback_lab.task": t["task"], "feedback_lab.reference": t["reference"]})
            # the root span carries the interaction's input/output (the user's message and the answer)
            a["gen_ai.input.messages"] = _messages("user", t["input"] if root and s["input"] is None else s["input"])
            a["gen_ai.output.messages"] = _messages("assistant",
                                                    t["output"] if root and s["output"] is None else s["output"])
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
