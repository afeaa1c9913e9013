"""similarity_alerts, convert_similarity, calibrate_threshold and metric_alerts."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import chi2_contingency, norm, ttest_ind
from sklearn.metrics import roc_curve

import feedback_lab as fl

# a known set: unit vectors at chosen angles to (1, 0); cosine = cos(angle)
COS = np.array([1.0, 0.95, 0.85, 0.75, 0.7, 0.65, 0.5, 0.0, -0.4])


def _known_set(make_frame):
    a = np.tile([1.0, 0.0], (len(COS), 1))
    b = np.c_[COS, np.sqrt(1 - COS**2)]
    traces = make_frame({"trace_id": [f"t{i}" for i in range(len(COS))],
                         "output": [f"out {i}" for i in range(len(COS))],
                         "reference": [f"ref {i}" for i in range(len(COS))]})
    return traces, (a, b)


@pytest.mark.parametrize(("scale", "threshold"), [("cosine", 0.7), ("cosine", 0.0), ("evidently", 0.85),
                                                  ("evidently", 0.9), ("autoevals", 0.5), ("autoevals", 0.0)])
def test_alerts_are_exactly_the_rows_below_threshold(make_frame, scale, threshold):
    traces, emb = _known_set(make_frame)
    expected_scores = {"cosine": COS, "evidently": (1 + COS) / 2,  # Evidently SemanticSimilarity
                       "autoevals": np.maximum((COS - 0.7) / 0.3, 0)}[scale]  # autoevals EmbeddingSimilarity
    alerts = fl.similarity_alerts(traces, threshold=threshold, scale=scale, embeddings=emb)
    out = alerts if isinstance(alerts, pd.DataFrame) else alerts.to_pandas()
    expected = {f"t{i}" for i in np.flatnonzero(expected_scores < threshold)}
    assert set(out["trace_id"]) == expected
    np.testing.assert_allclose(sorted(out["similarity"]), sorted(expected_scores[expected_scores < threshold]),
                               atol=1e-12)
    assert list(out.columns) == ["trace_id", "similarity", "threshold", "scale", "a", "b"]
    assert (out["similarity"].diff().dropna() >= 0).all()  # lowest first
    if len(out):
        row = out[out["trace_id"] == "t8"]
        assert row["a"].iloc[0] == "out 8" and row["b"].iloc[0] == "ref 8"


def test_cosine_07_means_085_for_evidently_and_0_for_autoevals():
    assert fl.convert_similarity(0.7, to_scale="evidently") == pytest.approx(0.85)
    assert fl.convert_similarity(0.7, to_scale="autoevals") == 0.0


@given(st.floats(-1, 1))
def test_round_trip_through_evidently(cos):
    back = fl.convert_similarity(fl.convert_similarity(cos, to_scale="evidently"), from_scale="evidently")
    assert back == pytest.approx(cos, abs=1e-12)


@given(st.floats(0.7001, 1))
def test_round_trip_through_autoevals_above_floor(cos):
    back = fl.convert_similarity(fl.convert_similarity(cos, to_scale="autoevals"), from_scale="autoevals")
    assert back == pytest.approx(cos, abs=1e-9)


def test_autoevals_floor_cannot_be_inverted_warns():
    with pytest.warns(UserWarning, match="mapped to 0.7"):
        assert float(fl.convert_similarity(0.0, from_scale="autoevals")) == pytest.approx(0.7)


def test_golden_set_nearest_answer():
    traces = pd.DataFrame({"trace_id": ["a", "b"], "output": ["x", "y"]})
    out_emb = np.array([[1.0, 0.0], [0.0, 1.0]])
    golden = ["g0", "g1"]
    gold_emb = np.array([[0.6, 0.8], [0.0, 1.0]])
    alerts = fl.similarity_alerts(traces, golden=golden, embeddings=(out_emb, gold_emb), threshold=0.7)
    assert alerts["trace_id"].tolist() == ["a"] and alerts["b"].tolist() == ["g0"]
    assert alerts["similarity"].iloc[0] == pytest.approx(0.6)


def test_missing_text_warns_and_bad_embeddings_raise():
    traces = pd.DataFrame({"trace_id": ["a", "b"], "output": ["x", None], "reference": ["x", "y"]})
    emb = (np.array([[1.0, 0.0], [1.0, 0.0]]), np.array([[0.0, 1.0], [0.0, 1.0]]))
    with pytest.warns(UserWarning, match=r"1 row\(s\) have no 'output' or 'reference' text .*\['b'\]"):
        alerts = fl.similarity_alerts(traces, embeddings=emb)
    assert alerts["trace_id"].tolist() == ["a"]
    with pytest.raises(ValueError, match="2 rows for a"):
        fl.similarity_alerts(traces, embeddings=(emb[0][:1], emb[1]))
    with pytest.raises(KeyError, match="Did you mean 'reference'"):
        fl.similarity_alerts(traces, b_col="referenc", embeddings=emb)


def test_lazy_embedding_for_alerts(monkeypatch):
    import feedback_lab.analysis.embed as embed_pkg

    table = {"good": [1.0, 0.0], "same": [1.0, 0.0], "bad": [0.0, 1.0]}
    monkeypatch.setitem(vars(embed_pkg), "embed", lambda texts, model=None: np.array([table[t] for t in texts]))
    traces = pd.DataFrame({"trace_id": [1, 2], "output": ["good", "bad"], "reference": ["same", "same"]})
    assert fl.similarity_alerts(traces)["trace_id"].tolist() == [2]


def test_calibrate_percentile_matches_numpy():
    s = np.random.default_rng(0).normal(0.6, 0.1, 500)
    res = fl.calibrate_threshold(s, percentile=5)
    assert res.threshold == pytest.approx(np.percentile(s, 5)) and res.method == "percentile"


def test_calibrate_youden_matches_brute_force():
    rng = np.random.default_rng(1)
    good = rng.normal(0.75, 0.08, 80)
    bad = rng.normal(0.55, 0.1, 40)
    s, labels = np.r_[good, bad], np.r_[np.ones(80), np.zeros(40)]
    res = fl.calibrate_threshold(s, labels)
    # brute force over every cut between sorted values: flag s < t
    cands = np.unique(s)
    cuts = (cands[:-1] + cands[1:]) / 2
    j = [(s[labels == 0] < t).mean() - (s[labels == 1] < t).mean() for t in cuts]
    best = cuts[int(np.argmax(j))]
    assert res.youden_j == pytest.approx(max(j))
    assert (s < res.threshold).sum() == (s < best).sum()
    fpr, tpr, _ = roc_curve(labels == 0, -s)
    assert res.youden_j == pytest.approx(np.max(tpr - fpr))
    with pytest.raises(ValueError, match="both good"):
        fl.calibrate_threshold([0.1, 0.2], [1, 1])


# ---------------------------------------------------------------- metric alerts
def test_two_proportion_test_matches_chi_square():
    from feedback_lab.analysis.drift._alerts import two_proportion_test

    p = two_proportion_test(30, 200, 48, 210, alternative="greater")
    chi2 = chi2_contingency([[30, 170], [48, 162]], correction=False)[0]
    assert p == pytest.approx(norm.sf(np.sqrt(chi2)))


def test_metric_alerts_rates_by_group(make_frame):
    trends = make_frame({
        "period": ["w1", "w2", "w3", "w1", "w2", "w3"],
        "model": ["a", "a", "a", "b", "b", "b"],
        "negative_rate": [0.10, 0.20, 0.104, 0.10, 0.104, 0.30],
        "n_feedback": [400, 400, 400, 20, 20, 20],
    })
    out = fl.metric_alerts(trends, by="model")
    pdf = out if isinstance(out, pd.DataFrame) else out.to_pandas()
    got = {(r.model, r.period): r.alert for r in pdf.itertuples()}
    # a/w2: doubling on 400 -> alert; a/w3: fall (good direction); b/w2: +4 % < max_drop;
    # b/w3: big rise on n=20 -> 0.104 -> 0.30: z-test p ~ 0.06 -> not supported
    assert got == {("a", "w2"): True, ("a", "w3"): False, ("b", "w2"): False, ("b", "w3"): False}
    b3 = pdf[(pdf.model == "b") & (pdf.period == "w3")].iloc[0]
    chi2 = chi2_contingency([[2, 18], [6, 14]], correction=False)[0]
    assert b3.p_value == pytest.approx(norm.sf(np.sqrt(chi2)))
    assert "not significant" in b3.reason


def test_metric_alerts_higher_is_better_welch():
    rng = np.random.default_rng(2)
    w1, w2 = rng.normal(4.2, 0.8, 60), rng.normal(3.7, 0.8, 55)
    trends = pd.DataFrame({"period": [1, 2], "mean_rating": [w1.mean(), w2.mean()],
                           "rating_std": [w1.std(ddof=1), w2.std(ddof=1)], "n_feedback": [60, 55]})
    out = fl.metric_alerts(trends, metric_col="mean_rating", std_col="rating_std", higher_is_better=True)
    ref = ttest_ind(w2, w1, equal_var=False, alternative="less").pvalue
    assert out["p_value"].iloc[0] == pytest.approx(ref) and bool(out["alert"].iloc[0])
    assert out["test"].iloc[0] == "welch"


def test_metric_alerts_errors_and_empty_previous():
    with pytest.raises(ValueError, match="not a rate"):
        fl.metric_alerts(pd.DataFrame({"period": [1, 2], "negative_rate": [2.0, 3.0], "n_feedback": [5, 5]}))
    out = fl.metric_alerts(pl.DataFrame({"period": [1, 2], "negative_rate": [None, 0.3], "n_feedback": [0, 10]}))
    assert out["reason"].to_list() == ["no data in one of the two periods"] and out["alert"].to_list() == [False]
