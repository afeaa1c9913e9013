"""Drift figures: timeline, 2-D map of two windows, similarity distribution with its threshold."""

from __future__ import annotations

import numpy as np
import pandas as pd  # noqa: F401  (used by the doctests)

from feedback_lab._deps import import_optional
from feedback_lab._frame import is_dataframe, to_pandas
from feedback_lab._random import check_random_state, seed_int
from feedback_lab._validation import check_in, require_columns

__all__ = ["plot_drift_map", "plot_drift_timeline", "plot_similarity_distribution"]


def _go(feature: str):
    return import_optional("plotly.graph_objects", feature=feature)


def plot_drift_timeline(timeline, *, y: str = "p_value", alpha: float | None = None):
    """Line per method of ``p_value`` (or ``statistic``) per window; drifted windows in red.

    Parameters
    ----------
    timeline : DataFrame
        Output of :func:`feedback_lab.drift_timeline`.
    y : {"p_value", "statistic", "effect_size"}
    alpha : float, optional
        Drawn as a dashed line when ``y="p_value"``.

    Returns
    -------
    plotly.graph_objects.Figure
        Skipped windows (empty, tiny, the reference) appear as grey markers at the bottom
        with their reason on hover.

    Examples
    --------
    >>> tl = pd.DataFrame({"window_start": pd.to_datetime(["2024-01-01", "2024-01-08"]), "method": "mmd",
    ...                    "p_value": [None, 0.01], "drifted": [None, True],
    ...                    "skipped_reason": ["reference window", None], "n": [30, 40]})
    >>> len(plot_drift_timeline(tl, alpha=0.05).data)
    2
    """
    go = _go("plot_drift_timeline")
    check_in(y, ["p_value", "statistic", "effect_size"], name="y", func="plot_drift_timeline")
    df = to_pandas(timeline)
    require_columns(df, ["window_start", "method", y, "skipped_reason", "n"], func="plot_drift_timeline",
                    frame="timeline")
    fig = go.Figure()
    skipped = df[df["skipped_reason"].notna()]
    tested = df[df["skipped_reason"].isna()]
    for method, g in tested.groupby("method", sort=False):
        drifted = g["drifted"].astype(bool).to_numpy() if "drifted" in g else np.zeros(len(g), bool)
        fig.add_trace(go.Scatter(
            x=g["window_start"], y=g[y], mode="lines+markers", name=str(method),
            marker={"color": np.where(drifted, "crimson", "steelblue").tolist(), "size": 9},
            customdata=np.c_[g["n"].to_numpy()], hovertemplate="%{x}<br>" + y + "=%{y:.4g}<br>n=%{customdata[0]}",
        ))
    if len(skipped):
        fig.add_trace(go.Scatter(
            x=skipped["window_start"], y=np.zeros(len(skipped)), mode="markers", name="skipped",
            marker={"color": "lightgrey", "symbol": "x", "size": 9},
            text=skipped["skipped_reason"].astype(str), hovertemplate="%{x}<br>%{text}",
        ))
    if alpha is not None and y == "p_value":
        fig.add_hline(y=alpha, line_dash="dash", line_color="crimson", annotation_text=f"alpha={alpha}")
    fig.update_layout(title="Embedding drift per window", xaxis_title="window start", yaxis_title=y,
                      template="plotly_white")
    return fig


def plot_drift_map(reference, current, *, method: str = "pca", max_points: int = 2000, random_state=None,
                   reference_text=None, current_text=None):
    """2-D projection of both windows (PCA, or UMAP when installed), coloured by window.

    The projection is fitted on the pooled rows, so where the colours separate the
    windows differ. At most ``max_points`` rows per window are drawn (random subsample).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> fig = plot_drift_map(rng.normal(size=(30, 5)), rng.normal(size=(20, 5)) + 1)
    >>> [t.name for t in fig.data]
    ['reference', 'current']
    """
    go = _go("plot_drift_map")
    check_in(method, ["pca", "umap"], name="method", func="plot_drift_map")
    rng = check_random_state(random_state)
    parts = []
    for name, emb, text in (("reference", reference, reference_text), ("current", current, current_text)):
        emb = np.asarray(emb, dtype=np.float64)
        idx = np.arange(len(emb))
        if len(emb) > max_points:
            idx = np.sort(rng.choice(len(emb), max_points, replace=False))
        labels = None if text is None else np.asarray(list(text), dtype=object)[idx]
        parts.append((name, emb[idx], labels))
    z = np.concatenate([p[1] for p in parts])
    if method == "umap":
        umap = import_optional("umap", feature="plot_drift_map(method='umap')")
        xy = umap.UMAP(n_components=2, random_state=seed_int(rng), n_neighbors=min(15, len(z) - 1)).fit_transform(z)
    else:
        zc = z - z.mean(axis=0)
        _, _, vt = np.linalg.svd(zc, full_matrices=False)
        xy = zc @ vt[:2].T
    fig = go.Figure()
    start = 0
    for (name, emb, labels), color in zip(parts, ("steelblue", "darkorange"), strict=True):
        sl = slice(start, start + len(emb))
        start += len(emb)
        fig.add_trace(go.Scattergl(x=xy[sl, 0], y=xy[sl, 1], mode="markers", name=name, opacity=0.6,
                                   marker={"color": color, "size": 5},
                                   text=None if labels is None else [str(t)[:200] for t in labels]))
    fig.update_layout(title=f"Reference vs current ({method.upper()})", template="plotly_white",
                      xaxis_title=f"{method} 1", yaxis_title=f"{method} 2")
    return fig


def plot_similarity_distribution(similarities, threshold=None, *, labels=None, scale: str = "cosine",
                                 nbins: int = 40):
    """Histogram of similarities with the alert threshold drawn (good/bad overlaid when labelled).

    Parameters
    ----------
    similarities : array-like or DataFrame with a ``similarity`` column
    threshold : float or ThresholdResult, optional
    labels : array-like of bool/0/1, optional
        1 = good pair, 0 = bad pair.

    Examples
    --------
    >>> fig = plot_similarity_distribution([0.9, 0.8, 0.4], threshold=0.7)
    >>> fig.layout.shapes[0].x0
    0.7
    """
    go = _go("plot_similarity_distribution")
    if is_dataframe(similarities):
        df = to_pandas(similarities)
        require_columns(df, ["similarity"], func="plot_similarity_distribution")
        sims = df["similarity"].to_numpy(dtype=float)
    else:
        sims = np.asarray(similarities, dtype=float).ravel()
    fig = go.Figure()
    if labels is None:
        fig.add_trace(go.Histogram(x=sims, nbinsx=nbins, name="similarity", marker_color="steelblue"))
    else:
        lab = np.asarray(labels).astype(bool)
        for name, mask, color in (("good", lab, "seagreen"), ("bad", ~lab, "crimson")):
            fig.add_trace(go.Histogram(x=sims[mask], nbinsx=nbins, name=name, marker_color=color, opacity=0.6))
        fig.update_layout(barmode="overlay")
    if threshold is not None:
        t = float(threshold)
        n_below = int((sims < t).sum())
        fig.add_vline(x=t, line_dash="dash", line_color="black",
                      annotation_text=f"threshold {t:.3g}: {n_below} below")
    fig.update_layout(title=f"Similarity distribution ({scale} scale)", xaxis_title=f"similarity ({scale})",
                      yaxis_title="rows", template="plotly_white")
    return fig


