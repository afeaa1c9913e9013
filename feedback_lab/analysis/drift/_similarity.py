"""Cosine-similarity alerts with an explicit scale, scale conversion and threshold calibration.

Tools report "similarity" on different scales, so the same 0.7 means three things:

========== ============================== ===========================================
scale      value                          used by
========== ============================== ===========================================
cosine     ``cos`` in [-1, 1]             Phoenix ``embedding-distance``; feedback_lab
evidently  ``(1 + cos) / 2`` in [0, 1]    Evidently ``SemanticSimilarity``
autoevals  ``max((cos - 0.7) / 0.3, 0)``  Braintrust autoevals ``EmbeddingSimilarity``
========== ============================== ===========================================

Raw cosine 0.7 is 0.85 for Evidently and 0 for autoevals. Autoevals floors at 0, so
every cosine <= 0.7 maps to 0 and cannot be mapped back (``convert_similarity`` returns
0.7, the top of that range, and says so in a warning).
"""

from __future__ import annotations

import dataclasses
import warnings

import numpy as np
import pandas as pd

from feedback_lab._frame import like_input, to_pandas
from feedback_lab._validation import check_in, check_number, require_columns

__all__ = ["SCALES", "ThresholdResult", "calibrate_threshold", "convert_similarity", "similarity_alerts"]

SCALES = ("cosine", "evidently", "autoevals")
_AUTOEVALS_MIN = 0.7  # autoevals EmbeddingSimilarity(expected_min=0.7)


def convert_similarity(values, *, from_scale: str = "cosine", to_scale: str = "cosine"):
    """Convert similarities between the ``cosine``, ``evidently`` and ``autoevals`` scales.

    Examples
    --------
    >>> convert_similarity([0.7, 1.0, -1.0], to_scale="evidently").tolist()
    [0.85, 1.0, 0.0]
    >>> convert_similarity([0.7, 0.85, 1.0, 0.2], to_scale="autoevals").round(6).tolist()
    [0.0, 0.5, 1.0, 0.0]
    >>> float(convert_similarity(0.85, from_scale="evidently"))
    0.7
    """
    check_in(from_scale, SCALES, name="from_scale", func="convert_similarity")
    check_in(to_scale, SCALES, name="to_scale", func="convert_similarity")
    v = np.asarray(values, dtype=np.float64)
    if from_scale == "evidently":
        cos = 2.0 * v - 1.0
    elif from_scale == "autoevals":
        if np.any(v <= 0):
            warnings.warn("convert_similarity: autoevals scores of 0 stand for any cosine <= 0.7; "
                          "they are mapped to 0.7.", UserWarning, stacklevel=2)
        cos = _AUTOEVALS_MIN + (1.0 - _AUTOEVALS_MIN) * v
    else:
        cos = v
    if to_scale == "evidently":
        return (1.0 + cos) / 2.0
    if to_scale == "autoevals":
        return np.maximum((cos - _AUTOEVALS_MIN) / (1.0 - _AUTOEVALS_MIN), 0.0)
    return cos


def _normalise(a: np.ndarray) -> np.ndarray:
    norm = np.linalg.norm(a, axis=1, keepdims=True)
    return a / np.where(norm > 0, norm, 1.0)


