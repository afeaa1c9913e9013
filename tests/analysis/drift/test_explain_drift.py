"""explain_drift: chi-square and adjusted residuals against scipy, cluster frames, examples."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import chi2_contingency

import feedback_lab as fl
from feedback_lab.analysis.drift._explain import cluster_shift


def test_chi_square_and_adjusted_residuals_match_scipy():
    ref = np.repeat([0, 1, 2, -1], [50, 30, 20, 10])
    cur = np.repeat([0, 1, 2, -1], [30, 30, 45, 5])
    frame, chi2, p, dof = cluster_shift(ref, cur)
    table = np.array([[10, 50, 30, 20], [5, 30, 30, 45]])  # columns sorted: -1, 0, 1, 2
    stat, p_ref, dof_ref, _ = chi2_contingency(table, correction=False)
    assert (chi2, p, dof) == pytest.approx((stat, p_ref, dof_ref))
    # the adjusted residual of a cluster is the signed z of the collapsed 2x2 table "cluster vs rest"
    for row in frame.itertuples():
        k = [-1, 0, 1, 2].index(row.cluster)
        sub = np.c_[table[:, k], table.sum(axis=1) - table[:, k]]
        z2 = chi2_contingency(sub, correction=False)[0]
        assert row.residual == pytest.approx(np.sign(row.share_change) * np.sqrt(z2))
    status = dict(zip(frame["cluster"], frame["status"], strict=True))
    assert status[2] == "grew" and status[0] == "shrank" and status[1] == "stable"
    assert frame.set_index("cluster").loc[2, "drift_ratio"] == pytest.approx(
        (45 / 110 - 20 / 110) / (45 / 110 + 20 / 110))


def test_clusters_frame_with_error_mode_and_traces():
    rng = np.random.default_rng(0)
    ref_t = pd.DataFrame({"trace_id": [f"r{i}" for i in range(40)], "input": "q", "output": "a"})
    cur_t = pd.DataFrame({"trace_id": [f"c{i}" for i in range(40)], "input": "q", "output": "a"})
    clusters = pd.DataFrame({
        "trace_id": list(ref_t.trace_id) + list(cur_t.trace_id),
        "cluster": [0] * 40 + [0] * 25 + [3] * 15,
        "error_mode": ["refusal" if c == 0 else "hallucination" for c in [0] * 65 + [3] * 15],
    })
    topic_a, topic_b = np.eye(8)[0] * 4, np.eye(8)[1] * 4  # two tight topics on the unit sphere
    unit = lambda z: z / np.linalg.norm(z, axis=1, keepdims=True)  # noqa: E731
    ref = unit(rng.normal(size=(40, 8)) + topic_a)
    cur = unit(np.vstack([rng.normal(size=(25, 8)) + topic_a, rng.normal(size=(15, 8)) + topic_b]))
    ex = fl.explain_drift(ref, cur, clusters=clusters, traces=(ref_t, cur_t), n_examples=5, random_state=0)
    top = ex.clusters.iloc[0]
    assert ex.clusters.set_index("cluster").loc[3, "status"] == "appeared"
    assert set(ex.clusters["error_mode"]) == {"refusal", "hallucination"}
    assert list(ex.examples.columns[:3]) == ["current_index", "classifier_probability", "nearest_reference_distance"]
    assert {"trace_id", "cluster", "input", "output"} <= set(ex.examples.columns)
    assert (ex.examples["cluster"] == 3).sum() >= 4
    assert "DriftExplanation" in ex._repr_html_() and top["n_current"] > 0
    near = fl.explain_drift(ref, cur, sort_by="nearest", n_examples=15, random_state=0)
    assert near.clusters is None and (near.examples["current_index"] >= 25).mean() >= 0.8
    assert (near.examples["nearest_reference_distance"].diff().dropna() <= 0).all()


def test_explain_errors():
    ref, cur = np.ones((5, 2)), np.ones((5, 2))
    with pytest.raises(ValueError, match="needs traces="):
        fl.explain_drift(ref, cur, clusters=pd.DataFrame({"trace_id": ["a"], "cluster": [0]}))
    with pytest.raises(ValueError, match="cluster labels have 4 and 5 rows"):
        fl.explain_drift(ref, cur, clusters=([0] * 4, [0] * 5))
    traces = pd.DataFrame({"trace_id": list("abcdefghij")})
    with pytest.raises(ValueError, match=r"1 current trace\(s\) have no row in clusters"):
        fl.explain_drift(ref, cur, traces=traces,
                         clusters=pd.DataFrame({"trace_id": list("abcdefghi"), "cluster": 0}))
