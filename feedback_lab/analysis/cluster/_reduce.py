"""UMAP reduction and HDBSCAN clustering, with explicit branches for degenerate sizes and a
fit-on-a-sample path for large inputs."""

from __future__ import annotations

import math
import warnings

import numpy as np

from feedback_lab._deps import import_optional

__all__ = ["default_min_cluster_size", "default_min_samples", "embed_2d", "layout_settings", "map_epochs", "reduce_and_cluster"]

#: UMAP settings: BERTopic's (15 neighbours, 5-D, min_dist 0, cosine), with a fixed 200
#: optimisation epochs (UMAP's own choice above 10k points; it uses 500 below, 2.5x the cost at
#: no gain in ARI on banking77). 100 epochs were tried and rejected: 0.6x the time, but ARI on
#: banking77 (seeds 1-4) fell from 0.392 to 0.365 at 5k queries (0.399 -> 0.393 at 10k), and on
#: the sample data's 72 discovery texts the planted new-topic cluster was found in 2 of 5 seeds
#: instead of 5 of 5.
UMAP_SETTINGS = {"n_neighbors": 15, "n_components": 5, "min_dist": 0.0, "metric": "cosine", "n_epochs": 200}
#: optimisation epochs of the 2-D map when it starts from the 5-D layout's principal plane and
#: reuses its k-NN graph: the layout is organised from the start, and on banking77 (10k) 50 epochs
#: give trustworthiness 0.981 (200: 0.985) and 99.3% of 10 map neighbours in the same cluster
#: (200: 99.4%) at a quarter of the time. A map without a 5-D start gets 200.
MAP_EPOCHS_FROM_5D = 50
MAP_EPOCHS = 200
#: above this many points the 5-D layout starts from the principal axes of the embeddings
#: (``init="pca"``) and runs 100 epochs instead of a spectral start and 200: UMAP's spectral
#: initialisation grows with n (10 s of the 45 s fit at 50k) and so do the epochs (single-threaded
#: when seeded). On banking77 + clinc150, seeds 1-2, HDBSCAN min_samples 15: 20k texts ARI
#: 0.239 / 0.257 vs 0.227 / 0.246 in 8-9 s vs 16 s; 50k ARI 0.315 / 0.271 vs 0.310 / 0.292
#: (a small loss within the seed-to-seed spread; BERTopic: 0.06) in 24-27 s vs 54-59 s. Up to 20k (where the spectral start is cheap and 100 epochs lost ARI at 5k)
#: the settings stay UMAP's.
LARGE_LAYOUT = 20_000
LARGE_LAYOUT_EPOCHS = 100
#: epochs of the 2-D map from the 5-D layout above :data:`LARGE_LAYOUT` points: the map's
#: trustworthiness (10 neighbours, cosine, on 5,000 sampled texts of banking77 + clinc150) is
#: 0.984 at 20k and 0.981 at 50k with 25 epochs (50 epochs: 0.987, 0.985), as at 10k with 50,
#: in half the time (5.5 s instead of 10.6 s at 50k).
LARGE_MAP_EPOCHS_FROM_5D = 25


def map_epochs(n: int, *, from_5d: bool) -> int:
    """Optimisation epochs of the 2-D map of ``n`` points (see :data:`MAP_EPOCHS_FROM_5D`).

    Examples
    --------
    >>> map_epochs(10_000, from_5d=True), map_epochs(50_000, from_5d=True), map_epochs(50_000, from_5d=False)
    (50, 25, 200)
    """
    if not from_5d:
        return MAP_EPOCHS
    return LARGE_MAP_EPOCHS_FROM_5D if n > LARGE_LAYOUT else MAP_EPOCHS_FROM_5D


