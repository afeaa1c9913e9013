"""Figures of failure-mode clusters: 2-D map, impact (size vs negative rate), trends over time."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from feedback_lab._deps import import_optional
from feedback_lab._frame import to_pandas
from feedback_lab._validation import require_columns

__all__ = ["plot_cluster_impact", "plot_cluster_trends", "plot_clusters"]


def _go():
    return import_optional("plotly.graph_objects", feature="cluster figures")


def _names(result) -> dict[int, str]:
    cl = to_pandas(result.clusters)
    return {int(c): str(n) for c, n in zip(cl["cluster"], cl["name"], strict=True)}


def _snip(v, k: int = 160) -> str:
    s = "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)
    return s if len(s) <= k else s[: k - 1] + "…"


def plot_clusters(result, traces=None, *, text_col: str | None = None, max_points: int = 20_000,
                  random_state: int = 0):
    """2-D map of the traces coloured by cluster; hover shows a text snippet, cluster and error mode.

    Parameters
    ----------
    result : ClusterResult
    traces : DataFrame, optional
        Traces, for the hover text (``text_col``, default the column that was clustered).
    text_col : str, optional
    max_points : int, default 20000
        Larger results are subsampled (uniformly, seeded) to keep the notebook responsive.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from feedback_lab.analysis.cluster import ClusterResult
    >>> a = pd.DataFrame({"trace_id": ["a", "b"], "cluster": [0, -1], "x": [0.0, 1.0], "y": [0.0, 1.0],
    ...                   "error_mode": ["refusal", None], "error_mode_confidence": [0.9, np.nan]})
    >>> c = pd.DataFrame({"cluster": [0, -1], "name": ["refusal: refund", "noise"]})
    >>> [t.name for t in plot_clusters(ClusterResult(a, c, np.zeros((1, 2)), {})).data]
    ['0 refusal: refund', 'noise']
    """
    go = _go()
    a = to_pandas(result.assignments)
    a = a[a["x"].notna()] if "x" in a.columns else a
    if len(a) > max_points:
        a = a.sample(max_points, random_state=random_state)
    col = text_col or result.params.get("text_col")
    if traces is not None and col and col in to_pandas(traces).columns:
        t = to_pandas(traces)[["trace_id", col]].drop_duplicates("trace_id")
        t = t.assign(trace_id=t["trace_id"].astype(str))
        a = a.merge(t.rename(columns={col: "_text"}), on="trace_id", how="left")
    else:
        a = a.assign(_text="")
    names = _names(result)
    fig = go.Figure()
    for c in sorted(a["cluster"].unique(), key=lambda c: (c == -1, c)):
        d = a[a["cluster"] == c]
        label = "noise" if c == -1 else f"{c} {names.get(int(c), '')}"
        hover = [f"<b>{_snip(nm, 60)}</b><br>trace {tid}<br>mode: {m}<br>{_snip(tx)}"
                 for nm, tid, m, tx in zip([label] * len(d), d["trace_id"], d["error_mode"], d["_text"], strict=True)]
        fig.add_trace(go.Scattergl(
            x=d["x"], y=d["y"], mode="markers", name=label, hovertext=hover, hoverinfo="text",
            marker={"size": 5, "opacity": 0.35 if c == -1 else 0.8,
                    **({"color": "lightgrey"} if c == -1 else {})},
        ))
    fig.update_layout(title="Failure-mode clusters", xaxis={"visible": False}, yaxis={"visible": False},
                      legend={"title": "cluster"}, template="plotly_white")
    return fig


def plot_cluster_impact(result, *, rate_col: str = "negative_rate"):
    """Bubble chart of cluster size (x) against a failure rate (y); the top-right matters most.

    Parameters
    ----------
    result : ClusterResult
    rate_col : str, default "negative_rate"
        Any rate column of ``result.clusters`` (``judge_fail_rate``, ``implicit_negative_rate``).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from feedback_lab.analysis.cluster import ClusterResult
    >>> c = pd.DataFrame({"cluster": [0, 1], "name": ["refusal", "format"], "size": [30, 10],
    ...                   "share": [0.75, 0.25], "negative_rate": [0.6, 0.2], "error_mode": ["refusal", "format_error"]})
    >>> fig = plot_cluster_impact(ClusterResult(pd.DataFrame(), c, np.zeros((2, 2)), {}))
    >>> [float(v) for v in fig.data[0].y]
    [0.6, 0.2]
    """
    go = _go()
    cl = to_pandas(result.clusters)
    require_columns(cl, ["cluster", "size", rate_col], func="plot_cluster_impact", frame="result.clusters")
    cl = cl[cl["cluster"] != -1]
    sizes = cl["size"].to_numpy(float)
    ref = sizes.max() if len(sizes) else 1.0
    fig = go.Figure(go.Scatter(
        x=cl["size"], y=cl[rate_col], mode="markers+text", text=[str(c) for c in cl["cluster"]],
        textposition="top center",
        hovertext=[f"<b>{nm}</b><br>size {s} ({sh:.0%})<br>{rate_col} {r:.2f}<br>mode: {m}" for nm, s, sh, r, m in zip(
            cl["name"], cl["size"], cl.get("share", cl["size"] * 0), cl[rate_col].fillna(np.nan),
            cl.get("error_mode", [None] * len(cl)), strict=True)],
        hoverinfo="text",
        marker={"size": 12 + 38 * np.sqrt(sizes / ref) if len(sizes) else [], "opacity": 0.7},
    ))
    fig.update_layout(title=f"Cluster impact: size vs {rate_col.replace('_', ' ')}", xaxis_title="traces in cluster",
                      yaxis_title=rate_col.replace("_", " "), template="plotly_white")
    return fig


def plot_cluster_trends(result, traces, *, freq: str = "1w", share: bool = False, top: int = 10):
    """Traces per cluster over time (one line per cluster, the ``top`` largest; noise excluded).

    Parameters
    ----------
    result : ClusterResult
    traces : DataFrame
        Traces with ``trace_id`` and ``timestamp``.
    freq : str, default "1w"
        Bucket width, polars style (``"1d"``, ``"1w"``, ``"1mo"``) or pandas style (``"W"``).
    share : bool, default False
        Plot each cluster's share of the bucket's traces instead of counts.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from feedback_lab.analysis.cluster import ClusterResult
    >>> a = pd.DataFrame({"trace_id": ["a", "b", "c"], "cluster": [0, 0, 1]})
    >>> c = pd.DataFrame({"cluster": [0, 1], "name": ["refusal", "format"], "size": [2, 1]})
    >>> t = pd.DataFrame({"trace_id": ["a", "b", "c"],
    ...                   "timestamp": pd.to_datetime(["2025-01-01", "2025-01-09", "2025-01-09"], utc=True)})
    >>> fig = plot_cluster_trends(ClusterResult(a, c, np.zeros((2, 2)), {}), t)
    >>> [list(d.y) for d in fig.data]
    [[1, 1], [0, 1]]
    """
    go = _go()
    t = to_pandas(traces)
    require_columns(t, ["trace_id", "timestamp"], func="plot_cluster_trends", frame="traces")
    a = to_pandas(result.assignments)[["trace_id", "cluster"]]
    t = t[["trace_id", "timestamp"]].assign(trace_id=t["trace_id"].astype(str))
    d = a.assign(trace_id=a["trace_id"].astype(str)).merge(t, on="trace_id", how="inner")
    d = d[(d["cluster"] != -1) & d["timestamp"].notna()]
    units = {"d": "D", "w": "W", "mo": "MS", "h": "h", "m": "min", "y": "YS"}
    m = re.fullmatch(r"(\d*)(mo|d|w|h|m|y)", freq)
    pandas_freq = f"{m.group(1)}{units[m.group(2)]}" if m else freq
    d = d.assign(timestamp=pd.to_datetime(d["timestamp"], utc=True))
    counts = d.groupby([pd.Grouper(key="timestamp", freq=pandas_freq), "cluster"]).size().unstack(fill_value=0)
    counts = counts.sort_index()
    if share:
        counts = counts.div(counts.sum(axis=1).replace(0, np.nan), axis=0)
    names = _names(result)
    order = counts.sum().sort_values(ascending=False).index[:top]
    fig = go.Figure()
    for c in sorted(order):
        fig.add_trace(go.Scatter(x=list(counts.index), y=counts[c].tolist(), mode="lines+markers",
                                 name=f"{c} {names.get(int(c), '')}"[:60]))
    fig.update_layout(title=f"Clusters over time ({freq} buckets)", xaxis_title="time",
                      yaxis_title="share of traces" if share else "traces", template="plotly_white")
    return fig
