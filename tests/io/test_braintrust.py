"""Braintrust loader (feedback_lab/io/_braintrust.py)."""

from __future__ import annotations

import json
import warnings

import polars as pl
import pytest
from _helpers_platforms import TRACE_COLS, load, same, sniffed

from feedback_lab.sample_data._export_braintrust import write

V = "io/platforms/braintrust"
SDK = {"sdk-e2e_project-logs_jest_log-payloads.json": (5, 8, 0), "sdk-e2e_experiment_vitest-v4.1_log-payloads.json": (5, 5, 7)}


@pytest.fixture(params=["vendored", "shared"])
def sdk_dir(request, test_data):
    if request.param == "shared":
        return request.getfixturevalue("shared_data") / "exports" / "braintrust"
    return test_data / V


@pytest.mark.parametrize("name", sorted(SDK))
def test_sdk_snapshots(sdk_dir, name):
    with pytest.warns(UserWarning, match="not a timestamp"):
        ts = load(sdk_dir / name, "braintrust")
    assert (len(ts.traces), len(ts.spans), len(ts.feedback)) == SDK[name]
    assert len(ts.rejects) == 0
    if "experiment" in name:
        assert set(ts.feedback["annotator_kind"]) == {"code"}
        t = ts.traces.filter(ts.traces["trace_id"] == "<span:5>").row(0, named=True)
        assert (t["input"], t["reference"], t["tags"]) == ('{"value": 5}', "10", ["math", "configured"])
        assert ts.traces.filter(ts.traces["trace_id"] == "<span:11>")["status"].to_list() == ["error"]
    else:
        t = ts.traces.filter(ts.traces["trace_id"] == "<span:2>").row(0, named=True)
        assert (t["input"], t["output"], t["reference"]) == ("What is the capital of France?", "Paris", "Paris")
        nested = ts.spans.filter(ts.spans["trace_id"] == "<span:12>")
        assert sorted(nested["parent_id"].to_list(), key=str) == ["<span:12>", "<span:14>", None]


def test_fetch_response_scorer_and_merged_scores(test_data):
    ts = load(test_data / V / "project_logs_fetch_response.RECONSTRUCTED.json", "braintrust")
    assert (len(ts.traces), len(ts.spans)) == (1, 3)
    t = ts.traces.row(0, named=True)
    # the trace's input is the text of the root's payload, as the Langfuse and LangSmith readers give it;
    # the root span keeps the payload itself
    assert (t["input"], t["output"], t["model"], t["input_tokens"], t["output_tokens"]) == (
        "Where is my order #1234?", "It shipped yesterday.", "gpt-4o-mini-2024-07-18", 812, 164)
    root = ts.spans.filter(pl.col("parent_id").is_null()).row(0, named=True)
    assert json.loads(root["input"]) == {"question": "Where is my order #1234?"}
    assert (t["user_id"], t["session_id"], t["prompt_version"]) == ("user-7", "sess-42", "1000194500000000001")
    assert t["latency_ms"] == pytest.approx(2350.0)  # the scorer span runs after the answer
    fb = {r["name"]: r for r in ts.feedback.to_dicts()}
    assert set(fb) == {"User Rating", "Factuality"}  # Factuality merged on the root is counted once
    assert fb["User Rating"]["annotator_kind"] == "user"
    assert fb["Factuality"]["annotator_kind"] == "llm" and fb["Factuality"]["comment"].startswith("The answer claims")


def test_bt_sync_pull_and_btql(test_data):
    ts = load([test_data / V / "bt_sync_pull_part-000000.RECONSTRUCTED.jsonl",
               test_data / V / "btql_response_fmt_json.RECONSTRUCTED.json"], "braintrust")
    # the BTQL row is the same root row (same id): the later version wins, the other is listed as superseded
    assert len(ts.traces) == 1 and len(ts.rejects) == 1
    assert "superseded" in ts.rejects["reason"][0]


def test_round_trip(small_traceset, tmp_path):
    ts = load(write(small_traceset, tmp_path), "braintrust")
    same(ts.traces, small_traceset.traces, [c for c in TRACE_COLS if c != "task"], ["trace_id"])
    numeric = small_traceset.feedback.filter(small_traceset.feedback["value"].is_not_null())
    cols = ["trace_id", "name", "value", "annotator_kind"]
    same(ts.feedback.filter(ts.feedback["name"] != "comment"), numeric, cols, cols)
    comments = ts.feedback.filter(ts.feedback["name"] == "comment")["comment"].to_list()
    assert sorted(comments) == sorted(c for c, k in zip(small_traceset.feedback["comment"],
                                                       small_traceset.feedback["annotator_kind"], strict=True)
                                      if c is not None and k != "llm")
    assert len(ts.rejects) == 0


def test_sniff_from_content(small_traceset, test_data, tmp_path):
    for p in [*write(small_traceset, tmp_path / "x"), *sorted((test_data / V).glob("*"))]:
        assert sniffed(p, tmp_path) == "braintrust", p.name


def test_bad_rows(tmp_path):
    rows = [{"id": "1", "span_id": "s", "root_span_id": "s", "scores": {"a": "high"}},
            {"id": "2", "root_span_id": "s", "span_parents": "s"},
            {"id": "3", "span_id": "x", "root_span_id": "x", "metrics": {"start": "soon"}},
            {"id": "4", "span_id": "y", "root_span_id": "y", "scores": {"ok": 1, "skipped": None}}]
    p = tmp_path / "part.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in rows) + "\n[1,2]\n")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ts = load(p, "braintrust")
    assert ts.spans["span_id"].to_list() == ["y"] and ts.feedback["name"].to_list() == ["ok"]
    assert sorted(ts.rejects["line"].to_list()) == [1, 2, 3, 5]
