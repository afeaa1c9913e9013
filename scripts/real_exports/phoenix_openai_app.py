"""Write what Phoenix holds for an OpenAI app traced by OpenInference's auto-instrumentation
(tests/data/io/real/phoenix_openai/), with a real Phoenix server.

Same set-up as ``phoenix_exports.py``, plus the OpenAI client and its instrumentation::

    /tmp/sdk-phx/bin/pip install openai openinference-instrumentation-openai
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
- ``get_spans.json``: ``client.spans.get_spans(project_identifier=...)`` with ``json.dump``.

``expected.json`` holds the questions, answers, model and token counts served.
"""

from __future__ import annotations

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


def main(out_dir: str) -> None:
    import openai
    from openinference.instrumentation.openai import OpenAIInstrumentor
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SimpleSpanProcessor
    from phoenix.client import Client

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), oi._OpenAI)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    provider = TracerProvider(resource=Resource.create({"service.name": "support-bot",
                                                        "openinference.project.name": PROJECT}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{phoenix_exports.BASE}/v1/traces")))
    OpenAIInstrumentor().instrument(tracer_provider=provider)
    try:
        client = openai.OpenAI(base_url=f"http://127.0.0.1:{server.server_address[1]}/v1", api_key="sk-stand-in")
        system = [{"role": "system", "content": oi.SYSTEM}]
        client.chat.completions.create(model="gpt-4o-mini", messages=[*system, {"role": "user", "content": oi.CALLS[0][0]}])
        with provider.get_tracer("support-bot").start_as_current_span("answer_question"):
            client.chat.completions.create(model="gpt-4o-mini",
                                           messages=[*system, {"role": "user", "content": oi.CALLS[1][0]}])
    finally:
        OpenAIInstrumentor().uninstrument()
        provider.shutdown()
        server.shutdown()
    px = Client(base_url=phoenix_exports.BASE)
    for _ in range(60):  # the server writes spans (and makes the project) in the background
        try:
            if len(px.spans.get_spans(project_identifier=PROJECT, limit=100)) == 3:
                break
        except Exception:  # 404 until the project exists
            pass
        time.sleep(0.5)
    df = px.spans.get_spans_dataframe(project_identifier=PROJECT)
    df.to_parquet(out / "spans_df.parquet")
    df.to_json(out / "spans_df.jsonl", orient="records", lines=True, date_format="iso")
    spans = px.spans.get_spans(project_identifier=PROJECT, limit=100)
    (out / "get_spans.json").write_text(json.dumps(spans, indent=2, ensure_ascii=False) + "\n")
    versions = {p: version(p) for p in ("arize-phoenix", "arize-phoenix-client", "openai",
                                        "openinference-instrumentation-openai", "opentelemetry-sdk")}
    expected = {"model": oi.MODEL, "system": oi.SYSTEM, "versions": versions,
                "calls": [{"question": q, "answer": a, "prompt_tokens": pt, "completion_tokens": ct}
                          for q, a, pt, ct in oi.CALLS]}
    (out / "expected.json").write_text(json.dumps(expected, indent=2, ensure_ascii=False) + "\n")
    print(f"wrote {sorted(p.name for p in out.iterdir())}; {versions}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/io/real/phoenix_openai")
