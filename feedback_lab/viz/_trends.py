"""plot_feedback_trends: the negative rate (with its Wilson band) and coverage over time."""

from __future__ import annotations

from typing import Any

from feedback_lab._deps import import_optional
from feedback_lab._frame import to_pandas
from feedback_lab._validation import require_columns

__all__ = ["plot_feedback_trends"]


def plot_feedback_trends(trends: Any, *, metric: str = "negative_rate", by: str | None = None,
                         title: str | None = None) -> Any:
    """Line chart of a :func:`feedback_lab.feedback_trends` column over ``period``.

    Parameters
    ----------
    trends : DataFrame
        Output of ``fl.feedback_trends`` (pandas or polars).
    metric : str
        Column to plot (``negative_rate``, ``coverage``, ``mean_rating``, ``implicit_negative_rate``...).
        For ``negative_rate`` the Wilson 95% interval is drawn as a band.
    by : str, optional
        Group column of the trends (one line per group).
    title : str, optional

    Returns
    -------
    plotly.graph_objects.Figure
        Never shown; the hover text gives the counts behind each point.

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> t = pd.DataFrame({"period": pd.to_datetime(["2024-01-01", "2024-01-08"], utc=True),
    ...                   "n_traces": [10, 12], "n_feedback": [5, 6], "n_negative": [1, 3],
    ...                   "negative_rate": [0.2, 0.5], "negative_rate_low": [0.04, 0.19],
    ...                   "negative_rate_high": [0.62, 0.81]})
    >>> len(fl.plot_feedback_trends(t).data)
    2
    """
    go = import_optional("plotly.graph_objects", feature="plot_feedback_trends")
    require_columns(trends, ["period", metric, *([by] if by else [])], func="plot_feedback_trends", frame="trends")
    df = to_pandas(trends).sort_values("period")
    band = metric == "negative_rate" and {"negative_rate_low", "negative_rate_high"} <= set(df.columns)
    fig = go.Figure()
    palette = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
    groups = df.groupby(by, sort=True, dropna=False) if by else [(None, df)]
    for i, (key, g) in enumerate(groups):
        color = palette[i % len(palette)]
        name = metric if key is None else str(key)
        if band:
            fig.add_trace(go.Scatter(
                x=list(g["period"]) + list(g["period"])[::-1],
                y=list(g["negative_rate_high"]) + list(g["negative_rate_low"])[::-1],
                fill="toself", line={"width": 0}, fillcolor=color, opacity=0.15, hoverinfo="skip",
                showlegend=False, name=f"{name} 95% CI"))
        custom = g[[c for c in ("n_traces", "n_feedback", "n_negative") if c in g.columns]]
        hover = "<br>".join(f"{c}=%{{customdata[{j}]}}" for j, c in enumerate(custom.columns))
        fig.add_trace(go.Scatter(
            x=g["period"], y=g[metric], mode="lines+markers", name=name, line={"color": color},
            customdata=custom.to_numpy(), hovertemplate=f"%{{x|%Y-%m-%d}}<br>{metric}=%{{y:.3f}}<br>{hover}<extra>{name}</extra>"))
    fig.update_layout(title=title or f"{metric.replace('_', ' ')} per period", xaxis_title="period",
                      yaxis_title=metric.replace("_", " "), template="plotly_white", hovermode="x unified")
    if metric.endswith("_rate") or metric == "coverage":
        fig.update_yaxes(range=[0, 1], tickformat=".0%")
    return fig
