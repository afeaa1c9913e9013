"""propagate_labels: agreement with scikit-learn, held-out accuracy on banking77, edge cases."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.neighbors import KNeighborsClassifier
from sklearn.semi_supervised import LabelSpreading

import feedback_lab as fl

SUBSET = Path(__file__).resolve().parents[2] / "data" / "embed" / "banking77_subset.csv"


def _exp_weights(d):
    return np.exp(-d / 0.05)


def _mask(n, share, seed):
    """A random labelled mask: each row labelled with probability ``share``."""
    return np.random.default_rng(seed).random(n) < share


@pytest.fixture(scope="module")
def subset():
    df = pd.read_csv(SUBSET)
    X = fl.embed(df["text"], show_progress=False)  # default cache: instant on re-runs
    known = np.zeros(len(df), dtype=bool)
    known[np.arange(0, len(df), 10)] = True  # 10% labelled: 2 of the 20 queries of each intent
    return X, df["category"].to_numpy(), known


@pytest.mark.model
def test_knn_matches_sklearn_and_is_accurate(subset):
    X, y, known = subset
    res = fl.propagate_labels(X, np.where(known, y, None), k=5)
    ref = KNeighborsClassifier(n_neighbors=5, weights=_exp_weights, metric="cosine", algorithm="brute")
    ref.fit(X[known], y[known])
    proba = ref.predict_proba(X[~known])
    assert res.predicted[~known].tolist() == ref.classes_[proba.argmax(axis=1)].tolist()
    np.testing.assert_allclose(res.confidence[~known], proba.max(axis=1), rtol=1e-5)
    # labelled rows keep their label
    assert res.predicted[known].tolist() == y[known].tolist() and (res.confidence[known] == 1).all()
    held_out_accuracy = (res.predicted[~known] == y[~known]).mean()
    assert held_out_accuracy > 0.75  # 10 intents, 2 labels each: chance is 0.1
    # the review queue is exactly the unsure unlabelled rows, least confident first
    unsure = np.flatnonzero(~known & (res.confidence < 0.6))
    assert sorted(res.review_queue["row"]) == unsure.tolist()
    assert res.review_queue["confidence"].is_monotonic_increasing


@pytest.mark.model
def test_leave_one_out_estimate_matches_refitting(subset):
    X, y, known = subset
    res = fl.propagate_labels(X, np.where(known, y, None), k=3)
    idx = np.flatnonzero(known)
    hits = []
    for i in idx:
        rest = idx[idx != i]
        clf = KNeighborsClassifier(n_neighbors=3, weights=_exp_weights, metric="cosine", algorithm="brute")
        hits.append(clf.fit(X[rest], y[rest]).predict(X[[i]])[0] == y[i])
    assert res.estimated_accuracy == pytest.approx(np.mean(hits))
    assert res.params["accuracy_estimate"] == "leave-one-out"


@pytest.mark.model
def test_spreading_matches_sklearn_label_spreading(subset):
    X, y, known = subset
    res = fl.propagate_labels(X, np.where(known, y, None), method="spreading", k=7, random_state=0)
    classes = np.unique(y[known])
    codes = np.where(known, np.searchsorted(classes, y), -1)
    Xn = X / np.linalg.norm(X, axis=1, keepdims=True)
    ref = LabelSpreading(kernel="knn", n_neighbors=7, alpha=0.2, max_iter=200).fit(Xn, codes)
    assert res.predicted[~known].tolist() == classes[ref.transduction_[~known]].tolist()
    np.testing.assert_allclose(res.confidence[~known], ref.label_distributions_[~known].max(axis=1))
    assert (res.predicted[~known] == y[~known]).mean() > 0.75
    assert res.params["accuracy_estimate"] == "5-fold" and 0 <= res.estimated_accuracy <= 1


@pytest.mark.shared
@pytest.mark.model
@pytest.mark.parametrize(("method", "floor"), [("knn", 0.62), ("spreading", 0.6)])
def test_banking77_ten_percent_labels(shared_data, method, floor):
    """Full banking77 test split (77 intents x 40), 10% labelled: held-out accuracy."""
    df = pd.read_csv(shared_data / "banking77" / "test.csv")
    X = fl.embed(df["text"], show_progress=False)
    y = df["category"].to_numpy()
    known = _mask(len(y), 0.10, seed=0)
    res = fl.propagate_labels(X, np.where(known, y, None), method=method, random_state=0)
    hidden = ~known
    ok = res.predicted[hidden] == y[hidden]
    confident = res.confidence[hidden] >= 0.6
    assert ok.mean() > floor  # chance is 1/77; about 0.68 measured for both methods
    # confidence means something: the auto-accepted part is more accurate than the review queue
    assert ok[confident].mean() > ok.mean() > ok[~confident].mean()
    assert len(res.review_queue) == int((~confident).sum())
    # the estimate from the labelled rows alone is close to the truth on the hidden rows
    assert abs(res.estimated_accuracy - ok.mean()) < 0.1


def test_label_inputs_and_degenerate_cases():
    X = np.array([[1, 0], [0.9, 0.1], [0, 1], [0.1, 0.9], [0.95, 0.0], [0.0, 0.0]])
    for labels in (
        ["a", "a", "b", None, np.nan, ""],
        pd.Series(["a", "a", "b", None, None, None]),
        pl.Series(["a", "a", "b", None, None, None]),
    ):
        with pytest.warns(UserWarning, match="1 items have all-zero embeddings"):
            res = fl.propagate_labels(X, labels, k=2, min_confidence=0.9)
        assert res.predictions["source"].tolist() == ["label"] * 3 + ["propagated"] * 2 + ["none"]
        assert res.predicted.tolist() == ["a", "a", "b", "b", "a", None]
        assert res.review_queue["row"].tolist()[0] == 5  # no prediction: confidence 0, first in the queue
        assert res.classes == ("a", "b")
    with pytest.raises(ValueError, match="no labelled item"):
        fl.propagate_labels(X, [None] * 6)
    with pytest.raises(ValueError, match="labels has 2 entries but embeddings has 6 rows"):
        fl.propagate_labels(X, ["a", "b"])
    with pytest.raises(ValueError, match="method must be"):
        fl.propagate_labels(X, ["a"] * 6, method="svm")
    with pytest.raises(ValueError, match=r"NaN or inf in rows \[1\]"):
        fl.propagate_labels(np.array([[1.0, 0], [np.nan, 1]]), ["a", None])
    with pytest.warns(UserWarning, match="Only one class is labelled"):
        with pytest.warns(UserWarning, match="k=10 capped at 1"):
            res = fl.propagate_labels(X[:4], ["a", None, None, None])
    assert set(res.predicted) == {"a"} and np.isnan(res.estimated_accuracy)
    with pytest.warns(UserWarning, match="k=10 capped at 2"):
        fl.propagate_labels(X[:4], ["a", "b", None, None])


def test_result_is_frozen_and_deterministic():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(80, 4))
    labels = np.where(rng.random(80) < 0.3, np.where(X[:, 0] > 0, "pos", "neg"), None)
    a = fl.propagate_labels(X, labels, method="spreading", random_state=3)
    b = fl.propagate_labels(X, labels, method="spreading", random_state=3)
    pd.testing.assert_frame_equal(a.predictions, b.predictions)
    assert a.estimated_accuracy == b.estimated_accuracy and a.params["random_state"] == 3
    with pytest.raises(dataclasses.FrozenInstanceError):
        a.classes = ()
    assert "PropagationResult" in a._repr_html_() and a.to_frame().shape == (80, 5)
