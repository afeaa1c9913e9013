"""Braintrust loader on rows produced by the real ``braintrust`` SDK.

``tests/data/io/real/braintrust`` was written by ``scripts/real_exports/braintrust_sdk.py`` (see the
SOURCE.md there): spans, ``log_feedback`` and an experiment row with scorer spans, logged through
the SDK with its in-memory background logger and merged by its ``merge_row_batch``, as they go to
``logs3``; saved as ``bt sync pull`` JSONL and a fetch response. Expectations come from
``expected.json`` (what the script built) and the texts the script used.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl

import feedback_lab as fl

DATA = Path(__file__).parents[1] / "data" / "io" / "real" / "braintrust"
EXPECTED = json.loads((DATA / "expected.json").read_text())


def test_project_logs():
    ts = fl.read_traces(DATA / "logs_sync_pull.jsonl")
    spans = [r for r in EXPECTED["logs"] if r["name"] is not None]
    assert len(ts.rejects) == 0
    assert ts.spans.height == len(spans)
    assert ts.traces.height == len({r["root_span_id"] for r in spans}) == 2
    first = next(r for r in spans if r["scores"] == {"thumbs_up": 0})
    row = ts.traces.filter(pl.col("trace_id") == first["root_span_id"]).row(0, named=True)
    assert (row["user_id"], row["session_id"], row["model"]) == ("user-9", "sess-9", "gpt-4o-mini")
    assert row["output"] == "British Airways flies from Terminal 5 at Heathrow."
    assert "Which terminal does BA use at Heathrow?" in row["input"]
    assert (row["input_tokens"], row["output_tokens"], row["status"]) == (25, 11, "error")
    fb = ts.feedback
    scores = [(r["root_span_id"], k, v) for r in spans for k, v in (r["scores"] or {}).items()]
    assert fb.height == len(scores) + sum(r["comment"] is not None for r in EXPECTED["logs"])
    for tid, name, value in scores:  # logFeedback scores: the application's users
        got = fb.filter((pl.col("trace_id") == tid) & (pl.col("name") == name)).row(0, named=True)
        assert (got["value"], got["annotator_kind"]) == (value, "user")
    comment = fb.filter(pl.col("name") == "comment").row(0, named=True)
    # logFeedback(comment=..., source="external"): the end user's comment, on the first trace
    assert (comment["trace_id"], comment["comment"]) == (first["root_span_id"], "Outdated, BA also uses T3")
    assert (comment["annotator_kind"], comment["annotator"]) == ("user", "user-9")


def test_experiment_fetch():
    ts = fl.read_traces(DATA / "experiment_fetch.json")
    rows = EXPECTED["experiment"]
    assert len(ts.rejects) == 0 and ts.spans.height == len(rows) and ts.traces.height == 1
    t = ts.traces.row(0, named=True)
    assert (t["output"], t["reference"], t["model"]) == ("Canberra.", "Canberra", "claude-3-5-haiku")
    assert (t["input_tokens"], t["output_tokens"]) == (6, 3)  # the judge's LLM call is left out
    scorers = {r["name"]: r["scores"][r["name"]] for r in rows if r["type"] == "score"}
    fb = {r["name"]: r for r in ts.feedback.iter_rows(named=True)}
    assert set(fb) == set(scorers)  # the scores merged on the eval row are the scorers' results, once
    assert (fb["Factuality"]["value"], fb["Factuality"]["annotator_kind"]) == (scorers["Factuality"], "llm")
    assert fb["Factuality"]["comment"] == "The submission names Canberra."
    assert (fb["ExactMatch"]["value"], fb["ExactMatch"]["annotator_kind"]) == (scorers["ExactMatch"], "code")
