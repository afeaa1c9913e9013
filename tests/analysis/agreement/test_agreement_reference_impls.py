"""Every statistic against scikit-learn, scipy and the krippendorff package (1e-9)."""

from __future__ import annotations

import krippendorff
import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats
from sklearn.metrics import (
    cohen_kappa_score,
    f1_score,
    matthews_corrcoef,
    precision_score,
    recall_score,
)

import feedback_lab as fl

TOL = 1e-9


def _data(seed, n=200, k=5, missing=0.0):
    rng = np.random.default_rng(seed)
    h = rng.integers(1, k + 1, n)
    j = np.clip(h + rng.integers(-1, 2, n), 1, k)
    return pd.DataFrame({"judge": j, "human": h, "seg": rng.choice(["a", "b"], n)})


def _row(res, segment="overall"):
    t = res.table if isinstance(res.table, pd.DataFrame) else res.table.to_pandas()
    return t.set_index("segment").loc[segment]


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval"])
def test_two_rater_statistics_match_libraries(seed, level):
    df = _data(seed)
    codes_j, codes_h = df["judge"].to_numpy(), df["human"].to_numpy()
    df["human"] = df["human"] ** 1.5 + 0.25  # unequally spaced values: they matter for interval
    df["judge"] = df["judge"] ** 1.5 + 0.25
    row = _row(fl.agreement(df, judge_col="judge", human_col="human", level=level, n_boot=0))
    j, h = df["judge"].to_numpy(), df["human"].to_numpy()
    assert abs(row["percent_agreement"] - np.mean(j == h)) < TOL
    assert abs(row["cohen_kappa"] - cohen_kappa_score(codes_h, codes_j)) < TOL
    ka = krippendorff.alpha(np.vstack([j, h]), level_of_measurement=level)
    assert abs(row["krippendorff_alpha"] - ka) < TOL
    if level != "nominal":
        assert abs(row["cohen_kappa_linear"] - cohen_kappa_score(codes_h, codes_j, weights="linear")) < TOL
        assert abs(row["cohen_kappa_quadratic"] - cohen_kappa_score(codes_h, codes_j, weights="quadratic")) < TOL
        assert abs(row["spearman"] - stats.spearmanr(j, h).statistic) < TOL
        assert abs(row["kendall_tau_b"] - stats.kendalltau(j, h).statistic) < TOL
        assert abs(row["pearson"] - stats.pearsonr(j, h).statistic) < TOL
        assert abs(row["mae"] - np.mean(np.abs(j - h))) < TOL


def test_binary_metrics_on_failing_class():
    rng = np.random.default_rng(3)
    h = rng.choice(["pass", "fail"], 300, p=[0.7, 0.3])
    j = np.where(rng.random(300) < 0.8, h, rng.choice(["pass", "fail"], 300))
    row = _row(fl.agreement(pd.DataFrame({"judge": j, "human": h}), judge_col="judge", human_col="human", n_boot=0))
    yt, yp = h == "fail", j == "fail"
    assert abs(row["precision"] - precision_score(yt, yp)) < TOL
    assert abs(row["recall"] - recall_score(yt, yp)) < TOL
    assert abs(row["tnr"] - recall_score(~yt, ~yp)) < TOL
    assert abs(row["f1"] - f1_score(yt, yp)) < TOL
    assert abs(row["mcc"] - matthews_corrcoef(yt, yp)) < TOL
    assert abs(row["cohen_kappa"] - cohen_kappa_score(h, j)) < TOL


def test_segments_match_per_segment_reference():
    df = _data(4, n=400)
    res = fl.agreement(df, judge_col="judge", human_col="human", level="ordinal", by="seg", n_boot=0)
    for seg in ["a", "b"]:
        sub = df[df["seg"] == seg]
        row = _row(res, seg)
        assert row["n"] == len(sub)
        assert abs(row["cohen_kappa_quadratic"] - cohen_kappa_score(sub.human, sub.judge, weights="quadratic")) < TOL