def layout_settings(n: int) -> dict:
    """UMAP ``init`` and ``n_epochs`` of the 5-D layout of ``n`` points (see :data:`LARGE_LAYOUT`).

    Examples
    --------
    >>> layout_settings(10_000), layout_settings(50_000)
    ({'init': 'spectral', 'n_epochs': 200}, {'init': 'pca', 'n_epochs': 100})
    """
    if n > LARGE_LAYOUT:
        return {"init": "pca", "n_epochs": LARGE_LAYOUT_EPOCHS}
    return {"init": "spectral", "n_epochs": UMAP_SETTINGS["n_epochs"]}


def default_min_cluster_size(n: int) -> int:
    """``clip(round(sqrt(n) / 2), 5, 500)``: 5 for a few hundred texts, 50 for 10k, 112 for 50k.

    Examples
    --------
    >>> [default_min_cluster_size(n) for n in (100, 10_000, 50_000)]
    [5, 50, 112]
    """
    return int(min(500, max(5, round(math.sqrt(max(n, 1)) / 2))))


def default_min_samples(min_cluster_size: int) -> int:
    """HDBSCAN's ``min_samples`` when none is given: ``min(min_cluster_size, 15)``, density at
    the scale of UMAP's 15-neighbour graph.

    HDBSCAN's own default (``min_samples = min_cluster_size``) ties the density estimate to the
    smallest cluster size, which grows with n (112 at 50k texts). On banking77 + clinc150 with
    the same UMAP layouts (seeds 0-2, four layout settings each) it made more texts noise
    (12-13% vs 9% at 50k) and lowered ARI in every run: 50k 0.22-0.29 vs 0.27-0.32, 20k
    (min_cluster_size 71) 0.13-0.17 vs 0.23-0.26; its 112-neighbour core distances took 2-8 s
    instead of 1.5-1.8 s. At 10k (min_cluster_size 50) the two are within the seed-to-seed spread.

    Examples
    --------
    >>> [default_min_samples(m) for m in (5, 15, 50, 112)]
    [5, 15, 15, 15]
    """
    return int(min(min_cluster_size, UMAP_SETTINGS["n_neighbors"]))


def _umap(n: int, n_components: int, seed: int, *, n_epochs: int | None = None, **kw):
    umap = import_optional("umap", feature="cluster_failures (UMAP reduction)")
    nn = max(2, min(UMAP_SETTINGS["n_neighbors"], n - 1))
    return umap.UMAP(n_neighbors=nn, n_components=n_components, min_dist=0.0, metric="cosine",
                     n_epochs=n_epochs or UMAP_SETTINGS["n_epochs"], random_state=seed, low_memory=True,
                     verbose=False, **kw)


def _quiet():
    ctx = warnings.catch_warnings()
    ctx.__enter__()
    warnings.filterwarnings("ignore", message=".*n_jobs value.*overridden.*")
    warnings.filterwarnings("ignore", category=UserWarning, module="umap")
    warnings.filterwarnings("ignore", category=FutureWarning)
    return ctx


