"""Save what LangChain's ``langsmith-fetch`` CLI writes, offline: the real tool (PyPI
``langsmith-fetch`` 0.3.1, with the ``langsmith`` SDK it calls) run against a local stand-in for the
LangSmith REST API.

Run with a Python that has ``langsmith-fetch`` installed (not the project's venv)::

    python3 -m venv /tmp/lsf && /tmp/lsf/bin/pip install langsmith-fetch==0.3.1
    /tmp/lsf/bin/python scripts/real_exports/langsmith_fetch.py OUT_DIR --cli /tmp/lsf/bin/langsmith-fetch

The stand-in answers the routes the tool calls: ``POST /runs/query`` (the SDK's ``list_runs``, root
runs newest first), ``GET /runs/{id}?include_messages=true`` (the run with its messages),
``GET /feedback?run=...`` (the SDK's ``list_feedback``) and ``GET /runs/threads/{id}`` (a thread's
``previews.all_messages``). Three traces: a LangGraph agent whose messages are LangChain dicts in
``outputs.messages`` (human, an AI tool call, the tool's answer, the AI's reply) with two feedback
records; a chat whose ``messages`` are OpenAI-style roles, with a correction; and a failed run with
no messages. What the tool writes is saved as it writes it:

* ``traces/``: ``langsmith-fetch traces DIR --limit 3`` (one ``<trace_id>.json`` per trace: its
  messages);
* ``traces_meta/``: the same with ``--include-metadata --include-feedback`` (``{"trace_id", "messages",
  "metadata": {status, times, token_usage, costs, custom_metadata, ...}, "feedback": [...]}``);
* ``trace_raw.json``: ``langsmith-fetch trace ID --format raw --file`` (compact messages);
* ``trace_meta.json``: ``trace ID --include-metadata --include-feedback --format json --file``;
* ``traces_stdout.json``: ``traces --limit 3 --include-metadata --include-feedback --format raw --file``
  (an array of the per-trace objects);
* ``threads/``: ``langsmith-fetch threads DIR`` (one ``<thread_id>.json`` per thread: its messages);
* ``thread_meta.json``: ``langsmith-fetch thread ID --format json --file`` (``{"thread_id", "messages",
  "metadata", "feedback"}``, the metadata of the thread's latest root run).

``expected.json`` holds what the server served.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import tempfile
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

PROJECT = "4f4a8d3c-6b1e-4a8e-9a52-3d0c6f1f0a11"
TENANT = "9c3e1a44-1f0e-4c55-8a3b-2b7f5b0e6d21"


def _run(rid: str, name: str, start: str, end: str, **kw) -> dict:
    base = {"id": rid, "trace_id": rid, "dotted_order": f"{start.replace('-', '').replace(':', '').replace('.', '')}{rid}",
            "name": name, "run_type": "chain", "start_time": start, "end_time": end, "status": "success",
            "error": None, "parent_run_id": None, "parent_run_ids": [], "session_id": PROJECT, "tags": [],
            "extra": {"metadata": {}}, "inputs": {}, "outputs": {}, "events": [], "child_run_ids": None,
            "feedback_stats": None, "prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0,
            "prompt_cost": None, "completion_cost": None, "total_cost": None, "first_token_time": None,
            "reference_example_id": None, "app_path": f"/o/{TENANT}/projects/p/{PROJECT}/r/{rid}"}
    base.update(kw)
    return base


AGENT_MSGS = [
    {"content": "Can I still change my flight BA117 to Friday?", "additional_kwargs": {}, "response_metadata": {},
     "type": "human", "name": None, "id": "m-1"},
    {"content": [{"id": "toolu_01", "input": {"flight": "BA117", "day": "Friday"}, "name": "check_change_rules",
                  "type": "tool_use"}],
     "additional_kwargs": {}, "response_metadata": {"model_name": "claude-3-5-haiku-20241022"}, "type": "ai",
     "name": None, "id": "m-2", "tool_calls": [{"name": "check_change_rules", "args": {"flight": "BA117"},
                                                  "id": "toolu_01", "type": "tool_call"}]},
    {"content": "Changes allowed up to 24h before departure; fee GBP 65.", "additional_kwargs": {},
     "type": "tool", "name": "check_change_rules", "id": "m-3", "tool_call_id": "toolu_01"},
    {"content": "Yes: you can move BA117 to Friday until 24 hours before departure, for a GBP 65 fee.",
     "additional_kwargs": {}, "response_metadata": {"model_name": "claude-3-5-haiku-20241022"}, "type": "ai",
     "name": None, "id": "m-4"},
]
CHAT_MSGS = [
    {"role": "system", "content": "You are a concise travel assistant."},
    {"role": "user", "content": "Which terminal does BA use at Heathrow?"},
    {"role": "assistant", "content": "British Airways flies from Terminal 5 at Heathrow."},
]
RUNS = [  # newest first, as the tool lists them
    _run("0193f1a2-7b00-7c3e-9d1a-5e2f3a4b5c60", "flight_agent", "2026-11-20T09:15:00.120000",
         "2026-11-20T09:15:04.870000", outputs={"messages": AGENT_MSGS}, inputs={"messages": AGENT_MSGS[:1]},
         extra={"metadata": {"thread_id": "thread-77", "user_id": "u-31", "ls_model_name": "claude-3-5-haiku-20241022"}},
         prompt_tokens=412, completion_tokens=96, total_tokens=508, prompt_cost=0.00033, completion_cost=0.00038,
         total_cost=0.00071, first_token_time="2026-11-20T09:15:01.010000",
         feedback_stats={"helpfulness": 1, "user_score": 1}),
    _run("0193f19e-2c40-7a11-8b9e-0c1d2e3f4a51", "chat", "2026-11-20T09:10:00.000000",
         "2026-11-20T09:10:01.500000", inputs={"messages": CHAT_MSGS[:2]},
         outputs={"generations": [{"text": CHAT_MSGS[2]["content"]}]}, messages=CHAT_MSGS,
         extra={"metadata": {"session_id": "sess-5", "prompt_version": "v7"}},
         prompt_tokens=31, completion_tokens=12, total_tokens=43, total_cost=0.000012,
         feedback_stats={"correctness": {"n": 1, "avg": 0.0}}),
    _run("0193f19a-0000-7000-8000-000000000042", "batch_summary", "2026-11-20T09:05:00.000000",
         "2026-11-20T09:05:30.000000", status="error", error="RateLimitError: 429 Too Many Requests",
         inputs={"doc_ids": [1, 2, 3]}, outputs=None),
]
FEEDBACK = {
    RUNS[0]["id"]: [
        {"id": "6f1d2c3b-0a9e-4b8c-9d7e-1f2a3b4c5d01", "run_id": RUNS[0]["id"], "trace_id": RUNS[0]["id"], "key": "helpfulness", "score": 1,
         "value": None, "comment": "Right fee and deadline.", "correction": None,
         "created_at": "2026-11-20T10:00:00.000000", "modified_at": "2026-11-20T10:00:00.000000",
         "feedback_source": {"type": "app", "metadata": None, "user_id": "a1b2", "user_name": "reviewer@acme.io"}},
        {"id": "6f1d2c3b-0a9e-4b8c-9d7e-1f2a3b4c5d02", "run_id": RUNS[0]["id"], "trace_id": RUNS[0]["id"], "key": "user_score", "score": 0,
         "value": "thumbs_down", "comment": None, "correction": None,
         "created_at": "2026-11-20T09:16:00.000000", "modified_at": "2026-11-20T09:16:00.000000",
         "feedback_source": {"type": "api", "metadata": None}},
    ],
    RUNS[1]["id"]: [
        {"id": "6f1d2c3b-0a9e-4b8c-9d7e-1f2a3b4c5d03", "run_id": RUNS[1]["id"], "trace_id": RUNS[1]["id"], "key": "correctness", "score": 0,
         "value": None, "comment": "BA also uses Terminal 3.",
         "correction": {"output": "British Airways uses Terminals 5 and 3 at Heathrow."},
         "created_at": "2026-11-20T11:00:00.000000", "modified_at": "2026-11-20T11:00:00.000000",
         "feedback_source": {"type": "app", "metadata": None, "user_name": "qa@acme.io"}},
    ],
}
THREADS = {"thread-77": [
    {"role": "user", "id": "m-0", "content": "Hi, I have a booking question."},
    {"role": "assistant", "content": "Sure, what is your flight?"},
    {"role": "user", "id": "m-1", "content": "Can I still change my flight BA117 to Friday?"},
    {"role": "assistant", "tool_calls": [{"id": "toolu_01", "type": "tool_use", "name": "check_change_rules"}]},
    {"role": "tool", "content": "Changes allowed up to 24h before departure; fee GBP 65."},
    {"role": "assistant", "content": AGENT_MSGS[3]["content"]},
]}
BY_ID = {r["id"]: r for r in RUNS}


class Api(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, status: int, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
        if urlparse(self.path).path.endswith("/runs/query"):
            if body.get("cursor"):
                return self._send(200, {"runs": [], "cursors": {"next": None}})
            limit = body.get("limit") or len(RUNS)
            runs = [{k: v for k, v in r.items() if k != "messages"} for r in RUNS]
            if "thread_id" in str(body.get("filter")):
                runs = runs[:1]
            return self._send(200, {"runs": runs[:limit], "cursors": {"next": None}})
        return self._send(404, {"detail": "Not Found"})

    def do_GET(self) -> None:
        u = urlparse(self.path)
        q = parse_qs(u.query)
        parts = u.path.rstrip("/").split("/")
        if u.path.endswith("/info"):
            return self._send(200, {"version": "0.10.0", "license_expiration_time": None, "batch_ingest_config": {}})
        if "threads" in parts:
            msgs = THREADS.get(parts[-1], [])
            return self._send(200, {"previews": {"all_messages": "\n\n".join(json.dumps(m) for m in msgs)}})
        if len(parts) >= 2 and parts[-2] == "runs" and parts[-1] in BY_ID:
            run = dict(BY_ID[parts[-1]])
            if q.get("include_messages") != ["true"]:
                run.pop("messages", None)
            return self._send(200, run)
        if u.path.endswith("/feedback"):  # list_feedback(run_id=...) sends run_id; run_ids=[...] sends run
            rids = q.get("run_id", []) + q.get("run", [])
            return self._send(200, [f for rid in rids for f in FEEDBACK.get(rid, [])])
        return self._send(404, {"detail": "Not Found"})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--cli", default="langsmith-fetch", help="how to run the tool")
    args = ap.parse_args()
    out = args.out.resolve()
    out.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    home = tempfile.mkdtemp()  # the tool keeps its config in ~/.langsmith-cli
    env = {**os.environ, "HOME": home, "LANGSMITH_API_KEY": "lsv2_pt_offline", "LANGSMITH_PROJECT_UUID": PROJECT,
           "LANGSMITH_ENDPOINT": f"http://127.0.0.1:{server.server_address[1]}", "LANGSMITH_TRACING": "false"}
    env.pop("LANGSMITH_PROJECT", None)

    def run(*cmd: str) -> None:
        subprocess.run([*shlex.split(args.cli), *cmd], env=env, check=True, stdout=subprocess.DEVNULL)

    run("traces", str(out / "traces"), "--limit", "3", "--no-progress")
    run("traces", str(out / "traces_meta"), "--limit", "3", "--include-metadata", "--include-feedback", "--no-progress")
    run("trace", RUNS[1]["id"], "--format", "raw", "--file", str(out / "trace_raw.json"))
    run("trace", RUNS[0]["id"], "--include-metadata", "--include-feedback", "--format", "json",
        "--file", str(out / "trace_meta.json"))
    run("traces", "--limit", "3", "--include-metadata", "--include-feedback", "--format", "raw",
        "--file", str(out / "traces_stdout.json"), "--no-progress")
    run("threads", str(out / "threads"), "--limit", "1", "--no-progress")
    run("thread", "thread-77", "--format", "json", "--file", str(out / "thread_meta.json"))
    server.shutdown()
    (out / "expected.json").write_text(json.dumps({"runs": RUNS, "feedback": FEEDBACK, "threads": THREADS},
                                                  indent=1) + "\n")


if __name__ == "__main__":
    main()