@pytest.mark.parametrize("n", [150, 3000])
def test_continuous_scores_kendall_and_correlations(n):
    rng = np.random.default_rng(5)
    h = rng.normal(size=n)
    j = h + rng.normal(size=n)
    res = fl.agreement(pd.DataFrame({"judge": j, "human": h}), judge_col="judge", human_col="human",
                       level="interval", n_boot=50, random_state=0)
    row = _row(res)
    assert abs(row["pearson"] - stats.pearsonr(j, h).statistic) < TOL
    assert abs(row["spearman"] - stats.spearmanr(j, h).statistic) < TOL
    assert abs(row["kendall_tau_b"] - stats.kendalltau(j, h).statistic) < TOL
    if n < 1000:  # the krippendorff package needs units x values^2 memory
        ref = krippendorff.alpha(np.vstack([j, h]), level_of_measurement="interval")
        assert abs(row["krippendorff_alpha"] - ref) < TOL
        assert np.isfinite(row["kendall_tau_b_low"])
    else:
        assert "kendall_tau_b: no interval" in row["notes"]
    assert np.isfinite(row["pearson_low"]) and row["pearson_low"] < row["pearson"] < row["pearson_high"]


@pytest.mark.parametrize("level", ["nominal", "ordinal", "interval", "ratio"])
def test_multirater_alpha_with_missing_matches_krippendorff(level):
    rng = np.random.default_rng(6)
    data = rng.integers(1, 6, size=(4, 80)).astype(float)
    data[rng.random(data.shape) < 0.25] = np.nan
    recs = [(u, f"r{r}", data[r, u]) for r in range(4) for u in range(80) if not np.isnan(data[r, u])]
    long = pl.DataFrame(recs, schema=["item", "rater", "label"], orient="row")
    res = fl.inter_rater(long, item_col="item", rater_col="rater", label_col="label", level=level, n_boot=0)
    est = dict(zip(res.table["statistic"], res.table["estimate"], strict=True))
    assert abs(est["krippendorff_alpha"] - krippendorff.alpha(data, level_of_measurement=level)) < TOL
    assert abs(fl.krippendorff_alpha(data, level=level) - krippendorff.alpha(data, level_of_measurement=level)) < TOL


def test_multirater_continuous_interval_alpha():
    rng = np.random.default_rng(7)
    data = rng.normal(size=(3, 120))  # > 100 distinct values: the moments path
    data[rng.random(data.shape) < 0.2] = np.nan
    ref = krippendorff.alpha(data, level_of_measurement="interval")
    assert abs(fl.krippendorff_alpha(data, level="interval") - ref) < TOL


def test_pairwise_matrix_matches_sklearn():
    rng = np.random.default_rng(8)
    wide = pd.DataFrame({r: rng.integers(0, 3, 150) for r in ["a", "b", "c"]})
    wide.loc[::7, "b"] = np.nan
    res = fl.inter_rater(wide, rater_cols=["a", "b", "c"], n_boot=0)
    ok = wide["b"].notna()
    assert abs(res.matrix[0, 1] - cohen_kappa_score(wide.a[ok], wide.b[ok])) < TOL
    assert abs(res.matrix[0, 2] - cohen_kappa_score(wide.a, wide.c)) < TOL


labels = st.lists(st.integers(0, 4), min_size=2, max_size=60)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_properties_bounds_identity_permutation(data):
    x = data.draw(labels)
    y = data.draw(st.lists(st.integers(0, 4), min_size=len(x), max_size=len(x)))
    df = pd.DataFrame({"judge": x, "human": y})
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        row = _row(fl.agreement(df, judge_col="judge", human_col="human", level="ordinal", n_boot=0))
        perm = np.random.default_rng(len(x)).permutation(len(x))
        row_p = _row(fl.agreement(df.iloc[perm], judge_col="judge", human_col="human", level="ordinal", n_boot=0))
        same = _row(fl.agreement(pd.DataFrame({"judge": x, "human": x}), judge_col="judge", human_col="human",
                                 level="ordinal", n_boot=0))
    for s in ["cohen_kappa", "cohen_kappa_quadratic", "krippendorff_alpha", "gwet_ac1", "spearman", "kendall_tau_b"]:
        v = row[s]
        assert np.isnan(v) or -1 - 1e-9 <= v <= 1 + 1e-9
        assert (np.isnan(v) and np.isnan(row_p[s])) or abs(v - row_p[s]) < 1e-9
    if len(set(x)) > 1:
        for s in ["percent_agreement", "cohen_kappa", "krippendorff_alpha", "gwet_ac1", "spearman", "pearson"]:
            assert abs(same[s] - 1) < 1e-12
