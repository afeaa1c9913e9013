"""cluster_failures: embeddings -> error-mode tags -> taxonomy-aware UMAP + HDBSCAN -> impact."""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedback_lab._frame import like_input
from feedback_lab._random import check_random_state, seed_int
from feedback_lab._validation import check_in, check_number
from feedback_lab.analysis.cluster._impact import class_keywords, representatives, trace_signals
from feedback_lab.analysis.cluster._inputs import check_embeddings, gather_texts, text_mask
from feedback_lab.analysis.cluster._modes import check_taxonomy
from feedback_lab.analysis.cluster._reduce import (
    UMAP_SETTINGS,
    default_min_cluster_size,
    default_min_samples,
    embed_2d,
    map_epochs,
    reduce_and_cluster,
)
from feedback_lab.analysis.cluster._result import ClusterResult
from feedback_lab.analysis.cluster._taxonomy import MODE_THRESHOLD, _tag

__all__ = ["cluster_failures"]


def _relabel_by_size(labels: np.ndarray) -> np.ndarray:
    """Renumber clusters 0..k-1 by decreasing size (ties: first occurrence); -1 stays."""
    ids = [c for c in dict.fromkeys(labels.tolist()) if c != -1]
    order = sorted(ids, key=lambda c: (-int((labels == c).sum()), ids.index(c)))
    mapping = {c: i for i, c in enumerate(order)}
    return np.array([mapping.get(c, -1) for c in labels.tolist()], dtype=int)


def _rank_outlier(emb: np.ndarray, labels: np.ndarray, cents: dict) -> np.ndarray:
    out = np.zeros(len(labels))
    for c, m in cents.items():
        idx = np.flatnonzero(labels == c)
        d = 1 - emb[idx] @ m
        out[idx] = (np.argsort(np.argsort(d, kind="stable"), kind="stable") / max(len(idx) - 1, 1)) if len(idx) > 1 else 0.0
    return out


