"""Save LangSmith runs as the ``langsmith`` SDK's new query API gives them, offline:
``client.runs.query_v2(...)`` (``POST /api/v2/runs/query``; the SDK deprecates ``list_runs`` for it),
with the real SDK (``langsmith`` 0.15.1) against a local stand-in for the LangSmith API.

Run with a Python that has ``langsmith`` installed (not the project's venv)::

    python3 -m venv /tmp/lsf && /tmp/lsf/bin/pip install langsmith==0.15.1
    /tmp/lsf/bin/python scripts/real_exports/langsmith_query_v2.py OUT_DIR

The stand-in serves two traces (a support bot whose tool call failed, with its LLM call; a RAG answer)
in the v2 API's run shape: upper-case ``run_type`` and ``status``, ``metadata`` and ``thread_id`` at
the top level, ``parent_run_ids`` instead of ``parent_run_id``, and only the fields ``selects``
asks for; pages of two runs with a ``next_cursor``. The SDK parses every page into its ``Run``
models; the runs are saved the ways a user saves them:

* ``runs_v2_to_dict.json``: ``[run.to_dict(mode="json") async for run in client.runs.query_v2(...)]`` (the
  resource is async, also on the sync ``Client``);
* ``runs_v2_to_json.jsonl``: ``run.to_json(indent=None)``, one per line;
* ``runs_v2_model_dump.json``: ``[run.model_dump() ...]`` written with ``json.dump(default=str)``
  (every field, unset ones null; datetimes as ``str(datetime)``);
* ``runs_v2_page.json``: the first page's HTTP body as the API sent it (``{"items", "next_cursor"}``),
  as a ``curl`` of the endpoint saves it.

``expected.json`` holds what the server served.
"""

from __future__ import annotations

import asyncio
import json
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from langsmith import Client

PROJECT = "5b6c7d8e-1a2b-4c3d-8e9f-0a1b2c3d4e5f"
SELECTS = ["ID", "NAME", "RUN_TYPE", "STATUS", "START_TIME", "END_TIME", "ERROR", "METADATA", "INPUTS", "OUTPUTS",
           "PARENT_RUN_IDS", "TRACE_ID", "THREAD_ID", "DOTTED_ORDER", "IS_ROOT", "PROMPT_TOKENS",
           "COMPLETION_TOKENS", "TOTAL_TOKENS", "TOTAL_COST", "TAGS", "FEEDBACK_STATS", "PROJECT_ID"]


def _dotted(start: str, rid: str) -> str:
    return start.replace("-", "").replace(":", "").replace(".", "").rstrip("Z") + "Z" + rid


def _run(rid, trace, parents, name, run_type, start, end, **kw):
    dotted = ".".join([*(p["dotted_order"] for p in parents[-1:]), _dotted(start, rid)])
    return {"id": rid, "trace_id": trace, "name": name, "run_type": run_type, "status": "SUCCESS",
            "start_time": start, "end_time": end, "error": None, "metadata": {}, "inputs": {}, "outputs": {},
            "parent_run_ids": [p["id"] for p in parents], "thread_id": None, "dotted_order": dotted,
            "is_root": not parents, "prompt_tokens": 0, "completion_tokens": 0, "total_tokens": 0,
            "total_cost": None, "tags": [], "feedback_stats": None, "project_id": PROJECT, **kw}


T1, T2 = "019af3c1-0000-7a00-8000-00000000a001", "019af3c2-0000-7a00-8000-00000000b001"
ROOT1 = _run(T1, T1, [], "support_bot", "CHAIN", "2026-11-20T09:00:00.000000Z", "2026-11-20T09:00:03.200000Z",
             inputs={"question": "Why was my card declined?"},
             outputs={"answer": "Your card was declined because the billing address did not match."},
             metadata={"thread_id": "th-42", "user_id": "u-7", "prompt_version": "v12"}, thread_id="th-42",
             tags=["prod"], prompt_tokens=58, completion_tokens=21, total_tokens=79, total_cost=0.000042,
             feedback_stats={"user_score": {"n": 1, "avg": 0.0, "values": {}}})