def similarity_alerts(
    traces,
    *,
    a_col: str = "output",
    b_col: str = "reference",
    threshold: float = 0.7,
    scale: str = "cosine",
    embeddings=None,
    golden=None,
    model=None,
    id_col: str = "trace_id",
):
    """Rows whose ``a``–``b`` embedding similarity is below ``threshold`` on ``scale``.

    Parameters
    ----------
    traces : pandas or polars DataFrame
    a_col, b_col : str
        Texts to compare: ``output`` vs ``reference`` (correctness), ``output`` vs
        ``input`` (relevance).
    threshold : float or ThresholdResult
        Rows with ``similarity < threshold`` (strictly) are returned.
    scale : {"cosine", "evidently", "autoevals"}
        Scale of ``threshold`` and of the returned ``similarity`` (see the module notes).
    embeddings : (array, array), optional
        Embeddings of column ``a`` and of column ``b`` (or of ``golden``), L2-normalised
        or not; when None, the texts are embedded with :func:`feedback_lab.embed`.
    golden : sequence of str, optional
        Golden-set answers: compare each ``a`` with its nearest golden answer (``b`` is that
        answer) instead of ``b_col``.

    Returns
    -------
    DataFrame (same kind as ``traces``)
        ``trace_id, similarity, threshold, scale, a, b`` for the rows below threshold,
        lowest similarity first. Rows with a missing ``a`` or ``b`` text cannot be scored:
        a warning names them.

    Examples
    --------
    >>> traces = pd.DataFrame({"trace_id": ["t1", "t2"], "output": ["x", "y"], "reference": ["x", "z"]})
    >>> emb_a = np.array([[1.0, 0.0], [1.0, 0.0]]); emb_b = np.array([[1.0, 0.0], [0.6, 0.8]])
    >>> similarity_alerts(traces, embeddings=(emb_a, emb_b))[["trace_id", "similarity"]].values.tolist()
    [['t2', 0.6]]
    >>> len(similarity_alerts(traces, embeddings=(emb_a, emb_b), threshold=0.75, scale="evidently"))
    0
    """
    func = "similarity_alerts"
    check_in(scale, SCALES, name="scale", func=func)
    threshold = float(threshold)
    pdf = to_pandas(traces).reset_index(drop=True)
    cols = [a_col] if golden is not None else [a_col, b_col]
    require_columns(pdf, cols, func=func, frame="traces")
    ids = pdf[id_col] if id_col in pdf else pd.Series(range(len(pdf)), name=id_col)
    a_text = pdf[a_col]
    b_text = None if golden is not None else pdf[b_col]
    missing = a_text.isna() | (b_text.isna() if b_text is not None else False)
    if embeddings is None:
        from feedback_lab.analysis.embed import (
            embed,  # the layer below; only when no embeddings given
        )

        ok = ~missing.to_numpy()
        if golden is not None:
            eb = np.asarray(embed([str(g) for g in golden], model=model), dtype=np.float64)
            texts = a_text[ok].astype(str).tolist()
            a_emb = np.asarray(embed(texts, model=model), dtype=np.float64) if texts else np.zeros((0, eb.shape[1]))
            ea = np.zeros((len(pdf), eb.shape[1]))
        else:
            texts = a_text[ok].astype(str).tolist() + b_text[ok].astype(str).tolist()
            both = np.asarray(embed(texts, model=model), dtype=np.float64) if texts else np.zeros((0, 1))
            a_emb, b_emb = both[: int(ok.sum())], both[int(ok.sum()) :]
            ea = np.zeros((len(pdf), both.shape[1]))
            eb = np.zeros_like(ea)
            eb[ok] = b_emb
        ea[ok] = a_emb
    else:
        ea, eb = (np.asarray(e, dtype=np.float64) for e in embeddings)
        expected_b = len(golden) if golden is not None else len(pdf)
        if len(ea) != len(pdf) or len(eb) != expected_b or ea.shape[1] != eb.shape[1]:
            msg = (f"{func}: embeddings must be (a, b) with {len(pdf)} rows for a and {expected_b} for b "
                   f"and the same width; got {ea.shape} and {eb.shape}.")
            raise ValueError(msg)
    ea, eb = _normalise(ea), _normalise(eb)
    if golden is not None:
        sims = ea @ eb.T
        nearest = sims.argmax(axis=1)
        cos = sims[np.arange(len(ea)), nearest]
        b_text = pd.Series([str(golden[j]) for j in nearest])
    else:
        cos = np.einsum("ij,ij->i", ea, eb)
    cos = np.clip(cos, -1.0, 1.0)
    if missing.any():
        warnings.warn(f"{func}: {int(missing.sum())} row(s) have no {a_col!r} or {b_col!r} text and were not "
                      f"scored (first ids: {ids[missing].head(5).tolist()}).", UserWarning, stacklevel=2)
    sim = convert_similarity(cos, to_scale=scale)
    below = (sim < threshold) & ~missing.to_numpy()
    out = pd.DataFrame({id_col: ids[below].to_numpy(), "similarity": sim[below], "threshold": threshold,
                        "scale": scale, "a": a_text[below].to_numpy(), "b": b_text[below].to_numpy()})
    out = out.sort_values("similarity", kind="stable").reset_index(drop=True)
    return like_input(out, traces)


