"""Langfuse loader on public-API responses built with the real ``langfuse`` SDK models.

``tests/data/io/real/langfuse`` was written by ``scripts/real_exports/langfuse_sdk.py`` (see the
SOURCE.md there): langfuse 5.x ``ObservationsV2Response`` / ``GetScoresV3Response`` (``v5_*``) and
langfuse 3.x ``TraceWithFullDetails`` / ``Traces`` / ``ObservationsViews`` / ``GetScoresResponse``
(``v3_*``), parsed with the SDK's ``parse_obj_as`` and saved with ``.json()``, ``.dict()`` and a
snake_case dump. Expectations come from ``expected.json`` (what the script built).
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl

DATA = Path(__file__).parents[1] / "data" / "io" / "real" / "langfuse"
EXPECTED = json.loads((DATA / "expected.json").read_text())
OBS, USERS, SCORES = EXPECTED["observations"], EXPECTED["users"], EXPECTED["scores"]
KIND = {"API": "user", "ANNOTATION": "human", "EVAL": "llm"}
TEXT = {"trace-a": ("Why was I charged twice?", "The second charge is a pending authorisation; it drops in 3 days."),
        "trace-b": ("Book me a train to Lyon", "Booked the 9:04 TGV to Lyon.")}
SHAPES = ["page", "dict", "snake"]


@pytest.mark.parametrize("file", [f"{v}_observations_{s}.json" for v in ("v5", "v3") for s in SHAPES]
                         + ["v3_trace_get.json", "v3_trace_get_snake.json"])
def test_observations(file):
    ts = fl.read_traces(DATA / file)
    assert len(ts.rejects) == 0
    assert ts.spans.height == len(OBS)
    assert sorted(ts.traces["trace_id"].to_list()) == sorted(USERS)
    for o in OBS:
        s = ts.spans.filter(pl.col("span_id") == o["id"]).row(0, named=True)
        assert (s["trace_id"], s["parent_id"], s["name"]) == (o["trace_id"], o["parent"], o["name"])
    for tid, (inp, out) in TEXT.items():
        row = ts.traces.filter(pl.col("trace_id") == tid).row(0, named=True)
        assert (row["input"], row["output"]) == (inp, out)
        if not file.startswith("v3_observations"):  # ObservationsView (v3) carries no user/session
            assert [row["user_id"], row["session_id"]] == USERS[tid]
    a = ts.spans.filter(pl.col("span_id") == "obs-a2").row(0, named=True)
    b = ts.spans.filter(pl.col("span_id") == "obs-b2").row(0, named=True)
    assert (a["model"], a["input_tokens"], a["output_tokens"]) == ("gpt-4o-mini", 30, 12)
    assert (b["input_tokens"], b["output_tokens"]) == (15, 4)  # input + input_cached_tokens
    assert ts.traces.filter(pl.col("trace_id") == "trace-a")["status"].item() == "error"


def _check_scores(fb, rejects, scores):
    on_trace = [s for s in scores if s["subject"]["kind"] in ("trace", "observation")]
    assert fb.height == len(on_trace)
    assert rejects.height == len(scores) - len(on_trace)
    assert "session sess-2" in rejects["reason"][0]
    for s in on_trace:
        name = "correction" if s["dataType"] == "CORRECTION" else s["name"]
        row = fb.filter(pl.col("name") == name).row(0, named=True)
        assert row["trace_id"] == s["subject"].get("traceId", s["subject"]["id"])
        assert row["annotator_kind"] == KIND[s["source"]]
        assert row["span_id"] == (s["subject"]["id"] if s["subject"]["kind"] == "observation" else None)
        if s["dataType"] == "NUMERIC":
            assert row["value"] == s["value"]
        elif s["dataType"] == "BOOLEAN":
            assert (row["value"], row["label"]) == (1.0, "True")
        elif s["dataType"] == "CATEGORICAL":
            assert row["label"] == s["value"]
        else:  # TEXT and CORRECTION: the text is the comment
            assert row["comment"] == s["value"]


@pytest.mark.parametrize("file", [f"{v}_scores_{s}.json" for v in ("v5", "v3") for s in SHAPES])
def test_scores(file):
    ts = fl.read_traces(DATA / file)
    _check_scores(ts.feedback, ts.rejects, SCORES)


def test_v5_scores_without_subject_are_rejected_with_the_reason():
    ts = fl.read_traces(DATA / "v5_scores_no_subject_page.json")
    assert ts.feedback.height == 0 and ts.rejects.height == len(SCORES)
    assert ts.rejects["reason"].str.contains("fields='subject'").all()


def test_v3_trace_list_page():
    ts = fl.read_traces(DATA / "v3_traces_list_page.json")
    assert ts.traces.height == 2 and len(ts.rejects) == 0
    for tid, (inp, out) in TEXT.items():
        row = ts.traces.filter(pl.col("trace_id") == tid).row(0, named=True)
        assert (row["input"], row["output"], [row["user_id"], row["session_id"]]) == (inp, out, USERS[tid])
