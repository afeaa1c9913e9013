"""Write the spans that real OpenTelemetry instrumentations of the OpenAI client record
(tests/data/io/real/otel_instrumentations/), as the OpenTelemetry Collector's file exporter saves them.

Run with a Python that has the instrumentations (NOT the project venv)::

    python3 -m venv /tmp/otelinst
    /tmp/otelinst/bin/pip install openai opentelemetry-sdk opentelemetry-exporter-otlp-proto-common \\
        opentelemetry-instrumentation-openai openinference-instrumentation-openai logfire \\
        openinference-instrumentation-langchain langchain-openai traceloop-sdk opentelemetry-exporter-zipkin-json \\
        anthropic opentelemetry-instrumentation-anthropic openinference-instrumentation-anthropic
    /tmp/otelinst/bin/python scripts/real_exports/otel_instrumentations.py tests/data/io/real/otel_instrumentations

The ``openai`` client talks to a local stand-in for the Chat Completions API (it answers each
request with a fixed completion and its ``usage``; nothing leaves the machine). For each
instrumentation, with its default settings:

- ``openllmetry``: ``opentelemetry-instrumentation-openai`` (Traceloop's OpenLLMetry; ``gen_ai.*``
  attributes, prompts as ``gen_ai.prompt.<i>.*``);
- ``openinference``: ``openinference-instrumentation-openai`` (Arize; ``llm.*``, ``input.value``,
  ``output.value``);
- ``logfire``: Pydantic Logfire's ``logfire.instrument_openai`` (``gen_ai.*`` and ``logfire.*``),

two traces are recorded: a bare ``client.chat.completions.create`` call (the LLM span is the
trace), and a call inside an application span (``answer_question``) that the app opens with the
OpenTelemetry API (Logfire: ``logfire.span``). And ``openinference_langchain``: a LangChain chain
(``ChatPromptTemplate | ChatOpenAI | StrOutputParser``) invoked once per question, traced by
``openinference-instrumentation-langchain`` (a trace per ``invoke``, four spans each). And
``traceloop_sdk``: Traceloop's SDK (``Traceloop.init``, which instruments the OpenAI client) with a
``@workflow`` function per question and the session and user set as association properties (a
trace per question: the workflow span and its LLM span). ``openllmetry_anthropic`` and
``openinference_anthropic`` make the same two traces with the ``anthropic`` client (Messages API),
traced by ``opentelemetry-instrumentation-anthropic`` and ``openinference-instrumentation-anthropic``. Each instrumentation's spans are written as:

- ``<name>.jsonl``: OTLP/JSON, one ``ExportTraceServiceRequest`` per line, as the Collector's file
  exporter writes it (``encode_spans`` then protobuf's ``MessageToJson``, on one line);
- ``<name>.binpb``: the Collector file exporter's ``format: proto`` layout (each message after 4
  bytes giving its length, big-endian);
- ``<name>.zipkin.json``: the spans as OpenTelemetry's Zipkin exporter encodes them
  (``opentelemetry-exporter-zipkin-json``'s ``JsonV2Encoder``), an array of traces, as Zipkin's
  ``GET /api/v2/traces`` returns them.

``expected.json`` holds the questions, answers, model and token counts the stand-in served, and
the package versions.
"""

from __future__ import annotations

import json
import struct
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path

from google.protobuf.json_format import MessageToJson
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

MODEL = "gpt-4o-mini-2024-07-18"
ANTHROPIC_MODEL = "claude-3-5-haiku-20241022"
SYSTEM = "You are a support assistant. Answer in one sentence."
#: (question, answer, prompt tokens, completion tokens) served for each call, in order
CALLS = [
    ("How do I reset my password?", "Open Settings > Security and choose \"Reset password\".", 27, 12),
    ("Can I get a refund after 30 days?", "No: refunds are possible within 30 days of purchase only.", 31, 14),
]


