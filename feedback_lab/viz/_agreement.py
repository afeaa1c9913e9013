"""Figures for judge–human agreement (plotly, imported lazily; figures are never shown)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._deps import import_optional

__all__ = ["plot_agreement_by_segment", "plot_confusion", "plot_rater_matrix"]


def _go(feature: str):
    return import_optional("plotly.graph_objects", feature=feature)


def _pandas(frame) -> pd.DataFrame:
    return frame if isinstance(frame, pd.DataFrame) else frame.to_pandas()


def plot_confusion(result: Any, *, segment: str = "overall", normalize: str | None = None):
    """Heatmap of the judge x human confusion matrix of an :class:`AgreementResult`.

    Parameters
    ----------
    result : AgreementResult
    segment : str, default "overall"
    normalize : {None, "human", "judge"}
        ``"human"``: each human-label column sums to 1 (judge recall per human label);
        ``"judge"``: each judge-label row sums to 1.

    Returns
    -------
    plotly.graph_objects.Figure

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> df = pd.DataFrame({"judge": ["pass", "fail", "pass"], "human": ["pass", "fail", "fail"]})
    >>> fig = plot_confusion(fl.agreement(df, judge_col="judge", human_col="human", n_boot=0))
    >>> fig.data[0].type
    'heatmap'
    """
    go = _go("plot_confusion")
    cm = result.confusion_matrix(segment)
    z = cm.to_numpy(dtype=float)
    if normalize not in (None, "human", "judge"):
        msg = f"normalize must be None, 'human' or 'judge'; got {normalize!r}."
        raise ValueError(msg)
    with np.errstate(divide="ignore", invalid="ignore"):
        if normalize == "human":
            z = z / z.sum(0, keepdims=True)
        elif normalize == "judge":
            z = z / z.sum(1, keepdims=True)
    text = [[f"{int(c)}" if normalize is None else f"{v:.2f} ({int(c)})" for v, c in zip(zr, cr, strict=True)]
            for zr, cr in zip(z, cm.to_numpy(), strict=True)]  # fmt: skip
    fig = go.Figure(go.Heatmap(z=z, x=list(cm.columns), y=list(cm.index), text=text, texttemplate="%{text}",
                               colorscale="Blues", hovertemplate="judge %{y}<br>human %{x}<br>%{text}<extra></extra>"))  # fmt: skip
    p = result.params
    fig.update_layout(title=f"Confusion: {p['judge_col']} (rows) vs {p['human_col']} (columns) — {segment}",
                      xaxis_title=p["human_col"], yaxis_title=p["judge_col"], yaxis_autorange="reversed")  # fmt: skip
    return fig


def plot_agreement_by_segment(
    result: Any, *, statistics: Sequence[str] | None = None, threshold: float | None = None
):
    """Point estimates with 95% interval bars, one group per segment (overall first).

    Parameters
    ----------
    result : AgreementResult
    statistics : list of str, optional
        Default: Cohen's kappa (quadratic for ordinal/interval), Krippendorff's alpha and,
        for ordinal/interval, Spearman.
    threshold : float, optional
        Draw a dashed acceptance line (e.g. 0.8).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go = _go("plot_agreement_by_segment")
    long = _pandas(result.statistics)
    level = result.params.get("level", "nominal")
    if statistics is None:
        statistics = ["cohen_kappa", "krippendorff_alpha"] if level == "nominal" else [
            "cohen_kappa_quadratic", "krippendorff_alpha", "spearman"]  # fmt: skip
    unknown = sorted(set(statistics) - set(long["statistic"]))
    if unknown:
        msg = f"plot_agreement_by_segment: statistics {unknown} are not in the result; available: {sorted(set(long['statistic']))}."
        raise ValueError(msg)
    fig = go.Figure()
    for stat in statistics:
        g = long[long["statistic"] == stat]
        fig.add_trace(go.Scatter(
            x=g["segment"], y=g["estimate"], mode="markers", name=stat,
            error_y=dict(type="data", symmetric=False, array=g["ci_high"] - g["estimate"],
                         arrayminus=g["estimate"] - g["ci_low"]),
            customdata=np.column_stack([g["n"], g["ci_low"], g["ci_high"], g["reason"]]),
            hovertemplate="%{x}: %{y:.3f} [%{customdata[1]:.3f}, %{customdata[2]:.3f}]<br>n=%{customdata[0]}"
                          "<br>%{customdata[3]}<extra>" + stat + "</extra>",
        ))  # fmt: skip
    if threshold is not None:
        fig.add_hline(y=threshold, line_dash="dash", annotation_text=f"bar {threshold}")
    fig.update_layout(title="Judge–human agreement by segment (95% bootstrap intervals)", scattermode="group",
                      yaxis_title="estimate", xaxis_title="segment")  # fmt: skip
    return fig


def plot_rater_matrix(result: Any, *, zmin: float = -1.0):
    """Heatmap of pairwise Cohen's kappa between raters (``InterRaterResult`` or ``JudgeVsHumansResult``).

    Returns
    -------
    plotly.graph_objects.Figure
    """
    go = _go("plot_rater_matrix")
    if hasattr(result, "matrix"):
        raters, mat = list(result.raters), np.asarray(result.matrix, float)
    else:
        pw = _pandas(result.pairwise)
        raters = sorted(set(pw["rater_a"]) | set(pw["rater_b"]))
        mat = np.eye(len(raters))
        for r in pw.itertuples():
            i, j = raters.index(r.rater_a), raters.index(r.rater_b)
            mat[i, j] = mat[j, i] = r.cohen_kappa
    text = [["" if not np.isfinite(v) else f"{v:.2f}" for v in row] for row in mat]
    fig = go.Figure(go.Heatmap(z=mat, x=raters, y=raters, zmin=zmin, zmax=1, colorscale="RdBu", text=text,
                               texttemplate="%{text}", hovertemplate="%{y} vs %{x}: %{z:.3f}<extra></extra>"))  # fmt: skip
    fig.update_layout(title="Pairwise Cohen's kappa", yaxis_autorange="reversed")
    return fig