def reduce_and_cluster(
    x: np.ndarray,
    *,
    min_cluster_size: int,
    min_samples: int | None,
    seed: int,
    max_fit_size: int,
    rng: np.random.Generator,
) -> dict:
    """UMAP to 5-D then HDBSCAN on ``x`` (n, d). Returns labels, probabilities, outlier scores,
    the reduced coordinates, the fitted UMAP, the indices it was fitted on (``fit_idx``) and what
    was done (``info``).

    Degenerate inputs: fewer than ``max(2 * min_cluster_size, n_components + 2)`` points are
    returned as one cluster (with a warning) since neither UMAP nor HDBSCAN can say more.
    Above ``max_fit_size`` both are fitted on a random sample of that size and each text of the
    rest takes the cluster of its 15 nearest fitted texts in the embedding space (similarity-
    weighted vote, :func:`_vote`), found with the fitted UMAP's nearest-neighbour index. This
    replaced ``UMAP.transform`` + ``hdbscan.approximate_predict``: on banking77 + clinc150 (50k,
    fit on 20k) ARI 0.232 vs 0.216, and 1.4 s instead of 11.5 s for the 30k other texts (the
    transform's own optimisation epochs run single-threaded when seeded). ``rest_nn`` holds
    those neighbours (rows of the fit sample) for the 2-D map; ``reduced`` of a text outside the
    sample is the weighted mean of its neighbours' coordinates.
    """
    n = len(x)
    n_comp = UMAP_SETTINGS["n_components"]
    info: dict = {"n": n}
    if n < max(2 * min_cluster_size, n_comp + 2):
        warnings.warn(
            f"cluster_failures: only {n} texts to cluster with min_cluster_size={min_cluster_size}; "
            "they are returned as a single cluster. Pass a smaller min_cluster_size or more texts.",
            UserWarning, stacklevel=3,
        )
        info["branch"] = "too_few_points_single_cluster"
        return {"labels": np.zeros(n, dtype=int), "prob": np.ones(n), "outlier": np.zeros(n),
                "reduced": None, "umap": None, "fit_idx": None, "rest_nn": None, "info": info}
    hdbscan = import_optional("hdbscan", feature="cluster_failures (HDBSCAN clustering)")
    fit_idx = np.arange(n)
    if n > max_fit_size:
        fit_idx = np.sort(rng.choice(n, size=max_fit_size, replace=False))
        info["branch"] = "fit_on_sample"
        info["fit_size"] = int(max_fit_size)
    else:
        info["branch"] = "full_fit"
    ctx = _quiet()
    try:
        info["umap_layout"] = layout_settings(len(fit_idx))
        reducer = _umap(len(fit_idx), n_comp, seed, **info["umap_layout"])
        red_fit = reducer.fit_transform(x[fit_idx])
        # core_dist_n_jobs=1: hdbscan's default (4) starts a joblib process pool on the first
        # call of a process, 6.5 s at 50k points for a computation that takes 2 s in-process
        # (and no faster in the pool on 2 cores).
        clusterer = hdbscan.HDBSCAN(min_cluster_size=min_cluster_size, min_samples=min_samples,
                                    metric="euclidean", cluster_selection_method="eom", core_dist_n_jobs=1)
        clusterer.fit(red_fit)
        labels = np.full(n, -1, dtype=int)
        prob = np.zeros(n)
        outlier = np.zeros(n)
        reduced = np.zeros((n, n_comp), dtype=np.float32)
        labels[fit_idx] = clusterer.labels_
        prob[fit_idx] = clusterer.probabilities_
        outlier[fit_idx] = np.nan_to_num(clusterer.outlier_scores_, nan=0.0)
        reduced[fit_idx] = red_fit
        rest_nn = None
        if n > max_fit_size:
            rest = np.setdiff1d(np.arange(n), fit_idx)
            nn, w = _fitted_neighbours(reducer, x[fit_idx], x[rest], min(UMAP_SETTINGS["n_neighbors"], len(fit_idx)))
            lab_rest, prob_rest = _vote(nn, w, clusterer.labels_, clusterer.probabilities_)
            labels[rest] = lab_rest
            prob[rest] = prob_rest
            outlier[rest] = np.nan  # GLOSH is defined for the fitted points only
            reduced[rest] = (red_fit[nn] * w[..., None]).sum(1) / w.sum(1, keepdims=True)
            rest_nn = nn
    finally:
        ctx.__exit__(None, None, None)
    n_clusters = len(set(labels.tolist()) - {-1})
    if n_clusters == 0:
        warnings.warn(
            f"cluster_failures: HDBSCAN found no cluster among {n} texts (all noise) with "
            f"min_cluster_size={min_cluster_size}; try a smaller min_cluster_size or assign_noise=True.",
            UserWarning, stacklevel=3,
        )
        info["branch"] += "+all_noise"
    elif n_clusters == 1:
        warnings.warn(
            f"cluster_failures: HDBSCAN found a single cluster among {n} texts; the texts may be too "
            "similar to separate, or min_cluster_size is too large.", UserWarning, stacklevel=3,
        )
        info["branch"] += "+one_cluster"
    return {"labels": labels, "prob": prob, "outlier": outlier, "reduced": reduced, "umap": reducer,
            "fit_idx": fit_idx, "rest_nn": rest_nn, "info": info}


