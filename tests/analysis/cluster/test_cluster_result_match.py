"""ClusterResult save/load/rename and match_clusters across two review windows."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from planted import planted_comments

from feedback_lab.analysis.cluster import (
    ClusterResult,
    cluster_failures,
    load_clusters,
    match_clusters,
)

pytestmark = pytest.mark.model


def test_save_load_roundtrip_without_pickle(taxonomy_result, tmp_path):
    d = taxonomy_result.save(tmp_path / "clusters")
    assert sorted(p.name for p in d.iterdir()) == ["assignments.parquet", "centroids.npy", "clusters.parquet",
                                                    "params.json"]
    back = load_clusters(d)
    pd.testing.assert_frame_equal(back.assignments, taxonomy_result.assignments)
    pd.testing.assert_frame_equal(back.clusters, taxonomy_result.clusters)
    np.testing.assert_array_equal(back.centroids, taxonomy_result.centroids)
    assert back.params["random_state"] == taxonomy_result.params["random_state"]
    with pytest.raises(OSError, match="not a saved ClusterResult"):
        load_clusters(tmp_path / "nothing")


def test_rename_returns_a_new_result(taxonomy_result):
    renamed = taxonomy_result.rename({0: "made-up citations"})
    assert renamed.clusters.loc[renamed.clusters["cluster"] == 0, "name"].item() == "made-up citations"
    assert taxonomy_result.clusters.loc[taxonomy_result.clusters["cluster"] == 0, "name"].item() != "made-up citations"
    with pytest.raises(KeyError, match="no cluster"):
        taxonomy_result.rename({99: "x"})
    assert "<table" in taxonomy_result._repr_html_() and "ClusterResult" in repr(taxonomy_result)
    assert taxonomy_result.to_frame() is taxonomy_result.clusters


def test_assign_new_points_to_nearest_centroid(planted, taxonomy_result):
    a = taxonomy_result.assignments
    inside = a["cluster"].to_numpy() != -1
    pred = taxonomy_result.assign(planted["embeddings"][inside], min_similarity=-1)
    assert (pred == a["cluster"].to_numpy()[inside]).mean() >= 0.8


def _window(modes, seed, encode):
    texts, _, _ = planted_comments(25, modes=modes, seed=seed)
    tr = pd.DataFrame({"trace_id": [f"w{seed}-{i}" for i in range(len(texts))], "comment": texts})
    return cluster_failures(tr, text_col="comment", embeddings=encode(texts))


def test_windows_from_the_same_modes_match_one_to_one_and_a_new_mode_is_new(planted, taxonomy_result, encode):
    seven = sorted(set(planted["modes"]) - {"wrong_language"})
    prev = _window(seven, 11, encode)
    cur = taxonomy_result  # all eight modes, other comments
    m = match_clusters(prev, cur)
    pers = m[m["status"] == "persisting"]
    assert len(pers) == 7 and pers["previous_cluster"].is_unique and pers["current_cluster"].is_unique
    pm = prev.clusters.set_index("cluster")["error_mode"]
    cm = cur.clusters.set_index("cluster")["error_mode"]
    assert all(pm[p] == cm[c] for p, c in zip(pers["previous_cluster"], pers["current_cluster"], strict=True))
    new = m[m["status"] == "new"]
    assert [cm[c] for c in new["current_cluster"]] == ["wrong_language"]
    back = match_clusters(cur, prev)
    vanished = back[back["status"] == "vanished"]
    assert [cm[c] for c in vanished["previous_cluster"]] == ["wrong_language"]
    row = pers.iloc[0]
    assert row["size_change"] == row["current_size"] - row["previous_size"]


def test_match_validates_inputs(taxonomy_result):
    other = ClusterResult(pd.DataFrame(), pd.DataFrame({"cluster": [0], "name": ["x"]}), np.ones((1, 5)), {})
    with pytest.raises(ValueError, match="same model"):
        match_clusters(taxonomy_result, other)
    with pytest.raises(TypeError, match="ClusterResult"):
        match_clusters(taxonomy_result, taxonomy_result.clusters)
