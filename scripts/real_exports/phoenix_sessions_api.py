"""Write what Phoenix's sessions API gives (tests/data/io/real/phoenix_sessions/), with a real Phoenix
server: ``client.sessions`` of ``arize-phoenix-client`` and the raw REST pages.

Same set-up as ``phoenix_exports.py`` (a Python with ``arize-phoenix-client`` and the OpenTelemetry
SDK, and a fresh server)::

    PHOENIX_WORKING_DIR=$(mktemp -d) PHOENIX_TELEMETRY_ENABLED=false /tmp/sdk-phx/bin/phoenix serve &
    /tmp/sdk-phx/bin/python scripts/real_exports/phoenix_sessions_api.py tests/data/io/real/phoenix_sessions

It sends the traces of ``phoenix_exports.TRACES`` (OpenInference attributes over OTLP/HTTP; two
sessions, ``sess-A`` with two traces and ``sess-B`` with one) to a new project, annotates the
sessions (``client.sessions.add_session_annotation``), then saves:

- ``session_turns.json``: ``client.sessions.get_session_turns(session_id="sess-A")`` written with
  ``json.dump`` (the conversation's turns, each with its trace's root span);
- ``session_turns_b.json``: the same for ``sess-B``;
- ``sessions_list.json``: ``client.sessions.list(project_name=...)`` (each session with its trace ids
  and times, no text);
- ``session_get.json``: ``client.sessions.get(session_id="sess-A")``;
- ``rest_sessions.json``: ``GET /v1/projects/{project}/sessions``, the response body byte for byte;
- ``sessions_df.csv``: ``client.sessions.get_sessions_dataframe(...).to_csv()`` (a count of traces
  per session, no trace ids);
- ``rest_session_annotations.json``: ``GET /v1/projects/{project}/session_annotations``, byte for byte;
- ``get_traces.json``: ``client.traces.get_traces(project_identifier=...)`` of the same project (trace
  ids, times and token totals, no session), to read together with the sessions.

``expected.json`` holds the traces sent and their ids.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import phoenix_exports
import phoenix_traces_api

PROJECT = "feedback-lab-sessions-api"
#: (session, name, annotator_kind, label, score, explanation)
SESSION_ANNOTATIONS = [
    ("sess-A", "resolved", "HUMAN", "yes", 1.0, "the customer got the refund"),
    ("sess-A", "frustration", "LLM", "low", 0.2, None),
    ("sess-B", "resolved", "HUMAN", "no", 0.0, "never answered"),
]


def _dump(path: Path, value) -> None:
    path.write_text(json.dumps(value, indent=2, ensure_ascii=False) + "\n")


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ids, client = phoenix_traces_api.send_to(PROJECT)
    for session, name, kind, label, score, explanation in SESSION_ANNOTATIONS:
        client.sessions.add_session_annotation(session_id=session, annotation_name=name, annotator_kind=kind,
                                               label=label, score=score, explanation=explanation, sync=True)
    _dump(out / "session_turns.json", client.sessions.get_session_turns(session_id="sess-A"))
    _dump(out / "session_turns_b.json", client.sessions.get_session_turns(session_id="sess-B"))
    _dump(out / "sessions_list.json", client.sessions.list(project_name=PROJECT))
    _dump(out / "session_get.json", client.sessions.get(session_id="sess-A"))
    client.sessions.get_sessions_dataframe(project_name=PROJECT).to_csv(out / "sessions_df.csv")
    _dump(out / "get_traces.json", client.traces.get_traces(project_identifier=PROJECT, limit=100))
    with httpx.Client(base_url=phoenix_exports.BASE) as c:
        for name, url, params in (
                ("rest_sessions.json", f"/v1/projects/{PROJECT}/sessions", {"limit": 100}),
                ("rest_session_annotations.json", f"/v1/projects/{PROJECT}/session_annotations",
                 {"session_ids": ["sess-A", "sess-B"], "limit": 100})):
            r = c.get(url, params=params)
            r.raise_for_status()
            (out / name).write_bytes(r.content)
    _dump(out / "expected.json", {"traces": phoenix_exports.TRACES, "ids": ids,
                                  "session_annotations": SESSION_ANNOTATIONS})
    print(f"wrote {sorted(p.name for p in out.iterdir())}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/io/real/phoenix_sessions")
