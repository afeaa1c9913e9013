"""Langfuse loader: real exports (vendored + shared), API pages, batch exports, round trip, sniffing."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl
from feedback_lab.sample_data import _export_langfuse

TRACE_COLS = ["trace_id", "session_id", "user_id", "timestamp", "model", "prompt_version", "task", "input",
              "output", "reference", "latency_ms", "input_tokens", "output_tokens", "cost", "status", "tags",
              "metadata"]
FB_COLS = ["trace_id", "name", "value", "label", "comment", "annotator_kind", "annotator", "timestamp"]


def _expected(files):
    """Counts straight from the raw JSON (independent of the loader)."""
    traces, obs, scores, kinds = set(), set(), set(), []
    for f in files:
        d = json.loads(f.read_text())
        traces.add(d["trace"]["id"])
        obs |= {o["id"] for o in d["observations"]}
        for s in d["trace"]["scores"] + (d["trace"].get("corrections") or []):
            if s["id"] not in scores:
                scores.add(s["id"])
                kinds.append({"ANNOTATION": "human", "API": "user", "EVAL": "llm"}[s["source"]])
    return len(traces), len(obs), len(scores), sorted(kinds)


def _check_real(folder):
    files = sorted(folder.glob("*.json"))
    n_tr, n_obs, n_sc, kinds = _expected(files)
    ts = fl.read_traces(folder)
    assert (len(ts.traces), len(ts.spans), len(ts.feedback)) == (n_tr, n_obs, n_sc)
    assert sorted(ts.feedback["annotator_kind"].to_list()) == kinds
    # every record accounted for: duplicates of the same trace/observation/score land in rejects
    n_records = sum(1 + len(json.loads(f.read_text())["observations"]) for f in files)
    n_records += sum(len(json.loads(f.read_text())["trace"]["scores"])
                     + len(json.loads(f.read_text())["trace"].get("corrections") or []) for f in files)
    assert len(ts.traces) + len(ts.spans) + len(ts.feedback) + len(ts.rejects) == n_records
    assert ts.traces["timestamp"].null_count() == 0 and ts.traces["input"].null_count() == 0
    return ts


def test_vendored_langfuse_exports(test_data):
    ts = _check_real(test_data / "io" / "langfuse")
    row = ts.traces.filter(pl.col("trace_id") == "1b72c51fabed12ae7df83bfd4a09f545").row(0, named=True)
    assert (row["input"], row["output"]) == ("Say 'Hello World!'", "Hello World!")  # JSON-encoded twice
    assert row["model"] == "gpt-4o" and row["session_id"] == "session_abc" and row["tags"] == ["autogen", "dev"]
    assert row["latency_ms"] == pytest.approx(645.0)
    corr = ts.feedback.filter(pl.col("name") == "correction").row(0, named=True)
    assert corr["annotator_kind"] == "human" and corr["comment"].startswith("Langfuse is a tool designed")
    vercel = ts.traces.filter(pl.col("task") == "ai.generateText").row(0, named=True)
    assert vercel["input"] == "What is the weather like today in San Francisco?"
    gen = ts.spans.filter(pl.col("kind") == "llm")
    assert gen["input"].null_count() < len(gen) and set(ts.spans["kind"]) <= {"llm", "chain", "tool", "agent"}


@pytest.mark.shared
def test_shared_langfuse_exports(shared_data):
    ts = _check_real(shared_data / "trace_langfuse_exports" / "traces")
    texts = dict(zip(ts.traces["task"], ts.traces["input"], strict=True))
    assert texts["LangGraph"] in ("What's the weather in San Francisco?", "Search the web for 'example' and summarize.")
    assert "Berlin and New York" in texts["claude.conversation"]


def test_round_trip_small_traceset(tmp_path, small_traceset):
    _export_langfuse.write(small_traceset, tmp_path)
    back = fl.read_traces(tmp_path)
    assert len(back.rejects) == 0 and len(back.spans) == len(small_traceset.spans)
    a, b = small_traceset.traces.select(TRACE_COLS).sort("trace_id"), back.traces.select(TRACE_COLS).sort("trace_id")
    assert a.equals(b), [c for c in TRACE_COLS if not a[c].equals(b[c])]
    fa = small_traceset.feedback.select(FB_COLS).sort(FB_COLS, nulls_last=True)
    fb = back.feedback.select(FB_COLS).sort(FB_COLS, nulls_last=True)
    assert fa.equals(fb)


def test_auto_recognises_langfuse_from_content(tmp_path, test_data):
    src = test_data / "io" / "langfuse" / "autogen-2025-06-06.trace.json"
    shutil.copy(src, tmp_path / "export.txt")
    assert fl.sniff_format(tmp_path / "export.txt") == "langfuse"
    assert len(fl.read_traces(tmp_path / "export.txt").traces) == 1


def test_api_pages_and_batch_exports(tmp_path, test_data):
    d = json.loads((test_data / "io" / "langfuse" / "vercel-aisdk-2025-11-17.trace.json").read_text())
    trace = {k: v for k, v in d["trace"].items() if k != "corrections"}
    trace["observations"] = d["observations"]
    page = tmp_path / "page.json"
    page.write_text(json.dumps({"data": [trace], "meta": {"page": 1, "limit": 50, "totalItems": 1, "totalPages": 1}}))
    ts = fl.read_traces(page)
    assert (len(ts.traces), len(ts.spans), len(ts.feedback)) == (1, 3, 2)
    # batch export split into one file per table, snake_case keys in the observations file
    bare = {k: v for k, v in trace.items() if k not in ("observations", "scores")}
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "traces.jsonl").write_text(json.dumps(bare) + "\n")
    snake = [{"".join("_" + c.lower() if c.isupper() else c for c in k): v for k, v in o.items()} for o in d["observations"]]
    (tmp_path / "b" / "observations.jsonl").write_text("".join(json.dumps(o) + "\n" for o in snake))
    (tmp_path / "b" / "scores.jsonl").write_text("".join(json.dumps(s) + "\n" for s in trace["scores"])
                                                 + '{"not": "a langfuse record"}\n')
    split = fl.read_traces(tmp_path / "b")
    assert (len(split.traces), len(split.spans), len(split.feedback), len(split.rejects)) == (1, 3, 2, 1)
    assert split.traces["model"][0] == ts.traces["model"][0] == "gpt-5"
    assert split.traces["input"][0] == ts.traces["input"][0]


def test_score_types_and_last_write_wins(tmp_path):
    base = {"traceId": "t", "projectId": "p", "timestamp": "2025-01-01T00:00:00Z"}
    scores = [
        {**base, "id": "1", "name": "ok", "value": 1, "dataType": "BOOLEAN", "source": "API", "stringValue": "True"},
        {**base, "id": "2", "name": "cat", "value": None, "stringValue": "bad", "dataType": "CATEGORICAL", "source": "ANNOTATION"},
        {**base, "id": "3", "name": "q", "value": 0.2, "dataType": "NUMERIC", "source": "EVAL", "updatedAt": "2025-01-01T00:00:00Z"},
        {**base, "id": "3", "name": "q", "value": 0.9, "dataType": "NUMERIC", "source": "EVAL", "updatedAt": "2025-01-02T00:00:00Z"},
        {**base, "id": "4", "name": "q", "value": "high", "dataType": "NUMERIC", "source": "EVAL"},
    ]
    p = tmp_path / "scores.jsonl"
    p.write_text("".join(json.dumps(s) + "\n" for s in scores))
    ts = fl.read_traces(p)
    assert ts.feedback.select("name", "value", "label", "annotator_kind").rows() == [
        ("ok", 1.0, "True", "user"), ("cat", None, "bad", "human"), ("q", 0.9, None, "llm")]
    assert ts.rejects["line"].to_list() == [3, 5]
    assert "last write wins" in ts.rejects["reason"][0] and "number" in ts.rejects["reason"][1]


def test_scores_read_twice_keep_their_places_and_the_newest_values(tmp_path):
    # a scores export read next to the traces that embed the same scores: every score arrives twice,
    # in another order and with other updates; each keeps the place of its first copy and the newest value
    base = {"traceId": "t", "projectId": "p", "timestamp": "2025-01-01T00:00:00Z", "name": "q", "dataType": "NUMERIC",
            "source": "API"}
    day = "2025-01-0{}T00:00:00Z".format
    first = [{**base, "id": str(i), "value": float(i), "updatedAt": day(2)} for i in range(5)]
    again = [{**base, "id": str(i), "value": 10.0 + i, "updatedAt": day(3 if i % 2 else 1)} for i in reversed(range(5))]
    (tmp_path / "a.jsonl").write_text("".join(json.dumps(s) + "\n" for s in first))
    (tmp_path / "b.jsonl").write_text("".join(json.dumps(s) + "\n" for s in again))
    ts = fl.read_traces([tmp_path / "a.jsonl", tmp_path / "b.jsonl"], format="langfuse")
    assert ts.feedback["value"].to_list() == [0.0, 11.0, 2.0, 13.0, 4.0]
    # the losing copy of each id is a reject: the second file's for even ids, the first file's for odd ones
    got = sorted((Path(f).name, line) for f, line in ts.rejects.select("file", "line").rows())
    assert got == [("a.jsonl", 2), ("a.jsonl", 4), ("b.jsonl", 1), ("b.jsonl", 3), ("b.jsonl", 5)]
