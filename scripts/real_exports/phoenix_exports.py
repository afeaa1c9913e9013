"""Write real Arize Phoenix exports (test fixtures under tests/data/io/real/phoenix/).

Needs a running Phoenix server and a Python with ``arize-phoenix`` (for ``SpanEvaluations``),
``arize-phoenix-client``, ``opentelemetry-sdk``, ``opentelemetry-exporter-otlp-proto-http`` and
``pandas``/``pyarrow`` (NOT the project venv)::

    python3 -m venv /tmp/sdk-phx
    /tmp/sdk-phx/bin/pip install arize-phoenix arize-phoenix-client opentelemetry-sdk \
        opentelemetry-exporter-otlp-proto-http openinference-semantic-conventions
    PHOENIX_WORKING_DIR=$(mktemp -d) PHOENIX_TELEMETRY_ENABLED=false /tmp/sdk-phx/bin/phoenix serve &
    /tmp/sdk-phx/bin/python scripts/real_exports/phoenix_exports.py tests/data/io/real/phoenix

It sends :data:`TRACES` (OpenInference attributes, OTLP over HTTP) to a fresh project, annotates
them (:data:`SPAN_ANNOTATIONS` through ``client.spans``, the ``APP`` one through the GraphQL
mutation the UI calls; a note; a trace annotation), then writes what users save:

- ``spans_df.{parquet,csv,jsonl}``: ``client.spans.get_spans_dataframe(project_identifier=...)``
  with ``to_parquet()``, ``to_csv()``, ``to_json(orient="records", lines=True)``;
- ``annotations_df.{parquet,csv}``: ``client.spans.get_span_annotations_dataframe(...)`` the same
  ways (its index is ``span_id``); ``annotations_df_reset.jsonl``: ``reset_index().to_json(...)``
  (``to_json(orient="records")`` of the frame itself drops the span ids: ``annotations_df_noindex.jsonl``);
- ``rest_spans.json``, ``rest_span_annotations.json``, ``rest_trace_annotations.json``,
  ``rest_spans_otlpv1.json``: the raw REST responses;
- ``ui_download.jsonl``, ``ui_download_otlp.json``, ``ui_download_span.json``: the span downloads of
  the UI ("Download selection": JSONL / OTLP JSON, traces, with span and trace annotations; and a
  single span), rebuilt from the server's ``static/assets/index-*.js`` (the browser writes them);
- ``evaluations-<id>.parquet`` renamed ``span_evaluations.parquet``: ``phoenix.trace.SpanEvaluations.save()``.

The expected values are written to ``expected.json``.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import httpx
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Status, StatusCode

BASE = "http://localhost:6006"
PROJECT = "feedback-lab-real"

TRACES = [
    {"question": "What is the capital of France?",
     "answer": 'Paris, "la Ville Lumière", is the capital.\nIt has about 2.1M inhabitants.',
     "system": "Answer briefly.", "model": "gpt-4o-mini-2024-07-18", "prompt": 31, "completion": 17,
     "session": "sess-A", "user": "user-1", "tags": ["prod", "geo"], "metadata": {"app_version": "1.2.0", "ab": "B"},
     "docs": [("doc-1", "Paris is the capital and largest city of France.", 0.92)]},
    {"question": "And of Germany?", "answer": "Berlin.", "system": "Answer briefly.",
     "model": "gpt-4o-mini-2024-07-18", "prompt": 44, "completion": 3,
     "session": "sess-A", "user": "user-1", "tags": ["prod"], "metadata": {"app_version": "1.2.0"},
     "docs": [("doc-2", "Berlin is the capital of Germany.", 0.88), ("doc-3", "Bonn was the capital of West Germany.", 0.41)]},
    {"question": "Summarise: 'The meeting moved to Tuesday, 3pm; bring the Q3 deck.'",
     "answer": "Meeting: Tuesday 3pm. Bring the Q3 deck.", "system": "You summarise text.",
     "model": "claude-3-5-haiku-20241022", "prompt": 25, "completion": 12,
     "session": "sess-B", "user": "user-2", "tags": [], "metadata": {},
     "docs": []},
]

# (trace index, span: "root" or "llm", name, annotator_kind, label, score, explanation, metadata, identifier)
SPAN_ANNOTATIONS = [
    (0, "llm", "correctness", "LLM", "correct", 1.0, "Paris is right.", {"judge": "gpt-4o"}, None),
    (0, "root", "user_feedback", "HUMAN", "thumbs_up", 1.0, None, {"channel": "widget"}, None),
    (1, "llm", "correctness", "LLM", "correct", 1.0, None, {}, None),
    (1, "llm", "json_valid", "CODE", None, 0.0, "not JSON", {}, None),
    (2, "llm", "hallucination", "LLM", "factual", 0.0, "Matches the source text.", {}, "run-1"),
    (2, "llm", "hallucination", "LLM", "hallucinated", 1.0, "Adds a year.", {}, "run-2"),
    (2, "root", "user_feedback", "HUMAN", "thumbs_down", 0.0, "too terse", {}, None),
]
# annotations made in the UI (GraphQL, source APP): a human reviewer
APP_ANNOTATIONS = [(1, "root", "helpfulness", "HUMAN", "good", 4.0, "Short and right.", {"reviewer": "alice"})]
NOTE = (0, "llm", "check the source doc")
TRACE_ANNOTATION = (0, "resolved", "HUMAN", "yes", 1.0, "issue closed")
EVALS = [(0, "llm", "qa_correct", "correct", 1.0, "ok"), (2, "llm", "qa_correct", "incorrect", 0.0, "adds info")]


def send_spans() -> list[dict]:
    """Send the traces; return per trace its hex ids (``trace``, ``root``, ``retriever``, ``llm``)."""
    provider = TracerProvider(resource=Resource.create({"service.name": "rag-app",
                                                        "openinference.project.name": PROJECT}))
    provider.add_span_processor(SimpleSpanProcessor(OTLPSpanExporter(endpoint=f"{BASE}/v1/traces")))
    tracer = provider.get_tracer("feedback_lab.real_exports")
    ids = []
    for t in TRACES:
        with tracer.start_as_current_span("rag") as root:
            root.set_attribute("openinference.span.kind", "CHAIN")
            root.set_attribute("input.value", t["question"])
            root.set_attribute("input.mime_type", "text/plain")
            root.set_attribute("session.id", t["session"])
            root.set_attribute("user.id", t["user"])
            if t["tags"]:
                root.set_attribute("tag.tags", t["tags"])
            if t["metadata"]:
                root.set_attribute("metadata", json.dumps(t["metadata"]))
            with tracer.start_as_current_span("retrieve") as ret:
                ret.set_attribute("openinference.span.kind", "RETRIEVER")
                ret.set_attribute("input.value", t["question"])
                for i, (did, content, score) in enumerate(t["docs"]):
                    ret.set_attribute(f"retrieval.documents.{i}.document.id", did)
                    ret.set_attribute(f"retrieval.documents.{i}.document.content", content)
                    ret.set_attribute(f"retrieval.documents.{i}.document.score", score)
            with tracer.start_as_current_span("ChatCompletion") as llm:
                msgs = [{"role": "system", "content": t["system"]}, {"role": "user", "content": t["question"]}]
                llm.set_attribute("openinference.span.kind", "LLM")
                llm.set_attribute("llm.model_name", t["model"])
                llm.set_attribute("llm.provider", "openai" if t["model"].startswith("gpt") else "anthropic")
                llm.set_attribute("llm.invocation_parameters", json.dumps({"temperature": 0}))
                llm.set_attribute("input.value", json.dumps({"messages": msgs, "model": t["model"]}))
                llm.set_attribute("input.mime_type", "application/json")
                llm.set_attribute("output.value", t["answer"])
                for i, m in enumerate(msgs):
                    llm.set_attribute(f"llm.input_messages.{i}.message.role", m["role"])
                    llm.set_attribute(f"llm.input_messages.{i}.message.content", m["content"])
                llm.set_attribute("llm.output_messages.0.message.role", "assistant")
                llm.set_attribute("llm.output_messages.0.message.content", t["answer"])
                llm.set_attribute("llm.token_count.prompt", t["prompt"])
                llm.set_attribute("llm.token_count.completion", t["completion"])
                llm.set_attribute("llm.token_count.total", t["prompt"] + t["completion"])
                llm.set_status(Status(StatusCode.OK))
            root.set_attribute("output.value", t["answer"])
            root.set_attribute("output.mime_type", "text/plain")
            ids.append({"trace": format(root.get_span_context().trace_id, "032x"),
                        "root": format(root.get_span_context().span_id, "016x"),
                        "retriever": format(ret.get_span_context().span_id, "016x"),
                        "llm": format(llm.get_span_context().span_id, "016x")})
    provider.shutdown()
    return ids


def _pages(c: httpx.Client, url: str, params: dict) -> dict:
    """All pages of a paginated REST list, as one response (``data`` concatenated)."""
    data, cursor = [], None
    while True:
        r = c.get(url, params={**params, **({"cursor": cursor} if cursor else {})})
        r.raise_for_status()
        body = r.json()
        data.extend(body["data"])
        cursor = body.get("next_cursor")
        if not cursor:
            return {"data": data, "next_cursor": None}


def _annotation_attrs(anns: list[dict], prefix: str) -> dict:
    """``PI`` of the UI bundle: annotations as OpenInference attributes."""
    out = {}
    for r, e in enumerate(anns):
        a = f"{prefix}.{r}"
        out[f"{a}.annotation.name"] = e["name"]
        out[f"{a}.annotation.annotator_kind"] = e["annotator_kind"]
        res = e.get("result") or {}
        if res.get("score") is not None:
            out[f"{a}.annotation.score"] = res["score"]
        if res.get("label") is not None:
            out[f"{a}.annotation.label"] = res["label"]
        if res.get("explanation") is not None:
            out[f"{a}.annotation.explanation"] = res["explanation"]
        if e.get("identifier"):
            out[f"{a}.annotation.identifier"] = e["identifier"]
        if e.get("metadata"):
            out[f"{a}.annotation.metadata"] = json.dumps(e["metadata"], separators=(",", ":"))
    return out


def _js(v) -> str:
    return json.dumps(v, ensure_ascii=False, separators=(",", ":"))


def ui_downloads(c: httpx.Client, pid: str, trace_ids: list[str], out: Path) -> None:
    """Rebuild the UI's "Download selection" files (traces scope, span + trace annotations)."""
    spans = _pages(c, f"/v1/projects/{pid}/spans", {"trace_id": trace_ids, "limit": 1000})["data"]
    otlp = _pages(c, f"/v1/projects/{pid}/spans/otlpv1", {"trace_id": trace_ids, "limit": 1000})["data"]
    span_ids = [s["context"]["span_id"] for s in spans]
    sa = _pages(c, f"/v1/projects/{pid}/span_annotations", {"span_ids": span_ids, "limit": 1000})["data"]
    ta = _pages(c, f"/v1/projects/{pid}/trace_annotations", {"trace_ids": trace_ids, "limit": 1000})["data"]
    by_span: dict[str, list] = {}
    for a in sa:
        by_span.setdefault(a["span_id"], []).append(a)
    by_trace: dict[str, list] = {}
    for a in ta:
        by_trace.setdefault(a["trace_id"], []).append(a)

    def extra(span_id, trace_id, is_root):
        return {**_annotation_attrs(by_span.get(span_id, []), "annotations"),
                **_annotation_attrs(by_trace.get(trace_id, []) if is_root else [], "trace.annotations")}

    lines = []
    for s in spans:
        x = extra(s["context"]["span_id"], s["context"]["trace_id"], not s.get("parent_id"))
        lines.append(_js({**s, "attributes": {**s["attributes"], **x}} if x else s))
    (out / "ui_download.jsonl").write_text("".join(line + "\n" for line in lines))
    single = next(s for s in spans if by_span.get(s["context"]["span_id"]) and not s.get("parent_id"))
    x = extra(single["context"]["span_id"], single["context"]["trace_id"], True)
    (out / "ui_download_span.json").write_text(
        json.dumps({**single, "attributes": {**single["attributes"], **x}}, indent=2, ensure_ascii=False) + "\n")
    parts = []
    for s in otlp:
        x = extra(s["span_id"], s["trace_id"], not s.get("parent_span_id"))
        if x:
            kv = [{"key": k, "value": {"double_value": v} if isinstance(v, (int, float)) else {"string_value": v}}
                  for k, v in x.items()]
            s = {**s, "attributes": [a for a in s.get("attributes") or [] if a.get("key") not in x] + kv}
        parts.append(_js(s))
    (out / "ui_download_otlp.json").write_text('{"resource_spans":[{"scope_spans":[{"spans":['
                                               + ",".join(parts) + "]}]}]}")


