"""Cluster figures: structure of the plotly figures built from a ClusterResult."""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedback_lab.analysis.cluster import ClusterResult
from feedback_lab.viz import plot_cluster_impact, plot_cluster_trends, plot_clusters


def _result():
    a = pd.DataFrame({"trace_id": ["a", "b", "c", "d"], "cluster": [0, 0, 1, -1], "probability": 1.0,
                      "outlier_score": 0.0, "x": [0.0, 0.1, 1.0, 2.0], "y": [0.0, 0.2, 1.0, 2.0],
                      "error_mode": ["refusal", "refusal", "format_error", None], "error_mode_confidence": 0.9})
    c = pd.DataFrame({"cluster": [0, 1, -1], "name": ["refusal: refund", "format_error: json", "noise"],
                      "size": [2, 1, 1], "share": [0.5, 0.25, 0.25], "negative_rate": [0.5, 1.0, np.nan],
                      "judge_fail_rate": [0.0, 1.0, np.nan], "error_mode": ["refusal", "format_error", None]})
    return ClusterResult(a, c, np.eye(2), {"text_col": "output"})


def test_plot_clusters_has_one_trace_per_cluster_with_text_hover():
    traces = pd.DataFrame({"trace_id": list("abcd"), "output": ["no can do", "sorry", "{bad", "hi"]})
    fig = plot_clusters(_result(), traces)
    assert [t.name for t in fig.data] == ["0 refusal: refund", "1 format_error: json", "noise"]
    assert "no can do" in fig.data[0].hovertext[0] and "refusal" in fig.data[0].hovertext[0]
    assert list(fig.data[0].x) == [0.0, 0.1]


def test_plot_cluster_impact_excludes_noise_and_uses_rate_col():
    fig = plot_cluster_impact(_result(), rate_col="judge_fail_rate")
    assert [float(v) for v in fig.data[0].y] == [0.0, 1.0]
    assert "judge fail rate" in fig.layout.title.text


def test_plot_cluster_trends_counts_per_bucket():
    t = pd.DataFrame({"trace_id": list("abcd"), "timestamp": pd.to_datetime(
        ["2025-01-06", "2025-01-14", "2025-01-14", "2025-01-14"], utc=True)})
    fig = plot_cluster_trends(_result(), t, freq="1w")
    assert {d.name[:1]: list(d.y) for d in fig.data} == {"0": [1, 1], "1": [0, 1]}
    share = plot_cluster_trends(_result(), t, freq="1w", share=True)
    assert [float(v) for v in share.data[1].y] == [0.0, 0.5]
