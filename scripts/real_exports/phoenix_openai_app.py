"""Write what Phoenix holds for an OpenAI app traced by OpenInference's auto-instrumentation
(tests/data/io/real/phoenix_openai/), with a real Phoenix server.

Same set-up as ``phoenix_exports.py``, plus the OpenAI client and its instrumentation::

    /tmp/sdk-phx/bin/pip install openai openinference-instrumentation-openai \\
        openinference-instrumentation-langchain langchain-openai
    PHOENIX_WORKING_DIR=$(mktemp -d) PHOENIX_TELEMETRY_ENABLED=false /tmp/sdk-phx/bin/phoenix serve &
    /tmp/sdk-phx/bin/python scripts/real_exports/phoenix_openai_app.py tests/data/io/real/phoenix_openai

``openinference-instrumentation-openai`` (default settings) traces the ``openai`` client, which
talks to the local stand-in for the Chat Completions API of ``otel_instrumentations.py``; the
spans go to Phoenix over OTLP/HTTP. The two traces of ``otel_instrumentations.CALLS``: a bare
``client.chat.completions.create`` (its LLM span is the trace), and a call inside an app span.
The instrumentation records the request and response bodies as ``input.value``/``output.value``
(``application/json``). Saved:

- ``spans_df.parquet``: ``client.spans.get_spans_dataframe(project_identifier=...)`` with
  ``to_parquet``;
- ``spans_df.jsonl``: the same with ``to_json(orient="records", lines=True, date_format="iso")``;
- ``get_spans.json``: ``client.spans.get_spans(project_identifier=...)`` with ``json.dump``;
- ``langchain_spans_df.parquet`` / ``.jsonl``: the same two for a second project, where a LangChain
  chain (``ChatPromptTemplate | ChatOpenAI | StrOutputParser``, invoked once per question) is traced
  by ``openinference-instrumentation-langchain`` (four spans per trace).

``expected.json`` holds the questions, answers, model and token counts served.
"""

from __future__ import annotations

import contextlib
import json
import sys
import threading
import time
from http.server import ThreadingHTTPServer
from importlib.metadata import version
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import otel_instrumentations as oi
import phoenix_exports

PROJECT = "feedback-lab-openai-app"
LANGCHAIN_PROJECT = "feedback-lab-langchain-app"


@contextlib.contextmanager
def _app(project: str, instrumentor):
    """``(provider, stand-in API base URL)`` while ``instrumentor`` sends its spans to ``project``."""
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor

    oi._OpenAI.served = 0
    server = ThreadingHTTPServer(("127.0.0.1", 0), oi._OpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot",
                                                        "openinference.project.name": project}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{phoenix_exports.BASE}/v1/traces")))
    instrumentor.instrument(tracer_provider=provider)
    try:
        yield provider, f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        instrumentor.uninstrument()
        provider.shutdown()
        server.shutdown()


def _langchain_app() -> None:
    """A LangChain chain (prompt | ChatOpenAI | parser) traced by ``openinference-instrumentation-langchain``
    into its own project: one trace per question, four spans each."""
    from langchain_core.output_parsers import StrOutputParser
    from langchain_core.prompts import ChatPromptTemplate
    from langchain_openai import ChatOpenAI
    from openinference.instrumentation.langchain import LangChainInstrumentor

    with _app(LANGCHAIN_PROJECT, LangChainInstrumentor()) as (_, base):
        model = ChatOpenAI(model="gpt-4o-mini", base_url=base, api_key="sk-stand-in")
        chain = ChatPromptTemplate.from_messages([("system", oi.SYSTEM), ("user", "{question}")]) | model | StrOutputParser()
        for question, *_ in oi.CALLS:
            chain.invoke({"question": question})


def main(out_dir: str) -> None:
    import openai
    from openinference.instrumentation.openai import OpenAIInstrumentor
    from phoenix.client import Client

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    with _app(PROJECT, OpenAIInstrumentor()) as (provider, base):
        client = openai.OpenAI(base_url=base, api_key="sk-stand-in")
        system = [{"role": "system", "content": oi.SYSTEM}]
        client.chat.completions.create(model="gpt-4o-mini", messages=[*system, {"role": "user", "content": oi.CALLS[0][0]}])
        with provider.get_tracer("support-bot").start_as_current_span("answer_question"):
            client.chat.completions.create(model="gpt-4o-mini",
                                           messages=[*system, {"role": "user", "content": oi.CALLS[1][0]}])
    _langchain_app()
    px = Client(base_url=phoenix_exports.BASE)
    for project, n, prefix in ((PROJECT, 3, ""), (LANGCHAIN_PROJECT, 8, "langchain_")):
        for _ in range(60):  # the server writes spans (and makes the project) in the background
            try:
                if len(px.spans.get_spans(project_identifier=project, limit=100)) == n:
                    break
            except Exception:  # 404 until the project exists
                pass
            time.sleep(0.5)
        df = px.spans.get_spans_dataframe(project_identifier=project)
        df.to_parquet(out / f"{prefix}spans_df.parquet")
        df.to_json(out / f"{prefix}spans_df.jsonl", orient="records", lines=True, date_format="iso")
    spans = px.spans.get_spans(project_identifier=PROJECT, limit=100)
    (out / "get_spans.json").write_text(json.dumps(spans, indent=2, ensure_ascii=False) + "\n")
    versions = {p: version(p) for p in ("arize-phoenix", "arize-phoenix-client", "openai",
                                        "openinference-instrumentation-openai", "opentelemetry-sdk",
                                        "openinference-instrumentation-langchain", "langchain-openai")}
    expected = {"model": oi.MODEL, "system": oi.SYSTEM, "versions": versions,
                "calls": [{"question": q, "answer": a, "prompt_tokens": pt, "completion_tokens": ct}
                          for q, a, pt, ct in oi.CALLS]}
    (out / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {sorted(p.name for p in out.iterdir())}; {versions}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/io/real/phoenix_openai")
