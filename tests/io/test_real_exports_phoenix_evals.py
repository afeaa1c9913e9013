"""Phoenix loader on what Phoenix's evals library gives (``evaluate_dataframe``, ``to_annotation_dataframe``).

``tests/data/io/real/phoenix_evals`` was written by ``scripts/real_exports/phoenix_evals_results.py``
with the real library. Expectations come from ``expected.json`` (the scores Phoenix returned), not
from the loader. Before, the results frame loaded its traces with no feedback at all: the scores
were buried in the spans' attributes.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

import feedback_lab as fl

REAL = Path(__file__).parents[1] / "data" / "io" / "real"
DATA = REAL / "phoenix_evals"
E = json.loads((DATA / "expected.json").read_text())
KIND = {"llm": "llm", "code": "code"}


def _want() -> set[tuple]:
    return {(e["trace_id"], e["span_id"], s["name"], s["score"], s["label"], s.get("explanation"), KIND[s["kind"]])
            for e in E for s in e["scores"]}


def _got(ts) -> set[tuple]:
    return {(f["trace_id"], f["span_id"], f["name"], f["value"], f["label"], f["comment"], f["annotator_kind"])
            for f in ts.feedback.iter_rows(named=True)}


@pytest.mark.parametrize("name", ["evals_results.csv", "evals_results.jsonl"])
def test_evaluate_dataframe_results_give_a_feedback_row_per_score(name):
    assert fl.sniff_format(DATA / name) == "phoenix"
    ts = fl.read_traces(DATA / name)
    assert ts.rejects.height == 0
    assert _got(ts) == _want()
    assert ts.feedback.height == sum(len(e["scores"]) for e in E)
    for row in ts.traces.iter_rows(named=True):  # the evaluated frame's traces load with their text
        e = next(e for e in E if e["trace_id"] == row["trace_id"])
        assert (row["input"], row["output"]) == (e["question"], e["answer"])
    # the scores and the evaluators' run details are not left in the spans' attributes
    assert not any("_score" in a or "execution_details" in a for a in ts.spans["attributes"].drop_nulls())
    assert {json.loads(m)["direction"] for m in ts.feedback["metadata"]} == {"maximize"}


@pytest.mark.parametrize("name", ["annotations.parquet", "annotations.csv"])
def test_annotation_dataframe_read_with_its_spans_gives_the_same_feedback(name, tmp_path):
    """to_annotation_dataframe names spans only: read with the evaluated frame, each score is on its trace."""
    shutil.copy(DATA / name, tmp_path)
    shutil.copy(REAL / "phoenix_queries" / "qa_context.parquet", tmp_path)
    ts = fl.read_traces(tmp_path)
    assert ts.rejects.height == 0
    assert _got(ts) == _want()
