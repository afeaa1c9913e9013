"""``embedding_drift``: calibrated two-sample tests between two windows of embeddings.

Three methods, each with an exact permutation p-value (so the false-alarm rate under
no drift is at most ``alpha``):

``"mmd"``
    Unbiased MMD² (Gretton et al. 2012) with the Gaussian RBF kernel
    ``exp(−‖x−y‖² / (2σ²))``, ``σ² = median(‖zᵢ−zⱼ‖²)/2`` over the pooled windows
    (median heuristic). alibi-detect's ``MMDDrift`` computes the same statistic and the
    same kind of p-value (it sets σ from the reference window only and counts
    ``null >= stat`` without the +1); Evidently's ``mmd()`` computes the same MMD²ᵤ
    with ``γ = 1/median(distance)²`` (the same kernel) but by default compares it with a
    fixed threshold of 0.015 instead of a p-value. The kernel matrix is computed once and
    permutations reuse it (see ``_mmd``); windows larger than ``max_samples`` are
    subsampled without replacement and the sizes used are reported.
``"classifier"``
    Domain classifier: cross-validated ROC AUC of an L2 logistic regression telling
    current rows from reference rows, on the pooled data projected on its first
    ``n_components`` (whitened) principal components; p-value by permuting the window
    labels and refitting every fold (batched Newton, so it stays cheap). Evidently's
    default ``model()`` method trains an ``SGDClassifier`` on a 50/50 split and flags
    ROC AUC > 0.55 (or above a bootstrap quantile); alibi-detect's ``ClassifierDrift``
    trains on 75 % and tests the held-out predictions. Using every row through
    cross-validation makes this version more powerful at equal n.
``"centroid"``
    Cosine distance between the window means, p-value by permutation. Evidently's
    ``distance()`` uses the euclidean (optionally cosine) distance between means with a
    fixed 0.2 threshold or a bootstrap; Phoenix (until v13.3.0) and Arize AX report the
    euclidean distance between centroids without a test.
``"all"``
    The three tests; ``drifted`` is Bonferroni-adjusted (``min p * 3 <= alpha``) and
    ``to_frame()`` has one row per method.
"""

from __future__ import annotations

import numpy as np

from feedback_lab._random import seed_int
from feedback_lab._validation import check_in, check_number
from feedback_lab.analysis.drift._mmd import median_bandwidth, mmd_permutation_test
from feedback_lab.analysis.drift._result import DriftResult, as_matrix, blas_threads, progress_bar
from feedback_lab.analysis.drift._twosample import (
    centroid_permutation_test,
    classifier_permutation_test,
)

__all__ = ["METHODS", "DriftResult", "embedding_drift"]

METHODS = ("mmd", "classifier", "centroid")
_FUNC = "embedding_drift"


def _p_value(observed: float, null: np.ndarray) -> float:
    # small tolerance so that float noise never turns a tie into "more extreme"
    tol = 1e-12 * max(1.0, abs(observed))
    return float((1 + np.sum(null >= observed - tol)) / (1 + len(null)))


def _subsample(a: np.ndarray, max_samples: int | None, rng: np.random.Generator) -> np.ndarray:
    if max_samples is None or len(a) <= max_samples:
        return a
    return a[np.sort(rng.choice(len(a), max_samples, replace=False))]


