"""plot_feedback_trends draws the metric per group, with the Wilson band for negative_rate."""

from __future__ import annotations

import pandas as pd
import pytest

import feedback_lab as fl


@pytest.fixture
def trends(make_frame):
    tr = make_frame({"trace_id": [f"t{i}" for i in range(6)], "model": ["a", "b"] * 3,
                     "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-08", "2024-01-09",
                                                  "2024-01-15", "2024-01-16"], utc=True)})
    fb = make_frame({"trace_id": [f"t{i}" for i in range(6)], "name": "thumb", "value": [0.0, 1.0, 1.0, 0.0, 1.0, 1.0]})
    return fl.feedback_trends(tr, fb, by="model")


def test_plot_negative_rate_with_band(trends):
    go = pytest.importorskip("plotly.graph_objects")
    fig = fl.plot_feedback_trends(trends, by="model")
    assert isinstance(fig, go.Figure)
    lines = [t for t in fig.data if t.mode == "lines+markers"]
    bands = [t for t in fig.data if t.fill == "toself"]
    assert [t.name for t in lines] == ["a", "b"] and len(bands) == 2
    df = trends if isinstance(trends, pd.DataFrame) else trends.to_pandas()
    a = df[df["model"] == "a"]
    assert list(lines[0].y) == a["negative_rate"].tolist()
    assert list(bands[0].y[:3]) == a["negative_rate_high"].tolist()
    assert fig.layout.yaxis.range == (0, 1)


def test_plot_other_metric_and_errors(trends):
    pytest.importorskip("plotly")
    fig = fl.plot_feedback_trends(trends, metric="coverage")
    assert len(fig.data) == 1 and fig.data[0].name == "coverage"
    with pytest.raises(KeyError, match="Available columns"):
        fl.plot_feedback_trends(trends, metric="nps")
