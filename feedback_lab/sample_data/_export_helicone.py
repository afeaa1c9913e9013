"""Write a TraceSet as ``npx @helicone/export --include-body`` does: JSONL of ``HeliconeRequest`` records.

One record per trace (Helicone logs LLM requests): ``request_id``, ``request_created_at``,
``response_created_at``, ``delay_ms``, ``prompt_tokens``/``completion_tokens``/``total_tokens`` as
quoted strings (ClickHouse Int64), ``cost`` (USD), ``model``, ``request_user_id``,
``properties``/``request_properties`` (``Helicone-Session-Id``, custom properties),
``request_body``/``response_body`` (OpenAI chat request/response), ``scores`` and ``updated_at``.

Scores follow Helicone's rules: thumbs (``annotator_kind == "user"`` with a 0/1 value) become
``helicone-score-feedback``; pass/fail results of LLM judges become ``<name>-hcone-bool`` 0/1;
other integer scores keep their name; non-integer scores are dropped by Helicone and so are not
written, and a later score with the same name overwrites the earlier one (last write wins).

Round trip: traces ``trace_id, session_id, user_id, timestamp, model, prompt_version, input, output,
latency_ms, input_tokens, output_tokens, cost, status`` survive (metadata holds the custom
properties); feedback ``trace_id, value`` survive for integer scores, with name ``user_feedback`` for
thumbs. Gaps (listed in ``tests/io/test_cross_format.py``): comments, annotators, score times,
reference, tags, task, spans (one record per LLM request) and events are not exported by Helicone.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from pathlib import Path

from feedback_lab.sample_data._export_platform_common import iso, metadata_dict, trace_bundles

__all__ = ["write"]


def write(ts, out_dir: Path) -> list[Path]:
    """Write ``helicone_export.jsonl`` under ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    recs = []
    for b in trace_bundles(ts):
        t = b["trace"]
        end = t["timestamp"] + dt.timedelta(milliseconds=t["latency_ms"] or 0) if t["timestamp"] else None
        props = {str(k): str(v) for k, v in metadata_dict(t["metadata"]).items()}
        if t["session_id"] is not None:
            props["Helicone-Session-Id"] = t["session_id"]
        scores: dict[str, str] = {}
        for f in sorted(b["feedback"], key=lambda f: f["timestamp"] or dt.datetime.min.replace(tzinfo=dt.UTC)):
            v, kind = f["value"], f["annotator_kind"]
            if kind == "user" and v in (0.0, 1.0) and f["name"] in ("thumbs", "user_feedback"):
                scores["helicone-score-feedback"] = str(int(v))
            elif kind in ("llm", "code") and f["label"] in ("pass", "fail", "true", "false"):
                scores[f"{f['name']}-hcone-bool"] = "1" if f["label"] in ("pass", "true") else "0"
            elif v is not None and float(v).is_integer():
                scores[f["name"]] = str(int(v))
        status = 500 if t["status"] == "error" else 200
        recs.append({
            "response_id": str(uuid.uuid5(uuid.NAMESPACE_URL, f"resp/{t['trace_id']}")),
            "response_body": {"id": f"chatcmpl-{t['trace_id']}", "object": "chat.completion", "model": t["model"],
                              "choices": [{"index": 0, "finish_reason": "stop",
                                           "message": {"role": "assistant", "content": t["output"]}}],
                              "usage": {"prompt_tokens": t["input_tokens"], "completion_tokens": t["output_tokens"]}},
            "response_created_at": iso(end), "response_status": status,
            "request_id": t["trace_id"],
            "request_body": {"model": t["model"], "messages": [{"role": "user", "content": t["input"]}]},
            "request_created_at": iso(t["timestamp"]), "request_user_id": t["user_id"] or "",
            "request_properties": props, "properties": props, "provider": "OPENAI",
            "delay_ms": round(t["latency_ms"]) if t["latency_ms"] is not None else None,
            "request_model": t["model"], "model": t["model"], "time_to_first_token": None,
            "prompt_tokens": str(t["input_tokens"]), "completion_tokens": str(t["output_tokens"]),
            "total_tokens": str((t["input_tokens"] or 0) + (t["output_tokens"] or 0)),
            "cost": t["cost"], "scores": scores, "prompt_id": "", "prompt_version": t["prompt_version"] or "",
            "updated_at": iso(end), "storage_location": "s3", "target_url": "https://api.openai.com/v1/chat/completions",
        })
    path = out_dir / "helicone_export.jsonl"
    path.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in recs), "utf-8")
    return [path]
