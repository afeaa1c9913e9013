"""TraceViewer filters/rendering and ClusterExplorer selection/renaming (duck-typed ClusterResult)."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from types import SimpleNamespace

import polars as pl
import pytest

from feedback_lab.schema import TraceSet
from feedback_lab.widgets import ClusterExplorer, TraceViewer
from feedback_lab.widgets._viewer import negative_trace_ids

HOSTILE = '<script>window.__pwned=1</script><img src=x onerror="window.__pwned=1">'


@pytest.fixture
def ts():
    traces = pl.DataFrame({
        "trace_id": ["a", "b", "c", "d"],
        "timestamp": [datetime(2024, 5, d, tzinfo=UTC) for d in (1, 2, 3, 4)],
        "model": ["m1", "m1", "m2", "m2"], "prompt_version": ["v1", "v2", "v1", "v2"],
        "input": [json.dumps([{"role": "system", "content": "be brief"}, {"role": "user", "content": "hi"}]),
                  "q b", "q c", HOSTILE],
        "output": ["hello", "out b", "out c", HOSTILE],
    })
    spans = pl.DataFrame({"span_id": ["s1", "s2", "s3"], "trace_id": ["a", "a", "a"],
                          "parent_id": [None, "s1", "s1"], "name": ["root", "llm", "tool"],
                          "start": [datetime(2024, 5, 1, 0, 0, s, tzinfo=UTC) for s in (0, 1, 2)]})
    fb = pl.DataFrame({"trace_id": ["a", "b", "c"], "name": ["thumbs", "thumbs", "verdict"],
                       "value": [0.0, 1.0, None], "label": [None, None, "FAIL"], "annotator_kind": ["user"] * 3})
    return TraceSet.from_frames(traces=traces, spans=spans, feedback=fb)


def test_negative_rule_matches_the_convention():
    fb = pl.DataFrame({"trace_id": list("abcdef"), "name": ["r"] * 4 + ["t", "t"],
                       "value": [1.0, 2.0, 4.0, 5.0, 0.0, 1.0], "label": [None] * 6})
    # ratings 1-5: 1 and 2 are below the midpoint 3; thumbs 0/1: 0 is negative
    assert negative_trace_ids(fb) == {"a", "b", "e"}


def test_viewer_filters(ts):
    v = TraceViewer(ts, clusters=SimpleNamespace(assignments=pl.DataFrame({"trace_id": list("abcd"), "cluster": [0, 0, 1, 1]})))
    ids = lambda df: df["trace_id"].to_list()  # noqa: E731
    assert ids(v.filter(start="2024-05-02", end="2024-05-04")) == ["b", "c"]
    assert ids(v.filter(models=["m2"], prompt_versions=["v2"])) == ["d"]
    assert ids(v.filter(feedback="negative")) == ["a", "c"]
    assert ids(v.filter(feedback="not_negative")) == ["b", "d"]
    assert ids(v.filter(feedback="without")) == ["d"]
    assert ids(v.filter(clusters=[1], feedback="with")) == ["c"]
    with pytest.raises(ValueError, match="feedback must be one of"):
        v.filter(feedback="bad")
    with pytest.raises(ValueError, match="needs cluster assignments"):
        TraceViewer(ts).filter(clusters=[1])


def test_viewer_trace_detail_and_safety(ts):
    v = TraceViewer(ts)
    assert v.conversation("a") == [("system", "be brief"), ("user", "hi"), ("assistant", "hello")]
    assert [(d, r["name"]) for d, r in v.span_tree("a")] == [(0, "root"), (1, "llm"), (1, "tool")]
    assert v.trace_feedback("c")["label"].to_list() == ["FAIL"]
    html = v.trace_html("d")
    assert "<script" not in html and "<img" not in html and "&lt;script&gt;" in html
    with pytest.raises(KeyError, match="no trace 'zz'"):
        v.conversation("zz")
    box = v.widget()
    listing = box.children[0].children[-1]
    assert list(listing.options) == ["a", "b", "c", "d"]
    listing.value = "d"
    assert "&lt;img" in box.children[1].value
    with pytest.raises(TypeError, match="needs a TraceSet"):
        TraceViewer(ts.traces)


@dataclasses.dataclass(frozen=True)
class FakeResult:
    assignments: pl.DataFrame
    clusters: pl.DataFrame

    def rename(self, mapping):
        names = [mapping.get(c, n) for c, n in self.clusters.select("cluster", "name").rows()]
        return dataclasses.replace(self, clusters=self.clusters.with_columns(pl.Series("name", names)))


@pytest.fixture
def result():
    a = pl.DataFrame({"trace_id": list("abcd"), "cluster": [0, 0, 1, -1], "probability": [0.9, 0.5, 1.0, 0.0],
                      "outlier_score": [0.1, 0.6, 0.2, 0.9], "x": [0.0, 0.1, 1.0, 2.0], "y": [0.0, 0.2, 1.0, 2.0],
                      "error_mode": ["hallucination", "hallucination", "format", None],
                      "error_mode_confidence": [0.8, 0.7, 0.9, None]})
    c = pl.DataFrame({"cluster": [-1, 0, 1], "name": ["outliers", "made-up policy", "bad json"],
                      "size": [1, 2, 1], "share": [0.25, 0.5, 0.25], "keywords": ["", "policy, refund", "json"],
                      "negative_rate": [0.0, 1.0, 0.5], "judge_fail_rate": [0.0, 0.5, 1.0],
                      "mean_rating": [None, 1.5, 3.0], "implicit_negative_rate": [0.0, 0.5, 0.0]})
    return FakeResult(a, c)


def test_explorer_selection_summary_and_rename(ts, result):
    ex = ClusterExplorer(result, ts)
    assert len(ex.selected) == 0 and ex.summary()["size"] == 0
    sel = ex.select_clusters([0])
    assert sel["trace_id"].to_list() == ["a", "b"] and "output" in sel.columns
    s = ex.summary(n_examples=1)
    assert s["clusters"][0]["keywords"] == "policy, refund" and s["clusters"][0]["negative_rate"] == 1.0
    assert s["exemplars"] == [{"trace_id": "a", "cluster": 0, "input": ts.traces["input"][0], "output": "hello"}]
    fig = ex.figure()
    assert [tr.meta for tr in fig.data] == [-1, 0, 1]
    # a lasso/click callback on the "1" trace selecting its first point
    ex._on_points(fig.data[2], SimpleNamespace(point_inds=[0]))
    assert ex.selected["trace_id"].to_list() == ["c"]
    new = ex.rename(1, "broken JSON")
    assert new is ex.result and ex.clusters.filter(pl.col("cluster") == 1)["name"][0] == "broken JSON"
    assert result.clusters.filter(pl.col("cluster") == 1)["name"][0] == "bad json"  # input untouched
    assert fig.data[2].name == "1: broken JSON"
    with pytest.raises(KeyError, match="no cluster 7"):
        ex.rename(7, "x")
    with pytest.raises(KeyError, match="not in the result"):
        ex.select(["zz"])
    # hover text is escaped (plotly interprets a few tags)
    assert all("<img" not in h for tr in fig.data for h in tr.hovertext)


def test_explorer_widget_panel(ts, result):
    ex = ClusterExplorer(result, ts)
    box = ex.widget()
    ex.select(["d"])
    panel = box.children[-1].value
    assert "1 selected" in panel and "<script" not in panel and "&lt;script&gt;" in panel
    with pytest.raises(TypeError, match="needs a ClusterResult"):
        ClusterExplorer(object(), ts)
