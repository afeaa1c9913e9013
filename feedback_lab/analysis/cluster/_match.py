"""match_clusters: stable cluster identity across review windows."""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedback_lab._frame import backend_of, from_pandas, to_pandas
from feedback_lab._validation import check_number
from feedback_lab.analysis.cluster._result import ClusterResult

__all__ = ["match_clusters"]

MATCH_COLUMNS = ["previous_cluster", "current_cluster", "previous_name", "current_name", "status", "similarity",
                 "previous_size", "current_size", "size_change", "previous_share", "current_share", "share_change",
                 "previous_negative_rate", "current_negative_rate", "negative_rate_change"]


def match_clusters(previous: ClusterResult, current: ClusterResult, *, min_similarity: float = 0.8):
    """Pair the clusters of the last review with this one's, one-to-one.

    The pairing maximises the total cosine similarity of the cluster centroids (Hungarian
    assignment, :func:`scipy.optimize.linear_sum_assignment`); pairs below ``min_similarity``
    are not kept. A matched pair is ``persisting``; a current cluster without a partner is
    ``new``; a previous one without a partner is ``vanished``. Noise (-1) is never matched.

    Parameters
    ----------
    previous, current : ClusterResult
        Results of :func:`cluster_failures` on two windows, embedded with the same model.
    min_similarity : float, default 0.8
        Smallest centroid cosine similarity for two clusters to be the same failure mode.

    Returns
    -------
    DataFrame (the kind of ``current.clusters``)
        Columns ``previous_cluster``, ``current_cluster`` (nullable ints), ``previous_name``,
        ``current_name``, ``status``, ``similarity``, ``previous_size``, ``current_size``,
        ``size_change``, ``previous_share``, ``current_share``, ``share_change``,
        ``previous_negative_rate``, ``current_negative_rate``, ``negative_rate_change``
        (current minus previous). Persisting first (by similarity), then new, then vanished.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> def res(ids, cents, sizes):
    ...     cl = pd.DataFrame({"cluster": ids, "name": [f"c{i}" for i in ids], "size": sizes,
    ...                        "share": np.array(sizes) / sum(sizes), "negative_rate": 0.5})
    ...     return ClusterResult(pd.DataFrame({"trace_id": []}), cl, np.array(cents, dtype=float), {})
    >>> prev = res([0, 1], [[1, 0, 0], [0, 1, 0]], [10, 5])
    >>> cur = res([0, 1, 2], [[0, 1, 0], [1, 0, 0], [0, 0, 1]], [8, 12, 4])
    >>> match_clusters(prev, cur)[["previous_cluster", "current_cluster", "status"]].to_string(index=False)
    ' previous_cluster  current_cluster     status\\n                0                1 persisting\\n                1                0 persisting\\n             <NA>                2        new'
    """
    from scipy.optimize import linear_sum_assignment

    check_number(min_similarity, name="min_similarity", func="match_clusters", low=-1.0, high=1.0)
    for nm, r in (("previous", previous), ("current", current)):
        if not isinstance(r, ClusterResult):
            msg = f"match_clusters: {nm} must be a ClusterResult (from cluster_failures), got {type(r).__name__}."
            raise TypeError(msg)
    a, b = np.asarray(previous.centroids, float), np.asarray(current.centroids, float)
    if len(a) and len(b) and a.shape[1] != b.shape[1]:
        msg = (f"match_clusters: centroids have dimensions {a.shape[1]} and {b.shape[1]}; both windows must be "
               "embedded with the same model.")
        raise ValueError(msg)
    pc = to_pandas(previous.clusters)
    cc = to_pandas(current.clusters)
    pc = pc[pc["cluster"] != -1].reset_index(drop=True)
    cc = cc[cc["cluster"] != -1].reset_index(drop=True)

    def unit(m):
        nrm = np.linalg.norm(m, axis=1, keepdims=True)
        return m / np.where(nrm > 0, nrm, 1)

    pairs = []
    if len(a) and len(b):
        sim = unit(a) @ unit(b).T
        rows, cols = linear_sum_assignment(-sim)
        pairs = [(i, j, float(sim[i, j])) for i, j in zip(rows, cols, strict=True) if sim[i, j] >= min_similarity]
    used_p = {i for i, _, _ in pairs}
    used_c = {j for _, j, _ in pairs}

    def get(df, i, col):
        return df[col].iloc[i] if i is not None and col in df.columns else np.nan

    recs = []
    items = ([(i, j, s, "persisting") for i, j, s in sorted(pairs, key=lambda p: -p[2])]
             + [(None, j, np.nan, "new") for j in range(len(cc)) if j not in used_c]
             + [(i, None, np.nan, "vanished") for i in range(len(pc)) if i not in used_p])
    for i, j, s, status in items:
        rec = {"previous_cluster": get(pc, i, "cluster") if i is not None else pd.NA,
               "current_cluster": get(cc, j, "cluster") if j is not None else pd.NA,
               "previous_name": get(pc, i, "name") if i is not None else None,
               "current_name": get(cc, j, "name") if j is not None else None,
               "status": status, "similarity": s}
        for col in ("size", "share", "negative_rate"):
            pv = float(get(pc, i, col)) if i is not None else (0.0 if col != "negative_rate" else np.nan)
            cv = float(get(cc, j, col)) if j is not None else (0.0 if col != "negative_rate" else np.nan)
            rec[f"previous_{col}"], rec[f"current_{col}"], rec[f"{col}_change"] = pv, cv, cv - pv
        recs.append(rec)
    out = pd.DataFrame(recs, columns=MATCH_COLUMNS)
    for c in ("previous_cluster", "current_cluster"):
        out[c] = out[c].astype("Int64")
    for c in ("previous_size", "current_size", "size_change"):
        out[c] = out[c].astype("int64")
    return from_pandas(out, backend_of(current.clusters))
