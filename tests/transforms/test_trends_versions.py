"""feedback_trends, compare_versions and win_rate against hand-computed values and scipy/statsmodels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

import feedback_lab as fl
from feedback_lab.transforms._stats import wilson_interval


def _pd(df):
    return df if isinstance(df, pd.DataFrame) else df.to_pandas()


@pytest.fixture
def week_data(make_frame):
    # week of 2024-01-01 (Mon): t1..t4 ; week of 2024-01-08: t5..t6
    tr = make_frame({
        "trace_id": ["t1", "t2", "t3", "t4", "t5", "t6"],
        "timestamp": pd.to_datetime(["2024-01-01 09:00", "2024-01-03 00:00", "2024-01-07 23:59", "2024-01-02 00:00",
                                     "2024-01-08 00:00", "2024-01-10 00:00"], utc=True),
        "model": ["a", "a", "b", "b", "a", "b"],
    })
    fb = make_frame({
        "trace_id": ["t1", "t1", "t2", "t3", "t5", "t5", "t5"],
        "name": ["stars"] * 7,
        "value": [1.0, 5.0, 2.0, 4.0, 3.0, 1.0, 5.0],
        "annotator_kind": ["user"] * 7,
    })
    return tr, fb


def test_trends_hand_computed(week_data):
    tr, fb = week_data
    t = _pd(fl.feedback_trends(tr, fb, freq="1w"))
    assert list(t["period"]) == list(pd.to_datetime(["2024-01-01", "2024-01-08"], utc=True))
    assert str(t["period"].dt.tz) == "UTC"
    assert t["n_traces"].tolist() == [4, 2]
    assert t["n_feedback"].tolist() == [4, 3]
    assert t["n_negative"].tolist() == [2, 1]   # stars 1-5: 1 and 2 are negative
    assert t["negative_rate"].tolist() == pytest.approx([0.5, 1 / 3])
    assert t["mean_rating"].tolist() == pytest.approx([3.0, 3.0])
    assert t["coverage"].tolist() == pytest.approx([3 / 4, 1 / 2])
    smp = pytest.importorskip("statsmodels.stats.proportion")
    lo, hi = smp.proportion_confint([2, 1], [4, 3], method="wilson")
    np.testing.assert_allclose(t["negative_rate_low"], lo)
    np.testing.assert_allclose(t["negative_rate_high"], hi)
    assert list(t.columns) == ["period", "n_traces", "n_feedback", "n_negative", "negative_rate", "negative_rate_low",
                               "negative_rate_high", "mean_rating", "coverage"]


def test_trends_by_and_daily(week_data):
    tr, fb = week_data
    t = _pd(fl.feedback_trends(tr, fb, freq="1w", by="model"))
    assert t[["model", "n_traces", "n_negative"]].values.tolist() == [["a", 2, 2], ["b", 2, 0], ["a", 1, 1], ["b", 1, 0]]
    d = _pd(fl.feedback_trends(tr, fb, freq="D"))
    assert len(d) == 6 and d["period"].iloc[0] == pd.Timestamp("2024-01-01", tz="UTC")
    with pytest.raises(ValueError, match="not a duration"):
        fl.feedback_trends(tr, fb, freq="weekly")


def test_trends_filters_and_unknown_traces(week_data, make_frame):
    tr, fb = week_data
    fb2 = make_frame({"trace_id": ["t1", "zz"], "name": ["thumb", "thumb"], "value": [0.0, 0.0]})
    with pytest.warns(UserWarning, match="1 feedback row"):
        t = _pd(fl.feedback_trends(tr, fb2))
    assert t["n_feedback"].tolist() == [1, 0]
    assert np.isnan(t["negative_rate"].iloc[1]) and np.isnan(t["negative_rate_low"].iloc[1])
    t = _pd(fl.feedback_trends(tr, fb, name="nothing"))
    assert t["n_feedback"].sum() == 0 and (t["coverage"] == 0).all()


def test_trends_implicit_rate(week_data, make_frame):
    tr, fb = week_data
    ev = make_frame({"trace_id": ["t1", "t1", "t2", "t5"], "event": ["regenerate", "regenerate", "copy", "abandon"],
                     "timestamp": pd.to_datetime(["2024-01-01 09:01", "2024-01-01 09:02", "2024-01-03 00:00", "2024-01-08 00:01"], utc=True)})
    t = _pd(fl.feedback_trends(tr, fb, events=ev))
    # week 1: t1 negative (2 regenerations), t2 positive (copied) -> 1/2 ; week 2: t5 abandoned -> 1/1
    assert t["implicit_negative_rate"].tolist() == pytest.approx([0.5, 1.0])


def test_trends_naive_timestamps_are_utc(make_frame):
    tr = make_frame({"trace_id": ["a"], "timestamp": pd.to_datetime(["2024-03-06 12:00"])})
    fb = make_frame({"trace_id": ["a"], "name": ["thumb"], "value": [1.0]})
    t = _pd(fl.feedback_trends(tr, fb, freq="1mo"))
    assert t["period"].iloc[0] == pd.Timestamp("2024-03-01", tz="UTC")
    with pytest.raises(ValueError, match="must hold datetimes"):
        fl.feedback_trends(make_frame({"trace_id": ["a"], "timestamp": ["2024-01-01"]}), fb)


def test_compare_versions_semver_order_and_deltas(make_frame):
    versions = ["v1.10.0", "v1.9.0", "v1.9.0", "v2.0.0", "v1.10.0", "v2.0.0", "v1.2"]
    tr = make_frame({"trace_id": [f"t{i}" for i in range(7)], "prompt_version": versions,
                     "latency_ms": [100.0, 200.0, 300.0, 50.0, 150.0, 70.0, 10.0]})
    fb = make_frame({"trace_id": [f"t{i}" for i in range(7)], "name": "thumb",
                     "value": [1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 1.0]})
    v = _pd(fl.compare_versions(tr, fb))
    assert v["prompt_version"].tolist() == ["v1.2", "v1.9.0", "v1.10.0", "v2.0.0"]
    assert v["negative_rate"].tolist() == [0.0, 1.0, 0.5, 0.0]
    assert v["delta_negative_rate"].tolist()[1:] == [1.0, -0.5, -0.5] and np.isnan(v["delta_negative_rate"][0])
    assert v["mean_latency_ms"].tolist() == [10.0, 250.0, 125.0, 60.0]


def test_compare_versions_non_semver(make_frame):
    tr = make_frame({"trace_id": ["a", "b", "c", "d"], "prompt_version": ["prompt-12", "1.0.0", "prompt-3", None]})
    fb = make_frame({"trace_id": ["a"], "name": ["thumb"], "value": [1.0]})
    with pytest.warns(UserWarning, match="not semantic versions"):
        v = _pd(fl.compare_versions(tr, fb))
    assert v["prompt_version"].tolist()[:3] == ["1.0.0", "prompt-3", "prompt-12"]
    assert v["prompt_version"].isna().tolist()[3]


@pytest.mark.parametrize(("a", "b", "t"), [(7, 2, 1), (30, 30, 5), (0, 4, 0), (12, 3, 9)])
def test_win_rate_hand_computed(make_frame, a, b, t):
    pw = make_frame({"winner": ["A"] * a + ["model_b"] * b + ["tie"] * t})
    half = _pd(fl.win_rate(pw, ties="half")).iloc[0]
    n = a + b + t
    assert half["win_rate"] == pytest.approx((a + t / 2) / n)
    lo, hi = wilson_interval(a + t / 2, n)
    assert (half["win_rate_low"], half["win_rate_high"]) == pytest.approx((float(lo), float(hi)))
    assert half["p_value"] == pytest.approx(stats.binomtest(a, a + b, 0.5).pvalue)
    assert (half["wins_a"], half["wins_b"], half["ties"], half["n"]) == (a, b, t, n)
    ex = _pd(fl.win_rate(pw, ties="exclude", interval="exact")).iloc[0]
    assert ex["win_rate"] == pytest.approx(a / (a + b))
    smp = pytest.importorskip("statsmodels.stats.proportion")
    assert (ex["win_rate_low"], ex["win_rate_high"]) == pytest.approx(smp.proportion_confint(a, a + b, method="beta"))
    wil = _pd(fl.win_rate(pw, ties="exclude")).iloc[0]
    assert (wil["win_rate_low"], wil["win_rate_high"]) == pytest.approx(smp.proportion_confint(a, a + b, method="wilson"))


def test_win_rate_position_bias_and_groups(make_frame):
    # the option shown first wins 18 of 20 decisive judgments, whichever it is
    first = ["a"] * 10 + ["b"] * 10
    winner = ["a"] * 9 + ["b"] + ["b"] * 9 + ["a"]
    pw = make_frame({"winner": winner, "presented_first": first, "model_a": "x", "model_b": "y"})
    with pytest.warns(UserWarning, match="position bias"):
        r = _pd(fl.win_rate(pw)).iloc[0]
    assert r["model_a"] == "x" and r["first_win_rate"] == pytest.approx(0.9)
    assert r["position_p_value"] == pytest.approx(stats.binomtest(18, 20, 0.5).pvalue)
    assert bool(r["position_bias"]) and r["win_rate"] == pytest.approx(0.5)
    pw2 = make_frame({"winner": ["a", "b", "a", "b"], "a_position": ["first", "first", "second", "second"]})
    r2 = _pd(fl.win_rate(pw2)).iloc[0]
    assert r2["first_win_rate"] == pytest.approx(0.5) and not bool(r2["position_bias"])
    none = _pd(fl.win_rate(make_frame({"winner": ["a"]}))).iloc[0]
    assert np.isnan(none["first_win_rate"]) and pd.isna(none["position_bias"])
    with pytest.raises(ValueError, match="a/b/tie"):
        fl.win_rate(make_frame({"winner": ["a", "c"]}))
