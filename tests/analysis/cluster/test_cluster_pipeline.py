"""cluster_failures on planted failure modes: modes not topics, determinism, impact, branches."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
from sklearn.metrics import adjusted_rand_score

from feedback_lab.analysis.cluster import ClusterResult, cluster_failures

pytestmark = pytest.mark.model


def test_clusters_follow_modes_not_topics(planted, taxonomy_result):
    """The taxonomy-aware pipeline recovers the planted modes; plain UMAP+HDBSCAN groups by topic.

    Both ARIs are computed with scikit-learn's reference adjusted_rand_score.
    """
    ours = taxonomy_result.assignments["cluster"].to_numpy()
    plain = cluster_failures(planted["traces"], text_col="comment", embeddings=planted["embeddings"],
                             strategy="embedding", min_cluster_size=10)
    plain_labels = plain.assignments["cluster"].to_numpy()
    ari_ours = adjusted_rand_score(planted["modes"], ours)
    ari_plain = adjusted_rand_score(planted["modes"], plain_labels)
    print(f"ARI vs planted modes: taxonomy-aware {ari_ours:.3f}, plain UMAP+HDBSCAN {ari_plain:.3f}; "
          f"plain vs topics {adjusted_rand_score(planted['topics'], plain_labels):.3f}")
    assert ari_ours >= 0.8
    assert ari_ours > ari_plain + 0.3
    cl = taxonomy_result.clusters
    named = cl[cl["cluster"] != -1]
    assert sorted(named["error_mode"]) == sorted(set(planted["modes"]))
    assert (named["error_mode_share"] >= 0.8).all()
    assert plain.params["strategy"] == "embedding" and plain.params["discovery"]["branch"].startswith("full_fit")


def test_result_shape_and_columns(planted, taxonomy_result):
    a, c = taxonomy_result.assignments, taxonomy_result.clusters
    assert list(a.columns) == ["trace_id", "cluster", "probability", "outlier_score", "x", "y", "error_mode",
                               "error_mode_confidence"]
    assert a["trace_id"].tolist() == planted["traces"]["trace_id"].tolist()
    assert np.isfinite(a[["x", "y"]].to_numpy()).all()
    assert c["size"].sum() == len(a) and np.isclose(c["share"].sum(), 1.0)
    for _, row in c[c["cluster"] != -1].iterrows():
        members = set(a.loc[a["cluster"] == row["cluster"], "trace_id"])
        assert 3 <= len(row["examples"]) <= 5 and set(row["example_ids"]) <= members
        assert row["keywords"] and row["name"].startswith(row["error_mode"])
    assert taxonomy_result.centroids.shape == (len(taxonomy_result.cluster_ids), 384)
    p = taxonomy_result.params
    assert p["random_state"] == 0 and p["min_cluster_size"] == 8 and p["text_source"] == "traces.comment"


def test_same_seed_gives_identical_assignments(planted, taxonomy_result):
    again = cluster_failures(planted["traces"], text_col="comment", embeddings=planted["embeddings"], random_state=0)
    pd.testing.assert_frame_equal(again.assignments, taxonomy_result.assignments)
    pd.testing.assert_frame_equal(again.clusters, taxonomy_result.clusters)


def test_impact_rates_match_direct_computation(planted, taxonomy_result):
    rng = np.random.default_rng(0)
    tid = planted["traces"]["trace_id"].to_numpy()
    thumbs = rng.integers(0, 2, len(tid)).astype(float)
    ratings = rng.integers(1, 6, len(tid)).astype(float)
    judge = rng.choice(["pass", "fail"], len(tid))
    feedback = pd.concat([
        pd.DataFrame({"trace_id": tid, "name": "thumbs", "value": thumbs, "label": None, "annotator_kind": "user"}),
        pd.DataFrame({"trace_id": tid[::2], "name": "rating", "value": ratings[::2], "label": None,
                      "annotator_kind": "human"}),
        pd.DataFrame({"trace_id": tid, "name": "judge", "value": np.nan, "label": judge, "annotator_kind": "llm"}),
    ])
    regen = tid[rng.random(len(tid)) < 0.3]
    events = pd.DataFrame({"trace_id": list(regen) + list(tid[:5]), "event": ["regenerate"] * len(regen) + ["copy"] * 5})
    res = cluster_failures(planted["traces"], text_col="comment", embeddings=planted["embeddings"],
                           feedback=feedback, events=events)
    a = res.assignments.set_index("trace_id")
    # reference: the CONTRIBUTING.md convention computed directly
    neg = pd.Series(thumbs == 0, index=tid)
    neg[tid[::2]] |= ratings[::2] <= 2
    rating01 = pd.Series(thumbs, index=tid)
    rating01[tid[::2]] = (thumbs[::2] + (ratings[::2] - 1) / 4) / 2
    for _, row in res.clusters.iterrows():
        ids = a.index[a["cluster"] == row["cluster"]]
        assert np.isclose(row["negative_rate"], neg[ids].mean())
        assert np.isclose(row["judge_fail_rate"], (pd.Series(judge, index=tid)[ids] == "fail").mean())
        assert np.isclose(row["mean_rating"], rating01[ids].mean())
        assert np.isclose(row["implicit_negative_rate"], pd.Series(ids).isin(regen).mean())


def test_polars_in_polars_out_and_text_from_feedback(planted):
    tr = pl.from_pandas(planted["traces"][["trace_id"]])
    fb = pl.DataFrame({"trace_id": planted["traces"]["trace_id"].tolist(), "name": "note",
                       "comment": planted["texts"], "annotator_kind": "human"})
    res = cluster_failures(tr, text_col="comment", feedback=fb, embeddings=planted["embeddings"])
    assert isinstance(res.assignments, pl.DataFrame) and isinstance(res.clusters, pl.DataFrame)
    assert res.params["text_source"] == "feedback.comment"
    assert adjusted_rand_score(planted["modes"], res.assignments["cluster"].to_numpy()) >= 0.8


def test_missing_text_is_kept_and_noise_can_be_assigned(planted):
    tr = planted["traces"].copy()
    tr.loc[[3, 7], "comment"] = [None, "   "]
    with pytest.warns(UserWarning, match="2 of 240 traces have no text"):
        res = cluster_failures(tr, text_col="comment", embeddings=planted["embeddings"], assign_noise=True)
    a = res.assignments
    assert len(a) == 240 and a.loc[[3, 7], "cluster"].tolist() == [-1, -1]
    assert a.loc[[3, 7], "x"].isna().all()
    assert (a.drop(index=[3, 7])["cluster"] >= 0).all()
    assert res.params["n_missing_text"] == 2


def test_degenerate_inputs_have_explicit_branches(planted, encode):
    tr = planted["traces"].head(6)
    with pytest.warns(UserWarning, match="single cluster"):
        res = cluster_failures(tr, text_col="comment", embeddings=planted["embeddings"][:6], strategy="embedding")
    assert set(res.assignments["cluster"]) == {0}
    assert res.params["discovery"]["branch"] == "too_few_points_single_cluster"
    empty = cluster_failures(pd.DataFrame({"trace_id": [], "output": []}), embeddings=np.zeros((0, 384)))
    assert len(empty.assignments) == 0 and len(empty.clusters) == 0
    with pytest.raises(ValueError, match="shape"):
        cluster_failures(planted["traces"], text_col="comment", embeddings=planted["embeddings"][:5])
    with pytest.raises(KeyError, match="Did you mean 'comment'"):
        cluster_failures(planted["traces"], text_col="coment", embeddings=planted["embeddings"])
    with pytest.raises(ValueError, match="strategy"):
        cluster_failures(planted["traces"], strategy="kmeans")


def test_large_input_fits_on_a_sample_and_assigns_the_rest(planted):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        res = cluster_failures(planted["traces"], text_col="comment", embeddings=planted["embeddings"],
                               strategy="embedding", max_fit_size=150, min_cluster_size=10)
    assert res.params["discovery"]["branch"].startswith("fit_on_sample")
    assert res.params["discovery"]["fit_size"] == 150
    a = res.assignments
    assert a["outlier_score"].isna().sum() == 90  # GLOSH only for the fitted sample
    assert np.isfinite(a[["x", "y"]].to_numpy()).all()
    assert isinstance(res, ClusterResult)
    # the map places the points outside the sample among the fitted points of their own cluster
    from sklearn.neighbors import KNeighborsClassifier

    rest = a["outlier_score"].isna().to_numpy() & (a["cluster"] != -1).to_numpy()
    fitted = ~a["outlier_score"].isna().to_numpy()
    xy, lab = a[["x", "y"]].to_numpy(), a["cluster"].to_numpy()
    knn = KNeighborsClassifier(n_neighbors=5).fit(xy[fitted], lab[fitted])
    assert rest.sum() >= 30 and (knn.predict(xy[rest]) == lab[rest]).mean() >= 0.8
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)
        again = cluster_failures(planted["traces"], text_col="comment", embeddings=planted["embeddings"],
                                 strategy="embedding", max_fit_size=150, min_cluster_size=10).assignments
    pd.testing.assert_frame_equal(a, again)


def test_unseen_phrasings(encode):
    """Indirect phrasings never used to tune the taxonomy: a generalisation floor, not a target."""
    from planted import UNSEEN, planted_comments

    texts, modes, _ = planted_comments(24, seed=5, templates=UNSEEN)
    tr = pd.DataFrame({"trace_id": [f"u{i}" for i in range(len(texts))], "comment": texts})
    res = cluster_failures(tr, text_col="comment", embeddings=encode(texts))
    acc = float((res.assignments["error_mode"].to_numpy() == np.array(modes)).mean())
    ari = adjusted_rand_score(modes, res.assignments["cluster"])
    print(f"unseen phrasings: tag accuracy {acc:.3f}, ARI {ari:.3f}")
    assert acc >= 0.65 and ari >= 0.35
