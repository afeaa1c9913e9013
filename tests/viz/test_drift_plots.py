"""Drift figures: traces, threshold line, skipped windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl

import feedback_lab as fl


def test_timeline_figure_marks_drift_and_skips():
    rng = np.random.default_rng(0)
    days = [1] * 25 + [8] * 25 + [15] * 3 + [22] * 25
    traces = pd.DataFrame({"timestamp": pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(days, unit="D")})
    emb = rng.normal(size=(len(days), 4))
    emb[-25:] += 2
    tl = fl.drift_timeline(pl.from_pandas(traces), emb, method="all", random_state=0)
    fig = fl.plot_drift_timeline(tl, alpha=0.05)
    names = [t.name for t in fig.data]
    assert names == ["mmd", "classifier", "centroid", "skipped"]
    assert list(fig.data[-1].text) == ["reference window", "only 3 rows (min_size=20)"]
    assert "crimson" in list(fig.data[0].marker.color)
    assert fig.layout.shapes[0].y0 == 0.05


def test_drift_map_subsamples_and_colours_by_window():
    rng = np.random.default_rng(1)
    fig = fl.plot_drift_map(rng.normal(size=(50, 6)), rng.normal(size=(30, 6)), max_points=20,
                            current_text=[f"c{i}" for i in range(30)], random_state=0)
    assert [len(t.x) for t in fig.data] == [20, 20]
    assert fig.data[1].text[0].startswith("c")


def test_similarity_distribution_with_labels_and_alert_frame():
    fig = fl.plot_similarity_distribution([0.9, 0.8, 0.4, 0.3], threshold=fl.calibrate_threshold(
        [0.9, 0.8, 0.4, 0.3], [1, 1, 0, 0]), labels=[1, 1, 0, 0])
    assert [t.name for t in fig.data] == ["good", "bad"]
    assert abs(fig.layout.shapes[0].x0 - 0.6) < 1e-12
    assert "2 below" in fig.layout.annotations[0].text
    frame = pd.DataFrame({"similarity": [0.1, 0.2]})
    assert len(fl.plot_similarity_distribution(frame).data) == 1
