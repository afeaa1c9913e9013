"""Langfuse loader against the exact shapes Langfuse's own exporters write.

Fixtures are written here from Langfuse's source (MIT outside ``ee/``), not copied from it:

* UI batch export, traces table: ``worker/src/features/database-read-stream/trace-stream.ts`` (row
  fields, ``latency`` in seconds, ``usage{promptTokens, completionTokens, totalTokens}``) and
  ``getDatabaseReadStream.ts`` (``getChunkWithFlattenedScores``: one column per score name holding
  the list of values; the scores table row ``... authorUserName``);
* UI batch export, observations table: ``worker/src/features/database-read-stream/observation-stream.ts``
  (``convertObservation`` plus ``traceName, traceTags, traceTimestamp, userId``, score columns);
* serialisers: ``packages/shared/src/server/utils/transforms/transformStreamToCsv.ts`` (every cell
  quoted) with ``stringify.ts``: ``stringifyForCsv`` keeps strings as they are and passes everything
  else through ``JSON.stringify`` (dates arrive as ``"2025-03-01T10:00:00.000Z"`` *with* the quotes);
  before ``stringifyForCsv`` existed every cell went through ``JSON.stringify`` (``"tr-1"``, null as ``""``);
  ``transformStreamToJson.ts`` (``[row,row]``) and ``transformStreamToJsonl.ts``;
* blob storage export: ``getTracesForBlobStorageExport`` / ``getScoresForBlobStorageExport`` (ClickHouse
  rows, snake_case, ``2025-03-01 10:00:00.000`` timestamps in UTC without a zone);
* observation usage: ``reduceUsageOrCostDetails`` in ``packages/shared/src/server/repositories/observations``
  (``inputUsage`` = sum of the ``usageDetails`` keys starting with ``input``).
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

import feedback_lab as fl

UTC = dt.UTC

TRACES = [  # trace-stream.ts row order; two scores ("helpfulness" twice) and a categorical one
    {"id": "tr-1", "timestamp": "2025-03-01T10:00:00.000Z", "name": "chat", "userId": "u-1", "sessionId": "s-1",
     "release": None, "version": None, "environment": "default", "tags": ["prod", "v2"], "bookmarked": False,
     "public": False, "input": '{"messages":[{"role":"user","content":"Where is my order?"}]}',
     "output": '{"role":"assistant","content":"It ships today."}', "metadata": {"prompt_version": "p3"},
     "latency": 1.234, "usage": {"promptTokens": 12, "completionTokens": 5, "totalTokens": 17},
     "inputCost": 0.0001, "outputCost": 0.0002, "totalCost": 0.0003, "level": "DEFAULT", "errorCount": 0,
     "warningCount": 0, "defaultCount": 2, "debugCount": 0, "observationCount": 2, "inputTokens": 12,
     "outputTokens": 5, "totalTokens": 17, "comments": [], "helpfulness": [1, 0.5], "category": ["billing"],
     "user-feedback": None},
    {"id": "tr-2", "timestamp": "2025-03-01T11:00:00.000Z", "name": "chat", "userId": None, "sessionId": None,
     "release": None, "version": None, "environment": "default", "tags": [], "bookmarked": False, "public": False,
     "input": '"plain question"', "output": None, "metadata": {}, "latency": None,
     "usage": {"promptTokens": 0, "completionTokens": 0, "totalTokens": 0}, "inputCost": None, "outputCost": None,
     "totalCost": None, "level": "DEBUG", "errorCount": 0, "warningCount": 0, "defaultCount": 0, "debugCount": 0,
     "observationCount": 0, "inputTokens": 0, "outputTokens": 0, "totalTokens": 0, "comments": [],
     "helpfulness": None, "category": None, "user-feedback": [1]},
]
_OBS_BASE = {"projectId": "pr", "environment": "default", "metadata": {}, "level": "DEFAULT", "statusMessage": None,
             "version": None, "completionStartTime": None, "promptId": None, "createdAt": "2025-03-01T10:00:02.000Z",
             "updatedAt": "2025-03-01T10:00:02.000Z", "providedCostDetails": {}, "traceName": "chat",
             "traceTags": ["prod"], "traceTimestamp": "2025-03-01T10:00:00.000Z", "userId": "u-1", "comments": []}
OBSERVATIONS = [
    {**_OBS_BASE, "id": "ob-1", "traceId": "tr-1", "type": "SPAN", "parentObservationId": None,
     "startTime": "2025-03-01T10:00:00.000Z", "endTime": "2025-03-01T10:00:01.234Z", "name": "chat",
     "input": {"question": "Where is my order?"}, "output": "It ships today.", "modelParameters": None,
     "usageDetails": {}, "costDetails": {}, "model": None, "internalModelId": None, "promptName": None,
     "promptVersion": None, "latency": 1234, "timeToFirstToken": None, "inputCost": None, "outputCost": None,
     "totalCost": 0, "inputUsage": 0, "outputUsage": 0, "totalUsage": 0, "modelId": None, "inputPrice": None,
     "outputPrice": None, "totalPrice": None, "helpfulness": None},
    {**_OBS_BASE, "id": "ob-2", "traceId": "tr-1", "type": "GENERATION", "parentObservationId": "ob-1",
     "startTime": "2025-03-01T10:00:00.100Z", "endTime": "2025-03-01T10:00:01.200Z", "name": "openai",
     "input": [{"role": "user", "content": "Where is my order?"}],
     "output": {"role": "assistant", "content": "It ships today."}, "modelParameters": {"temperature": 0},
     "usageDetails": {"input": 4, "input_cached_tokens": 8, "output": 3, "output_reasoning_tokens": 2, "total": 17},
     "costDetails": {"input": 0.0001, "output": 0.0002, "total": 0.0003}, "model": "gpt-4o", "internalModelId": "m1",
     "promptName": "support", "promptVersion": 3, "latency": 1100, "timeToFirstToken": 0.2, "inputCost": 0.0001,
     "outputCost": 0.0002, "totalCost": 0.0003, "inputUsage": 12, "outputUsage": 5, "totalUsage": 17, "modelId": "m1",
     "inputPrice": 2.5e-06, "outputPrice": 1e-05, "totalPrice": None, "helpfulness": [1]},
]
SCORES = [  # getDatabaseReadStream.ts, case "scores"
    {"id": "sc-1", "traceId": "tr-1", "sessionId": None, "datasetRunId": None, "timestamp": "2025-03-01T10:05:00.000Z",
     "source": "ANNOTATION", "name": "helpfulness", "dataType": "NUMERIC", "value": 1, "stringValue": None,
     "comment": "good", "metadata": {}, "observationId": None, "traceName": "chat", "userId": "u-1",
     "traceTags": ["prod"], "environment": "default", "authorUserName": "Alice"},
    {"id": "sc-2", "traceId": "tr-1", "sessionId": None, "datasetRunId": None, "timestamp": "2025-03-01T10:06:00.000Z",
     "source": "EVAL", "name": "category", "dataType": "CATEGORICAL", "value": 0, "stringValue": "billing",
     "comment": None, "metadata": {}, "observationId": "ob-2", "traceName": "chat", "userId": "u-1",
     "traceTags": ["prod"], "environment": "default", "authorUserName": None},
    {"id": "sc-3", "traceId": None, "sessionId": "s-1", "datasetRunId": None, "timestamp": "2025-03-01T10:07:00.000Z",
     "source": "ANNOTATION", "name": "session-quality", "dataType": "BOOLEAN", "value": 1, "stringValue": "True",
     "comment": None, "metadata": {}, "observationId": None, "traceName": None, "userId": None, "traceTags": None,
     "environment": "default", "authorUserName": "Bob"},
]
DATES = {"timestamp", "startTime", "endTime", "completionStartTime", "createdAt", "updatedAt", "traceTimestamp"}


def _stringify(v) -> str:
    """``JSON.stringify`` (compact)."""
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def _csv(rows: list[dict], legacy: bool = False) -> str:
    """transformStreamToCsv: header from the first row, every field quoted, ``row[h] ?? ""``."""
    def cell(key, v):
        v = "" if v is None else v
        text = v if isinstance(v, str) and key not in DATES and not legacy else _stringify(v)
        return '"' + text.replace('"', '""') + '"'
    head = list(rows[0])
    lines = [",".join('"' + h + '"' for h in head)] + [",".join(cell(h, r[h]) for h in head) for r in rows]
    return "\n".join(lines) + "\n"


def _write(tmp_path, name, rows, fmt):
    p = tmp_path / name
    if fmt == "json":
        p.write_text("[" + ",".join(_stringify(r) for r in rows) + "]")
    elif fmt == "jsonl":
        p.write_text("".join(_stringify(r) + "\n" for r in rows))
    else:
        p.write_text(_csv(rows, legacy=fmt == "csv-legacy"))
    return p


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv", "csv-legacy"])
def test_ui_traces_export(tmp_path, fmt):
    p = _write(tmp_path, "traces." + ("csv" if fmt.startswith("csv") else fmt), TRACES, fmt)
    assert fl.sniff_format(p) == "langfuse"
    ts = fl.read_traces(p)
    assert len(ts.rejects) == 0
    t = ts.traces.sort("trace_id")
    assert t["trace_id"].to_list() == ["tr-1", "tr-2"]
    assert t["timestamp"].to_list() == [dt.datetime(2025, 3, 1, 10, tzinfo=UTC), dt.datetime(2025, 3, 1, 11, tzinfo=UTC)]
    r1 = t.row(0, named=True)
    assert (r1["session_id"], r1["user_id"], r1["prompt_version"], r1["tags"]) == ("s-1", "u-1", "p3", ["prod", "v2"])
    assert (r1["input"], r1["output"]) == ("Where is my order?", "It ships today.")
    assert (r1["input_tokens"], r1["output_tokens"]) == (12, 5)
    assert r1["latency_ms"] == pytest.approx(1234.0) and r1["cost"] == pytest.approx(0.0003)
    assert t["input"][1] == "plain question" and t["output"][1] is None
    # score columns: helpfulness [1, 0.5] and category ["billing"] on tr-1, user-feedback [1] on tr-2
    fb = ts.feedback.sort("trace_id", "name", "value", nulls_last=True)
    assert fb.select("trace_id", "name", "value", "label").rows() == [
        ("tr-1", "category", None, "billing"), ("tr-1", "helpfulness", 0.5, None), ("tr-1", "helpfulness", 1.0, None),
        ("tr-2", "user-feedback", 1.0, None)]
    assert fb["annotator_kind"].null_count() == 4  # the export does not say who scored


def test_ui_batch_export_folder_csv(tmp_path):
    """traces.csv + observations.csv + scores.csv of one project: score records supersede the score columns."""
    _write(tmp_path, "traces.csv", TRACES, "csv")
    _write(tmp_path, "observations.csv", OBSERVATIONS, "csv")
    _write(tmp_path, "scores.csv", SCORES, "csv")
    ts = fl.read_traces(tmp_path)
    assert (len(ts.traces), len(ts.spans)) == (2, 2)
    fb = ts.feedback.sort("name")
    # sc-1, sc-2 and tr-2's user-feedback column (no score record covers it); sc-3 is a session score
    assert fb.select("trace_id", "name", "value", "label", "annotator_kind", "annotator").rows() == [
        ("tr-1", "category", 0.0, "billing", "llm", None), ("tr-1", "helpfulness", 1.0, None, "human", "Alice"),
        ("tr-2", "user-feedback", 1.0, None, None, None)]
    assert ts.rejects.select("line", "file").rows() == [(4, str(tmp_path / "scores.csv"))]
    assert "session s-1" in ts.rejects["reason"][0]
    gen = ts.spans.filter(pl.col("span_id") == "ob-2").row(0, named=True)
    assert (gen["kind"], gen["model"], gen["input_tokens"], gen["output_tokens"]) == ("llm", "gpt-4o", 12, 5)
    assert gen["start"] == dt.datetime(2025, 3, 1, 10, 0, 0, 100000, tzinfo=UTC)


def test_ui_observations_export_alone(tmp_path):
    """Observations without their traces: the trace row takes user and tags from the observation rows."""
    ts = fl.read_traces(_write(tmp_path, "observations.jsonl", OBSERVATIONS, "jsonl"))
    row = ts.traces.row(0, named=True)
    assert (row["trace_id"], row["user_id"], row["tags"], row["task"]) == ("tr-1", "u-1", ["prod"], "chat")
    assert (row["model"], row["input_tokens"], row["output_tokens"]) == ("gpt-4o", 12, 5)
    assert ts.feedback.select("trace_id", "name", "value").rows() == [("tr-1", "helpfulness", 1.0)]


def test_usage_details_without_usage_sums(tmp_path):
    """API observations carry ``usageDetails`` only: cached and reasoning tokens count, as in Langfuse."""
    obs = {k: v for k, v in OBSERVATIONS[1].items() if k not in ("inputUsage", "outputUsage", "totalUsage")}
    ts = fl.read_traces(_write(tmp_path, "obs.json", [obs], "json"), format="langfuse")
    assert ts.spans.select("input_tokens", "output_tokens").row(0) == (4 + 8, 3 + 2)


def test_blob_storage_snake_case_exports(tmp_path):
    trace = {"id": "tr-1", "timestamp": "2025-03-01 10:00:00.000", "name": "chat", "environment": "default",
             "project_id": "pr", "metadata": {"prompt_version": "p3"}, "user_id": "u-1", "session_id": "s-1",
             "release": None, "version": None, "public": False, "bookmarked": False, "tags": ["prod"],
             "input": '{"messages":[{"role":"user","content":"Where is my order?"}]}', "output": "It ships today.",
             "created_at": "2025-03-01 10:00:02.000", "updated_at": "2025-03-01 10:00:02.000"}
    score = {"id": "sc-1", "timestamp": "2025-03-01 10:05:00.000", "project_id": "pr", "environment": "default",
             "trace_id": "tr-1", "observation_id": None, "session_id": None, "dataset_run_id": None,
             "name": "helpfulness", "value": 1, "source": "EVAL", "comment": "ok", "data_type": "NUMERIC",
             "string_value": None, "created_at": "2025-03-01 10:05:00.000", "updated_at": "2025-03-01 10:05:00.000"}
    _write(tmp_path, "traces.jsonl", [trace], "jsonl")
    _write(tmp_path, "scores.jsonl", [score], "jsonl")
    assert fl.sniff_format(tmp_path / "traces.jsonl") == "langfuse"
    ts = fl.read_traces(tmp_path)
    row = ts.traces.row(0, named=True)
    assert (row["timestamp"], row["session_id"], row["input"]) == (
        dt.datetime(2025, 3, 1, 10, tzinfo=UTC), "s-1", "Where is my order?")
    assert ts.feedback.select("trace_id", "value", "annotator_kind").rows() == [("tr-1", 1.0, "llm")]


@pytest.mark.shared
def test_shared_exports_token_counts_match_langfuse(shared_data):
    """Langfuse's own ``inputUsage``/``outputUsage`` of each generation (reasoning tokens included)."""
    folder = shared_data / "trace_langfuse_exports" / "traces"
    want = {}
    for f in sorted(folder.glob("*.json")):
        for o in json.loads(f.read_text())["observations"]:
            want[o["id"]] = (o["inputUsage"], o["outputUsage"])
    spans = fl.read_traces(folder).spans
    got = dict(zip(spans["span_id"], zip(spans["input_tokens"], spans["output_tokens"], strict=True), strict=True))
    assert got == want