class _OpenAI(BaseHTTPRequestHandler):
    """``POST /v1/chat/completions`` (or Anthropic's ``POST /v1/messages``): the next answer of :data:`CALLS`."""

    served = 0

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        question, answer, pt, ct = CALLS[_OpenAI.served % len(CALLS)]
        assert body["messages"][-1]["content"] == question, body
        _OpenAI.served += 1
        if self.path.endswith("/messages"):  # Anthropic's Messages API
            doc = {"id": f"msg_{_OpenAI.served}", "type": "message", "role": "assistant", "model": ANTHROPIC_MODEL,
                   "content": [{"type": "text", "text": answer}], "stop_reason": "end_turn", "stop_sequence": None,
                   "usage": {"input_tokens": pt, "output_tokens": ct}}
        else:
            doc = {"id": f"chatcmpl-{_OpenAI.served}", "object": "chat.completion",
                   "created": 1767225600 + _OpenAI.served, "model": MODEL, "system_fingerprint": "fp_stand_in",
                   "choices": [{"index": 0, "message": {"role": "assistant", "content": answer, "refusal": None},
                                "logprobs": None, "finish_reason": "stop"}],
                   "usage": {"prompt_tokens": pt, "completion_tokens": ct, "total_tokens": pt + ct}}
        raw = json.dumps(doc).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(raw)))
        self.end_headers()
        self.wfile.write(raw)

    def log_message(self, *args) -> None:
        pass


def _record(instrumentor, base_url: str, anthropic: bool = False) -> list:
    """Both traces' spans, with ``instrumentor`` on the OpenAI (or Anthropic) client."""
    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    instrumentor.instrument(tracer_provider=provider)
    try:
        if anthropic:
            import anthropic as sdk

            client = sdk.Anthropic(base_url=base_url.removesuffix("/v1"), api_key="sk-ant-stand-in")

            def ask(question: str) -> None:
                client.messages.create(model="claude-3-5-haiku-latest", max_tokens=200, system=SYSTEM,
                                       messages=[{"role": "user", "content": question}])
        else:
            import openai

            client = openai.OpenAI(base_url=base_url, api_key="sk-stand-in")

            def ask(question: str) -> None:
                client.chat.completions.create(model="gpt-4o-mini", messages=[
                    {"role": "system", "content": SYSTEM}, {"role": "user", "content": question}])
        ask(CALLS[0][0])
        with provider.get_tracer("support-bot").start_as_current_span("answer_question") as app:
            app.set_attribute("app.question_id", "q-2")
            ask(CALLS[1][0])
    finally:
        instrumentor.uninstrument()
    return list(exporter.get_finished_spans())


def _write(spans: list, out: Path, name: str) -> None:
    by_trace: dict[int, list] = {}
    for s in spans:
        by_trace.setdefault(s.context.trace_id, []).append(s)
    messages = [encode_spans(group) for group in by_trace.values()]
    (out / f"{name}.jsonl").write_text("".join(MessageToJson(m, indent=None) + "\n" for m in messages))
    (out / f"{name}.binpb").write_bytes(b"".join(struct.pack(">I", len(b)) + b
                                                for b in (m.SerializeToString() for m in messages)))
    # Zipkin, as OpenTelemetry's Zipkin exporter sends the spans (what GET /api/v2/traces gives back:
    # an array of traces, each the array of its spans)
    from opentelemetry.exporter.zipkin.json.v2 import JsonV2Encoder
    from opentelemetry.exporter.zipkin.node_endpoint import NodeEndpoint

    traces = []
    for group in by_trace.values():
        endpoint = NodeEndpoint()
        endpoint.service_name = group[0].resource.attributes.get("service.name")
        traces.append(json.loads(JsonV2Encoder().serialize(group, endpoint)))
    (out / f"{name}.zipkin.json").write_text(json.dumps(traces, indent=1) + "\n")


INSTRUMENTATIONS = ("openllmetry", "openinference", "logfire", "openinference_langchain", "traceloop_sdk",
                    "openllmetry_anthropic", "openinference_anthropic")


def _instrumentor(name: str):
    if name == "openllmetry_anthropic":
        from opentelemetry.instrumentation.anthropic import AnthropicInstrumentor
        return AnthropicInstrumentor()
    if name == "openinference_anthropic":
        from openinference.instrumentation.anthropic import AnthropicInstrumentor
        return AnthropicInstrumentor()
    if name == "openllmetry":
        from opentelemetry.instrumentation.openai import OpenAIInstrumentor
    else:
        from openinference.instrumentation.openai import OpenAIInstrumentor
    return OpenAIInstrumentor()


