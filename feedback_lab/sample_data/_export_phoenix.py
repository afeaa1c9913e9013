"""Write a TraceSet as Phoenix users save it: the spans dataframe and the span-annotations dataframe.

``spans.parquet`` has the columns of ``client.spans.get_spans_dataframe()`` (``name, span_kind,
parent_id, start_time, end_time, status_code, status_message, events, context.span_id,
context.trace_id, attributes.*`` with OpenInference attributes, index ``context.span_id``);
``span_annotations.parquet`` those of ``client.spans.get_span_annotations_dataframe()``
(index ``span_id``; ``id, annotation_name, annotator_kind, result.label, result.score,
result.explanation, metadata, identifier, source, created_at, updated_at, user_id``). Trace-level
feedback is attached to the trace's root span, as Phoenix users annotate root spans.

The root span carries the interaction's input/output (``input.value``/``output.value``), the
session, user, tags, metadata, prompt version and two application attributes
``feedback_lab.task``/``feedback_lab.reference`` (OpenInference allows any attribute).

Round trip (checked by ``tests/io/test_cross_format.py``): every traces column except ``source``
survives; feedback ``trace_id, name, value, label, comment, annotator_kind, annotator, timestamp``
survive (``user`` feedback is a ``HUMAN`` annotation logged through the API, ``human`` one
logged in the app). Gaps: feedback ``span_id`` is the root span (Phoenix annotates spans, so
trace-level feedback lives on the root span); canonical feedback ``metadata`` is not written
(``metadata`` holds the annotator); implicit events have no Phoenix equivalent.
"""

from __future__ import annotations

import json
from pathlib import Path

from feedback_lab.sample_data._export_platform_common import trace_bundles

__all__ = ["write"]

_KIND = {"llm": "LLM", "chain": "CHAIN", "tool": "TOOL", "retriever": "RETRIEVER", "agent": "AGENT",
         "embedding": "EMBEDDING", "reranker": "RERANKER", "guardrail": "GUARDRAIL", "evaluator": "EVALUATOR"}
_ANN = {"llm": "LLM", "code": "CODE", "human": "HUMAN", "user": "HUMAN"}


def write(ts, out_dir: Path) -> list[Path]:
    """Write ``spans.parquet`` and ``span_annotations.parquet`` under ``out_dir``."""
    import pandas as pd

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    spans, anns = [], []
    for b in trace_bundles(ts):
        t = b["trace"]
        root_id = None
        for s in b["spans"]:
            root = s["parent_id"] is None
            root_id = s["span_id"] if root and root_id is None else root_id
            llm = s["kind"] == "llm"
            # the root span carries the interaction's input/output (as OpenInference instrumentors record it)
            s_in = t["input"] if root and s["input"] is None else s["input"]
            s_out = t["output"] if root and s["output"] is None else s["output"]
            row = {
                "name": s["name"], "span_kind": _KIND.get(s["kind"] or "", (s["kind"] or "UNKNOWN").upper()),
                "parent_id": s["parent_id"], "start_time": s["start"], "end_time": s["end"],
                "status_code": {"ok": "OK", "error": "ERROR"}.get(s["status"] or "", "UNSET"),
                "status_message": "", "events": [],
                "context.span_id": s["span_id"], "context.trace_id": s["trace_id"],
                "attributes.openinference.span.kind": _KIND.get(s["kind"] or "", "CHAIN"),
                "attributes.input.value": s_in, "attributes.input.mime_type": "text/plain",
                "attributes.output.value": s_out, "attributes.output.mime_type": "text/plain",
                "attributes.llm.model_name": s["model"] if llm else None,
                "attributes.llm.token_count.prompt": float(s["input_tokens"]) if llm and s["input_tokens"] is not None else None,
                "attributes.llm.token_count.completion": float(s["output_tokens"]) if llm and s["output_tokens"] is not None else None,
                "attributes.llm.cost.total": t["cost"] if llm else None,
                "attributes.llm.input_messages": [{"message": {"role": "user", "content": s["input"]}}] if llm else None,
                "attributes.llm.output_messages": [{"message": {"role": "assistant", "content": s["output"]}}] if llm else None,
                "attributes.session.id": t["session_id"] if root else None,
                "attributes.user.id": t["user_id"] if root else None,
                "attributes.metadata": t["metadata"] if root else None,
                "attributes.tag.tags": list(t["tags"]) if root and t["tags"] is not None else None,
                "attributes.llm.prompt_template.version": t["prompt_version"] if root else None,
                # application attributes (OpenInference allows any; the reader maps these two)
                "attributes.feedback_lab.task": t["task"] if root else None,
                "attributes.feedback_lab.reference": t["reference"] if root else None,
            }
            spans.append(row)
        for i, f in enumerate(b["feedback"]):
            kind = f["annotator_kind"]
            anns.append({
                "span_id": root_id, "id": f"U3BhbkFubm90YXRpb246{len(anns) + 1}",
                "annotation_name": f["name"], "annotator_kind": _ANN.get(kind or "", "HUMAN"),
                "result.label": f["label"], "result.score": f["value"], "result.explanation": f["comment"],
                "metadata": json.dumps({"annotator": f["annotator"]}) if f["annotator"] else "{}",
                "identifier": f"{f['name']}-{i}", "source": "API" if kind in ("user", "llm", "code") else "APP",
                "created_at": f["timestamp"], "updated_at": f["timestamp"], "user_id": None,
            })
    sdf = pd.DataFrame(spans)
    sdf = sdf.set_index(pd.Index(sdf["context.span_id"], name="context.span_id"))
    adf = pd.DataFrame(anns).set_index("span_id")
    sp, ap = out_dir / "spans.parquet", out_dir / "span_annotations.parquet"
    sdf.to_parquet(sp)
    adf.to_parquet(ap)
    return [sp, ap]
