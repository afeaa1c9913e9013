"""Helicone loader (feedback_lab/io/_helicone.py)."""

from __future__ import annotations

import json

import pytest
from _helpers_platforms import load, same, sniffed

from feedback_lab.sample_data._export_helicone import write

V = "io/platforms/helicone"


def test_query_response_placeholders_and_scores(test_data):
    ts = load(test_data / V / "query_clickhouse_response.RECONSTRUCTED.json", "helicone")
    t = ts.traces.row(0, named=True)
    assert (t["trace_id"], t["session_id"], t["latency_ms"], t["input_tokens"], t["output_tokens"], t["cost"]) == (
        "3b2a1c0d-9e8f-4a7b-b6c5-d4e3f2a1b0c9", "sess-42", 2350.0, 812, 164, 0.00022)
    assert t["input"] is None and t["output"] is None  # bodies live in S3: explicit, not the placeholder text
    assert set(json.loads(t["metadata"])["body_missing"]) == {"input", "output"}
    fb = {r["name"]: r for r in ts.feedback.to_dicts()}
    assert (fb["user_feedback"]["annotator_kind"], fb["user_feedback"]["label"], fb["user_feedback"]["value"]) == (
        "user", "down", 0.0)
    assert (fb["grounded"]["annotator_kind"], fb["grounded"]["label"]) == ("llm", "false")
    assert fb["factuality"]["value"] == 4.0 and fb["factuality"]["annotator_kind"] is None


def test_annotator_kinds_option(test_data):
    from feedback_lab.io._helicone import FORMAT

    out = FORMAT.read([test_data / V / "query_clickhouse_response.RECONSTRUCTED.json"],
                      annotator_kinds={"factuality": "llm"})
    assert dict(out["feedback"].select("name", "annotator_kind").iter_rows())["factuality"] == "llm"


def test_ui_export_and_cli_csv(test_data):
    ui = load(test_data / V / "ui_requests_export_data.RECONSTRUCTED.jsonl", "helicone").traces.row(0, named=True)
    assert (ui["input"], ui["output"], ui["latency_ms"], ui["user_id"]) == (
        "Where is my order #1234?", "It shipped yesterday.", 2350.0, "user-7")
    csv = load(test_data / V / "helicone-export_output.RECONSTRUCTED.csv", "helicone").traces.row(0, named=True)
    assert (csv["input"], csv["output"], csv["latency_ms"], csv["session_id"]) == (
        "Where is my order #1234?", None, None, "sess-42")
    assert "no response body" in json.loads(csv["metadata"])["body_missing"]["output"]


def test_duplicates_newest_wins(tmp_path):
    recs = [{"request_id": "r", "updated_at": "2026-01-01T00:00:02Z", "scores": {"a": "1"}},
            {"request_id": "r", "updated_at": "2026-01-01T00:00:05Z", "scores": {"a": "0"}},
            {"request_id": "q", "prompt_tokens": "many"}]
    p = tmp_path / "x.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in recs))
    ts = load(p, "helicone")
    assert ts.feedback["value"].to_list() == [0.0]
    assert sorted(ts.rejects["line"].to_list()) == [1, 3]


def test_round_trip(small_traceset, tmp_path):
    ts = load(write(small_traceset, tmp_path), "helicone")
    cols = ["trace_id", "session_id", "user_id", "timestamp", "model", "prompt_version", "input", "output",
            "input_tokens", "output_tokens", "cost", "status"]
    same(ts.traces, small_traceset.traces, cols, ["trace_id"])
    assert ts.traces.sort("trace_id")["latency_ms"].to_list() == [
        float(round(v)) for v in small_traceset.traces["latency_ms"]]  # delay_ms is an integer
    thumbs = ts.feedback.filter(ts.feedback["name"] == "user_feedback")
    ref = small_traceset.feedback.filter(small_traceset.feedback["name"] == "thumbs")
    same(thumbs, ref, ["trace_id", "value", "annotator_kind"], ["trace_id"])
    assert len(ts.rejects) == 0


@pytest.mark.parametrize("name", ["query_clickhouse_response.RECONSTRUCTED.json",
                                  "ui_requests_export_data.RECONSTRUCTED.jsonl",
                                  "helicone-export_output.RECONSTRUCTED.csv"])
def test_sniff_from_content(test_data, tmp_path, name):
    assert sniffed(test_data / V / name, tmp_path) == "helicone"