def _fitted_neighbours(reducer, x_fit: np.ndarray, x_rest: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """The ``k`` nearest fitted texts (cosine, in the embedding space) of each text outside the
    fit sample, as row indices into ``x_fit``, and their weights (cosine similarity, floored at
    1e-6): the fitted UMAP's own nearest-neighbour index (pynndescent) where it built one,
    an exact search otherwise (UMAP keeps no index below 4,096 points)."""
    index = getattr(reducer, "_knn_search_index", None)
    if index is not None:
        nn, d = index.query(np.asarray(x_rest, dtype=np.float32), k=k)
        nn = np.asarray(nn, dtype=np.int64)
        sim = 1.0 - np.asarray(d, dtype=np.float64)
    else:
        def unit(a):
            a = np.asarray(a, dtype=np.float32)
            return a / np.maximum(np.linalg.norm(a, axis=1, keepdims=True), 1e-12)

        xf = unit(x_fit)
        nn = np.empty((len(x_rest), k), dtype=np.int64)
        sim = np.empty((len(x_rest), k))
        for s0 in range(0, len(x_rest), 4096):
            s = unit(x_rest[s0:s0 + 4096]) @ xf.T
            part = np.argpartition(-s, k - 1, axis=1)[:, :k]
            ps = np.take_along_axis(s, part, 1)
            order = np.lexsort((part, -ps), axis=1)  # by similarity, then index: deterministic
            nn[s0:s0 + len(s)] = np.take_along_axis(part, order, 1)
            sim[s0:s0 + len(s)] = np.take_along_axis(ps, order, 1)
    return nn, np.maximum(sim, 1e-6)


def _vote(nn: np.ndarray, w: np.ndarray, fit_labels: np.ndarray, fit_prob: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Cluster of each text outside the fit sample by a similarity-weighted vote of its fitted
    neighbours (noise, -1, is a candidate like any cluster; a tie goes to the label of the
    nearest neighbour among the tied), and its probability: the winning label's share of the
    vote times the mean HDBSCAN probability of the neighbours that cast it."""
    lab = np.asarray(fit_labels)[nn]
    pr = np.asarray(fit_prob, dtype=np.float64)[nn]
    out_lab = np.empty(len(nn), dtype=int)
    out_prob = np.empty(len(nn))
    for s0 in range(0, len(nn), 65_536):
        lb, ww, pp = lab[s0:s0 + 65_536], w[s0:s0 + 65_536], pr[s0:s0 + 65_536]
        same = lb[:, :, None] == lb[:, None, :]
        score = (same * ww[:, None, :]).sum(2)  # weight of the votes for each neighbour's label
        best = score.argmax(1)  # first (nearest) among ties
        win = np.take_along_axis(lb, best[:, None], 1)[:, 0]
        cast = lb == win[:, None]
        share = np.take_along_axis(score, best[:, None], 1)[:, 0] / ww.sum(1)
        mean_p = (pp * cast).sum(1) / cast.sum(1)
        out_lab[s0:s0 + len(lb)] = win
        out_prob[s0:s0 + len(lb)] = np.where(win >= 0, share * mean_p, 0.0)
    return out_lab, out_prob


def _init_from(reduced: np.ndarray) -> np.ndarray:
    """A 2-D starting layout from the 5-D UMAP coordinates: their first two principal axes,
    scaled to UMAP's usual [-10, 10] box (replaces a second spectral initialisation)."""
    r = np.asarray(reduced, dtype=np.float64)
    r = r - r.mean(0)
    w, v = np.linalg.eigh(r.T @ r)
    v = v[:, np.argsort(-w, kind="stable")[:2]]
    v *= np.where(v[np.abs(v).argmax(0), range(2)] < 0, -1.0, 1.0)  # sign convention
    pc = r @ v
    scale = np.abs(pc).max()
    return (pc * (10.0 / scale if scale > 0 else 1.0)).astype(np.float32)


def embed_2d(x: np.ndarray, *, seed: int, labels: np.ndarray | None = None, reducer=None,
             reduced: np.ndarray | None = None, fit_idx: np.ndarray | None = None, max_fit_size: int = 50_000,
             rng: np.random.Generator | None = None, rest_nn: np.ndarray | None = None) -> np.ndarray:
    """2-D coordinates for plotting.

    When the 5-D UMAP (``reducer``) was fitted on these points (all of them, or the sample
    ``fit_idx`` above ``max_fit_size``), the 2-D layout is fitted on the same points, reuses its
    nearest-neighbour graph (``precomputed_knn``) and starts from the principal plane of its 5-D
    coordinates ``reduced``, so that neither the k-NN search nor a spectral initialisation runs
    again; points outside the sample are placed at the mean map position of their 15 nearest
    fitted texts (``rest_nn``, found by :func:`reduce_and_cluster` in the embedding space). Otherwise (no 5-D fit of these points) the layout starts
    from the principal plane of ``x`` (UMAP's ``init="pca"``), on a sample of ``max_fit_size``
    points when there are more, the rest placed with ``UMAP.transform``. ``labels`` (cluster
    ids, -1 for noise) make the layout supervised, so that the map shows the clusters found.
    Fewer than 4 points get a PCA layout.
    """
    n = len(x)
    if n < 4:
        out = np.zeros((n, 2), dtype=np.float32)
        if n >= 2:
            xc = x - x.mean(0)
            _, _, vt = np.linalg.svd(xc, full_matrices=False)
            k = min(2, vt.shape[0])
            out[:, :k] = xc @ vt[:k].T
        return out
    y = labels if labels is not None and len(set(labels.tolist()) - {-1}) > 1 else None
    has_red = reduced is not None and len(reduced) == n
    knn = getattr(reducer, "_knn_indices", None) if reducer is not None else None
    ctx = _quiet()
    try:
        if (n > max_fit_size and has_red and fit_idx is not None and knn is not None and len(knn) == len(fit_idx)
                and rest_nn is not None and len(rest_nn) == n - len(fit_idx)):
            kw = {"precomputed_knn": (reducer._knn_indices, reducer._knn_dists,
                                      getattr(reducer, "_knn_search_index", None))}
            um = _umap(len(fit_idx), 2, seed, target_weight=0.5, init=_init_from(reduced[fit_idx]),
                       n_epochs=map_epochs(len(fit_idx), from_5d=True), **kw)
            out = np.zeros((n, 2), dtype=np.float32)
            out[fit_idx] = um.fit_transform(x[fit_idx], y=None if y is None else y[fit_idx])
            out[np.setdiff1d(np.arange(n), fit_idx)] = out[fit_idx][rest_nn].mean(1)
            return out
        if n > max_fit_size:
            rng = rng if rng is not None else np.random.default_rng(seed)
            fit_idx = np.sort(rng.choice(n, size=max_fit_size, replace=False))
            init = _init_from(reduced[fit_idx]) if has_red else "pca"
            um = _umap(max_fit_size, 2, seed, target_weight=0.5, init=init,
                       n_epochs=map_epochs(max_fit_size, from_5d=has_red))
            out = np.zeros((n, 2), dtype=np.float32)
            out[fit_idx] = um.fit_transform(x[fit_idx], y=None if y is None else y[fit_idx])
            rest = np.setdiff1d(np.arange(n), fit_idx)
            out[rest] = um.transform(x[rest])
            return out
        kw = {}
        if knn is not None and len(knn) == n:
            kw["precomputed_knn"] = (reducer._knn_indices, reducer._knn_dists, getattr(reducer, "_knn_search_index", None))
        um = _umap(n, 2, seed, target_weight=0.5, init=_init_from(reduced) if has_red else "pca",
                   n_epochs=map_epochs(n, from_5d=has_red), **kw)
        return um.fit_transform(x, y=y).astype(np.float32)
    finally:
        ctx.__exit__(None, None, None)
