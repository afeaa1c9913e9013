"""fl.scale on a local Ray instance: results equal the one-process functions on the same data."""

from __future__ import annotations

import hashlib
import math
import sys
import warnings

import numpy as np
import pandas as pd
import pytest

import feedback_lab as fl
from feedback_lab.exceptions import ColumnNotFoundError, MissingDependencyError

pytestmark = pytest.mark.model


def test_embed_dataset_equals_fl_embed_and_shares_the_cache(ray_local, sample_traces, local_embeddings,
                                                            cache_dir, tmp_path):
    # two Parquet files read through a glob; a few hundred rows in batches of 64 over two workers
    src = tmp_path / "src"
    src.mkdir()
    half = len(sample_traces) // 2
    cols = ["trace_id", "output", "task"]
    sample_traces[cols].iloc[:half].to_parquet(src / "part-0.parquet")
    sample_traces[cols].iloc[half:].to_parquet(src / "part-1.parquet")
    res = fl.scale.embed_dataset(str(src / "*.parquet"), text_col="output", output=tmp_path / "emb",
                                 batch_size=64, concurrency=2, num_cpus_per_worker=0.5,
                                 cache=cache_dir)
    X = fl.scale.read_embeddings(res.output, sample_traces["trace_id"])
    np.testing.assert_allclose(X, local_embeddings, atol=1e-5)
    texts = sample_traces["output"].tolist()
    empty = [not (isinstance(t, str) and t.strip()) for t in texts]
    assert res.rows == len(texts)
    assert res.n_missing == sum(empty)
    assert res.n_unique == len({t for t, e in zip(texts, empty, strict=True) if not e})
    assert res.n_cached + res.n_encoded == res.n_looked_up >= res.n_unique
    assert res.model == "sentence-transformers/all-MiniLM-L6-v2"
    ids, _ = fl.scale.read_embeddings(res.output)
    assert sorted(ids.tolist()) == sorted(sample_traces["trace_id"].tolist())  # nothing dropped or doubled
    # the workers wrote fl.embed's cache keys: a local call finds every text
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        again = fl.embed(sample_traces["output"], cache=cache_dir, return_result=True)
    assert again.n_encoded == 0 and again.n_cached == res.n_unique


def test_assign_clusters_equals_local_assignment(ray_local, sample_traces, local_embeddings, cache_dir):
    from feedback_lab.analysis.cluster._result import ClusterResult

    traces = sample_traces.sort_values("trace_id", kind="stable").reset_index(drop=True)
    emb = local_embeddings[sample_traces.reset_index(drop=True).sort_values("trace_id", kind="stable").index]
    # a fitted result: unit centroids of three groups (as cluster_failures stores them)
    groups = traces["task"].to_numpy()
    cents = []
    for g in sorted(set(groups)):
        m = emb[groups == g].mean(0)
        cents.append(m / np.linalg.norm(m))
    clusters = pd.DataFrame({"cluster": [0, 1, 2], "name": sorted(set(groups))})
    result = ClusterResult(pd.DataFrame({"trace_id": [], "cluster": []}), clusters, np.stack(cents),
                           {"text_col": "output", "taxonomy": [m.name for m in fl.DEFAULT_TAXONOMY]})
    out = fl.scale.assign_clusters(traces, result, batch_size=50, concurrency=1, cache=cache_dir,
                                   min_similarity=0.3).to_pandas()
    out = out.sort_values("trace_id", kind="stable").reset_index(drop=True)
    assert out["trace_id"].tolist() == traces["trace_id"].tolist()
    # clusters: the ClusterResult's own rule on the one-process embeddings
    assert out["cluster"].tolist() == result.assign(emb, min_similarity=0.3).tolist()
    # tags: fl.tag_error_modes over the whole set in one process, although Ray tagged batches of 50
    tags = fl.tag_error_modes(traces["output"].tolist(), embeddings=emb, inputs=traces["input"].tolist(),
                              outputs=traces["output"].tolist(), status=traces["status"].tolist())
    assert out["error_mode"].tolist() == tags["error_mode"].tolist()
    np.testing.assert_allclose(out["error_mode_confidence"], tags["error_mode_confidence"], atol=1e-5)
    np.testing.assert_allclose(out["error_mode_score"], tags["error_mode_score"], atol=1e-5)


