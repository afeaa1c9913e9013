"""Write real OpenTelemetry SDK exports of GenAI spans (test fixtures under tests/data/io/real/otel/).

Run with a Python that has ``opentelemetry-sdk`` and ``opentelemetry-exporter-otlp-proto-http``
installed (NOT the project venv)::

    python3 -m venv /tmp/sdk-phx
    /tmp/sdk-phx/bin/pip install opentelemetry-sdk opentelemetry-exporter-otlp-proto-http
    /tmp/sdk-phx/bin/python scripts/real_exports/otel_sdk_exports.py tests/data/io/real/otel

Each run makes two traces of a root ``invoke_agent`` span and a ``chat`` child (GenAI semantic
conventions). The chat span carries a ``gen_ai.evaluation.result`` event (trace 1: score and label;
trace 2: two evaluations, one label-only). Run ``attrs`` puts the messages in
``gen_ai.input.messages``/``gen_ai.output.messages`` attributes; run ``events`` puts them in a
``gen_ai.client.inference.operation.details`` span event; run ``oldevents`` in the older
``gen_ai.system.message``/``gen_ai.user.message``/``gen_ai.choice`` events. Every run is written:

- ``console_<run>.txt``: ``ConsoleSpanExporter`` with its default formatter (pretty-printed JSON);
- ``console_oneline_<run>.jsonl``: ``formatter=lambda s: s.to_json(indent=None) + "\\n"``;
- ``otlp_msg2json_<run>.json``: ``encode_spans`` then ``google.protobuf.json_format.MessageToJson``
  (ids as base64, protobuf's mapping of bytes);
- ``otlp_msg2dict_<run>.json``: ``MessageToDict(..., preserving_proto_field_name=True)`` dumped
  with :func:`json.dumps`;
- ``otlp_<run>.binpb``: ``encode_spans(spans).SerializeToString()``, the body an OTLP/HTTP exporter
  posts (``Content-Type: application/x-protobuf``);
- ``file_exporter_<run>.binpb``: the Collector file exporter's ``format: proto`` layout
  (``exportMessageAsBuffer`` in ``exporter/fileexporter/file_writer.go``): one
  ``ExportTraceServiceRequest`` per trace, each after 4 bytes giving its length (big-endian);
- ``file_exporter_zstd_<run>.binpb.zst``: the same with ``compression: zstd`` (legacy layout: each
  message compressed on its own, then length-prefixed).

Run ``logs`` puts the messages in attributes, as ``attrs`` does, and emits each evaluation as a
``gen_ai.evaluation.result`` log record (``Logger.emit(event_name=..., attributes=...)`` inside the
chat span) instead of a span event: its spans are written as above (no console files), and its log
records as ``otlp_msg2json_logs_records.json`` and ``file_exporter_logs_records.binpb``
(``encode_logs``), which the Collector writes from its logs pipeline.

``file_exporter_metrics.binpb``: a ``gen_ai.client.token.usage`` histogram (``encode_metrics``), what
the Collector's metrics pipeline writes; feedback_lab does not read metrics and must say so.

The expected values are in :data:`EXPECTED` (also written as ``expected.json``).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from google.protobuf.json_format import MessageToDict, MessageToJson
from opentelemetry.exporter.otlp.proto.common._log_encoder import encode_logs
from opentelemetry.exporter.otlp.proto.common.metrics_encoder import encode_metrics
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import ConsoleSpanExporter, SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import Status, StatusCode

TRACES = [
    {"question": "What is the capital of France?", "system": "Answer in one sentence.",
     "answer": "Paris is the capital of France.", "in_tok": 21, "out_tok": 7,
     "conversation": "conv-1",
     "evals": [("relevance", 0.9, "relevant", "The answer addresses the question.")]},
    {"question": "Translate 'thank you' into German.", "system": "You are a translator.",
     "answer": "Danke.", "in_tok": 18, "out_tok": 3, "conversation": "conv-2",
     "evals": [("correctness", 1.0, "correct", None), ("tone", None, "neutral", None)]},
]
REQUEST_MODEL = "gpt-4o-mini"
RESPONSE_MODEL = "gpt-4o-mini-2024-07-18"
EXPECTED = {"traces": len(TRACES), "spans": 2 * len(TRACES),
            "feedback": sum(len(t["evals"]) for t in TRACES), "model": RESPONSE_MODEL, "traces_detail": TRACES}


def _messages(t: dict) -> tuple[str, str, str]:
    inp = [{"role": "user", "parts": [{"type": "text", "content": t["question"]}]}]
    out = [{"role": "assistant", "parts": [{"type": "text", "content": t["answer"]}], "finish_reason": "stop"}]
    sys_ = [{"type": "text", "content": t["system"]}]
    return json.dumps(inp), json.dumps(out), json.dumps(sys_)


def make_spans(run: str, console_files: list, logger=None) -> list:
    """Create the spans of one run; return the finished ``ReadableSpan`` objects (run ``logs``
    emits the evaluations through ``logger``)."""
    mem = InMemorySpanExporter()
    resource = Resource.create({"service.name": f"feedback-lab-{run}"})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(SimpleSpanProcessor(mem))
    for f, fmt in console_files:
        kw = {"formatter": fmt} if fmt else {}
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter(out=f, **kw)))
    tracer = provider.get_tracer("feedback_lab.real_exports", "1.0")
    for t in TRACES:
        with tracer.start_as_current_span("invoke_agent travel-assistant") as root:
            root.set_attribute("gen_ai.operation.name", "invoke_agent")
            root.set_attribute("gen_ai.agent.name", "travel-assistant")
            root.set_attribute("gen_ai.conversation.id", t["conversation"])
            with tracer.start_as_current_span(f"chat {REQUEST_MODEL}") as llm:
                inp, out, sys_ = _messages(t)
                llm.set_attribute("gen_ai.operation.name", "chat")
                llm.set_attribute("gen_ai.provider.name", "openai")
                llm.set_attribute("gen_ai.request.model", REQUEST_MODEL)
                llm.set_attribute("gen_ai.response.model", RESPONSE_MODEL)
                llm.set_attribute("gen_ai.usage.input_tokens", t["in_tok"])
                llm.set_attribute("gen_ai.usage.output_tokens", t["out_tok"])
                llm.set_attribute("gen_ai.response.finish_reasons", ["stop"])
                if run in ("attrs", "logs"):
                    llm.set_attribute("gen_ai.system_instructions", sys_)
                    llm.set_attribute("gen_ai.input.messages", inp)
                    llm.set_attribute("gen_ai.output.messages", out)
                elif run == "events":
                    llm.add_event("gen_ai.client.inference.operation.details", {
                        "gen_ai.system_instructions": sys_, "gen_ai.input.messages": inp,
                        "gen_ai.output.messages": out})
                else:  # oldevents: semantic conventions 1.28-1.36 event names
                    llm.add_event("gen_ai.system.message", {"gen_ai.system": "openai", "content": t["system"]})
                    llm.add_event("gen_ai.user.message", {"gen_ai.system": "openai", "content": t["question"]})
                    llm.add_event("gen_ai.choice", {"gen_ai.system": "openai", "index": 0, "finish_reason": "stop",
                                                    "message": json.dumps({"role": "assistant",
                                                                           "content": t["answer"]})})
                for name, score, label, expl in t["evals"]:
                    a = {"gen_ai.evaluation.name": name, "gen_ai.evaluation.score.label": label}
                    if score is not None:
                        a["gen_ai.evaluation.score.value"] = score
                    if expl:
                        a["gen_ai.evaluation.explanation"] = expl
                    if run == "logs":  # a log record in the chat span's context
                        logger.emit(event_name="gen_ai.evaluation.result", attributes=a)
                    else:
                        llm.add_event("gen_ai.evaluation.result", a)
                llm.set_status(Status(StatusCode.OK))
    provider.shutdown()
    return list(mem.get_finished_spans())


def _length_prefixed(messages: list, compress=None) -> bytes:
    """The file exporter's ``exportMessageAsBuffer``: each buffer after its length as a big-endian
    uint32 (the buffer zstd-compressed first with ``compression: zstd``, legacy layout)."""
    out = b""
    for m in messages:
        buf = m.SerializeToString()
        if compress:
            buf = compress(buf)
        out += len(buf).to_bytes(4, "big") + buf
    return out


def main(out_dir: str) -> None:
    import zstandard

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    zstd = zstandard.ZstdCompressor().compress
    logs = InMemoryLogRecordExporter()  # run "logs" only: its evaluations as log records
    logger_provider = LoggerProvider(resource=Resource.create({"service.name": "feedback-lab-logs"}))
    logger_provider.add_log_record_processor(SimpleLogRecordProcessor(logs))
    for run in ("attrs", "events", "oldevents", "logs"):
        if run == "logs":
            spans = make_spans(run, [], logger_provider.get_logger("feedback_lab.real_exports", "1.0"))
        else:
            with open(out / f"console_{run}.txt", "w") as f1, open(out / f"console_oneline_{run}.jsonl", "w") as f2:
                spans = make_spans(run, [(f1, None), (f2, lambda s: s.to_json(indent=None) + "\n")])
        req = encode_spans(spans)
        (out / f"otlp_msg2json_{run}.json").write_text(MessageToJson(req) + "\n")
        d = MessageToDict(req, preserving_proto_field_name=True)
        (out / f"otlp_msg2dict_{run}.json").write_text(json.dumps(d) + "\n")
        (out / f"otlp_{run}.binpb").write_bytes(req.SerializeToString())
        by_trace = {}
        for s in spans:
            by_trace.setdefault(s.context.trace_id, []).append(s)
        per_trace = [encode_spans(group) for group in by_trace.values()]
        (out / f"file_exporter_{run}.binpb").write_bytes(_length_prefixed(per_trace))
        (out / f"file_exporter_zstd_{run}.binpb.zst").write_bytes(_length_prefixed(per_trace, zstd))
        if run == "logs":
            logger_provider.shutdown()
            records = encode_logs(logs.get_finished_logs())
            (out / "otlp_msg2json_logs_records.json").write_text(MessageToJson(records) + "\n")
            (out / "file_exporter_logs_records.binpb").write_bytes(_length_prefixed([records]))
    reader = InMemoryMetricReader()
    meters = MeterProvider(resource=Resource.create({"service.name": "feedback-lab-metrics"}), metric_readers=[reader])
    usage = meters.get_meter("feedback_lab.real_exports", "1.0").create_histogram("gen_ai.client.token.usage",
                                                                                  unit="{token}")
    for t in TRACES:
        usage.record(t["in_tok"], {"gen_ai.token.type": "input", "gen_ai.request.model": REQUEST_MODEL})
        usage.record(t["out_tok"], {"gen_ai.token.type": "output", "gen_ai.request.model": REQUEST_MODEL})
    (out / "file_exporter_metrics.binpb").write_bytes(_length_prefixed([encode_metrics(reader.get_metrics_data())]))
    meters.shutdown()
    (out / "expected.json").write_text(json.dumps(EXPECTED, indent=1) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/io/real/otel")