def embedding_drift(
    reference,
    current,
    *,
    method: str = "mmd",
    n_permutations: int = 100,
    alpha: float = 0.05,
    max_samples: int | None = 5000,
    bandwidth: float | str = "median",
    n_folds: int = 5,
    n_components: int | None = 32,
    random_state=None,
    show_progress: bool | None = None,
) -> DriftResult:
    """Test whether ``current`` embeddings come from the same distribution as ``reference``.

    Parameters
    ----------
    reference, current : array-like of shape (n, d) and (m, d)
        Embeddings of the two windows (e.g. from :func:`feedback_lab.embed`).
    method : {"mmd", "classifier", "centroid", "all"}
        See the module notes: MMD² with an RBF kernel, domain-classifier ROC AUC, or cosine
        distance between means; ``"all"`` runs the three.
    n_permutations : int
        Permutations for the p-value (resolution ``1/(n_permutations+1)``).
    alpha : float
        Significance level; ``drifted`` is ``p_value <= alpha``.
    max_samples : int or None
        Each window is subsampled (without replacement) to at most this many rows;
        the sizes used are in ``params``. ``None`` keeps everything (MMD memory grows as
        ``(n+m)²``: 10,000 rows take 400 MB).
    bandwidth : "median" or float
        RBF kernel ``σ`` for MMD; ``"median"`` is the median heuristic on the pooled rows.
    n_folds, n_components : int
        Cross-validation folds and principal components of the classifier test
        (``n_components=None`` uses all dimensions).
    random_state : None, int or numpy Generator
        Seeds subsampling, permutations and folds; the seed used is in ``params["seed"]``.
    show_progress : bool or None
        Progress bar over permutations (None: on for large interactive runs).

    Returns
    -------
    DriftResult

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=(60, 5)); same = rng.normal(size=(60, 5))
    >>> embedding_drift(ref, same, random_state=0).drifted
    False
    >>> embedding_drift(ref, same + 1.0, random_state=0).drifted
    True
    >>> embedding_drift(ref, same + 1.0, method="all", random_state=0).to_frame()["method"].tolist()
    ['mmd', 'classifier', 'centroid']
    """
    check_in(method, [*METHODS, "all"], name="method", func=_FUNC)
    check_number(n_permutations, name="n_permutations", func=_FUNC, low=1, integer=True)
    check_number(alpha, name="alpha", func=_FUNC, low=0, high=1, low_inclusive=False, high_inclusive=False)
    if max_samples is not None:
        check_number(max_samples, name="max_samples", func=_FUNC, low=2, integer=True)
    min_rows = n_folds if method in ("classifier", "all") else 2
    ref = as_matrix(reference, name="reference", func=_FUNC, min_rows=min_rows)
    cur = as_matrix(current, name="current", func=_FUNC, min_rows=min_rows)
    if ref.shape[1] != cur.shape[1]:
        msg = (
            f"{_FUNC}: reference has {ref.shape[1]} dimensions and current has {cur.shape[1]}; "
            "embed both windows with the same model."
        )
        raise ValueError(msg)
    seed = seed_int(random_state)
    common = {
        "n_permutations": n_permutations, "alpha": alpha, "max_samples": max_samples, "bandwidth": bandwidth,
        "n_folds": n_folds, "n_components": n_components, "show_progress": show_progress,
    }
    if method == "all":
        results = tuple(
            _one(ref, cur, method=m, seed=seed + i, **common) for i, m in enumerate(METHODS)
        )
        p_adj = min(1.0, len(METHODS) * min(r.p_value for r in results))
        return DriftResult(
            method="all", statistic=float("nan"), p_value=p_adj, threshold=float("nan"),
            drifted=p_adj <= alpha, effect_size=float("nan"), effect_name="", alpha=alpha,
            n_reference=len(ref), n_current=len(cur),
            params={"seed": seed, "methods": list(METHODS), "correction": "bonferroni", **common},
            results=results,
        )
    return _one(ref, cur, method=method, seed=seed, **common)


def _one(ref, cur, *, method, seed, n_permutations, alpha, max_samples, bandwidth, n_folds,
         n_components, show_progress) -> DriftResult:
    rng = np.random.default_rng(seed)
    x = _subsample(ref, max_samples, rng)
    y = _subsample(cur, max_samples, rng)
    params = {"seed": seed, "n_permutations": n_permutations, "max_samples": max_samples,
              "n_reference_used": len(x), "n_current_used": len(y)}
    bar = progress_bar(n_permutations, show_progress, f"drift permutations ({method})",
                       large=10**9 if len(x) + len(y) < 5000 else 0)
    try:
        with blas_threads(len(x) + len(y)):
            stat, null, effect, effect_name, extra = _run(
                method, x, y, rng=rng, n_permutations=n_permutations, bandwidth=bandwidth,
                n_folds=n_folds, n_components=n_components, bar=bar)
    finally:
        if bar is not None:
            bar.close()
    params.update(extra)
    p = _p_value(stat, null)
    return DriftResult(
        method=method, statistic=float(stat), p_value=p,
        threshold=float(np.quantile(null, 1.0 - alpha, method="higher")),
        drifted=p <= alpha, effect_size=float(effect), effect_name=effect_name, alpha=alpha,
        n_reference=len(ref), n_current=len(cur), params=params, null=null,
    )


def _run(method, x, y, *, rng, n_permutations, bandwidth, n_folds, n_components, bar):
    if method == "mmd":
        if bandwidth == "median":
            sigma = median_bandwidth(np.concatenate([x, y]), rng=rng)
        else:
            check_number(bandwidth, name="bandwidth", func=_FUNC, low=0, low_inclusive=False)
            sigma = float(bandwidth)
        stat, null = mmd_permutation_test(x, y, sigma=sigma, n_permutations=n_permutations, rng=rng,
                                          progress=bar)
        extra = {"kernel": "rbf", "bandwidth": sigma, "bandwidth_rule": bandwidth}
        return stat, null, float(np.sqrt(max(stat, 0.0))), "mmd", extra
    if method == "classifier":
        stat, null, _ = classifier_permutation_test(
            x, y, n_permutations=n_permutations, rng=rng, n_folds=n_folds, n_components=n_components)
        extra = {"model": "logistic_regression", "C": 1.0, "n_folds": n_folds, "n_components": n_components}
        effect, name = 2.0 * stat - 1.0, "somers_d"
    else:
        stat, null = centroid_permutation_test(x, y, n_permutations=n_permutations, rng=rng)
        extra, effect, name = {}, stat, "cosine_distance"
    if bar is not None:
        bar.update(n_permutations)
    return stat, null, effect, name, extra
