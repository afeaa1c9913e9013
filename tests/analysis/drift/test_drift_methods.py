"""embedding_drift: statistics against reference implementations, calibration, power, errors."""

from __future__ import annotations

import numpy as np
import pytest
from scipy.spatial.distance import cdist, cosine
from scipy.stats import binom
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

import feedback_lab as fl
from feedback_lab.analysis.drift._mmd import median_bandwidth, mmd_permutation_test
from feedback_lab.analysis.drift._twosample import _auc_columns, batched_logistic


def _naive_mmd2(x, y, sigma):
    """Textbook unbiased MMD² (Gretton et al. 2012, eq. 3) with scipy distances."""
    k = lambda a, b: np.exp(-cdist(a, b, "sqeuclidean") / (2 * sigma**2))  # noqa: E731
    n, m = len(x), len(y)
    kxx, kyy, kxy = k(x, x), k(y, y), k(x, y)
    return ((kxx.sum() - np.trace(kxx)) / (n * (n - 1)) + (kyy.sum() - np.trace(kyy)) / (m * (m - 1))
            - 2 * kxy.mean())


def _sphere(rng, n, d=16, shift=None):
    z = rng.normal(size=(n, d))
    if shift is not None:
        z = z + shift
    return (z / np.linalg.norm(z, axis=1, keepdims=True)).astype(np.float32)


def test_mmd_statistic_and_null_match_naive_recomputation():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(30, 5)), rng.normal(size=(25, 5)) + 0.3
    sigma = median_bandwidth(np.vstack([x, y]))
    obs, null = mmd_permutation_test(x, y, sigma=sigma, n_permutations=20, rng=np.random.default_rng(1),
                                     batch_size=7)
    assert obs == pytest.approx(_naive_mmd2(x, y, sigma), abs=1e-6)
    # replay the same permutations and recompute the kernel for each (the naive baseline)
    z, rng2 = np.vstack([x, y]), np.random.default_rng(1)
    base = np.r_[np.ones(30), np.zeros(25)]
    naive = []
    for b in (7, 7, 6):
        for row in rng2.permuted(np.tile(base, (b, 1)), axis=1):
            naive.append(_naive_mmd2(z[row == 1], z[row == 0], sigma))
    np.testing.assert_allclose(null, naive, atol=1e-5)


def test_median_bandwidth_matches_definition():
    rng = np.random.default_rng(2)
    z = rng.normal(size=(40, 3))
    d2 = cdist(z, z, "sqeuclidean")[np.triu_indices(40, 1)]
    assert median_bandwidth(z) == pytest.approx(np.sqrt(np.median(d2) / 2))


def test_batched_logistic_matches_sklearn():
    rng = np.random.default_rng(3)
    z = rng.normal(size=(120, 6))
    ys = np.stack([(z[:, 0] + rng.normal(size=120) > 0), rng.random(120) > 0.5], axis=1).astype(float)
    coef, icpt = batched_logistic(z, ys, c=0.7)
    for j in range(2):
        sk = LogisticRegression(C=0.7, tol=1e-10, max_iter=5000).fit(z, ys[:, j])
        np.testing.assert_allclose(coef[j], sk.coef_[0], atol=1e-6)
        assert icpt[j] == pytest.approx(sk.intercept_[0], abs=1e-6)


def test_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(4)
    scores = rng.integers(0, 5, size=(50, 3)).astype(float)
    labels = (rng.random((50, 3)) > 0.4).astype(float)
    ours = _auc_columns(scores, labels)
    ref = [roc_auc_score(labels[:, j], scores[:, j]) for j in range(3)]
    np.testing.assert_allclose(ours, ref)


def test_centroid_statistic_is_scipy_cosine_distance():
    rng = np.random.default_rng(5)
    x, y = rng.normal(size=(20, 4)) + 1, rng.normal(size=(15, 4)) + 1.5
    res = fl.embedding_drift(x, y, method="centroid", random_state=0)
    assert res.statistic == pytest.approx(cosine(x.mean(0), y.mean(0)))
    assert res.effect_name == "cosine_distance"


