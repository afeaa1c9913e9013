"""``explain_drift``: which clusters grew, shrank or appeared, and the current traces to read."""

from __future__ import annotations

import dataclasses
import html

import numpy as np
import pandas as pd

from feedback_lab._frame import to_pandas
from feedback_lab._random import seed_int
from feedback_lab._validation import check_in, require_columns
from feedback_lab.analysis.drift._result import as_matrix
from feedback_lab.analysis.drift._twosample import _project, batched_logistic

__all__ = ["DriftExplanation", "cluster_shift", "explain_drift"]

_FUNC = "explain_drift"


def cluster_shift(reference_labels, current_labels, *, alpha: float = 0.05, names=None) -> tuple[pd.DataFrame, float, float, int]:
    """Per-cluster shares in two windows, chi-square test and adjusted standardized residuals.

    The adjusted residual of cluster ``k`` in the current window (Haberman 1973) is
    ``(O − E) / sqrt(E (1 − row share) (1 − column share))``; it is N(0, 1) under no shift
    and equals the signed z of a two-proportion test of "cluster k vs the rest". A cluster
    ``grew``/``shrank`` when ``|residual|`` exceeds the Bonferroni z for ``alpha`` over the
    clusters; ``appeared``/``disappeared`` when it has no row in one window.

    Returns ``(frame, chi2, p_value, dof)``; the frame has ``cluster, n_reference, n_current,
    share_reference, share_current, share_change, drift_ratio, residual, status``, with
    ``drift_ratio = (current − reference) / (current + reference)`` on shares (Phoenix's
    per-cluster drift ratio).
    """
    from scipy.stats import chi2_contingency, norm

    ref = pd.Series(np.asarray(reference_labels)).value_counts()
    cur = pd.Series(np.asarray(current_labels)).value_counts()
    clusters = sorted(set(ref.index) | set(cur.index), key=lambda c: (str(type(c)), c))
    table = np.array([[ref.get(c, 0) for c in clusters], [cur.get(c, 0) for c in clusters]], dtype=float)
    n_ref, n_cur = table.sum(axis=1)
    total = table.sum()
    col = table.sum(axis=0)
    expected = np.outer(table.sum(axis=1), col) / total
    with np.errstate(divide="ignore", invalid="ignore"):
        resid = (table[1] - expected[1]) / np.sqrt(expected[1] * (1 - n_cur / total) * (1 - col / total))
    resid = np.where(np.isfinite(resid), resid, 0.0)
    if len(clusters) >= 2:
        chi2, p, dof, _ = chi2_contingency(table, correction=False)
    else:
        chi2, p, dof = 0.0, 1.0, 0
    z = norm.isf(alpha / (2 * max(len(clusters), 1)))
    share_ref, share_cur = table[0] / n_ref, table[1] / n_cur
    status = np.where(table[0] == 0, "appeared", np.where(table[1] == 0, "disappeared",
                      np.where(resid > z, "grew", np.where(resid < -z, "shrank", "stable"))))
    frame = pd.DataFrame({
        "cluster": clusters,
        "n_reference": table[0].astype(int), "n_current": table[1].astype(int),
        "share_reference": share_ref, "share_current": share_cur, "share_change": share_cur - share_ref,
        "drift_ratio": (share_cur - share_ref) / (share_cur + share_ref),
        "residual": resid, "status": status,
    })
    if names is not None:
        frame.insert(1, "error_mode", frame["cluster"].map(names))
    order = frame["residual"].abs().sort_values(ascending=False, kind="stable").index
    return frame.loc[order].reset_index(drop=True), float(chi2), float(p), int(dof)


@dataclasses.dataclass(frozen=True, eq=False)
class DriftExplanation:
    """What changed between two windows.

    Attributes
    ----------
    clusters : pandas.DataFrame or None
        One row per cluster (see :func:`cluster_shift`), largest |residual| first.
    chi2, p_value : float
        Chi-square test of independence of cluster and window (NaN without clusters).
    examples : pandas.DataFrame
        The ``n_examples`` current rows most unlike the reference: ``current_index``,
        ``trace_id`` (when traces were given), ``classifier_probability`` (out-of-fold
        probability of being "current"), ``nearest_reference_distance`` (1 − max cosine
        to any reference row), ``cluster`` when known, and the ``input``/``output`` text.
    params : dict
    """

    clusters: pd.DataFrame | None
    chi2: float
    p_value: float
    examples: pd.DataFrame
    params: dict

    def to_frame(self) -> pd.DataFrame:
        """The per-cluster table (the examples when no clusters were given)."""
        return self.clusters if self.clusters is not None else self.examples

    def _repr_html_(self) -> str:
        head = f"<b>DriftExplanation</b>: {len(self.examples)} example traces"
        if self.clusters is not None:
            moved = self.clusters[self.clusters["status"] != "stable"]
            head += (f"; chi2={self.chi2:.3g}, p={self.p_value:.3g}; clusters changed: "
                     f"{html.escape(', '.join(f'{c} ({s})' for c, s in zip(moved['cluster'], moved['status'], strict=False)))}")
        return f"<div>{head}</div>"


def _split_traces(traces, n_ref: int, n_cur: int):
    if traces is None:
        return None, None
    if isinstance(traces, tuple | list) and len(traces) == 2:
        ref, cur = (to_pandas(t).reset_index(drop=True) for t in traces)
    else:
        both = to_pandas(traces).reset_index(drop=True)
        if len(both) != n_ref + n_cur:
            msg = (f"{_FUNC}: traces has {len(both)} rows; pass (reference_traces, current_traces) aligned with "
                   f"the two matrices, or one frame of {n_ref + n_cur} rows (reference rows first).")
            raise ValueError(msg)
        ref, cur = both.iloc[:n_ref].reset_index(drop=True), both.iloc[n_ref:].reset_index(drop=True)
    if len(ref) != n_ref or len(cur) != n_cur:
        msg = (f"{_FUNC}: traces have {len(ref)} and {len(cur)} rows but the embeddings have {n_ref} and {n_cur}.")
        raise ValueError(msg)
    return ref, cur


