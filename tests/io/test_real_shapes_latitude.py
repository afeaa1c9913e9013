"""Latitude exports in the exact shapes the platform's own tools write (feedback_lab/io/_latitude.py).

Source: latitude-dev/latitude-llm ``packages/domain/spans/src/use-cases/build-traces-export.ts``
(``traceToCsvRow`` / ``escapeCsvField``): 26 columns, a field is quoted only when it holds ``",\\r\\n``,
rows joined with ``"\\n"`` (no final newline), arrays ``|``-joined, ``metadata`` a JSON object of
strings, absent ids ``""``, cost in microcents (USD x 1e8, ``MICROCENTS_PER_USD`` in
``packages/domain/spans/src/otlp/resolvers/usage.ts``), duration in ns. The export worker
(``apps/workers/src/workers/exports.ts``) zips that CSV with ``fflate`` as the single entry of
``project_traces_traces_export_<YYYYMMDDTHHMMSSZ>.zip`` (``packages/domain/exports/src/filenames.ts``),
which is what the emailed link downloads.
"""

from __future__ import annotations

import json
import zipfile

import pytest
from _helpers_platforms import load

import feedback_lab as fl

HEADER = ["traceId", "spanCount", "errorCount", "startTime", "endTime", "durationNs", "timeToFirstTokenNs",
          "tokensInput", "tokensOutput", "tokensCacheRead", "tokensCacheCreate", "tokensReasoning", "tokensTotal",
          "costInputMicrocents", "costOutputMicrocents", "costTotalMicrocents", "sessionId", "userId",
          "simulationId", "tags", "metadata", "models", "providers", "serviceNames", "rootSpanId", "rootSpanName"]
ROWS = [
    ["4bf92f3577b34da6a3ce929d0e0e4736", "3", "0", "2026-04-10T10:00:00.000Z", "2026-04-10T10:00:02.350Z",
     "2350000000", "420000000", "812", "164", "0", "0", "0", "976", "20300", "16400", "36700", "sess-42", "user-7",
     "", "prod|checkout", json.dumps({"promptVersion": "support-v3", "release": "2026.04.1"}, separators=(",", ":")),
     "gpt-4o-mini", "openai", "support-agent", "00f067aa0ba902b7", "support-agent-turn"],
    ["a3ce929d0e0e47364bf92f3577b34da6", "5", "1", "2026-04-10T09:00:00.000Z", "2026-04-10T09:00:09.000Z",
     "9000000000", "0", "2000", "500", "100", "0", "0", "2500", "150000", "250000", "400000", "", "", "", "",
     "{}", "gpt-4o|gpt-4o-mini", "openai", "agent, v2", "11f067aa0ba902b7", "agent-run"],
]


def _escape(v: str) -> str:
    return '"' + v.replace('"', '""') + '"' if any(c in v for c in '",\r\n') else v


def _zip(path, members: dict[str, str]):
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, text in members.items():
            zf.writestr(name, text)
    return path


CSV = "\n".join(",".join(_escape(v) for v in row) for row in [HEADER, *ROWS])
NAME = "project_traces_traces_export_20260410T120000Z"


def test_traces_export_zip_is_read_as_downloaded(tmp_path):
    p = _zip(tmp_path / f"{NAME}.zip", {f"{NAME}.csv": CSV})
    ts = fl.read_traces(p)  # format found from the CSV inside the archive
    assert len(ts.rejects) == 0
    a, b = ts.traces.sort("timestamp", descending=True).to_dicts()
    assert (a["trace_id"], a["session_id"], a["user_id"], a["model"], a["prompt_version"]) == (
        ROWS[0][0], "sess-42", "user-7", "gpt-4o-mini", "support-v3")
    assert (a["latency_ms"], a["input_tokens"], a["output_tokens"], a["tags"]) == (2350.0, 812, 164, ["prod", "checkout"])
    assert a["cost"] == pytest.approx(36700 / 1e8) and b["cost"] == pytest.approx(400000 / 1e8)
    assert (b["session_id"], b["user_id"], b["tags"], b["status"], b["model"]) == (None, None, None, "error", "gpt-4o")


def test_zip_equals_the_csv_inside(tmp_path):
    z = load(_zip(tmp_path / f"{NAME}.zip", {f"{NAME}.csv": CSV}), "latitude")
    (tmp_path / f"{NAME}.csv").write_text(CSV)
    c = load(tmp_path / f"{NAME}.csv", "latitude")
    assert z.traces.equals(c.traces)


def test_zip_of_two_exports_reads_like_the_two_files(tmp_path):
    first, second = "\n".join([CSV.split("\n")[0], CSV.split("\n")[1]]), "\n".join([CSV.split("\n")[0], CSV.split("\n")[2]])
    p = _zip(tmp_path / "two.zip", {"week1.csv": first, "week2.csv": second, "notes.txt": "exported by hand"})
    (tmp_path / "week1.csv").write_text(first)
    (tmp_path / "week2.csv").write_text(second)
    want, got = fl.read_traces([tmp_path / "week1.csv", tmp_path / "week2.csv"]), fl.read_traces(p)
    assert len(got.traces) == 2 and got.traces.equals(want.traces) and len(got.rejects) == 0
