"""Write a TraceSet as LangSmith exports it: ``runs.jsonl`` (one run per line) and ``feedback.jsonl``.

Runs have the fields of ``client.list_runs()`` / LangSmith bulk exports (``id, name, run_type,
start_time, end_time, inputs, outputs, error, status, parent_run_id, trace_id, dotted_order,
extra.metadata, tags, prompt_tokens, completion_tokens, total_tokens, total_cost``); LLM runs
carry OpenAI chat inputs/outputs and ``ls_model_name``. Mapping: the root run's ``name`` is the
task, its ``extra.metadata`` holds the trace metadata plus ``session_id``, ``user_id``,
``prompt_version`` and ``reference``; ``total_cost`` sits on the root run (LangSmith aggregates
it there) and on the LLM run; ``status == "error"`` -> ``error`` set and ``status: "error"``.
Feedback records have ``key, score, value, comment, feedback_source{type, user_name}`` with
``user`` -> ``api``, ``human`` -> ``app``, ``llm`` -> ``model`` (``code`` -> ``api`` with
``feedback_source.metadata.annotator_kind = "code"``). Gaps (listed in
``tests/io/test_cross_format.py``): feedback is attached to the root run, so feedback ``span_id``
reads back as the root run id; LangSmith has no implicit events and canonical feedback metadata
is not written.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

__all__ = ["write"]

_RUN_TYPE = {"llm": "llm", "chain": "chain", "tool": "tool", "retriever": "retriever", "embedding": "embedding",
             "agent": "chain", "parser": "parser", "prompt": "prompt"}
_SOURCE = {"user": "api", "human": "app", "llm": "model", "code": "api"}


def _iso(t: dt.datetime | None) -> str | None:
    return None if t is None else t.astimezone(dt.UTC).isoformat()


def _dotted(t: dt.datetime, run_id: str) -> str:
    return t.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%S%fZ") + run_id


def write(ts, out_dir: Path) -> list[Path]:
    """Write ``ts`` to ``out_dir/runs.jsonl`` and ``out_dir/feedback.jsonl``; returns the paths."""
    from feedback_lab._frame import to_polars

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    t, s, f = to_polars(ts.traces), to_polars(ts.spans), to_polars(ts.feedback)
    spans_by: dict[str, list[dict]] = {}
    for row in s.iter_rows(named=True):
        spans_by.setdefault(row["trace_id"], []).append(row)
    runs = []
    for tr in t.iter_rows(named=True):
        runs.extend(_runs(tr, spans_by.get(tr["trace_id"], [])))
    run_path = out_dir / "runs.jsonl"
    with run_path.open("w", encoding="utf-8") as fh:
        for r in runs:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
    roots = {r["trace_id"]: r["id"] for r in runs if r["parent_run_id"] is None}
    fb_path = out_dir / "feedback.jsonl"
    with fb_path.open("w", encoding="utf-8") as fh:
        for i, fb in enumerate(f.iter_rows(named=True)):
            fh.write(json.dumps(_feedback(i, fb, roots), ensure_ascii=False) + "\n")
    return [run_path, fb_path]


def _runs(tr: dict, spans: list[dict]) -> list[dict]:
    tid = tr["trace_id"]
    if not spans:
        end = tr["timestamp"] + dt.timedelta(milliseconds=tr["latency_ms"]) if tr["timestamp"] and tr["latency_ms"] is not None else tr["timestamp"]
        spans = [{"span_id": tid, "parent_id": None, "kind": "llm", "name": tr["task"] or "ChatOpenAI",
                  "start": tr["timestamp"], "end": end, "model": tr["model"], "input": tr["input"],
                  "output": tr["output"], "input_tokens": tr["input_tokens"], "output_tokens": tr["output_tokens"],
                  "status": tr["status"]}]
    meta = json.loads(tr["metadata"]) if tr["metadata"] else {}
    meta = meta if isinstance(meta, dict) else {"metadata": meta}
    for key in ("session_id", "user_id", "prompt_version", "reference"):
        if tr.get(key) is not None:
            meta[key] = tr[key]
    by_id = {sp["span_id"]: sp for sp in spans}
    root_ids = [sp["span_id"] for sp in spans if sp["parent_id"] is None or sp["parent_id"] not in by_id]
    llm = [sp for sp in spans if sp["kind"] == "llm"]
    out = []
    for sp in spans:
        is_root = sp["span_id"] == root_ids[0]
        is_llm = sp["kind"] == "llm"
        chain = _chain(sp, by_id)
        error = (sp.get("status") or "").lower() == "error"
        extra_meta = dict(meta) if is_root else {}
        if is_llm:
            extra_meta.update(ls_provider="openai", ls_model_type="chat", ls_model_name=sp.get("model"))
            inputs = {"messages": [{"role": "user", "content": sp["input"]}], "model": sp.get("model")}
            outputs = {"choices": [{"index": 0, "message": {"role": "assistant", "content": sp["output"]},
                                    "finish_reason": "stop"}], "model": sp.get("model"), "object": "chat.completion"}
        else:  # a root run's inputs/outputs are the trace's
            q = sp["input"] if sp["input"] is not None or not is_root else tr["input"]
            a = sp["output"] if sp["output"] is not None or not is_root else tr["output"]
            inputs, outputs = {"question": q}, {"output": a}
        cost = tr["cost"] if (is_root or (llm and sp is llm[-1])) else None
        out.append({
            "id": sp["span_id"], "name": tr["task"] if is_root else sp["name"],
            "run_type": _RUN_TYPE.get(sp["kind"] or "", "chain"),
            "start_time": _iso(sp["start"]), "end_time": _iso(sp["end"]),
            "extra": {"metadata": extra_meta, "runtime": {"sdk": "langsmith-py", "sdk_version": "0.4.0"}},
            "error": "error" if error else None, "status": "error" if error else "success",
            "inputs": inputs, "outputs": outputs, "parent_run_id": None if is_root else sp["parent_id"],
            "trace_id": tid, "dotted_order": ".".join(_dotted(by_id[c]["start"], c) for c in chain),
            "tags": list(tr["tags"] or []) if is_root else [], "session_name": "default",
            "prompt_tokens": sp.get("input_tokens") if is_llm else None,
            "completion_tokens": sp.get("output_tokens") if is_llm else None,
            "total_tokens": (sp.get("input_tokens") or 0) + (sp.get("output_tokens") or 0) if is_llm else None,
            "total_cost": cost, "reference_example_id": None,
        })
    return out


def _chain(sp: dict, by_id: dict) -> list[str]:
    """Run ids from the root down to ``sp`` (for dotted_order)."""
    chain = [sp["span_id"]]
    cur = sp
    while cur["parent_id"] is not None and cur["parent_id"] in by_id and len(chain) < 100:
        cur = by_id[cur["parent_id"]]
        chain.append(cur["span_id"])
    return chain[::-1]


def _feedback(i: int, fb: dict, roots: dict) -> dict:
    kind = fb["annotator_kind"]
    source = {"type": _SOURCE.get(kind or "", "api"), "user_name": fb["annotator"], "user_id": None,
              "metadata": {"annotator_kind": "code"} if kind == "code" else {}}
    return {
        "id": f"fb-{i:06d}", "created_at": _iso(fb["timestamp"]), "modified_at": _iso(fb["timestamp"]),
        "run_id": fb.get("span_id") or roots.get(fb["trace_id"], fb["trace_id"]), "trace_id": fb["trace_id"],
        "key": fb["name"], "score": fb["value"], "value": fb["label"], "comment": fb["comment"],
        "correction": None, "feedback_source": source, "session_id": None,
    }
