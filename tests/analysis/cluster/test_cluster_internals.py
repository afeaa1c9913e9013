"""Building blocks of cluster_failures checked against direct, slow definitions."""

from __future__ import annotations

import numpy as np
import pytest

from feedback_lab.analysis.cluster._impact import class_keywords
from feedback_lab.analysis.cluster._reduce import (
    _fitted_neighbours,
    _vote,
    default_min_samples,
    layout_settings,
    map_epochs,
)
from feedback_lab.analysis.cluster._taxonomy import topic_residual


def _unit(a):
    return a / np.linalg.norm(a, axis=1, keepdims=True)


def _topic_residual_by_definition(emb, labels, *, k=10, beta=0.5, max_ref=5000):
    """Row by row: mean of the k most similar references with another label, beta of it removed."""
    n = len(emb)
    ref = np.arange(n) if n <= max_ref else np.linspace(0, n - 1, max_ref).astype(int)
    out = np.empty_like(emb)
    for i in range(n):
        cand = ref[labels[ref] != labels[i]]
        if len(cand) == 0:
            out[i] = emb[i]
            continue
        sims = emb[cand] @ emb[i]
        top = cand[np.argsort(-sims, kind="stable")[: min(k, len(ref) - 1, len(cand))]]
        out[i] = emb[i] - beta * emb[top].mean(0)
    return _unit(out)


@pytest.mark.parametrize(("n", "max_ref"), [(300, 5000), (300, 60), (40, 5000)])
def test_topic_residual_matches_its_definition(n, max_ref):
    rng = np.random.default_rng(n + max_ref)
    emb = _unit(rng.normal(size=(n, 16))).astype(np.float32)
    labels = rng.choice([0, 1, 2, 5], size=n, p=[0.6, 0.25, 0.1, 0.05])
    got = topic_residual(emb, labels, max_ref=max_ref, chunk=37)
    want = _topic_residual_by_definition(emb, labels, max_ref=max_ref)
    np.testing.assert_allclose(got, want, atol=1e-5)


def test_topic_residual_with_a_single_tag_leaves_the_embeddings_as_they_are():
    emb = _unit(np.random.default_rng(0).normal(size=(50, 8))).astype(np.float32)
    np.testing.assert_allclose(topic_residual(emb, np.zeros(50, dtype=int)), emb, atol=1e-6)


def test_class_keywords_ranks_each_cluster_by_class_tfidf():
    texts = ["refund refund late", "refund delayed", "password reset", "reset password link",
             "login password", "the weather"]
    labels = np.array([0, 0, 1, 1, 1, -1])
    kw = class_keywords(texts, labels, top_n=2)
    # by hand: class 0 = "refund refund late refund delayed" -> refund 3/5, idf log(1 + A / 3);
    # class 1 = "password reset reset password link login password" -> password 3/7 leads
    assert kw[0][0] == "refund" and kw[1][0] == "password" and kw[-1] == ["weather"]
    # the grouping is by label, whatever the order of the texts
    perm = np.random.default_rng(3).permutation(len(texts))
    assert class_keywords([texts[i] for i in perm], labels[perm], top_n=2) == kw
    with pytest.raises(ValueError, match="3 texts but 2 labels"):
        class_keywords(texts[:3], labels[:2])


def test_vote_is_similarity_weighted_and_ties_go_to_the_nearest():
    nn = np.array([[0, 1, 2], [0, 3, 4], [1, 0, 4]])
    w = np.array([[0.9, 0.5, 0.5], [0.6, 0.6, 0.6], [0.8, 0.8, 0.1]])
    fit_labels = np.array([1, 2, 2, -1, 7])
    fit_prob = np.array([1.0, 0.8, 0.6, 0.0, 0.5])
    lab, prob = _vote(nn, w, fit_labels, fit_prob)
    # row 0: label 2 has 1.0 of 1.9 against 0.9 for label 1; its voters' mean probability 0.7
    # row 1: three labels tied at 0.6 -> the nearest neighbour's (1)
    # row 2: label 2 (0.8) and 1 (0.8) tie -> nearest first: neighbour 1 has label 2
    assert lab.tolist() == [2, 1, 2]
    np.testing.assert_allclose(prob, [1.0 / 1.9 * 0.7, 1 / 3 * 1.0, 0.8 / 1.7 * 0.8])
    lab, prob = _vote(np.array([[3, 0]]), np.array([[0.9, 0.2]]), fit_labels, fit_prob)
    assert lab.tolist() == [-1] and prob.tolist() == [0.0]  # noise wins: probability 0


def test_exact_neighbours_of_the_rest_match_scikit_learn():
    from sklearn.neighbors import NearestNeighbors

    rng = np.random.default_rng(1)
    fit, rest = rng.normal(size=(500, 12)), rng.normal(size=(300, 12))
    nn, w = _fitted_neighbours(None, fit, rest, 15)  # no UMAP index: exact search
    d, want = NearestNeighbors(n_neighbors=15, metric="cosine", algorithm="brute").fit(fit).kneighbors(rest)
    assert (nn == want).mean() > 0.999  # float32 vs float64: only exact ties may swap
    np.testing.assert_allclose(w, np.maximum(1 - d, 1e-6), atol=1e-5)


def test_size_dependent_settings():
    assert [default_min_samples(m) for m in (3, 15, 50, 500)] == [3, 15, 15, 15]
    assert layout_settings(20_000) == {"init": "spectral", "n_epochs": 200}
    assert layout_settings(20_001) == {"init": "pca", "n_epochs": 100}
    assert (map_epochs(20_000, from_5d=True), map_epochs(20_001, from_5d=True), map_epochs(10, from_5d=False)) == (50, 25, 200)
