"""Write what Phoenix's traces API gives (tests/data/io/real/phoenix_traces/), with a real Phoenix
server: ``client.traces.get_traces(...)`` of ``arize-phoenix-client`` and the raw
``GET /v1/projects/{project}/traces`` page.

Same set-up as ``phoenix_exports.py`` (a Python with ``arize-phoenix-client`` and the OpenTelemetry
SDK, and a fresh server)::

    PHOENIX_WORKING_DIR=$(mktemp -d) PHOENIX_TELEMETRY_ENABLED=false /tmp/sdk-phx/bin/phoenix serve &
    /tmp/sdk-phx/bin/python scripts/real_exports/phoenix_traces_api.py tests/data/io/real/phoenix_traces

It sends the traces of ``phoenix_exports.TRACES`` (OpenInference attributes over OTLP/HTTP) to a new
project, then saves:

- ``get_traces_spans.json``: ``client.traces.get_traces(project_identifier=..., include_spans=True)``
  written with ``json.dump`` (a list of traces, each with its span summaries);
- ``get_traces.json``: the same without ``include_spans`` (ids, times and token totals only);
- ``rest_traces_spans.json``: ``GET /v1/projects/{project}/traces?include_spans=true``, the response
  body byte for byte (``{"data": [...], "next_cursor"}``).

``expected.json`` holds the traces sent and their ids.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).parent))
import phoenix_exports

PROJECT = "feedback-lab-traces-api"


def send_to(project: str):
    """Send ``phoenix_exports.TRACES`` to ``project``; ``(ids, client)`` once the server lists them all."""
    from phoenix.client import Client

    phoenix_exports.PROJECT = project  # send_spans names the project from the module's PROJECT
    ids = phoenix_exports.send_spans()
    client = Client(base_url=phoenix_exports.BASE)
    for _ in range(60):  # the server writes spans (and makes the project) in the background
        try:
            if len(client.traces.get_traces(project_identifier=project, limit=100)) == len(phoenix_exports.TRACES):
                break
        except httpx.HTTPStatusError:  # 404 until the project exists
            pass
        time.sleep(0.5)
    return ids, client


def main(out_dir: str) -> None:
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    ids, client = send_to(PROJECT)
    with_spans = client.traces.get_traces(project_identifier=PROJECT, include_spans=True, limit=100)
    (out / "get_traces_spans.json").write_text(json.dumps(with_spans, indent=2, ensure_ascii=False) + "\n")
    bare = client.traces.get_traces(project_identifier=PROJECT, limit=100)
    (out / "get_traces.json").write_text(json.dumps(bare, indent=2, ensure_ascii=False) + "\n")
    with httpx.Client(base_url=phoenix_exports.BASE) as c:
        r = c.get(f"/v1/projects/{PROJECT}/traces", params={"include_spans": "true", "limit": 100})
        r.raise_for_status()
        (out / "rest_traces_spans.json").write_bytes(r.content)
    (out / "expected.json").write_text(json.dumps({"project": PROJECT, "ids": ids, "traces": phoenix_exports.TRACES},
                                                  indent=1, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "tests/data/io/real/phoenix_traces")