def _labels_from(clusters, ref_t, cur_t):
    if isinstance(clusters, tuple | list) and len(clusters) == 2:
        return np.asarray(clusters[0]), np.asarray(clusters[1]), None
    frame = to_pandas(clusters)
    require_columns(frame, ["trace_id", "cluster"], func=_FUNC, frame="clusters")
    if ref_t is None:
        msg = f"{_FUNC}: clusters given as a frame of trace_id/cluster needs traces= to know each window's trace ids."
        raise ValueError(msg)
    lookup = frame.drop_duplicates("trace_id").set_index("trace_id")
    labels = []
    for name, t in (("reference", ref_t), ("current", cur_t)):
        require_columns(t, ["trace_id"], func=_FUNC, frame=f"{name} traces")
        missing = ~t["trace_id"].isin(lookup.index)
        if missing.any():
            msg = (f"{_FUNC}: {int(missing.sum())} {name} trace(s) have no row in clusters "
                   f"(first: {t.loc[missing, 'trace_id'].head(5).tolist()}).")
            raise ValueError(msg)
        labels.append(lookup.loc[t["trace_id"], "cluster"].to_numpy())
    names = None
    if "error_mode" in lookup:
        names = lookup.groupby("cluster")["error_mode"].first().to_dict()
    return labels[0], labels[1], names


def explain_drift(reference, current, *, clusters=None, traces=None, n_examples: int = 10,
                  sort_by: str = "classifier", alpha: float = 0.05, random_state=None) -> DriftExplanation:
    """Explain a drift: cluster shares that moved, and the current traces most unlike the reference.

    Parameters
    ----------
    reference, current : array-like (n, d), (m, d)
        Embeddings of the two windows.
    clusters : (reference_labels, current_labels) or DataFrame, optional
        Integer cluster labels per row, or a frame ``trace_id, cluster`` (``-1`` = noise,
        optional ``error_mode``) joined on the traces' ``trace_id``.
    traces : (reference_traces, current_traces) or DataFrame, optional
        Frames aligned with the matrices (or one frame, reference rows first); supply
        ``trace_id`` and the texts shown with the examples.
    sort_by : {"classifier", "nearest"}
        Rank examples by out-of-fold classifier probability of "current" (5-fold logistic
        regression, as in the classifier drift test) or by distance to the nearest reference row.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> ref = rng.normal(size=(50, 3)); cur = np.vstack([rng.normal(size=(40, 3)), rng.normal(size=(10, 3)) + 4])
    >>> ex = explain_drift(ref, cur, clusters=([0] * 50, [0] * 40 + [1] * 10), n_examples=5, random_state=0)
    >>> ex.clusters[["cluster", "status"]].values.tolist()
    [[0, 'shrank'], [1, 'appeared']]
    >>> int((ex.examples["cluster"] == 1).sum())   # most unlike the reference: the new cluster
    4
    """
    check_in(sort_by, ["classifier", "nearest"], name="sort_by", func=_FUNC)
    ref = as_matrix(reference, name="reference", func=_FUNC)
    cur = as_matrix(current, name="current", func=_FUNC)
    ref_t, cur_t = _split_traces(traces, len(ref), len(cur))
    seed = seed_int(random_state)
    rng = np.random.default_rng(seed)
    # out-of-fold probability of "current"
    z = _project(np.concatenate([ref, cur]).astype(np.float64), 32)
    y = np.r_[np.zeros(len(ref)), np.ones(len(cur))]
    folds = rng.permutation(len(y)) % 5
    logit = np.empty(len(y))
    for f in range(5):
        test = folds == f
        coef, icpt = batched_logistic(z[~test], y[~test, None])
        logit[test] = z[test] @ coef[0] + icpt[0]
    prob = 1.0 / (1.0 + np.exp(-logit[len(ref):]))
    rn = ref / np.linalg.norm(ref, axis=1, keepdims=True).clip(1e-12)
    cn = cur / np.linalg.norm(cur, axis=1, keepdims=True).clip(1e-12)
    nearest = 1.0 - (cn @ rn.T).max(axis=1)
    ex = pd.DataFrame({"current_index": np.arange(len(cur)), "classifier_probability": prob,
                       "nearest_reference_distance": nearest})
    table, chi2, p, names = None, float("nan"), float("nan"), None
    if clusters is not None:
        ref_l, cur_l, names = _labels_from(clusters, ref_t, cur_t)
        if len(ref_l) != len(ref) or len(cur_l) != len(cur):
            msg = (f"{_FUNC}: cluster labels have {len(ref_l)} and {len(cur_l)} rows but the embeddings have "
                   f"{len(ref)} and {len(cur)}.")
            raise ValueError(msg)
        table, chi2, p, _ = cluster_shift(ref_l, cur_l, alpha=alpha, names=names)
        ex["cluster"] = cur_l
    if cur_t is not None:
        for c in ("trace_id", "input", "output"):
            if c in cur_t:
                ex[c] = cur_t[c].to_numpy()
    key = "classifier_probability" if sort_by == "classifier" else "nearest_reference_distance"
    ex = ex.sort_values(key, ascending=False, kind="stable").head(n_examples).reset_index(drop=True)
    params = {"seed": seed, "sort_by": sort_by, "n_examples": n_examples, "alpha": alpha,
              "classifier": "logistic_regression(C=1) on 32 whitened PCs, 5-fold out-of-fold"}
    return DriftExplanation(table, chi2, p, ex, params)
