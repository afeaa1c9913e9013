"""Write a TraceSet as Langfuse exports it: ``traces.json``, a JSON array of ``{trace, observations}``.

The shape is the one of Langfuse's trace export (``trace`` with its ``scores`` and
``corrections``, plus all ``observations``), as in ``../shared/data/trace_langfuse_exports``:
camelCase keys, ``input``/``output``/``metadata`` stored as JSON strings, millisecond ISO
timestamps, ``latency`` in seconds, generations with chat messages and ``usageDetails``.
Mapping: ``task`` -> trace ``name``; ``prompt_version`` and ``reference`` -> trace metadata keys;
``status == "error"`` -> ``level: "ERROR"`` on the observations; feedback -> scores (``user`` ->
source API, ``human`` -> ANNOTATION, ``llm`` -> EVAL, ``code`` -> API with
``metadata.annotator_kind = "code"``; a label -> CATEGORICAL, a number -> NUMERIC, a comment
alone -> TEXT, name ``correction`` -> a CORRECTION). Gaps (listed in
``tests/io/test_cross_format.py``): Langfuse has no implicit events, so ``events`` are not
written; canonical feedback metadata is not written (the reader keeps the score's own fields).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

__all__ = ["write"]

_TYPE = {"llm": "GENERATION", "chain": "SPAN", "tool": "TOOL", "agent": "AGENT", "retriever": "RETRIEVER",
         "embedding": "EMBEDDING", "evaluator": "EVALUATOR", "guardrail": "GUARDRAIL", "event": "EVENT"}
_SOURCE = {"user": "API", "human": "ANNOTATION", "llm": "EVAL", "code": "API"}
PROJECT = "sample-project"


def iso_ms(t: dt.datetime | None) -> str | None:
    """``2026-09-07T09:00:00.000Z`` (microseconds kept when they are not whole milliseconds)."""
    if t is None:
        return None
    t = t.astimezone(dt.UTC)
    frac = f"{t.microsecond // 1000:03d}" if t.microsecond % 1000 == 0 else f"{t.microsecond:06d}"
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + frac + "Z"


def _js(v: Any) -> str | None:
    return None if v is None else json.dumps(v, ensure_ascii=False)


def write(ts, out_dir: Path) -> list[Path]:
    """Write ``ts`` to ``out_dir/traces.json``; returns the written paths."""
    from feedback_lab._frame import to_polars

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t, s, f = to_polars(ts.traces), to_polars(ts.spans), to_polars(ts.feedback)
    spans_by = {}
    for row in s.iter_rows(named=True):
        spans_by.setdefault(row["trace_id"], []).append(row)
    fb_by = {}
    for i, row in enumerate(f.iter_rows(named=True)):
        fb_by.setdefault(row["trace_id"], []).append((i, row))
    bundles = []
    for tr in t.iter_rows(named=True):
        meta = json.loads(tr["metadata"]) if tr["metadata"] else {}
        meta = meta if isinstance(meta, dict) else {"metadata": meta}
        for key in ("prompt_version", "reference"):
            if tr.get(key) is not None:
                meta[key] = tr[key]
        obs = _observations(tr, spans_by.get(tr["trace_id"], []))
        scores, corrections = [], []
        for i, fb in fb_by.get(tr["trace_id"], []):
            sc = _score(i, fb, tr)
            (corrections if sc["dataType"] == "CORRECTION" else scores).append(sc)
        trace = {
            "id": tr["trace_id"], "projectId": PROJECT, "name": tr["task"], "timestamp": iso_ms(tr["timestamp"]),
            "environment": "default", "tags": list(tr["tags"] or []), "bookmarked": False, "release": None,
            "version": None, "userId": tr["user_id"], "sessionId": tr["session_id"], "public": False,
            "input": _js(tr["input"]), "output": _js(tr["output"]),
            "createdAt": iso_ms(tr["timestamp"]), "updatedAt": iso_ms(tr["timestamp"]),
            "metadata": _js(meta) if meta else None, "scores": scores, "corrections": corrections,
            "latency": None if tr["latency_ms"] is None else tr["latency_ms"] / 1000.0,
            "observations": obs,
        }
        bundles.append({"trace": trace, "observations": obs})
    path = out_dir / "traces.json"
    path.write_text(json.dumps(bundles, ensure_ascii=False, indent=1), encoding="utf-8")
    return [path]


def _observations(tr: dict, spans: list[dict]) -> list[dict]:
    if not spans:  # one generation carrying the trace's own fields
        end = tr["timestamp"] + dt.timedelta(milliseconds=tr["latency_ms"]) if tr["timestamp"] and tr["latency_ms"] is not None else tr["timestamp"]
        spans = [{"span_id": f"{tr['trace_id']}-gen", "parent_id": None, "kind": "llm", "name": "generation",
                  "start": tr["timestamp"], "end": end, "model": tr["model"], "input": tr["input"],
                  "output": tr["output"], "input_tokens": tr["input_tokens"], "output_tokens": tr["output_tokens"],
                  "status": tr["status"], "attributes": None}]
    llm = [sp for sp in spans if sp["kind"] == "llm"]
    out = []
    for sp in spans:
        typ = _TYPE.get(sp["kind"] or "", "SPAN")
        is_gen = typ == "GENERATION"
        inp = [{"role": "user", "content": sp["input"]}] if is_gen and sp["input"] is not None else sp["input"]
        outp = {"role": "assistant", "content": sp["output"]} if is_gen and sp["output"] is not None else sp["output"]
        usage = {}
        if sp.get("input_tokens") is not None:
            usage["input"] = sp["input_tokens"]
        if sp.get("output_tokens") is not None:
            usage["output"] = sp["output_tokens"]
        if usage:
            usage["total"] = sum(usage.values())
        cost = tr["cost"] if is_gen and sp is llm[-1] else None
        error = (sp.get("status") or "").lower() == "error"
        out.append({
            "id": sp["span_id"], "traceId": tr["trace_id"], "startTime": iso_ms(sp["start"]),
            "endTime": iso_ms(sp["end"]), "projectId": PROJECT, "parentObservationId": sp["parent_id"],
            "type": typ, "environment": "default", "name": sp["name"],
            "level": "ERROR" if error else "DEFAULT", "statusMessage": "error" if error else None,
            "version": None, "input": _js(inp), "output": _js(outp), "model": sp.get("model") if is_gen else None,
            "modelParameters": {} if is_gen else None, "usageDetails": usage, "costDetails": {"total": cost} if cost is not None else {},
            "totalCost": cost, "promptName": None, "promptVersion": None,
            "metadata": sp.get("attributes") or "{}",
        })
    return out


def _score(i: int, fb: dict, tr: dict) -> dict:
    kind = fb["annotator_kind"]
    name, value, label, comment = fb["name"], fb["value"], fb["label"], fb["comment"]
    meta: dict[str, Any] = {"annotator_kind": "code"} if kind == "code" else {}
    long_value = None
    if name == "correction":
        dtype, long_value, comment = "CORRECTION", comment, None
    elif label is not None:
        dtype = "CATEGORICAL"
    elif value is not None:
        dtype = "NUMERIC"
    else:
        dtype, label, comment = "TEXT", comment, None
    author = fb["annotator"] if kind in ("user", "human", "code") else None
    return {
        "id": f"score-{i:06d}", "projectId": PROJECT, "environment": "default", "name": name,
        "value": value if dtype in ("NUMERIC", "CATEGORICAL") else (0 if dtype == "CORRECTION" else None),
        "source": _SOURCE.get(kind or "", "API"), "authorUserId": author, "comment": comment,
        "configId": fb["annotator"] if kind == "llm" else None, "queueId": None, "executionTraceId": None,
        "createdAt": iso_ms(fb["timestamp"]), "updatedAt": iso_ms(fb["timestamp"]),
        "timestamp": iso_ms(fb["timestamp"]), "traceId": fb["trace_id"], "sessionId": None,
        "datasetRunId": None, "observationId": fb.get("span_id"), "longStringValue": long_value,
        "stringValue": label, "dataType": dtype, "metadata": meta,
    }