def _logfire(base_url: str) -> list:
    """Pydantic Logfire's ``instrument_openai`` (spans kept here: ``send_to_logfire=False``)."""
    import logfire
    import openai

    exporter = InMemorySpanExporter()
    logfire.configure(send_to_logfire=False, console=False, service_name="support-bot",
                      additional_span_processors=[SimpleSpanProcessor(exporter)])
    client = openai.OpenAI(base_url=base_url, api_key="sk-stand-in")
    logfire.instrument_openai(client)
    messages = [{"role": "system", "content": SYSTEM}]
    client.chat.completions.create(model="gpt-4o-mini", messages=[*messages, {"role": "user", "content": CALLS[0][0]}])
    with logfire.span("answer_question"):
        client.chat.completions.create(model="gpt-4o-mini", messages=[*messages, {"role": "user", "content": CALLS[1][0]}])
    logfire.force_flush()
    return list(exporter.get_finished_spans())


def _langchain(base_url: str) -> list:
    """A LangChain chain (prompt | ChatOpenAI | parser) traced by ``openinference-instrumentation-langchain``:
    one trace per ``invoke``, its root the chain."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_openai import ChatOpenAI
    from openinference.instrumentation.langchain import LangChainInstrumentor

    exporter = InMemorySpanExporter()
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot"}))
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    LangChainInstrumentor().instrument(tracer_provider=provider)
    chain = (ChatPromptTemplate.from_messages([("system", SYSTEM), ("user", "{question}")])
             | ChatOpenAI(model="gpt-4o-mini", base_url=base_url, api_key="sk-stand-in") | StrOutputParser())
    for question, *_ in CALLS:
        chain.invoke({"question": question})
    return list(exporter.get_finished_spans())


def _traceloop_sdk(base_url: str) -> list:
    """Traceloop's SDK (``traceloop-sdk``: OpenLLMetry with its decorators): a ``@workflow`` per
    question calling the OpenAI client, with the session and user as association properties."""
    import openai
    from traceloop.sdk import Traceloop
    from traceloop.sdk.decorators import workflow

    exporter = InMemorySpanExporter()
    Traceloop.init(app_name="support-bot", exporter=exporter, disable_batch=True, telemetry_enabled=False)
    client = openai.OpenAI(base_url=base_url, api_key="sk-stand-in")

    @workflow(name="answer_question")
    def answer(question: str) -> str:
        reply = client.chat.completions.create(model="gpt-4o-mini", messages=[
            {"role": "system", "content": SYSTEM}, {"role": "user", "content": question}])
        return reply.choices[0].message.content

    for i, (question, *_) in enumerate(CALLS):
        Traceloop.set_association_properties({"session_id": f"conv-{i + 1}", "user_id": "user-7"})
        answer(question)
    return list(exporter.get_finished_spans())


def record_one(name: str, out: Path) -> None:
    """One instrumentation's two traces (in a process of its own: an instrumentation's
    ``uninstrument`` need not undo all of its wrapping, which would nest the next one's spans)."""
    trace.set_tracer_provider(TracerProvider())  # a global one, which the instrumentations must not use
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    base = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        special = {"logfire": _logfire, "openinference_langchain": _langchain, "traceloop_sdk": _traceloop_sdk}
        spans = (special[name](base) if name in special
                 else _record(_instrumentor(name), base, anthropic=name.endswith("_anthropic")))
        _write(spans, out, name)
    finally:
        server.shutdown()


def main(out_dir: str) -> None:
    import subprocess

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    for name in INSTRUMENTATIONS:
        subprocess.run([sys.executable, __file__, "--one", name, str(out)], check=True)
    versions = {p: version(p) for p in ("openai", "opentelemetry-sdk", "opentelemetry-instrumentation-openai",
                                        "openinference-instrumentation-openai", "logfire",
                                        "openinference-instrumentation-langchain", "langchain-openai",
                                        "langchain-core", "traceloop-sdk", "opentelemetry-exporter-zipkin-json",
                                        "anthropic", "opentelemetry-instrumentation-anthropic",
                                        "openinference-instrumentation-anthropic")}
    expected = {"model": MODEL, "anthropic_model": ANTHROPIC_MODEL, "system": SYSTEM, "versions": versions,
                "calls": [{"question": q, "answer": a, "prompt_tokens": pt, "completion_tokens": ct}
                          for q, a, pt, ct in CALLS]}
    (out / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {sorted(p.name for p in out.iterdir())}; {versions}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--one"]:
        record_one(sys.argv[2], Path(sys.argv[3]))
    else:
        main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/io/real/otel_instrumentations")