def main(out_dir: str) -> None:
    import pandas as pd
    from phoenix.client import Client
    from phoenix.trace import SpanEvaluations

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    client = Client(base_url=BASE)
    c = httpx.Client(base_url=BASE, timeout=30)
    for p in c.get("/v1/projects").json()["data"]:  # a fresh project on every run
        if p["name"] == PROJECT:
            c.delete(f"/v1/projects/{p['id']}").raise_for_status()
    ids = send_spans()
    for _ in range(30):
        df = client.spans.get_spans_dataframe(project_identifier=PROJECT)
        if len(df) == 3 * len(TRACES):
            break
        time.sleep(1)
    pid = next(p["id"] for p in c.get("/v1/projects").json()["data"] if p["name"] == PROJECT)

    for ti, where, name, kind, label, score, expl, meta, ident in SPAN_ANNOTATIONS:
        client.spans.add_span_annotation(span_id=ids[ti][where], annotation_name=name, annotator_kind=kind,
                                         label=label, score=score, explanation=expl, metadata=meta or None,
                                         identifier=ident, sync=True)
    for ti, where, name, kind, label, score, expl, meta in APP_ANNOTATIONS:
        gid = c.get(f"/v1/projects/{pid}/spans", params={"span_id": [ids[ti][where]]}).json()["data"][0]["id"]
        q = ("mutation($input: [CreateSpanAnnotationInput!]!) { createSpanAnnotations(input: $input) "
             "{ spanAnnotations { id } } }")
        r = c.post("/graphql", json={"query": q, "variables": {"input": [{
            "spanId": gid, "name": name, "annotatorKind": kind, "label": label, "score": score,
            "explanation": expl, "metadata": meta, "source": "APP"}]}})
        r.raise_for_status()
        assert "errors" not in r.json(), r.json()
    client.spans.add_span_note(span_id=ids[NOTE[0]][NOTE[1]], note=NOTE[2])
    ti, name, kind, label, score, expl = TRACE_ANNOTATION
    client.traces.add_trace_annotation(trace_id=ids[ti]["trace"], annotation_name=name, annotator_kind=kind,
                                       label=label, score=score, explanation=expl, sync=True)

    df = client.spans.get_spans_dataframe(project_identifier=PROJECT)
    df.to_parquet(out / "spans_df.parquet")
    df.to_csv(out / "spans_df.csv")
    df.to_json(out / "spans_df.jsonl", orient="records", lines=True)
    ann = client.spans.get_span_annotations_dataframe(spans_dataframe=df, project_identifier=PROJECT)
    ann.to_parquet(out / "annotations_df.parquet")
    ann.to_csv(out / "annotations_df.csv")
    ann.reset_index().to_json(out / "annotations_df_reset.jsonl", orient="records", lines=True)
    ann.to_json(out / "annotations_df_noindex.jsonl", orient="records", lines=True)

    trace_ids = [i["trace"] for i in ids]

    def raw(name: str, url: str, params: dict) -> dict:  # one page, saved byte for byte (as curl -o does)
        r = c.get(url, params={**params, "limit": 1000})
        r.raise_for_status()
        (out / name).write_bytes(r.content)
        return r.json()

    rest = raw("rest_spans.json", f"/v1/projects/{pid}/spans", {})
    span_ids = [s["context"]["span_id"] for s in rest["data"]]
    raw("rest_span_annotations.json", f"/v1/projects/{pid}/span_annotations", {"span_ids": span_ids})
    raw("rest_trace_annotations.json", f"/v1/projects/{pid}/trace_annotations", {"trace_ids": trace_ids})
    raw("rest_spans_otlpv1.json", f"/v1/projects/{pid}/spans/otlpv1", {})
    ui_downloads(c, pid, trace_ids, out)

    ev = pd.DataFrame([{"context.span_id": ids[ti][w], "label": lab, "score": sc, "explanation": ex}
                       for ti, w, _, lab, sc, ex in EVALS]).set_index("context.span_id")
    eid = SpanEvaluations(eval_name=EVALS[0][2], dataframe=ev).save(out)
    (out / f"evaluations-{eid}.parquet").rename(out / "span_evaluations.parquet")

    (out / "expected.json").write_text(json.dumps({
        "project": PROJECT, "ids": ids, "traces": TRACES, "span_annotations": SPAN_ANNOTATIONS,
        "app_annotations": APP_ANNOTATIONS, "note": NOTE, "trace_annotation": TRACE_ANNOTATION, "evals": EVALS,
    }, indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/io/real/phoenix")
