"""Write a TraceSet as Latitude v2 exports it: the traces CSV, trace details and annotation pages.

``traces.csv`` is the 26-column traces export (``build-traces-export.ts``: RFC 4180 quoting,
arrays ``|``-joined, ``metadata`` a JSON object of strings, cost in microcents, duration in ns);
the CSV has no messages, so ``trace_details.jsonl`` holds one ``GET /traces/{id}`` ``TraceDetail``
per line (``inputMessages``/``outputMessages`` in the GenAI parts format) and ``annotations.json``
one ``{"items": [Annotation...]}`` page (``sourceId`` ``API`` for end-user feedback, ``UI`` for
reviewers, ``SYSTEM`` for LLM-drafted annotations).

Round trip: traces ``trace_id, session_id, user_id, timestamp, model, prompt_version, input,
output, latency_ms, input_tokens, output_tokens, cost, status, tags, metadata`` survive;
feedback ``trace_id, value, comment, annotator, timestamp`` survive, ``annotator_kind`` for
user/human/llm (``code`` is written as ``API`` and reads back as ``user``); Latitude annotations
have no name (read back as ``"annotation"``) and a pass/fail instead of a label; an annotation
belongs to a span (the root span here, so feedback ``span_id`` reads back as its hex id). Gaps
(listed in ``tests/io/test_cross_format.py``): reference, task, span rows (the v2 exports carry
only ``spanCount``), canonical feedback metadata and implicit events are not written.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

from feedback_lab.sample_data._export_platform_common import (
    hex_id,
    iso,
    metadata_dict,
    trace_bundles,
)

__all__ = ["COLUMNS", "write"]

COLUMNS = ["traceId", "spanCount", "errorCount", "startTime", "endTime", "durationNs", "timeToFirstTokenNs",
           "tokensInput", "tokensOutput", "tokensCacheRead", "tokensCacheCreate", "tokensReasoning", "tokensTotal",
           "costInputMicrocents", "costOutputMicrocents", "costTotalMicrocents", "sessionId", "userId",
           "simulationId", "tags", "metadata", "models", "providers", "serviceNames", "rootSpanId", "rootSpanName"]
_SOURCE = {"user": "API", "code": "API", "human": "UI", "llm": "SYSTEM"}


def _parts(role: str, text: str | None) -> list[dict]:
    return [] if text is None else [{"role": role, "parts": [{"type": "text", "content": text}]}]


def write(ts, out_dir: Path) -> list[Path]:
    """Write ``traces.csv``, ``trace_details.jsonl`` and ``annotations.json`` under ``out_dir``."""
    import datetime as dt

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows, details, anns = [], [], []
    for b in trace_bundles(ts):
        t = b["trace"]
        spans = b["spans"]
        root = next((s for s in spans if s["parent_id"] is None), spans[0])
        meta = {k: str(v) for k, v in metadata_dict(t["metadata"]).items()}
        if t["prompt_version"] is not None:
            meta["promptVersion"] = t["prompt_version"]
        end = t["timestamp"] + dt.timedelta(milliseconds=t["latency_ms"]) if t["latency_ms"] is not None else None
        cost = None if t["cost"] is None else round(t["cost"] * 100_000_000)
        rec = {
            "traceId": t["trace_id"], "spanCount": len(spans), "errorCount": int(t["status"] == "error"),
            "startTime": iso(t["timestamp"]), "endTime": iso(end),
            "durationNs": None if t["latency_ms"] is None else round(t["latency_ms"] * 1_000_000),
            "timeToFirstTokenNs": 0, "tokensInput": t["input_tokens"], "tokensOutput": t["output_tokens"],
            "tokensCacheRead": 0, "tokensCacheCreate": 0, "tokensReasoning": 0,
            "tokensTotal": (t["input_tokens"] or 0) + (t["output_tokens"] or 0),
            "costInputMicrocents": None, "costOutputMicrocents": None, "costTotalMicrocents": cost,
            "sessionId": t["session_id"], "userId": t["user_id"], "simulationId": None,
            "tags": list(t["tags"] or []), "metadata": meta, "models": [t["model"]] if t["model"] else [],
            "providers": ["openai"], "serviceNames": ["support-agent"],
            "rootSpanId": hex_id(root["span_id"], 8), "rootSpanName": root["name"],
        }
        rows.append({k: ("|".join(v) if isinstance(v, list) else json.dumps(v, ensure_ascii=False)
                         if isinstance(v, dict) else "" if v is None else v) for k, v in rec.items()})
        details.append({"organizationId": "o" * 24, "projectId": "p" * 24, **rec,
                        "systemInstructions": [], "inputMessages": _parts("user", t["input"]),
                        "outputMessages": _parts("assistant", t["output"]),
                        "allMessages": _parts("user", t["input"]) + _parts("assistant", t["output"])})
        for f in b["feedback"]:
            passed = f["label"] not in ("fail", "bad", "no") and (f["value"] is None or f["value"] >= 0.5)
            anns.append({"id": f"cm9ann{len(anns) + 1:019d}", "organizationId": "o" * 24, "projectId": "p" * 24,
                         "sessionId": t["session_id"], "traceId": t["trace_id"], "spanId": hex_id(root["span_id"], 8),
                         "source": "annotation", "sourceId": _SOURCE.get(f["annotator_kind"] or "", "API"),
                         "simulationId": None, "issueId": None, "annotatorId": f["annotator"], "value": f["value"],
                         "passed": passed, "feedback": f["comment"], "metadata": {"rawFeedback": f["comment"] or ""},
                         "error": None, "errored": False, "duration": 0, "tokens": 0, "cost": 0, "draftedAt": None,
                         "createdAt": iso(f["timestamp"]), "updatedAt": iso(f["timestamp"])})
    tp, dp, ap = out_dir / "traces.csv", out_dir / "trace_details.jsonl", out_dir / "annotations.json"
    with tp.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    dp.write_text("".join(json.dumps(d, ensure_ascii=False) + "\n" for d in details), "utf-8")
    ap.write_text(json.dumps({"items": anns, "nextCursor": None, "hasMore": False}, ensure_ascii=False, indent=2),
                  "utf-8")
    return [tp, dp, ap]
