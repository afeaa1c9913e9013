"""Every transform: pandas and polars in, same kind out; empty, one row, identical labels,
missing columns (error naming the column and the available ones), input never mutated."""

from __future__ import annotations

import warnings

import pandas as pd
import polars as pl
import pytest

import feedback_lab as fl
from feedback_lab.exceptions import ColumnNotFoundError


def _pairwise(make_frame, n):
    w = ["a", "b", "tie", "a"]
    return make_frame({"winner": [w[i % 4] for i in range(n)], "a_position": [["first", "second"][i % 2] for i in range(n)]})


def _metrics(make_frame, n, same=False):
    return make_frame({"passed": [True if same else bool(i % 2) for i in range(n)],
                       "score": [0.5 if same else i / 10 for i in range(n)]})


# name -> (call(tr, fb, ev, make_frame, n, same), input-frame index used for kind, missing-column case)
CALLS = {
    "validate_feedback": lambda tr, fb, ev, mk, n, same: fl.validate_feedback(
        fb, [fl.FeedbackConfig("thumb", "boolean")])[0],
    "implicit_signals": lambda tr, fb, ev, mk, n, same: fl.implicit_signals(ev, tr),
    "reconcile": lambda tr, fb, ev, mk, n, same: fl.reconcile(fb, fl.implicit_signals(ev, tr), annotator_kind=None),
    "feedback_trends": lambda tr, fb, ev, mk, n, same: fl.feedback_trends(tr, fb, events=ev, by="model"),
    "sample_for_review": lambda tr, fb, ev, mk, n, same: fl.sample_for_review(tr, n=min(n, 2), strategy="mixed",
                                                                              feedback=fb, random_state=0),
    "balance": lambda tr, fb, ev, mk, n, same: fl.balance(fb, label_col="label", random_state=0)[0],
    "golden_dataset": lambda tr, fb, ev, mk, n, same: fl.golden_dataset(tr, fb, random_state=0, stratify_by="model"),
    "regression_set": lambda tr, fb, ev, mk, n, same: fl.regression_set(tr, fb, negative_only=False),
    "preference_pairs": lambda tr, fb, ev, mk, n, same: fl.preference_pairs(tr, ev, fb),
    "composite_score": lambda tr, fb, ev, mk, n, same: fl.composite_score(
        _metrics(mk, n, same), {"passed": 1, "score": 1}, {"score": "minimize"}),
    "check_thresholds": lambda tr, fb, ev, mk, n, same: fl.check_thresholds(_metrics(mk, n, same), {"score": 0.3}),
    "detect_regressions": lambda tr, fb, ev, mk, n, same: fl.detect_regressions(
        _metrics(mk, n, same), _metrics(mk, n, same)),
    "compare_versions": lambda tr, fb, ev, mk, n, same: fl.compare_versions(tr, fb),
    "win_rate": lambda tr, fb, ev, mk, n, same: fl.win_rate(_pairwise(mk, n)),
}

# name -> call with a frame lacking a required column, and the column it must name
MISSING = {
    "validate_feedback": (lambda tr, fb, ev: fl.validate_feedback(_drop(fb, "name"), []), "name"),
    "implicit_signals": (lambda tr, fb, ev: fl.implicit_signals(_drop(ev, "event")), "event"),
    "reconcile": (lambda tr, fb, ev: fl.reconcile(_drop(fb, "trace_id"), fl.implicit_signals(ev)), "trace_id"),
    "feedback_trends": (lambda tr, fb, ev: fl.feedback_trends(_drop(tr, "timestamp"), fb), "timestamp"),
    "feedback_trends_by": (lambda tr, fb, ev: fl.feedback_trends(tr, fb, by="modle"), "modle"),
    "sample_for_review": (lambda tr, fb, ev: fl.sample_for_review(tr, n=1, by="taks"), "taks"),
    "balance": (lambda tr, fb, ev: fl.balance(fb, label_col="lable"), "lable"),
    "golden_dataset": (lambda tr, fb, ev: fl.golden_dataset(_drop(tr, "input"), fb), "input"),
    "regression_set": (lambda tr, fb, ev: fl.regression_set(tr, fb, by="cluster"), "cluster"),
    "preference_pairs": (lambda tr, fb, ev: fl.preference_pairs(_drop(tr, "output")), "output"),
    "composite_score": (lambda tr, fb, ev: fl.composite_score(tr, {"accuracy": 1}), "accuracy"),
    "check_thresholds": (lambda tr, fb, ev: fl.check_thresholds(tr, {"accuracy": 0.5}), "accuracy"),
    "detect_regressions": (lambda tr, fb, ev: fl.detect_regressions(tr, tr, metrics=["accuracy"]), "accuracy"),
    "compare_versions": (lambda tr, fb, ev: fl.compare_versions(tr, fb, by="version"), "version"),
    "win_rate": (lambda tr, fb, ev: fl.win_rate(tr), "winner"),
}


def _drop(df, col):
    return df.drop(columns=[col]) if isinstance(df, pd.DataFrame) else df.drop(col)


def _snapshot(df):
    return df.copy(deep=True) if isinstance(df, pd.DataFrame) else df.clone()


def _same(a, b):
    if isinstance(a, pd.DataFrame):
        pd.testing.assert_frame_equal(a, b)
    else:
        assert a.equals(b)


@pytest.mark.parametrize("func", sorted(CALLS))
@pytest.mark.parametrize("n", [6, 1, 0])
def test_kind_and_no_mutation(func, n, frames, make_frame, backend):
    tr, fb, ev = frames(n)
    before = [_snapshot(x) for x in (tr, fb, ev)]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # small/empty inputs warn on purpose; content is checked elsewhere
        out = CALLS[func](tr, fb, ev, make_frame, n, False)
    expected = pd.DataFrame if backend == "pandas" else pl.DataFrame
    assert isinstance(out, expected)
    for a, b in zip((tr, fb, ev), before, strict=True):
        _same(a, b)


@pytest.mark.parametrize("func", sorted(CALLS))
def test_identical_labels(func, frames, make_frame):
    tr, fb, ev = frames(6, same=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = CALLS[func](tr, fb, ev, make_frame, 6, True)
    assert out is not None


@pytest.mark.parametrize("case", sorted(MISSING))
def test_missing_column_named(case, frames):
    tr, fb, ev = frames(4)
    call, column = MISSING[case]
    with pytest.raises(ColumnNotFoundError) as err:
        call(tr, fb, ev)
    msg = str(err.value)
    assert f"'{column}'" in msg and "Available columns" in msg
    assert isinstance(err.value, KeyError) and isinstance(err.value, ValueError)
