"""Gather the texts, embeddings and trace context that :func:`cluster_failures` works on."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd

from feedback_lab._frame import is_dataframe, to_pandas
from feedback_lab._validation import did_you_mean, require_columns

__all__ = ["check_embeddings", "gather_texts"]


def gather_texts(traces, text_col: str, feedback) -> tuple[pd.DataFrame, np.ndarray, str]:
    """``(pandas traces, texts as object array, where the text came from)``.

    ``text_col`` is a column of ``traces``; when it is not but is a column of ``feedback``
    (e.g. ``"comment"``: reviewers' notes), each trace's non-empty feedback texts are joined
    with newlines, in feedback order.
    """
    if not is_dataframe(traces):
        msg = f"cluster_failures: traces must be a pandas or polars DataFrame, got {type(traces).__name__}."
        raise TypeError(msg)
    t = to_pandas(traces)
    require_columns(t, ["trace_id"], func="cluster_failures", frame="traces")
    t = t.assign(trace_id=t["trace_id"].astype("string").astype(object))
    if text_col in t.columns:
        return t, t[text_col].to_numpy(dtype=object), f"traces.{text_col}"
    if feedback is not None and text_col in to_pandas(feedback).columns:
        fb = to_pandas(feedback)
        fb = fb[fb["trace_id"].notna() & fb[text_col].notna()]
        fb = fb[fb[text_col].astype(str).str.strip() != ""]
        joined = fb.groupby(fb["trace_id"].astype(str), sort=False)[text_col].agg(lambda s: "\n".join(map(str, s)))
        return t, t["trace_id"].map(joined).to_numpy(dtype=object), f"feedback.{text_col}"
    options = list(t.columns) + (list(to_pandas(feedback).columns) if feedback is not None else [])
    msg = (
        f"cluster_failures: text_col {text_col!r} is neither a column of traces nor of feedback. "
        f"Available: {sorted(set(map(str, options)))}.{did_you_mean(text_col, map(str, options))}"
    )
    raise KeyError(msg)


def text_mask(texts: np.ndarray, trace_ids) -> np.ndarray:
    ok = np.array([isinstance(v, str) and bool(v.strip()) for v in texts], dtype=bool)
    if not ok.all():
        bad = [str(i) for i in np.asarray(trace_ids, dtype=object)[~ok][:5]]
        warnings.warn(
            f"cluster_failures: {int((~ok).sum())} of {len(ok)} traces have no text to cluster "
            f"(e.g. trace_id {bad}); they are kept with cluster -1 and no coordinates.",
            UserWarning, stacklevel=3,
        )
    return ok


def check_embeddings(embeddings, n: int, ok: np.ndarray) -> np.ndarray:
    e = np.asarray(embeddings, dtype=np.float32)
    if e.ndim != 2 or e.shape[0] != n:
        msg = (
            f"cluster_failures: embeddings must have shape (n_traces, d) = ({n}, d), one row per trace in "
            f"traces order; got {e.shape}."
        )
        raise ValueError(msg)
    bad = ~np.isfinite(e[ok]).all(1)
    if bad.any():
        msg = f"cluster_failures: {int(bad.sum())} embedding rows contain NaN or inf (first row {int(np.flatnonzero(ok)[bad][0])})."
        raise ValueError(msg)
    nrm = np.linalg.norm(e, axis=1, keepdims=True)
    return np.where(nrm > 0, e / np.where(nrm > 0, nrm, 1), e).astype(np.float32)
