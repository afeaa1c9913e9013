"""ClusterResult: the frozen result of :func:`cluster_failures`, with save/load in safe formats."""

from __future__ import annotations

import dataclasses
import html
import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._frame import backend_of, from_pandas, to_pandas

__all__ = ["ASSIGNMENT_COLUMNS", "CLUSTER_COLUMNS", "ClusterResult", "load_clusters"]

ASSIGNMENT_COLUMNS = ["trace_id", "cluster", "probability", "outlier_score", "x", "y", "error_mode",
                      "error_mode_confidence"]
CLUSTER_COLUMNS = ["cluster", "name", "size", "share", "keywords", "examples", "example_ids", "negative_rate",
                   "judge_fail_rate", "mean_rating", "implicit_negative_rate", "error_mode", "error_mode_share"]
_FORMAT_VERSION = 1


@dataclasses.dataclass(frozen=True)
class ClusterResult:
    """Failure-mode clusters of a set of traces.

    Attributes
    ----------
    assignments : DataFrame (pandas or polars, as the traces given)
        One row per trace: ``trace_id``, ``cluster`` (int, -1 = noise or no text),
        ``probability`` (HDBSCAN membership, or the error-mode confidence for a cluster formed by
        an error mode; 0 for noise assigned with ``assign_noise``), ``outlier_score`` (HDBSCAN
        GLOSH in [0, 1], or the rank of the distance to the centroid within a mode cluster),
        ``x``, ``y`` (2-D map), ``error_mode``, ``error_mode_confidence``.
    clusters : DataFrame
        One row per cluster (noise as cluster -1 when present): ``cluster``, ``name``, ``size``,
        ``share`` (of the traces with text), ``keywords`` (c-TF-IDF, list of str), ``examples``
        and ``example_ids`` (members nearest the centroid), ``negative_rate``,
        ``judge_fail_rate``, ``mean_rating`` (user/human values rescaled to [0, 1]),
        ``implicit_negative_rate``, ``error_mode`` (dominant tag), ``error_mode_share``.
    centroids : ndarray (k, d)
        Unit centroids in embedding space of the non-noise clusters, in the order of
        :attr:`cluster_ids` (used by :func:`match_clusters` and :meth:`assign`).
    params : dict
        Parameters actually used (``random_state``, ``min_cluster_size``, ``strategy``, UMAP and
        HDBSCAN settings, which branch ran, ...).
    """

    assignments: Any
    clusters: Any
    centroids: np.ndarray
    params: dict

    @property
    def cluster_ids(self) -> list[int]:
        """Ids of the non-noise clusters, aligned with :attr:`centroids`."""
        ids = to_pandas(self.clusters)["cluster"].tolist()
        return [int(c) for c in ids if c != -1]

    def rename(self, names: dict[int, str]) -> ClusterResult:
        """A new result whose clusters carry the given names (``{3: "made-up citations"}``).

        Examples
        --------
        >>> r = ClusterResult(pd.DataFrame({"trace_id": [], "cluster": []}),
        ...                   pd.DataFrame({"cluster": [0], "name": ["refund, refused"]}), np.zeros((1, 2)), {})
        >>> r.rename({0: "refusals"}).clusters["name"].tolist()
        ['refusals']
        """
        cl = to_pandas(self.clusters).copy()
        known = set(cl["cluster"].astype(int).tolist())
        unknown = [k for k in names if k not in known]
        if unknown:
            msg = f"ClusterResult.rename: no cluster(s) {unknown}; the clusters are {sorted(known)}."
            raise KeyError(msg)
        cl["name"] = [str(names.get(int(c), nm)) for c, nm in zip(cl["cluster"], cl["name"], strict=True)]
        return dataclasses.replace(self, clusters=from_pandas(cl, backend_of(self.clusters)))

    def assign(self, embeddings: np.ndarray, *, min_similarity: float = 0.5) -> np.ndarray:
        """Cluster ids of new points by nearest centroid (cosine); -1 below ``min_similarity``."""
        e = np.asarray(embeddings, dtype=np.float32)
        if e.ndim != 2 or (len(self.centroids) and e.shape[1] != self.centroids.shape[1]):
            msg = f"ClusterResult.assign: expected embeddings of shape (n, {self.centroids.shape[1]}), got {e.shape}."
            raise ValueError(msg)
        if len(self.centroids) == 0:
            return np.full(len(e), -1, dtype=int)
        sims = e @ self.centroids.T
        best = sims.argmax(1)
        ids = np.array(self.cluster_ids)
        return np.where(sims.max(1) >= min_similarity, ids[best], -1)

    def to_frame(self):
        """The ``clusters`` frame (one row per cluster)."""
        return self.clusters

    def __repr__(self) -> str:
        cl = to_pandas(self.clusters)
        k = int((cl["cluster"] != -1).sum()) if len(cl) else 0
        return f"<ClusterResult: {k} clusters over {len(self.assignments)} traces, strategy={self.params.get('strategy')!r}>"

    def _repr_html_(self) -> str:
        cl = to_pandas(self.clusters)
        cols = [c for c in ("cluster", "name", "size", "share", "negative_rate", "error_mode") if c in cl.columns]
        body = cl[cols].head(15).to_html(index=False, float_format=lambda v: f"{v:.2f}", escape=True)
        more = f"<p>... {len(cl) - 15} more</p>" if len(cl) > 15 else ""
        return (f"<div><strong>ClusterResult</strong>: {html.escape(repr(self)[1:-1])}"
                f"{body}{more}</div>")

    def save(self, directory) -> Path:
        """Write the result to ``directory`` (created): parquet frames, ``centroids.npy`` and
        ``params.json``. Nothing is pickled; :func:`load_clusters` reads it back."""
        d = Path(directory)
        d.mkdir(parents=True, exist_ok=True)
        to_pandas(self.assignments).to_parquet(d / "assignments.parquet", index=False)
        to_pandas(self.clusters).to_parquet(d / "clusters.parquet", index=False)
        np.save(d / "centroids.npy", np.asarray(self.centroids, dtype=np.float32), allow_pickle=False)
        meta = {"format_version": _FORMAT_VERSION, "backend": backend_of(self.assignments), "params": self.params}
        (d / "params.json").write_text(json.dumps(meta, indent=2, default=str), encoding="utf-8")
        return d


def load_clusters(directory, *, backend: str | None = None) -> ClusterResult:
    """Read a :class:`ClusterResult` written by :meth:`ClusterResult.save`.

    Parameters
    ----------
    directory : str or Path
    backend : {"pandas", "polars"}, optional
        Frame kind of the result; default the kind that was saved.
    """
    d = Path(directory)
    missing = [f for f in ("assignments.parquet", "clusters.parquet", "centroids.npy", "params.json")
               if not (d / f).is_file()]
    if missing:
        from feedback_lab.exceptions import UnreadableFileError

        msg = f"load_clusters: {d} is not a saved ClusterResult (missing {missing}). Save one with result.save(dir)."
        raise UnreadableFileError(msg)
    meta = json.loads((d / "params.json").read_text(encoding="utf-8"))
    kind = backend or meta.get("backend", "pandas")
    a = pd.read_parquet(d / "assignments.parquet")
    c = pd.read_parquet(d / "clusters.parquet")
    for col in ("keywords", "examples", "example_ids"):
        if col in c.columns:
            c[col] = [list(v) if v is not None else [] for v in c[col]]
    cent = np.load(d / "centroids.npy", allow_pickle=False)
    return ClusterResult(from_pandas(a, kind), from_pandas(c, kind), cent, meta.get("params", {}))
