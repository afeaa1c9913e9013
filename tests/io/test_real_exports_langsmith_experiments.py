"""LangSmith loader on experiment results as the SDK tabulates them (``evaluate(...).to_pandas()``,
``Client.get_test_results()``), the files users keep to review an evaluator's scores.

``tests/data/io/real/langsmith_experiments`` was written by ``scripts/real_exports/langsmith_experiments.py``
with the real SDK. Expectations come from ``expected.json``, not from the loader. Before, these files
were "read as canonical ... no 'trace_id' column" errors, and a Parquet file's run ids (``arrow.uuid``)
were 16 raw bytes.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

import feedback_lab as fl

DATA = Path(__file__).parents[1] / "data" / "io" / "real" / "langsmith_experiments"
E = json.loads((DATA / "expected.json").read_text())


@pytest.mark.parametrize("name", ["evaluate_to_pandas.csv", "evaluate_to_pandas.parquet"])
def test_evaluate_results_are_a_trace_per_example_with_the_evaluators_scores(name):
    assert fl.sniff_format(DATA / name) == "langsmith"
    ts = fl.read_traces(DATA / name)
    assert ts.rejects.height == 0 and ts.spans.height == 0
    rows = {r["run_id"]: r for r in E["evaluate"]}
    assert set(ts.traces["trace_id"]) == set(rows)
    for t in ts.traces.iter_rows(named=True):
        want = rows[t["trace_id"]]
        assert (t["input"], t["output"], t["reference"]) == (want["question"], want["answer"], want["reference"])
        assert t["status"] == ("error" if want["error"] else "ok")
        assert json.loads(t["metadata"]) == {"example_id": want["example_id"]}
        assert t["latency_ms"] > 0
    got = {(f["trace_id"], f["name"]): (f["value"], f["label"]) for f in ts.feedback.iter_rows(named=True)}
    want = {}
    for r in E["evaluate"]:
        if r["error"] is None:  # the target failed: no evaluator ran
            want[(r["run_id"], "correctness")] = (r["correctness"], None)
            want[(r["run_id"], "tone")] = (None, r["tone"])
    assert got == want
    assert ts.feedback["annotator_kind"].is_null().all()  # the frame does not say what each evaluator is


@pytest.mark.parametrize("name", ["test_results.csv", "test_results.parquet"])
def test_get_test_results_gives_average_scores_and_notes(name):
    ts = fl.read_traces(DATA / name)
    assert ts.rejects.height == 0
    rows = {r["run_id"]: r for r in E["test_results"]}
    assert set(ts.traces["trace_id"]) == set(rows)
    for t in ts.traces.iter_rows(named=True):
        want = rows[t["trace_id"]]
        assert (t["input"], t["output"], t["reference"]) == (want["question"], want["answer"], want["reference"])
        assert math.isclose(t["latency_ms"], want["seconds"] * 1000)
    scores = ts.feedback.filter(ts.feedback["name"] == "correctness")
    assert dict(zip(scores["trace_id"], scores["value"], strict=True)) == {k: r["correctness"] for k, r in rows.items()}
    notes = ts.feedback.filter(ts.feedback["name"] == "note")
    assert sorted(zip(notes["trace_id"], notes["comment"], notes["annotator_kind"], strict=True)) == sorted(
        (k, c, "human") for k, r in rows.items() for c in r["notes"])


def test_experiment_results_and_runs_read_together(tmp_path):
    """A folder with an experiment's results beside ordinary run files reads both."""
    import shutil

    shutil.copy(DATA / "evaluate_to_pandas.csv", tmp_path)
    shutil.copy(Path(__file__).parents[1] / "data" / "io" / "real" / "langsmith" / "runs_dict.json", tmp_path)
    ts = fl.read_traces(tmp_path)
    assert ts.traces.height == len(E["evaluate"]) + 3 and ts.rejects.height == 0
