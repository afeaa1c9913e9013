"""Behaviour of the public agreement API: frames, segments, degenerate input, audits, meets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

import feedback_lab as fl
from feedback_lab.analysis.agreement._boot import AgreementWarning
from feedback_lab.exceptions import ColumnNotFoundError


def _frame(n=120, seed=0):
    rng = np.random.default_rng(seed)
    h = rng.choice(["pass", "fail"], n, p=[0.6, 0.4])
    j = np.where(rng.random(n) < 0.85, h, np.where(h == "pass", "fail", "pass"))
    return {"judge": j, "human": h, "task": rng.choice(["qa", "code"], n)}


def test_kind_follows_input(make_frame, backend):
    res = fl.agreement(make_frame(_frame()), judge_col="judge", human_col="human", by="task", n_boot=100,
                       random_state=0)
    assert type(res.table).__module__.split(".")[0] == backend
    assert type(res.to_frame(long=True)).__module__.split(".")[0] == backend
    t = res.table if backend == "pandas" else res.table.to_pandas()
    assert list(t["segment"]) == ["overall", "code", "qa"]
    assert t["n"].iloc[0] == t["n"].iloc[1:].sum()
    assert res.params["random_state"] == 0 and res.params["positive_label"] == "fail"
    assert "<b>AgreementResult</b>" in res._repr_html_()
    assert res.confusion_matrix().to_numpy().sum() == 120


def test_input_not_mutated_and_reproducible():
    df = pd.DataFrame(_frame())
    before = df.copy()
    a = fl.agreement(df, judge_col="judge", human_col="human", n_boot=200, random_state=3).table
    b = fl.agreement(df, judge_col="judge", human_col="human", n_boot=200, random_state=3).table
    pd.testing.assert_frame_equal(df, before)
    pd.testing.assert_frame_equal(a, b)
    row = a.iloc[0]
    assert row["cohen_kappa_low"] < row["cohen_kappa"] < row["cohen_kappa_high"]


def test_missing_column_suggests():
    with pytest.raises(ColumnNotFoundError, match="Did you mean 'human'"):
        fl.agreement(pd.DataFrame(_frame()), judge_col="judge", human_col="humam")


def test_single_label_is_nan_with_reason_not_crash():
    df = pd.DataFrame({"judge": ["pass"] * 10, "human": ["pass"] * 10})
    with pytest.warns(AgreementWarning, match="undefined"):
        res = fl.agreement(df, judge_col="judge", human_col="human", n_boot=50, random_state=0)
    row = res.table.iloc[0]
    assert row["percent_agreement"] == 1.0
    assert np.isnan(row["cohen_kappa"]) and np.isnan(row["krippendorff_alpha"])
    assert "only the label 'pass'" in row["notes"]


def test_n_below_two_and_missing_rows():
    df = pd.DataFrame({"judge": [1, None, 2], "human": [1, 2, None]})
    with pytest.warns(AgreementWarning) as rec:
        res = fl.agreement(df, judge_col="judge", human_col="human", level="ordinal", n_boot=20)
    msgs = " ".join(str(w.message) for w in rec)
    assert "2 of 3 rows have a missing" in msgs
    row = res.table.iloc[0]
    assert row["n"] == 1 and row["n_missing"] == 2
    assert "n=1 < 2" in row["notes"]


def test_small_segment_warns_with_n():
    df = pd.DataFrame(_frame(60))
    df.loc[:4, "task"] = "rare"
    with pytest.warns(AgreementWarning, match=r"'rare' has only n=5"):
        fl.agreement(df, judge_col="judge", human_col="human", by="task", n_boot=50, random_state=0)


def test_ordinal_text_needs_labels_and_interval_needs_numbers():
    df = pd.DataFrame({"judge": ["low", "high", "mid"], "human": ["low", "mid", "mid"]})
    with pytest.raises(ValueError, match="labels="):
        fl.agreement(df, judge_col="judge", human_col="human", level="ordinal")
    with pytest.raises(ValueError, match="numeric"):
        fl.agreement(df, judge_col="judge", human_col="human", level="interval")
    res = fl.agreement(df, judge_col="judge", human_col="human", level="ordinal", labels=["low", "mid", "high"],
                       n_boot=0)
    assert res.table["mae"].iloc[0] == pytest.approx(1 / 3)


def test_meets_interval_aware_verdicts():
    df = pd.DataFrame(_frame(400, seed=2))
    res = fl.agreement(df, judge_col="judge", human_col="human", n_boot=300, random_state=0)
    k = res.table["cohen_kappa"].iloc[0]
    lo, hi = res.table["cohen_kappa_low"].iloc[0], res.table["cohen_kappa_high"].iloc[0]
    out = fl.meets(res, min_kappa=lo - 0.05, min_corr=None)
    assert out["verdict"].tolist() == ["pass"]
    assert fl.meets(res, min_kappa=hi + 0.01, min_corr=None)["verdict"].tolist() == ["fail"]
    assert fl.meets(res, min_kappa=k, min_corr=None)["verdict"].tolist() == ["inconclusive"]
    na = fl.meets(res, min_kappa=None)  # default min_corr=0.8 on nominal labels
    assert na["verdict"].tolist() == ["not applicable"]


def test_corrected_pass_rate_recovers_truth():
    rng = np.random.default_rng(0)
    tpr, tnr, true_pass = 0.9, 0.8, 0.6
    def judge(truth):
        flip = np.where(truth == "fail", rng.random(len(truth)) > tpr, rng.random(len(truth)) > tnr)
        return np.where(flip, np.where(truth == "fail", "pass", "fail"), truth)
    unl_truth = np.where(rng.random(20000) < true_pass, "pass", "fail")
    lab_truth = np.where(rng.random(2000) < 0.5, "pass", "fail")
    lab = pl.DataFrame({"judge": judge(lab_truth), "human": lab_truth})
    res = fl.corrected_pass_rate(judge(unl_truth), lab, n_boot=500, random_state=1)
    assert res.ci_low < true_pass < res.ci_high
    assert abs(res.observed_pass_rate - true_pass) > 0.05  # the raw rate is biased
    assert isinstance(res.table, pl.DataFrame)


def test_corrected_pass_rate_undefined_and_clipped():
    lab = pd.DataFrame({"judge": ["pass", "fail", "pass", "fail"], "human": ["fail", "pass", "pass", "fail"]})
    with pytest.warns(AgreementWarning, match="<= 0"):
        res = fl.corrected_pass_rate(["pass", "fail"], lab, n_boot=50)
    assert np.isnan(res.estimate) and "TPR + TNR - 1" in res.reason
    lab = pd.DataFrame({"judge": ["pass"] * 9 + ["fail"] * 1 + ["fail"] * 10,
                        "human": ["pass"] * 10 + ["fail"] * 10})
    res = fl.corrected_pass_rate(["pass"] * 99 + ["fail"], lab, n_boot=100, random_state=0)
    assert res.estimate == 1.0 and res.clipped and "clipped" in res.reason


def test_disagreements_sorted_by_severity():
    df = pd.DataFrame({"j": [1, 5, 3, 2, 4], "h": [1, 1, 4, 2, 2], "conf": [0.9, 0.2, 0.8, 0.5, 0.99]})
    out = fl.disagreements(df, judge_col="j", human_col="h", level="ordinal", confidence_col="conf")
    assert out["distance"].tolist() == [4.0, 2.0, 1.0]
    assert out.index.tolist() == [1, 4, 2]


def test_audit_sample_strategies(make_frame):
    rng = np.random.default_rng(0)
    n = 500
    judge = rng.choice(["pass", "fail"], n)
    human = np.where(rng.random(n) < 0.5, judge, None).astype(object)
    human[(judge == "fail") & (rng.random(n) < 0.3)] = "pass"  # fail verdicts disagree more
    human[:250] = None
    df = make_frame({"judge": judge, "human": human, "conf": rng.random(n)})
    r = fl.audit_sample(df, frac=0.1, random_state=0)
    assert len(r) == 50
    u = fl.audit_sample(df, frac=0.1, strategy="uncertain", confidence_col="conf")
    conf = u["conf"].to_list()
    assert conf == sorted(conf) and max(conf) <= np.sort(np.asarray(df["conf"]))[49]
    d = fl.audit_sample(df, frac=0.1, strategy="disagreement-prone", judge_col="judge", human_col="human",
                        random_state=0)
    assert len(d) == 50 and all(pd.isna(v) for v in d["human"].to_list())
    with pytest.raises(TypeError, match="confidence_col"):
        fl.audit_sample(df, strategy="uncertain")


def test_judge_vs_humans_long_frame():
    rng = np.random.default_rng(1)
    truth = rng.integers(1, 6, 300)
    recs = []
    for r, noise in [("h1", 0.2), ("h2", 0.2), ("h3", 0.2), ("llm", 0.6)]:
        lab = np.where(rng.random(300) < noise, rng.integers(1, 6, 300), truth)
        recs += [{"item": i, "rater": r, "label": int(v)} for i, v in enumerate(lab)]
    res = fl.judge_vs_humans(pl.DataFrame(recs), judge="llm", item_col="item", rater_col="rater",
                             label_col="label", n_boot=300, random_state=0)
    t = res.table.to_pandas()
    assert t["left_out"].tolist() == ["h1", "h2", "h3", "mean"]
    assert (t["difference"] < 0).all() and t["verdict"].iloc[-1] == "judge agrees less than the human"
    assert set(res.pairwise["kind"].to_list()) == {"judge-human", "human-human"}
    with pytest.raises(ValueError, match="Did you mean 'llm'"):
        fl.judge_vs_humans(pl.DataFrame(recs), judge="lm", item_col="item", rater_col="rater", label_col="label")


def test_inter_rater_duplicate_ratings_error():
    df = pd.DataFrame({"item": [1, 1, 2], "rater": ["a", "a", "a"], "label": [1, 2, 1]})
    with pytest.raises(ValueError, match="same \\(item, rater\\)"):
        fl.inter_rater(df, item_col="item", rater_col="rater", label_col="label")
