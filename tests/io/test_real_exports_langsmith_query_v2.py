"""LangSmith loader on runs from the SDK's v2 query API (``client.runs.query_v2``, langsmith 0.15.1).

``tests/data/io/real/langsmith_query_v2`` was written by ``scripts/real_exports/langsmith_query_v2.py``:
the real SDK against a local stand-in for the API, its ``Run`` models saved with ``to_dict``,
``to_json`` and ``model_dump``. Expectations come from ``expected.json`` (what the server served).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl

DATA = Path(__file__).parents[1] / "data" / "io" / "real" / "langsmith_query_v2"
RUNS = json.loads((DATA / "expected.json").read_text())["runs"]
ROOTS = [r for r in RUNS if not r["parent_run_ids"]]
FILES = ["runs_v2_to_dict.json", "runs_v2_to_json.jsonl", "runs_v2_model_dump.json"]


@pytest.mark.parametrize("name", FILES)
def test_runs_load_as_their_trees(name):
    assert fl.sniff_format(DATA / name) == "langsmith"
    ts = fl.read_traces(DATA / name)
    assert ts.rejects.height == 0
    assert sorted(ts.spans["span_id"]) == sorted(r["id"] for r in RUNS)
    for r in RUNS:
        s = ts.spans.filter(pl.col("span_id") == r["id"]).row(0, named=True)
        # no parent_run_id in the v2 shape: the parent is the last of parent_run_ids
        assert s["parent_id"] == (r["parent_run_ids"][-1] if r["parent_run_ids"] else None)
        assert s["kind"] == r["run_type"].lower()
        assert s["status"] == ("error" if r["status"] == "ERROR" else "ok")  # upper case in the v2 API
    assert sorted(ts.traces["trace_id"]) == sorted(r["id"] for r in ROOTS)


@pytest.mark.parametrize("name", FILES)
def test_trace_fields_come_from_the_top_level_metadata_and_thread_id(name):
    ts = fl.read_traces(DATA / name)
    for root in ROOTS:
        row = ts.traces.filter(pl.col("trace_id") == root["id"]).row(0, named=True)
        meta = root["metadata"]
        assert row["session_id"] == (root["thread_id"] or meta.get("session_id"))
        assert row["user_id"] == meta.get("user_id")
        assert row["prompt_version"] == meta.get("prompt_version")
        assert row["input"] == next(iter(root["inputs"].values()))
        assert row["output"] == next(iter(root["outputs"].values()))
        llm = [r for r in RUNS if r["trace_id"] == root["id"] and r["run_type"] == "LLM"]
        assert row["model"] == llm[0]["metadata"]["ls_model_name"]
        assert (row["input_tokens"], row["output_tokens"]) == (llm[0]["prompt_tokens"], llm[0]["completion_tokens"])
        assert row["cost"] == pytest.approx(root["total_cost"])
        failed = any(r["status"] == "ERROR" for r in RUNS if r["trace_id"] == root["id"])
        assert row["status"] == ("error" if failed else "ok")


def test_a_saved_api_page_reads_as_its_runs():
    page = json.loads((DATA / "runs_v2_page.json").read_text())
    ts = fl.read_traces(DATA / "runs_v2_page.json")
    assert ts.rejects.height == 0
    assert sorted(ts.spans["span_id"]) == sorted(r["id"] for r in page["items"])


def test_the_column_wise_and_per_record_readers_agree_on_v2_runs(tmp_path):
    # JSONL goes column-wise; the same records as a JSON array go record by record
    lines = (DATA / "runs_v2_to_json.jsonl").read_text().splitlines()
    arr = tmp_path / "runs.json"
    arr.write_text("[" + ",\n".join(lines) + "]")
    a, b = fl.read_traces(DATA / "runs_v2_to_json.jsonl"), fl.read_traces(arr)
    assert a.traces.drop("source").equals(b.traces.drop("source"))
    assert a.spans.sort("span_id").equals(b.spans.sort("span_id"))
