"""Langfuse loader on what Langfuse's own CLI (``langfuse api ...``, npm ``langfuse-cli`` 1.2.4) prints.

``tests/data/io/real/langfuse_cli`` was written by ``scripts/real_exports/langfuse_cli.py``: the real
CLI against a local stand-in for the public API serving the SDK-built responses of
``tests/data/io/real/langfuse``. Expectations come from the two ``expected.json`` files (what was
served), not from the loader.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl

DATA = Path(__file__).parents[1] / "data" / "io" / "real" / "langfuse_cli"
SERVED = json.loads((DATA / "expected.json").read_text())
SDK = json.loads((DATA.parent / "langfuse" / "expected.json").read_text())
KIND = {"API": "user", "ANNOTATION": "human", "EVAL": "llm"}
TEXT = {"trace-a": ("Why was I charged twice?", "The second charge is a pending authorisation; it drops in 3 days."),
        "trace-b": ("Book me a train to Lyon", "Booked the 9:04 TGV to Lyon.")}


def _read(name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a complete export reads without a warning
        return fl.read_traces(DATA / name)


@pytest.mark.parametrize("name", ["observations_all.json", "observations_all_envelope.json",
                                  "observations_pages.json", "observations_pages_envelope.jsonl"])
def test_observation_lists_load_every_observation(name):
    ts = _read(name)
    assert fl.sniff_format(DATA / name) == "langfuse"
    assert ts.rejects.height == 0
    assert sorted(ts.spans["span_id"].to_list()) == sorted(o["id"] for o in SERVED["observations"])
    assert sorted(ts.traces["trace_id"].to_list()) == sorted({o["trace_id"] for o in SERVED["observations"]})
    for tid, (inp, out) in TEXT.items():
        row = ts.traces.filter(pl.col("trace_id") == tid).row(0, named=True)
        assert (row["input"], row["output"]) == (inp, out)
        assert [row["user_id"], row["session_id"]] == SDK["users"][tid]
    llm = ts.spans.filter(pl.col("span_id") == "obs-a2").row(0, named=True)
    assert (llm["model"], llm["input_tokens"], llm["output_tokens"]) == ("gpt-4o-mini", 30, 12)


@pytest.mark.parametrize("name", ["scores_all.json", "scores_all_envelope.json"])
def test_score_lists_keep_annotator_kinds(name):
    ts = _read(name)
    on_trace = [s for s in SERVED["scores"] if s["subject"]["kind"] in ("trace", "observation")]
    assert ts.feedback.height == len(on_trace)
    # a score on a session has no trace: a reject that says so
    assert ts.rejects.height == len(SERVED["scores"]) - len(on_trace)
    assert all("session" in r for r in ts.rejects["reason"])
    got = dict(zip(ts.feedback["metadata"].map_elements(lambda m: json.loads(m)["score_id"], return_dtype=pl.String),
                   ts.feedback["annotator_kind"], strict=True))
    assert got == {s["id"]: KIND[s["source"]] for s in on_trace}


@pytest.mark.parametrize("name", ["traces_get.json", "traces_get_envelope.jsonl"])
def test_trace_get_outputs_appended_load_each_trace_whole(name):
    ts = _read(name)
    assert ts.rejects.height == 0
    assert sorted(ts.traces["trace_id"].to_list()) == SERVED["traces"]
    assert ts.spans.height == len(SERVED["observations"])
    assert ts.feedback.height > 0
    for tid, (inp, out) in TEXT.items():
        row = ts.traces.filter(pl.col("trace_id") == tid).row(0, named=True)
        assert (row["input"], row["output"]) == (inp, out)


def test_v3_trace_list_loads_the_traces():
    ts = _read("traces_list_all.json")
    assert sorted(ts.traces["trace_id"].to_list()) == sorted(SERVED["trace_list_ids"])
    assert ts.rejects.height == 0


def test_an_error_envelope_is_a_reject_naming_the_http_status_and_message():
    assert SERVED["exit_codes"]["error_envelope.json"] == [5]
    ts = fl.read_traces(DATA / "error_envelope.json")
    assert ts.traces.height == 0 and ts.rejects.height == 1
    reason = ts.rejects["reason"][0]
    assert "HTTP 404" in reason and SERVED["not_found"]["message"] in reason


def test_a_list_cut_at_max_items_warns_that_items_are_missing():
    with pytest.warns(UserWarning, match="--max-items"):
        ts = fl.read_traces(DATA / "observations_truncated.json")
    assert ts.spans.height == 3  # what the file holds is read


def test_the_error_body_printed_without_json_is_a_reject_with_its_message(tmp_path):
    # what ``langfuse api traces get no-such-trace`` prints on stdout (exit code 5)
    f = tmp_path / "trace.json"
    f.write_text(json.dumps(SERVED["not_found"], indent=2) + "\n")
    ts = fl.read_traces(f, format="langfuse")
    assert ts.rejects.height == 1
    assert "an API error response" in ts.rejects["reason"][0]
    assert SERVED["not_found"]["message"] in ts.rejects["reason"][0]


def test_observations_listed_without_fields_warn_that_they_have_no_text():
    # the v2 observations API returns only the 'core' and 'basic' field groups unless asked
    with pytest.warns(UserWarning, match=r"has input/output, model, token usage fields.*--fields core,basic,time,io"):
        ts = fl.read_traces(DATA / "observations_default_fields.json")
    assert ts.spans.height == len(SERVED["observations"])  # the observations and their tree still load
    assert ts.traces["input"].is_null().all()


def test_scores_listed_without_fields_are_rejects_that_say_to_ask_for_the_subject():
    ts = fl.read_traces(DATA / "scores_default_fields.json")
    assert ts.feedback.height == 0
    assert ts.rejects.height == len(SERVED["scores"])
    assert all("fields='subject'" in r for r in ts.rejects["reason"])


def test_sessions_with_their_traces_load_the_traces_in_their_session():
    ts = _read("sessions_get.json")
    assert ts.rejects.height == 0
    assert sorted(ts.traces["trace_id"]) == SERVED["traces"]
    for tid, (inp, out) in TEXT.items():
        row = ts.traces.filter(pl.col("trace_id") == tid).row(0, named=True)
        assert (row["input"], row["output"]) == (inp, out)
        assert row["session_id"] == SDK["users"][tid][1]


def test_a_sessions_list_is_rejects_that_say_to_get_each_session():
    ts = fl.read_traces(DATA / "sessions_list.json")
    assert ts.traces is None or ts.traces.height == 0
    assert ts.rejects.height == 2
    assert all("GET /api/public/sessions/{id}" in r for r in ts.rejects["reason"])
