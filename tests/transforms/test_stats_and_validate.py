"""Wilson intervals against statsmodels and Newcombe (1998); edit distance; validate_feedback."""

from __future__ import annotations

import doctest
import importlib

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import feedback_lab as fl
from feedback_lab.transforms._negative import infer_scale, negative_mask
from feedback_lab.transforms._stats import edit_distance, normalized_edit_distance, wilson_interval


@pytest.mark.parametrize(("k", "n", "lo", "hi"), [
    # Newcombe (1998) Stat Med 17:857-872, Table I, method 3 (Wilson score, no continuity correction)
    (81, 263, 0.2553, 0.3662),
    (15, 148, 0.0624, 0.1605),
    (0, 20, 0.0, 0.1611),
    (1, 29, 0.0061, 0.1718),
])
def test_wilson_published(k, n, lo, hi):
    got = wilson_interval(k, n)
    assert float(got[0]) == pytest.approx(lo, abs=5e-5)
    assert float(got[1]) == pytest.approx(hi, abs=5e-5)


def test_wilson_matches_statsmodels():
    smp = pytest.importorskip("statsmodels.stats.proportion")
    rng = np.random.default_rng(0)
    n = rng.integers(1, 500, size=200)
    k = rng.integers(0, n + 1)
    lo, hi = wilson_interval(k, n)
    ref_lo, ref_hi = smp.proportion_confint(k, n, alpha=0.05, method="wilson")
    np.testing.assert_allclose(lo, ref_lo, atol=1e-12)
    np.testing.assert_allclose(hi, ref_hi, atol=1e-12)
    lo90, _ = wilson_interval(k, n, confidence=0.9)
    np.testing.assert_allclose(lo90, smp.proportion_confint(k, n, alpha=0.1, method="wilson")[0], atol=1e-12)
    assert np.isnan(wilson_interval(0, 0)[0])


def _lev(a: str, b: str) -> int:
    d = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        prev, d[0] = d[:], i
        for j, cb in enumerate(b, 1):
            d[j] = min(prev[j] + 1, d[j - 1] + 1, prev[j - 1] + (ca != cb))
    return d[-1]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=12), st.text(max_size=12))
def test_edit_distance_matches_textbook_dp(a, b):
    assert edit_distance(a, b) == _lev(a, b)
    assert 0 <= normalized_edit_distance(a, b) <= 1


def test_negative_rule_of_contributing():
    fb = pd.DataFrame({"name": ["thumb"] * 2 + ["stars"] * 5 + ["verdict"] * 2 + ["lbl"] * 7,
                       "value": [0, 1, 1, 2, 3, 4, 5, 0, 1] + [None] * 7,
                       "label": [None] * 9 + ["fail", "Bad", "thumbs down", "negative", "incorrect", "no", "great"]})
    assert negative_mask(fb).tolist() == [True, False, True, True, False, False, False, True, False] + [True] * 6 + [False]
    assert infer_scale([3, 4, 5]) == (1.0, 5.0) and infer_scale([0.2, 0.9]) == (0.0, 1.0)
    assert infer_scale([0, 7, 10]) == (0.0, 10.0)
    tox = pd.DataFrame({"name": ["tox", "tox"], "value": [0.9, 0.1]})
    assert negative_mask(tox, configs=[fl.FeedbackConfig("tox", min=0, max=1, direction="minimize")]).tolist() == [True, False]


def test_validate_feedback_reasons(make_frame):
    fb = make_frame({
        "trace_id": ["t1", "t2", "t3", "t4", "t5", "t1", "t6", "t7", "t8"],
        "name": ["rating", "rating", "issue", "note", "note", "rating", "verdict", "unknown", "rating"],
        "value": [4.0, 7.0, None, None, None, 2.0, 1.0, 1.0, 3.0],
        "label": [None, None, "formatt", None, None, None, "pass", None, None],
        "comment": [None, None, None, "", "a" * 30, None, None, None, None],
        "annotator": ["ann", "ann", "ann", "ann", "ann", "ann", "ann", "ann", None],
    })
    configs = {c.name: c for c in [fl.FeedbackConfig("rating", min=1, max=5), fl.FeedbackConfig("verdict", "boolean"),
                                   fl.FeedbackConfig("issue", "categorical", labels=["format", "hallucination"]),
                                   fl.FeedbackConfig("note", "text", max_length=20)]}
    valid, invalid = fl.validate_feedback(fb, configs)
    assert list(valid["trace_id"]) == ["t1", "t6", "t8"]
    reasons = dict(zip(invalid["trace_id"], invalid["reason"], strict=True))
    assert list(invalid["trace_id"]) == ["t2", "t3", "t4", "t5", "t1", "t7"]
    assert reasons["t2"].startswith("out of range")
    assert reasons["t3"].startswith("unknown label") and "Did you mean 'format'" in reasons["t3"]
    assert reasons["t4"].startswith("empty text")
    assert reasons["t5"].startswith("text too long")
    assert reasons["t1"].startswith("duplicate")
    assert reasons["t7"].startswith("unknown feedback name")
    assert len(valid) + len(invalid) == len(fb)
    assert list(invalid.columns) == [*fb.columns, "reason"]
    v2, _ = fl.validate_feedback(fb, list(configs.values()), unknown="valid")
    assert "t7" in list(v2["trace_id"])


def test_validate_feedback_bad_configs(make_frame):
    fb = make_frame({"trace_id": ["t1"], "name": ["r"], "value": [1.0]})
    with pytest.raises(TypeError, match="FeedbackConfig"):
        fl.validate_feedback(fb, ["rating"])


@pytest.mark.parametrize("module", [
    "feedback_lab._configs", "feedback_lab.transforms._stats", "feedback_lab.transforms._negative",
    "feedback_lab.transforms._validate", "feedback_lab.transforms._implicit", "feedback_lab.transforms._trends",
    "feedback_lab.transforms._sampling", "feedback_lab.transforms._balance", "feedback_lab.transforms._datasets",
    "feedback_lab.transforms._preferences", "feedback_lab.transforms._scores", "feedback_lab.transforms._versions",
])
def test_doctests(module):
    res = doctest.testmod(importlib.import_module(module), optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert res.failed == 0 and res.attempted > 0