def _reference_sample(frame, by, k_total, seed):
    """Independent re-implementation: proportional allocation, k lowest sha256 priorities per stratum."""
    ok = frame[[isinstance(t, str) and bool(t.strip()) for t in frame["output"]]]
    counts = ok[by].astype(str).value_counts().to_dict()
    n = sum(counts.values())
    quota = {k: k_total * c / n for k, c in counts.items()}
    alloc = {k: math.floor(q) for k, q in quota.items()}
    for k in sorted(quota, key=lambda k: (-(quota[k] - alloc[k]), k))[: k_total - sum(alloc.values())]:
        alloc[k] += 1
    ids = []
    for k in sorted(counts):
        rows = ok[ok[by].astype(str) == k]["trace_id"].tolist()
        prio = [int.from_bytes(hashlib.sha256(f"{seed}:{i}".encode()).digest()[:8], "big") for i in rows]
        ids += [rows[j] for j in np.argsort(prio, kind="stable")[: alloc[k]]]
    return ids, counts, alloc


def test_drift_statistics_samples_in_ray_then_runs_embedding_drift(ray_local, sample_traces, local_embeddings):
    t = sample_traces.assign(embedding=list(local_embeddings))
    cut = t["timestamp"].sort_values().iloc[len(t) // 2]
    ref, cur = t[t["timestamp"] < cut], t[t["timestamp"] >= cut]
    res = fl.scale.drift_statistics(ref, cur, by="task", sample_size=40, random_state=3,
                                    method="centroid", n_permutations=50)
    for window, frame, ids in (("reference", ref, res.reference_ids), ("current", cur, res.current_ids)):
        want_ids, counts, alloc = _reference_sample(frame, "task", 40, 3)
        assert ids.tolist() == want_ids
        col = res.strata.set_index("stratum")
        assert col[f"n_{window}"].to_dict() == counts
        assert col[f"sample_{window}"].to_dict() == alloc
    assert res.sample_reference == res.sample_current == 40
    assert res.n_reference == sum(isinstance(x, str) and bool(x.strip()) for x in ref["output"])
    # the test itself is fl.embedding_drift on those rows
    by_id = dict(zip(t["trace_id"], local_embeddings, strict=True))
    direct = fl.embedding_drift(np.stack([by_id[i] for i in res.reference_ids]),
                                np.stack([by_id[i] for i in res.current_ids]),
                                method="centroid", n_permutations=50, max_samples=None, random_state=3)
    assert res.drift.statistic == pytest.approx(direct.statistic, rel=1e-6)
    assert res.drift.p_value == pytest.approx(direct.p_value)
    frame = res.to_frame()
    assert frame[["sample_reference", "sample_current"]].iloc[0].tolist() == [40, 40]


def test_missing_column_is_named_with_a_suggestion(ray_local, sample_traces, tmp_path):
    with pytest.raises(ColumnNotFoundError, match="Did you mean 'output'"):
        fl.scale.embed_dataset(sample_traces[["trace_id", "output"]], text_col="outptu", output=tmp_path / "x")


def test_bad_ray_address_fails_fast_with_a_clear_message():
    from feedback_lab.scale._common import RayConnectionError, _probe

    with pytest.raises(RayConnectionError, match=r"nothing answers at the Ray address '127\.0\.0\.1:1'"):
        _probe("127.0.0.1:1", "feedback-lab review", timeout=2)
    with pytest.raises(ConnectionError, match="not of the form 'host:port'"):
        _probe("not-an-address", "feedback-lab review")


def test_missing_ray_names_the_extra(monkeypatch):
    from feedback_lab.scale._common import require_ray

    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(MissingDependencyError, match=r"pip install \"feedback_lab\[ray\]\""):
        require_ray("fl.scale.embed_dataset")


def test_review_with_the_ray_embedder_equals_the_local_review(ray_local, tmp_path):
    """`feedback-lab review --engine ray` / the template's ENGINE="ray": the same review as a local run."""
    import feedback_lab as fl

    ts = fl.sample_data.generate(n_traces=300, seed=4)
    local = fl.run_review(ts, strict=True, show_progress=False)
    on_ray = fl.run_review(ts, strict=True, show_progress=False, embedder=fl.scale.ray_embedder(cache=False))
    assert on_ray.summary["headlines"] == local.summary["headlines"]
    assert on_ray.summary["verdicts"] == local.summary["verdicts"]
    assert [c["size"] for c in on_ray.summary["clusters"]] == [c["size"] for c in local.summary["clusters"]]
