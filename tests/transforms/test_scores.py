"""composite_score, check_thresholds and detect_regressions (noise vs real drops; scipy references)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import feedback_lab as fl


def _pd(df):
    return df if isinstance(df, pd.DataFrame) else df.to_pandas()


def test_composite_hand_computed(make_frame):
    m = make_frame({"accuracy": [0.9, 0.8, None], "toxicity": [0.1, 0.3, 0.0], "stars": [5.0, 1.0, 3.0]})
    out = _pd(fl.composite_score(m, {"accuracy": 2, "toxicity": 1, "stars": 1}, {"toxicity": "minimize"},
                                 ranges={"stars": (1, 5)}))
    assert out["composite_score"].tolist()[:2] == pytest.approx([(2 * 0.9 + 0.9 + 1.0) / 4, (2 * 0.8 + 0.7 + 0.0) / 4])
    assert np.isnan(out["composite_score"].iloc[2])
    with pytest.warns(UserWarning, match="min-max"):
        mm = _pd(fl.composite_score(m, {"stars": 1}))
    assert mm["composite_score"].tolist() == pytest.approx([1.0, 0.0, 0.5])
    with pytest.raises(ValueError, match="non-negative"):
        fl.composite_score(m, {"accuracy": -1})
    with pytest.raises(ValueError, match="Did you mean 'toxicity'"):
        fl.composite_score(m, {"toxicity": 1}, {"toxicty": "minimize"})


def test_check_thresholds(make_frame):
    m = make_frame({"accuracy": [0.7, 0.9], "toxicity": [0.02, 0.04], "task": ["qa", "chat"]})
    t = _pd(fl.check_thresholds(m, {"accuracy": 0.8, "toxicity": "< 0.05"}))
    assert t[["metric", "value", "op", "threshold", "passed"]].values.tolist() == [
        ["accuracy", pytest.approx(0.8), ">=", 0.8, True], ["toxicity", pytest.approx(0.03), "<", 0.05, True]]
    g = _pd(fl.check_thresholds(m, {"accuracy": {"min": 0.8, "max": 0.95}}, by="task"))
    assert g[["task", "op", "passed"]].values.tolist() == [["chat", ">=", True], ["chat", "<=", True],
                                                          ["qa", ">=", False], ["qa", "<=", True]]
    d = fl.check_thresholds({"accuracy": float("nan")}, {"accuracy": ("<=", 1)}, backend="pandas")
    assert d["passed"].tolist() == [False]
    with pytest.raises(ValueError, match="threshold for 'accuracy'"):
        fl.check_thresholds({"accuracy": 1.0}, {"accuracy": "about 0.8"})
    with pytest.raises(KeyError, match="Available metrics"):
        fl.check_thresholds({"acc": 1.0}, {"accuracy": 0.8})


def test_noise_on_small_samples_is_not_flagged(make_frame):
    # 17/20 -> 15/20 passes: a 11.8% relative drop, but Fisher's exact test cannot tell it from noise
    base = make_frame({"passed": [True] * 17 + [False] * 3, "rating": [4.0, 5.0] * 10})
    cand = make_frame({"passed": [True] * 15 + [False] * 5, "rating": [4.0, 4.5] * 10})
    r = _pd(fl.detect_regressions(base, cand)).set_index("metric")
    assert r.loc["passed", "relative_change"] == pytest.approx(15 / 20 / (17 / 20) - 1)
    assert r.loc["passed", "p_value"] == pytest.approx(
        stats.fisher_exact([[17, 3], [15, 5]], alternative="greater").pvalue)
    assert not r.loc["passed", "regressed"]
    assert r.loc["passed", "kind"] == "boolean" and r.loc["passed", "test"] == "fisher_exact"
    assert r.loc["rating", "p_value"] == pytest.approx(
        stats.ttest_ind([4.0, 4.5] * 10, [4.0, 5.0] * 10, equal_var=False, alternative="less").pvalue)
    # rating mean 4.5 -> 4.25 is a 5.6% drop with p ~ 0.002: flagged
    assert r.loc["rating", "regressed"]


def test_real_drop_is_flagged_and_small_drop_is_not(make_frame):
    rng = np.random.default_rng(1)
    base = make_frame({"passed": rng.random(400) < 0.9, "latency_ms": rng.normal(1000, 100, 400)})
    cand = make_frame({"passed": rng.random(400) < 0.7, "latency_ms": rng.normal(1300, 100, 400)})
    r = _pd(fl.detect_regressions(base, cand, directions={"latency_ms": "minimize"})).set_index("metric")
    assert r.loc["passed", "regressed"] and r.loc["passed", "p_value"] < 1e-6
    assert r.loc["latency_ms", "regressed"] and r.loc["latency_ms", "relative_change"] > 0.2
    # significant but smaller than max_drop: not flagged
    big = make_frame({"score": np.r_[np.full(5000, 0.90), np.full(5000, 0.92)]})
    small = make_frame({"score": np.r_[np.full(5000, 0.89), np.full(5000, 0.91)]})
    s = _pd(fl.detect_regressions(big, small)).iloc[0]
    assert s["p_value"] < 0.05 and not s["regressed"]
    # an improvement is never a regression
    up = _pd(fl.detect_regressions(cand, base, directions={"latency_ms": "minimize"}))
    assert not up["regressed"].any()


def test_bootstrap_and_degenerate(make_frame):
    rng = np.random.default_rng(2)
    base = make_frame({"score": rng.normal(0.8, 0.05, 200)})
    cand = make_frame({"score": rng.normal(0.6, 0.05, 200)})
    r = _pd(fl.detect_regressions(base, cand, test="bootstrap", random_state=0, n_resamples=2000)).iloc[0]
    assert r["test"] == "bootstrap" and r["regressed"] and r["p_value"] < 0.01
    noise = _pd(fl.detect_regressions(make_frame({"score": [0.8, 0.9, 0.7]}), make_frame({"score": [0.7, 0.8, 0.75]}),
                                      test="bootstrap", random_state=0)).iloc[0]
    assert not noise["regressed"]
    one = _pd(fl.detect_regressions(make_frame({"score": [1.0]}), make_frame({"score": [0.0]}))).iloc[0]
    assert np.isnan(one["p_value"]) and not one["regressed"]
    zero = _pd(fl.detect_regressions(make_frame({"halluc": [0.0] * 50}), make_frame({"halluc": [0.0] * 30 + [1.0] * 20}),
                                     directions={"halluc": "minimize"})).iloc[0]
    assert np.isinf(zero["relative_change"]) and zero["regressed"]
    with pytest.warns(UserWarning, match="only one of the frames"):
        fl.detect_regressions(make_frame({"a": [1.0, 2.0], "b": [1.0, 1.0]}), make_frame({"a": [1.0, 2.0]}))
    with pytest.raises(ValueError, match="no numeric or boolean column"):
        fl.detect_regressions(make_frame({"x": ["a"]}), make_frame({"x": ["b"]}))