@dataclasses.dataclass(frozen=True)
class ThresholdResult:
    """A suggested alert threshold; ``float(result)`` is the threshold.

    ``method`` is ``"percentile"`` (the ``percentile``-th percentile of the model's own
    similarities) or ``"youden"`` (the cut maximising TPR − FPR on labelled pairs, where
    a "bad" pair is caught when its similarity is below the threshold). ``tpr``/``fpr``
    are the share of bad/good pairs below the threshold (NaN without labels).
    """

    threshold: float
    method: str
    scale: str
    percentile: float | None
    tpr: float
    fpr: float
    youden_j: float
    n: int

    def __float__(self) -> float:
        return float(self.threshold)


def calibrate_threshold(similarities, labels=None, *, percentile: float = 5, scale: str = "cosine") -> ThresholdResult:
    """Suggest a similarity threshold from a model's own distribution or from labelled pairs.

    Raw cosine ranges differ a lot between embedding models, so a fixed 0.7 can flag
    almost everything for one model and nothing for another.

    Parameters
    ----------
    similarities : array-like
        Similarities of known (or typical) pairs, on ``scale``.
    labels : array-like of bool/0/1, optional
        1 = good pair (should not alert), 0 = bad pair. With labels the threshold maximises
        Youden's J = TPR − FPR (ROC via scikit-learn); it lies midway between two observed
        similarities.
    percentile : float
        Without labels: the threshold is this percentile of ``similarities``, so that about
        ``percentile`` % of similar traffic would alert.

    Examples
    --------
    >>> float(calibrate_threshold(np.arange(101) / 100, percentile=5))
    0.05
    >>> r = calibrate_threshold([0.9, 0.8, 0.75, 0.5, 0.4], labels=[1, 1, 1, 0, 0])
    >>> r.threshold, r.tpr, r.fpr
    (0.625, 1.0, 0.0)
    """
    func = "calibrate_threshold"
    check_in(scale, SCALES, name="scale", func=func)
    s = np.asarray(similarities, dtype=np.float64).ravel()
    if s.size == 0 or not np.isfinite(s).all():
        msg = f"{func}: similarities must be a non-empty array of finite numbers; got {s.size} values."
        raise ValueError(msg)
    if labels is None:
        check_number(percentile, name="percentile", func=func, low=0, high=100)
        t = float(np.percentile(s, percentile))
        return ThresholdResult(t, "percentile", scale, float(percentile), float("nan"), float("nan"),
                               float("nan"), int(s.size))
    y = np.asarray(labels).astype(bool).ravel()
    if y.shape != s.shape:
        msg = f"{func}: labels has {y.size} values but similarities has {s.size}."
        raise ValueError(msg)
    if y.all() or (~y).all():
        msg = (f"{func}: labels are all {'good' if y.all() else 'bad'}; a ROC threshold needs both good (1) "
               "and bad (0) pairs. Use percentile= without labels instead.")
        raise ValueError(msg)
    from sklearn.metrics import roc_curve

    bad = ~y
    fpr, tpr, thr = roc_curve(bad, -s)  # positive = bad; flagged when -s >= thr, i.e. s <= -thr
    k = int(np.argmax(tpr - fpr))
    cut = -thr[k]  # flag s <= cut; turn into a strict "< threshold" between two observed values
    higher = s[s > cut]
    t = float((cut + higher.min()) / 2.0) if higher.size else float(np.nextafter(cut, np.inf))
    return ThresholdResult(t, "youden", scale, None, float(tpr[k]), float(fpr[k]), float(tpr[k] - fpr[k]),
                           int(s.size))
