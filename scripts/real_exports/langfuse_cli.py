"""Save what Langfuse's own command-line tool prints, offline: ``langfuse api ...`` of the
``langfuse-cli`` npm package (github.com/langfuse/langfuse-cli), run against a local stand-in for the
Langfuse public API.

Run with Node.js and the CLI at hand (not the project's venv)::

    npm pack langfuse-cli@1.2.4 && tar xzf langfuse-cli-1.2.4.tgz    # or: npm install -g langfuse-cli
    python scripts/real_exports/langfuse_cli.py OUT_DIR --cli "node package/bin/langfuse.mjs"

The stand-in server answers the routes the CLI calls with the API responses of
``tests/data/io/real/langfuse`` (written by the real SDK models, ``langfuse_sdk.py``): observations
(``GET /api/public/v2/observations``, cursor pages of 2), scores (``GET /api/public/v3/scores``,
cursor pages of 2), traces of the v3 API (``GET /api/public/traces``, pages of 1, and
``/traces/{id}``; the CLI calls them with ``--api-version 3.225.3``, as for a self-hosted v3), and a
404 for an unknown trace. What the CLI writes is saved as it writes it:

* ``observations_all.json``: ``api observations list --limit 2 --fields core,basic,time,io,metadata,model,usage,
  trace_context --all`` (every observation command but the default-fields one asks for those groups; the pages merged into one
  ``{"data": [...], "meta": {"pages", "fetchedItems", "truncated"}}``, pretty-printed);
* ``observations_all_envelope.json``: the same with ``--json`` (``{"status", "headers", "body"}``, one line);
* ``observations_pages.json``: each page with ``--cursor``, appended to one file with ``>>`` (pretty
  documents one after another);
* ``observations_pages_envelope.jsonl``: the same with ``--json`` (one envelope per line);
* ``observations_truncated.json``: ``--all --max-items 3`` (``meta.truncated`` true);
* ``scores_all.json`` and ``scores_all_envelope.json``: ``api scores list --limit 2 --fields
  details,subject,annotation --all [--json]``;
* ``observations_default_fields.json`` and ``scores_default_fields.json``: the lists without ``--fields``
  (the API then returns the ``core`` and ``basic`` groups of an observation, no input/output, and a
  score's ``core`` fields, without the ``subject`` that names its trace);
* ``traces_list_all.json``: ``api traces list --limit 1 --all`` (v3: observations and scores as ids);
* ``traces_get.json`` and ``traces_get_envelope.jsonl``: ``api traces get <id> [--json]`` for each
  trace, appended;
* ``error_envelope.json``: ``api traces get no-such-trace --json`` (HTTP 404, exit code 5);
* ``sessions_get.json``: ``api sessions get <id>`` for each session, appended (v3: the session with
  its traces); ``sessions_list.json``: ``api sessions list --all`` (sessions without their traces).

``expected.json`` holds what the server served and how the CLI exited.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import shlex
import subprocess
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlparse

SDK = Path(__file__).resolve().parents[2] / "tests" / "data" / "io" / "real" / "langfuse"
OBS = json.loads((SDK / "v5_observations_page.json").read_text())["data"]
SCORES = json.loads((SDK / "v5_scores_page.json").read_text())["data"]
TRACES = json.loads((SDK / "v3_traces_list_page.json").read_text())["data"]
TRACE_GET = {t["id"]: t for t in json.loads((SDK / "v3_trace_get.json").read_text())}
NOT_FOUND = {"message": "Trace not found within authorized project", "error": "LangfuseNotFoundError"}


#: the field groups of ``GET /api/public/v2/observations`` (``fields``; default ``core,basic``) and of
#: ``GET /api/public/v3/scores`` (core always, plus ``details``, ``subject``, ``annotation``), as the
#: endpoints' descriptions in the CLI's bundled API snapshot (``dist/contracts/4.35.0.json``) list them
OBS_GROUPS = {
    "core": "id traceId startTime endTime projectId parentObservationId type",
    "basic": "name level statusMessage version environment bookmarked public userId sessionId isRootObservation",
    "time": "completionStartTime createdAt updatedAt", "io": "input output", "metadata": "metadata",
    "model": "model internalModelId modelParameters", "usage": "usageDetails costDetails totalCost usagePricingTierName",
    "prompt": "promptId promptName promptVersion", "metrics": "latency timeToFirstToken",
    "trace_context": "tags release traceName"}
SCORE_GROUPS = {"core": "id projectId name value dataType source timestamp environment createdAt updatedAt",
                "details": "comment configId metadata", "subject": "subject", "annotation": "authorUserId queueId"}
ALL_OBS_FIELDS = "core,basic,time,io,metadata,model,usage,trace_context"


def _fields(items: list, groups: dict, asked: str) -> list:
    keys = {k for g in asked.split(",") for k in groups.get(g.strip(), "").split()}
    return [{k: v for k, v in item.items() if k in keys} for item in items]


def _session(sid: str, *, with_traces: bool = True) -> dict:
    """A session as the v3 API gives it: ``GET /sessions/{id}`` with its traces, ``GET /sessions`` without."""
    first = min(t["timestamp"] for t in TRACES if t["sessionId"] == sid)
    out = {"id": sid, "createdAt": first, "projectId": TRACES[0]["projectId"], "environment": "default"}
    return {**out, "traces": [t for t in TRACES if t["sessionId"] == sid]} if with_traces else out


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(json.dumps({"offset": offset}).encode()).decode()


def _offset(q: dict) -> int:
    c = q.get("cursor", [None])[0]
    return json.loads(base64.urlsafe_b64decode(c.encode()))["offset"] if c else 0


def _cursor_page(items: list, q: dict, size: int = 2) -> dict:
    i = _offset(q)
    more = i + size < len(items)
    return {"data": items[i:i + size], "meta": {"cursor": _cursor(i + size) if more else None}}


class Api(BaseHTTPRequestHandler):
    def log_message(self, *args) -> None:  # quiet
        pass

    def do_GET(self) -> None:
        u = urlparse(self.path)
        q = parse_qs(u.query)
        status, body = 200, None
        if u.path == "/api/public/v2/observations":
            body = _cursor_page(_fields(OBS, OBS_GROUPS, q.get("fields", ["core,basic"])[0]), q)
        elif u.path == "/api/public/v3/scores":
            body = _cursor_page(_fields(SCORES, SCORE_GROUPS, "core," + q.get("fields", [""])[0]), q)
        elif u.path == "/api/public/traces":
            page, limit = int(q.get("page", ["1"])[0]), int(q.get("limit", ["50"])[0])
            body = {"data": TRACES[(page - 1) * limit:page * limit],
                    "meta": {"page": page, "limit": limit, "totalItems": len(TRACES),
                             "totalPages": -(-len(TRACES) // limit)}}
        elif u.path == "/api/public/sessions":
            sessions = sorted({t["sessionId"] for t in TRACES})
            body = {"data": [_session(sid, with_traces=False) for sid in sessions],
                    "meta": {"page": 1, "limit": 50, "totalItems": len(sessions), "totalPages": 1}}
        elif u.path.startswith("/api/public/sessions/"):
            sid = u.path.rsplit("/", 1)[1]
            status, body = (200, _session(sid)) if any(t["sessionId"] == sid for t in TRACES) else (404, NOT_FOUND)
        elif u.path.startswith("/api/public/traces/"):
            tid = u.path.rsplit("/", 1)[1]
            status, body = (200, TRACE_GET[tid]) if tid in TRACE_GET else (404, NOT_FOUND)
        else:
            status, body = 404, {"message": f"no route {u.path}"}
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("content-type", "application/json; charset=utf-8")
        self.send_header("content-length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("out", type=Path)
    ap.add_argument("--cli", default="npx -y langfuse-cli@1.2.4", help="how to run the CLI")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Api)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    env = {**os.environ, "LANGFUSE_PUBLIC_KEY": "pk-lf-offline", "LANGFUSE_SECRET_KEY": "sk-lf-offline",
           "LANGFUSE_HOST": f"http://127.0.0.1:{server.server_address[1]}"}
    exits: dict[str, list[int]] = {}

    def run(name: str, *cmd: str, append: bool = False) -> None:
        with (args.out / name).open("a" if append else "w") as fh:
            rc = subprocess.run([*shlex.split(args.cli), *cmd], stdout=fh, env=env, check=False).returncode
        exits.setdefault(name, []).append(rc)

    v3 = ("--api-version", "3.225.3")
    obs = ("api", "observations", "list", "--limit", "2", "--fields", ALL_OBS_FIELDS)
    run("observations_all.json", *obs, "--all")
    run("observations_all_envelope.json", *obs, "--all", "--json")
    run("observations_truncated.json", *obs, "--all", "--max-items", "3")
    for off in range(0, len(OBS), 2):
        cursor = ("--cursor", _cursor(off)) if off else ()
        run("observations_pages.json", *obs, *cursor, append=bool(off))
        run("observations_pages_envelope.jsonl", *obs, *cursor, "--json", append=bool(off))
    run("observations_default_fields.json", "api", "observations", "list", "--limit", "2", "--all")
    scores = ("api", "scores", "list", "--limit", "2", "--fields", "details,subject,annotation", "--all")
    run("scores_all.json", *scores)
    run("scores_all_envelope.json", *scores, "--json")
    run("scores_default_fields.json", "api", "scores", "list", "--limit", "2", "--all")
    run("traces_list_all.json", *v3, "api", "traces", "list", "--limit", "1", "--all")
    for k, tid in enumerate(TRACE_GET):
        run("traces_get.json", *v3, "api", "traces", "get", tid, append=bool(k))
        run("traces_get_envelope.jsonl", *v3, "api", "traces", "get", tid, "--json", append=bool(k))
    run("error_envelope.json", *v3, "api", "traces", "get", "no-such-trace", "--json")
    for k, sid in enumerate(sorted({t["sessionId"] for t in TRACES})):
        run("sessions_get.json", *v3, "api", "sessions", "get", sid, append=bool(k))
    run("sessions_list.json", *v3, "api", "sessions", "list", "--all")
    server.shutdown()
    (args.out / "expected.json").write_text(json.dumps({
        "observations": [{"id": o["id"], "trace_id": o["traceId"]} for o in OBS],
        "scores": [{"id": s["id"], "source": s["source"], "subject": s.get("subject")} for s in SCORES],
        "traces": sorted(TRACE_GET), "trace_list_ids": [t["id"] for t in TRACES],
        "not_found": NOT_FOUND, "exit_codes": exits}, indent=1) + "\n")


if __name__ == "__main__":
    main()
