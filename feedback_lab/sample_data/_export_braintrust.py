"""Write a TraceSet as ``bt sync pull`` does: JSONL rows of a project's logs (one row per span).

Rows carry ``id, _xact_id, created, project_id, log_id="g", span_id, root_span_id, span_parents,
span_attributes{name,type}, input, output, expected, error, scores, metadata, tags, metrics``.
Feedback is written the way Braintrust stores it: user scores merged onto the root row
(``logFeedback``), LLM/code scores as scorer child spans (``type="score"``, ``purpose="scorer"``,
LLM rationale in ``metadata.rationale``) with the score also merged onto the root, human scores as
review spans (``type="review"``), and comments as comment rows (``comment.text``, ``origin.id``).

The root (task) span logs the interaction's input and output; a failed LLM call logs no output.

Round trip (checked by ``tests/io/test_cross_format.py``): traces ``trace_id, session_id, user_id,
timestamp, model, prompt_version, input, output, reference, latency_ms, input_tokens,
output_tokens, cost, status, tags, metadata`` survive; feedback ``trace_id, name, value,
annotator_kind`` and the comment of LLM scores survive for numeric scores. Gaps: labels and scores
without a value are not representable (Braintrust scores are numbers); other comments come back
as separate ``name="comment"`` rows by a human; annotator and score time are not score fields;
scorer/review spans load as extra spans of kind ``evaluator``; feedback ``span_id`` is the root
span; task, canonical feedback metadata and implicit events are not written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feedback_lab.sample_data._export_platform_common import (
    epoch_s,
    iso,
    metadata_dict,
    trace_bundles,
)

__all__ = ["write"]

_PROJECT = "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d"


def write(ts, out_dir: Path) -> list[Path]:
    """Write ``part-000000.jsonl`` under ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rows: list[dict[str, Any]] = []
    xact = 1000194612735624937

    def add(row: dict[str, Any]) -> dict[str, Any]:
        nonlocal xact
        xact += 1
        row = {"id": f"row-{len(rows) + 1:06d}", "_xact_id": str(xact), **row,
               "project_id": _PROJECT, "log_id": "g"}
        rows.append(row)
        return row

    for b in trace_bundles(ts):
        t = b["trace"]
        root_row = None
        for s in b["spans"]:
            root = s["parent_id"] is None
            meta: dict[str, Any] = {}
            metrics: dict[str, Any] = {"start": epoch_s(s["start"]), "end": epoch_s(s["end"])}
            if s["kind"] == "llm":
                meta = {"model": s["model"], "provider": "openai"}
                if t["prompt_version"] is not None:
                    meta["prompt"] = {"id": "prompt-support", "version": t["prompt_version"]}
                metrics.update(prompt_tokens=s["input_tokens"], completion_tokens=s["output_tokens"])
                if s["input_tokens"] is not None and s["output_tokens"] is not None:
                    metrics["tokens"] = s["input_tokens"] + s["output_tokens"]
                if t["cost"] is not None:
                    metrics["estimated_cost"] = t["cost"]
            if root:
                meta = {**metadata_dict(t["metadata"]), "user_id": t["user_id"], "session_id": t["session_id"]}
                # the root (task) span logs the interaction's input and output, as ``traced``/``wrapTraced`` do
                s = {**s, "input": t["input"] if s["input"] is None else s["input"],
                     "output": t["output"] if s["output"] is None else s["output"]}
            row = add({
                "created": iso(s["start"]), "span_id": s["span_id"], "root_span_id": t["trace_id"],
                "span_parents": [s["parent_id"]] if s["parent_id"] else None, "is_root": root,
                "span_attributes": {"name": s["name"], "type": "task" if root else (s["kind"] or "function")},
                "input": ([{"role": "user", "content": s["input"]}] if s["kind"] == "llm" else s["input"]),
                "output": ([{"index": 0, "finish_reason": "stop",
                             "message": {"role": "assistant", "content": s["output"]}}]
                           if s["kind"] == "llm" and s["output"] is not None else s["output"]),
                "expected": t["reference"] if root else None,
                "error": "error" if s["status"] == "error" and root else None,
                "scores": None, "metadata": meta, "tags": list(t["tags"]) if root and t["tags"] is not None else None,
                "metrics": metrics,
            })
            root_row = row if root and root_row is None else root_row
        for f in b["feedback"]:
            kind, name, value = f["annotator_kind"], f["name"], f["value"]
            created = iso(f["timestamp"])
            if value is not None:
                if kind in ("llm", "code", "human"):
                    typ = "review" if kind == "human" else "score"
                    meta = {"rationale": f["comment"] or "", "choice": f["label"]} if kind == "llm" else {}
                    if kind == "human":
                        meta = {"reviewer": f["annotator"]}
                    add({"created": created, "span_id": f"{root_row['span_id']}-{typ}-{len(rows)}",
                         "root_span_id": t["trace_id"], "span_parents": [root_row["span_id"]], "is_root": False,
                         "span_attributes": {"name": f["annotator"] if kind != "human" else "review", "type": typ,
                                             **({"purpose": "scorer"} if typ == "score" else {})},
                         "input": None, "output": {"score": value}, "scores": {name: value}, "metadata": meta,
                         "metrics": {"start": epoch_s(f["timestamp"]), "end": epoch_s(f["timestamp"])}})
                root_row["scores"] = {**(root_row["scores"] or {}), name: value}
            if f["comment"] is not None and kind != "llm":
                add({"created": created, "origin": {"id": root_row["id"]}, "comment": {"text": f["comment"]}})
    path = out_dir / "part-000000.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), "utf-8")
    return [path]