LLM1 = _run("019af3c1-0001-7a00-8000-00000000a002", T1, [ROOT1], "ChatOpenAI", "LLM", "2026-11-20T09:00:00.100000Z",
            "2026-11-20T09:00:01.900000Z",
            inputs={"messages": [{"role": "system", "content": "You help with card payments."},
                                 {"role": "user", "content": "Why was my card declined?"}]},
            outputs={"generations": [[{"text": "Your card was declined because the billing address did not match.",
                                        "message": {"type": "ai", "content": "Your card was declined because the "
                                                                             "billing address did not match."}}]]},
            metadata={"ls_model_name": "gpt-4o-mini", "ls_provider": "openai", "thread_id": "th-42"},
            thread_id="th-42", prompt_tokens=58, completion_tokens=21, total_tokens=79, total_cost=0.000042)
TOOL1 = _run("019af3c1-0002-7a00-8000-00000000a003", T1, [ROOT1], "lookup_account", "TOOL",
             "2026-11-20T09:00:02.000000Z", "2026-11-20T09:00:03.100000Z", status="ERROR",
             error="TimeoutError: account service did not answer", inputs={"account": "acc-9"}, outputs=None,
             thread_id="th-42")
ROOT2 = _run(T2, T2, [], "rag_answer", "CHAIN", "2026-11-20T09:05:00.000000Z", "2026-11-20T09:05:02.000000Z",
             inputs={"question": "Do you ship to Norway?"}, outputs={"output": "Yes, within 5 working days."},
             metadata={"session_id": "sess-3"}, prompt_tokens=40, completion_tokens=9, total_tokens=49,
             total_cost=0.00002)
RET2 = _run("019af3c2-0001-7a00-8000-00000000b002", T2, [ROOT2], "retrieve", "RETRIEVER", "2026-11-20T09:05:00.050000Z",
            "2026-11-20T09:05:00.400000Z", inputs={"query": "shipping Norway"},
            outputs={"documents": [{"page_content": "We ship to Norway in 5 working days.", "metadata": {}}]})
LLM2 = _run("019af3c2-0002-7a00-8000-00000000b003", T2, [ROOT2], "ChatAnthropic", "LLM", "2026-11-20T09:05:00.500000Z",
            "2026-11-20T09:05:01.900000Z",
            inputs={"messages": [{"role": "user", "content": "Do you ship to Norway?"}]},
            outputs={"generations": [[{"text": "Yes, within 5 working days."}]]},
            metadata={"ls_model_name": "claude-3-5-haiku-20241022", "ls_provider": "anthropic"},
            prompt_tokens=40, completion_tokens=9, total_tokens=49, total_cost=0.00002)
RUNS = [ROOT1, LLM1, TOOL1, ROOT2, RET2, LLM2]
PAGES: list[str] = []  # the HTTP bodies sent


class Api(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def _send(self, body) -> None:
        data = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("content-type", "application/json")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)
        return data

    def do_GET(self) -> None:
        self._send({"version": "0.16.3", "license_expiration_time": None, "batch_ingest_config": {}})

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers.get("content-length") or 0)) or b"{}")
        fields = {s.lower() for s in body.get("selects") or ["ID"]}
        start = int(body.get("cursor") or 0)
        size = body.get("page_size") or 100
        items = [{k: v for k, v in r.items() if k in fields} for r in RUNS[start:start + size]]
        nxt = str(start + size) if start + size < len(RUNS) else None
        PAGES.append(self._send({"items": items, "next_cursor": nxt}).decode())


def main() -> None:
    out = Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    client = Client(api_url=f"http://127.0.0.1:{server.server_address[1]}", api_key="lsv2_pt_offline")

    async def fetch() -> list:  # ``client.runs`` is an async resource, also on the sync Client
        return [r async for r in client.runs.query_v2(project_ids=[PROJECT], selects=SELECTS, page_size=2,
                                                      min_start_time="2026-11-20T00:00:00Z")]

    runs = asyncio.run(fetch())
    server.shutdown()
    (out / "runs_v2_to_dict.json").write_text(json.dumps([r.to_dict(mode="json") for r in runs], indent=2) + "\n")
    (out / "runs_v2_to_json.jsonl").write_text("".join(r.to_json(indent=None) + "\n" for r in runs))
    (out / "runs_v2_model_dump.json").write_text(json.dumps([r.model_dump() for r in runs], indent=2, default=str)
                                                 + "\n")
    (out / "runs_v2_page.json").write_text(PAGES[0] + "\n")
    (out / "expected.json").write_text(json.dumps({"runs": RUNS}, indent=1) + "\n")


if __name__ == "__main__":
    main()