@pytest.mark.parametrize("method", ["mmd", "classifier", "centroid"])
def test_false_alarm_rate_at_most_alpha(method):
    """No drift over many seeds: false alarms <= alpha, up to binomial slack (one-sided 99.9%)."""
    n_runs, alpha = 120 if method != "classifier" else 60, 0.05
    fires = 0
    for seed in range(n_runs):
        rng = np.random.default_rng(1000 + seed)
        ref, cur = _sphere(rng, 40), _sphere(rng, 35)
        fires += fl.embedding_drift(ref, cur, method=method, n_permutations=99, random_state=seed).drifted
    limit = binom.ppf(0.999, n_runs, alpha)
    assert fires <= limit, f"{method}: {fires}/{n_runs} false alarms (limit {limit})"


def test_p_values_are_uniform_enough_under_the_null():
    ps = [fl.embedding_drift(_sphere(np.random.default_rng(s), 30), _sphere(np.random.default_rng(s + 500), 30),
                             method="centroid", n_permutations=199, random_state=s).p_value for s in range(150)]
    # exact permutation p-values: P(p <= 0.2) <= 0.2 (+ slack)
    assert np.mean(np.array(ps) <= 0.2) <= binom.ppf(0.999, 150, 0.2) / 150


@pytest.mark.parametrize("method", ["mmd", "classifier", "centroid"])
def test_new_topic_fires_every_method(method):
    rng = np.random.default_rng(7)
    topic = np.zeros(16)
    topic[0] = 3.0
    ref, cur = _sphere(rng, 60), _sphere(rng, 60, shift=topic)
    res = fl.embedding_drift(ref, cur, method=method, random_state=0)
    assert res.drifted and res.p_value <= 1 / 101 + 1e-12


def test_mmd_detects_ten_percent_new_cluster():
    rng = np.random.default_rng(8)
    topic = np.zeros(16)
    topic[:2] = 4.0
    ref = _sphere(rng, 400)
    cur = np.vstack([_sphere(rng, 360), _sphere(rng, 40, shift=topic)])
    assert fl.embedding_drift(ref, cur, method="mmd", random_state=0).drifted


def test_all_returns_one_row_per_method_and_bonferroni():
    rng = np.random.default_rng(9)
    res = fl.embedding_drift(_sphere(rng, 30), _sphere(rng, 30), method="all", random_state=1)
    frame = res.to_frame()
    assert frame["method"].tolist() == ["mmd", "classifier", "centroid"]
    assert res.p_value == pytest.approx(min(1.0, 3 * frame["p_value"].min()))
    assert res.drifted == (res.p_value <= 0.05)
    assert "<table>" in res._repr_html_()


def test_subsampling_reports_sizes_and_seed_reproduces():
    rng = np.random.default_rng(10)
    ref, cur = _sphere(rng, 300), _sphere(rng, 120)
    res = fl.embedding_drift(ref, cur, max_samples=100, random_state=42)
    assert (res.params["n_reference_used"], res.params["n_current_used"]) == (100, 100)
    assert (res.n_reference, res.n_current) == (300, 120)
    again = fl.embedding_drift(ref, cur, max_samples=100, random_state=42)
    assert again.statistic == res.statistic and again.p_value == res.p_value
    assert res.params["seed"] == 42 and res.params["bandwidth"] > 0
    row = res.to_frame().iloc[0]
    assert (row["n_reference_used"], row["n_permutations"]) == (100, 100)


def test_identical_windows_do_not_crash():
    ref = np.ones((10, 4))
    res = fl.embedding_drift(ref, ref.copy(), method="mmd", random_state=0)
    assert res.statistic == pytest.approx(0.0) and not res.drifted


@pytest.mark.parametrize(
    ("ref", "cur", "match", "exc"),
    [
        (np.ones((1, 3)), np.ones((5, 3)), "at least 2", ValueError),
        (np.ones((5, 3)), np.ones((5, 4)), "same model", ValueError),
        (np.ones(5), np.ones((5, 3)), "2-D", ValueError),
        (np.array([["a", "b"]] * 3), np.ones((3, 2)), "Embed texts first", TypeError),
        (np.r_[np.ones((4, 2)), [[np.nan, 1]]], np.ones((5, 2)), r"NaN or inf \(first rows: \[4\]\)", ValueError),
    ],
)
def test_bad_input_errors(ref, cur, match, exc):
    with pytest.raises(exc, match=match):
        fl.embedding_drift(ref, cur)


def test_unknown_method_suggests():
    with pytest.raises(ValueError, match="Did you mean 'mmd'"):
        fl.embedding_drift(np.ones((5, 2)), np.ones((5, 2)), method="mdd")