def cluster_failures(
    traces,
    *,
    text_col: str = "output",
    embeddings: np.ndarray | None = None,
    feedback=None,
    events=None,
    min_cluster_size: int | None = None,
    min_samples: int | None = None,
    taxonomy=None,
    strategy: str = "taxonomy",
    assign_noise: bool = False,
    max_fit_size: int = 50_000,
    model=None,
    random_state: int | np.random.Generator | None = 0,
    show_progress: bool | None = None,
) -> ClusterResult:
    """Cluster traces into failure modes, with impact and error-mode tags per cluster.

    Pipeline: embed (or take ``embeddings``) -> tag every text with an error mode
    (:func:`tag_error_modes`) -> cluster -> c-TF-IDF keywords, representative examples and
    feedback impact per cluster -> 2-D map.

    Short complaints carry their topic as much as their failure ("refused to help with billing"
    lies near other billing texts), so a plain UMAP + HDBSCAN groups by topic. With
    ``strategy="taxonomy"`` (default) the texts that are clearly about a mode of the taxonomy
    (combined score >= 0.2, see :func:`tag_error_modes`) form one cluster per mode, and only the
    rest goes through UMAP (cosine, 5-D) + HDBSCAN to discover failures the taxonomy does not
    name. ``strategy="embedding"`` runs UMAP + HDBSCAN on everything (BERTopic's pipeline).

    Parameters
    ----------
    traces : pandas or polars DataFrame
        Canonical traces (``trace_id`` required).
    text_col : str, default "output"
        Column to cluster: ``output``, ``input``, or a feedback column such as ``comment``
        (reviewers' notes: each trace's notes are joined).
    embeddings : ndarray (n_traces, d), optional
        One row per trace, in traces order; computed with :func:`feedback_lab.embed` otherwise.
    feedback, events : DataFrame, optional
        Canonical feedback and events, for negative / judge-fail / implicit-negative rates.
    min_cluster_size : int, optional
        HDBSCAN's smallest cluster, also the smallest mode cluster; default
        ``clip(round(sqrt(n) / 2), 5, 500)``.
    min_samples : int, optional
        HDBSCAN's ``min_samples``: how many neighbours define a text's density. Default
        ``min(min_cluster_size, 15)`` (15 = UMAP's ``n_neighbors``); HDBSCAN's own default,
        ``min_cluster_size``, marks more texts as noise and costs 5x more at 50k texts
        (see :func:`default_min_samples`).
    taxonomy : sequence of ErrorMode or {name: description}, optional
        Default :data:`DEFAULT_TAXONOMY`.
    strategy : {"taxonomy", "embedding"}
    assign_noise : bool, default False
        Assign noise points to the nearest cluster centroid (their ``probability`` stays 0).
    max_fit_size : int, default 50000
        Above this many texts, UMAP and HDBSCAN are fitted on a random sample of this size and
        every other text takes the cluster of its 15 nearest fitted texts (similarity-weighted
        vote; its ``outlier_score`` is NaN, GLOSH being defined for the fitted texts only).
    model : str, optional
        Embedding model for :func:`feedback_lab.embed` (texts and mode phrases).
    random_state : int, Generator or None, default 0
        Same input and seed give identical assignments.
    show_progress : bool, optional

    Returns
    -------
    ClusterResult

    Examples
    --------
    >>> import pandas as pd
    >>> notes = ["It refused to help with my {}.", "The JSON about my {} does not parse.",
    ...          "The answer about my {} is way too long."]
    >>> topics = ["refund", "invoice", "password", "delivery", "account", "plan"]
    >>> traces = pd.DataFrame({"trace_id": [f"t{i}" for i in range(18)],
    ...                        "comment": [n.format(t) for n in notes for t in topics]})
    >>> res = cluster_failures(traces, text_col="comment", min_cluster_size=3)
    >>> sorted(res.clusters["error_mode"])
    ['format_error', 'length_verbosity', 'refusal']
    """
    from feedback_lab.analysis.cluster._encode import encode

    func = "cluster_failures"
    check_in(strategy, ("taxonomy", "embedding"), name="strategy", func=func)
    check_number(max_fit_size, name="max_fit_size", func=func, low=100, integer=True)
    modes = check_taxonomy(taxonomy)
    seed = seed_int(random_state)
    rng = check_random_state(seed)
    t, texts, source = gather_texts(traces, text_col, feedback)
    n = len(t)
    ok = text_mask(texts, t["trace_id"]) if n else np.zeros(0, dtype=bool)
    if embeddings is None:
        emb = np.zeros((n, 1), dtype=np.float32)
        if ok.any():
            e_ok = encode(list(texts[ok]), model=model, show_progress=show_progress)
            emb = np.zeros((n, e_ok.shape[1]), dtype=np.float32)
            emb[ok] = e_ok
    else:
        emb = check_embeddings(embeddings, n, ok)
    n_ok = int(ok.sum())
    mcs = int(min_cluster_size) if min_cluster_size is not None else default_min_cluster_size(n_ok)
    check_number(mcs, name="min_cluster_size", func=func, low=2, integer=True)
    if min_samples is not None:
        check_number(min_samples, name="min_samples", func=func, low=1, integer=True)
    ms = int(min_samples) if min_samples is not None else default_min_samples(mcs)

    def col(name):
        return t[name].tolist() if name in t.columns else None

    if n:
        tags, resid = _tag(list(texts), emb, modes, model, inputs=col("input"), outputs=col("output"),
                           status=col("status"), ok=ok)
    else:
        tags = pd.DataFrame({"error_mode": [], "error_mode_confidence": [], "error_mode_score": []})
        resid = emb
    labels = np.full(n, -1, dtype=int)
    prob = np.full(n, np.nan)
    outlier = np.full(n, np.nan)
    info: dict = {}
    pool = ok.copy()
    mode_of_cluster: dict[int, str] = {}
    if strategy == "taxonomy" and n_ok:
        confident = ok & (tags["error_mode_score"].to_numpy(dtype=float) >= MODE_THRESHOLD)
        next_id = 0
        for m in modes:
            members = confident & (tags["error_mode"].to_numpy(dtype=object) == m.name)
            if members.sum() >= mcs:
                labels[members] = next_id
                prob[members] = tags["error_mode_confidence"].to_numpy(dtype=float)[members]
                mode_of_cluster[next_id] = m.name
                pool &= ~members
                next_id += 1
        info["mode_clusters"] = dict(mode_of_cluster)
        info["n_by_mode"] = int((~pool & ok).sum())
    else:
        next_id = 0
    idx_pool = np.flatnonzero(pool)
    reducer = reduced = fit_idx = rest_nn = None
    if len(idx_pool):
        if strategy == "taxonomy" and len(idx_pool) < max(2 * mcs, UMAP_SETTINGS["n_components"] + 2):
            info["discovery"] = f"{len(idx_pool)} texts not clearly about a mode: too few to cluster, left as noise"
            prob[idx_pool] = 0.0
            outlier[idx_pool] = 1.0
        else:
            rc = reduce_and_cluster((resid if strategy == "taxonomy" else emb)[idx_pool], min_cluster_size=mcs, min_samples=ms, seed=seed,
                                    max_fit_size=max_fit_size, rng=rng)
            lab = rc["labels"]
            labels[idx_pool] = np.where(lab >= 0, lab + next_id, -1)
            prob[idx_pool] = rc["prob"]
            outlier[idx_pool] = rc["outlier"]
            info["discovery"] = rc["info"]
            if len(idx_pool) == n_ok:  # the 5-D UMAP saw every text: its coordinates seed the 2-D map
                reduced, reducer, fit_idx, rest_nn = rc["reduced"], rc["umap"], rc["fit_idx"], rc["rest_nn"]
    noise_before = int(((labels == -1) & ok).sum())
    cents, _ = representatives(emb, labels)
    if assign_noise and cents and noise_before:
        ids = np.array(sorted(cents))
        c_mat = np.stack([cents[c] for c in ids])
        nz = np.flatnonzero((labels == -1) & ok)
        labels[nz] = ids[(emb[nz] @ c_mat.T).argmax(1)]
        prob[nz] = 0.0
    new = _relabel_by_size(labels)
    mode_of_cluster = {int(new[np.flatnonzero(labels == c)[0]]): m for c, m in mode_of_cluster.items()}
    labels = new
    cents, reps = representatives(emb, labels)
    for c in mode_of_cluster:
        idx = np.flatnonzero(labels == c)
        outlier[idx] = _rank_outlier(emb, labels, {c: cents[c]})[idx]
    xy = np.full((n, 2), np.nan, dtype=np.float32)
    if n_ok:
        ok_idx = np.flatnonzero(ok)
        xy[ok_idx] = embed_2d(emb[ok_idx], seed=seed, labels=labels[ok_idx], reducer=reducer, reduced=reduced,
                              fit_idx=fit_idx, max_fit_size=max_fit_size, rng=rng, rest_nn=rest_nn)
    # ---------------------------------------------------------------- tables
    tid = t["trace_id"].to_numpy(dtype=object)
    assignments = pd.DataFrame({
        "trace_id": tid, "cluster": labels.astype("int64"), "probability": prob, "outlier_score": outlier,
        "x": xy[:, 0].astype(float), "y": xy[:, 1].astype(float),
        "error_mode": tags["error_mode"].to_numpy(dtype=object),
        "error_mode_confidence": tags["error_mode_confidence"].to_numpy(dtype=float),
    })
    sig = trace_signals(feedback, events).reindex([str(x) for x in tid])
    sig.index = range(n)
    if events is not None:
        sig["implicit_negative"] = sig["implicit_negative"].fillna(0.0)
    kw = class_keywords([str(x) for x in texts[ok]], labels[ok]) if n_ok else {}
    rows = []
    for c in sorted(set(labels[ok].tolist()), key=lambda c: (c == -1, c)):
        idx = np.flatnonzero((labels == c) & ok)
        em = assignments["error_mode"].iloc[idx].dropna()
        top = em.value_counts()
        mode = mode_of_cluster.get(c, top.index[0] if len(top) else None)
        share_mode = float((em == mode).mean()) if len(em) and mode is not None else np.nan
        ex = reps.get(c, idx[:5]) if c != -1 else idx[np.argsort(-np.nan_to_num(outlier[idx]), kind="stable")[:5]]
        words = kw.get(c, [])
        if c == -1:
            name = "noise"
        elif mode is not None and share_mode >= 0.5:
            name = f"{mode}: {', '.join(words[:3])}" if words else str(mode)
        else:
            name = ", ".join(words[:4]) or f"cluster {c}"

        def rate(colname, idx=idx):
            v = sig[colname].iloc[idx].dropna() if colname in sig.columns else pd.Series(dtype=float)
            return float(v.mean()) if len(v) else np.nan

        rows.append({
            "cluster": int(c), "name": name, "size": len(idx), "share": len(idx) / n_ok,
            "keywords": list(words), "examples": [str(texts[i]) for i in ex], "example_ids": [str(tid[i]) for i in ex],
            "negative_rate": rate("negative"), "judge_fail_rate": rate("judge_fail"), "mean_rating": rate("rating"),
            "implicit_negative_rate": rate("implicit_negative"), "error_mode": mode, "error_mode_share": share_mode,
        })
    clusters = pd.DataFrame(rows, columns=["cluster", "name", "size", "share", "keywords", "examples", "example_ids",
                                           "negative_rate", "judge_fail_rate", "mean_rating",
                                           "implicit_negative_rate", "error_mode", "error_mode_share"])
    clusters["cluster"] = clusters["cluster"].astype("int64")
    clusters["size"] = clusters["size"].astype("int64")
    ids = [c for c in clusters["cluster"].tolist() if c != -1]
    centroids = np.stack([cents[c] for c in ids]) if ids else np.zeros((0, emb.shape[1]), dtype=np.float32)
    layout = info["discovery"].get("umap_layout", {}) if isinstance(info.get("discovery"), dict) else {}
    params = {
        "strategy": strategy, "text_col": text_col, "text_source": source, "n_traces": n, "n_texts": n_ok,
        "n_missing_text": n - n_ok, "min_cluster_size": mcs, "min_samples": ms,
        "random_state": seed, "assign_noise": bool(assign_noise), "noise_assigned": noise_before if assign_noise else 0,
        "max_fit_size": int(max_fit_size), "umap": {**UMAP_SETTINGS, **layout, "random_state": seed},
        "map_n_epochs": map_epochs(len(fit_idx) if reducer is not None else n_ok, from_5d=reducer is not None),
        "hdbscan": {"min_cluster_size": mcs, "min_samples": ms,
                    "metric": "euclidean", "cluster_selection_method": "eom"},
        "taxonomy": [m.name for m in modes], "mode_threshold": MODE_THRESHOLD, "model": model,
        "embedding_dim": int(emb.shape[1]), **info,
    }
    return ClusterResult(like_input(assignments, traces), like_input(clusters, traces), centroids, params)
