"""Input checks, progress bars and the :class:`DriftResult` container shared by the drift modules."""

from __future__ import annotations

import dataclasses
import html
import math
import sys
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DriftResult", "as_matrix", "blas_threads", "progress_bar"]


def blas_threads(n_rows: int, *, large: int = 2000):
    """One BLAS thread for small problems (threads only add contention there), else unchanged."""
    import contextlib

    if n_rows >= large:
        return contextlib.nullcontext()
    from threadpoolctl import threadpool_limits

    return threadpool_limits(limits=1)


def as_matrix(value: Any, *, name: str, func: str, min_rows: int = 2) -> np.ndarray:
    """A finite 2-D float array with at least ``min_rows`` rows, or a ValueError that says why."""
    arr = np.asarray(value)
    if arr.dtype == object or not np.issubdtype(arr.dtype, np.number):
        msg = (
            f"{func}: '{name}' must be a numeric embedding matrix of shape (n, d); got dtype {arr.dtype}. "
            "Embed texts first, e.g. fl.embed(texts)."
        )
        raise TypeError(msg)
    if arr.ndim != 2:
        msg = f"{func}: '{name}' must be 2-D (n rows, d dimensions); got shape {arr.shape}."
        raise ValueError(msg)
    if arr.shape[0] < min_rows:
        msg = (
            f"{func}: '{name}' has {arr.shape[0]} row(s); at least {min_rows} are needed for this test. "
            "Use a wider window or fl.drift_timeline, which skips tiny windows with a reason."
        )
        raise ValueError(msg)
    arr = arr.astype(np.float64, copy=False) if arr.dtype != np.float32 else arr
    bad = ~np.isfinite(arr).all(axis=1)
    if bad.any():
        rows = np.flatnonzero(bad)[:5].tolist()
        msg = f"{func}: '{name}' has {int(bad.sum())} row(s) with NaN or inf (first rows: {rows}). Drop or re-embed them."
        raise ValueError(msg)
    return arr


def progress_bar(total: int, show: bool | None, desc: str, *, large: int = 5000):
    """A ``tqdm.auto`` bar, or None. ``show=None``: on when interactive and the work is large."""
    if show is None:
        show = total >= large and sys.stderr.isatty()
    if not show:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, leave=False)


_FRAME_COLUMNS = [
    "method", "statistic", "p_value", "threshold", "drifted", "effect_size", "effect_name",
    "alpha", "n_reference", "n_current", "n_reference_used", "n_current_used", "n_permutations",
]


@dataclasses.dataclass(frozen=True, eq=False)
class DriftResult:
    """Outcome of a two-sample drift test between ``reference`` and ``current`` embeddings.

    Attributes
    ----------
    method : str
        ``"mmd"``, ``"classifier"``, ``"centroid"`` or ``"all"``.
    statistic : float
        MMD² (unbiased), cross-validated ROC AUC, or cosine distance between means.
        NaN for ``"all"`` (see ``results``).
    p_value : float
        Permutation p-value ``(1 + #{null >= statistic}) / (1 + n_permutations)``; for
        ``"all"`` the Bonferroni-adjusted minimum over methods.
    threshold : float
        Critical value: the ``1 - alpha`` quantile of the permutation null. The test fires
        when ``p_value <= alpha``, i.e. roughly when ``statistic`` exceeds it.
    drifted : bool
        ``p_value <= alpha``.
    effect_size : float
        On the statistic's own scale: MMD (square root of MMD², 0 if negative),
        ``2 * AUC - 1`` (Somers' D; 0 = chance), cosine distance between means.
    effect_name : str
    alpha : float
    n_reference, n_current : int
        Rows given; ``params["n_reference_used"]`` / ``params["n_current_used"]`` are
        the rows tested after subsampling to ``max_samples``.
    params : dict
        Every parameter actually used, including the resolved ``seed`` and the bandwidth.
    results : tuple of DriftResult
        One per method for ``method="all"``; empty otherwise.
    null : numpy.ndarray
        The permutation null distribution of ``statistic``.
    """

    method: str
    statistic: float
    p_value: float
    threshold: float
    drifted: bool
    effect_size: float
    effect_name: str
    alpha: float
    n_reference: int
    n_current: int
    params: dict = dataclasses.field(default_factory=dict)
    results: tuple = ()
    null: np.ndarray = dataclasses.field(default_factory=lambda: np.empty(0), repr=False)

    def _row(self) -> dict:
        return {
            "method": self.method,
            "statistic": self.statistic,
            "p_value": self.p_value,
            "threshold": self.threshold,
            "drifted": self.drifted,
            "effect_size": self.effect_size,
            "effect_name": self.effect_name,
            "alpha": self.alpha,
            "n_reference": self.n_reference,
            "n_current": self.n_current,
            "n_reference_used": self.params.get("n_reference_used", self.n_reference),
            "n_current_used": self.params.get("n_current_used", self.n_current),
            "n_permutations": self.params.get("n_permutations"),
        }

    def to_frame(self) -> pd.DataFrame:
        """One row per method (three rows for ``method="all"``), columns as in :attr:`_FRAME_COLUMNS`."""
        rows = [r._row() for r in self.results] if self.results else [self._row()]
        return pd.DataFrame(rows, columns=_FRAME_COLUMNS)

    def __bool__(self) -> bool:
        return bool(self.drifted)

    def _repr_html_(self) -> str:
        verdict = "drift detected" if self.drifted else "no drift detected"
        rows = "".join(
            f"<tr><td>{html.escape(r.method)}</td><td>{_fmt(r.statistic)}</td><td>{_fmt(r.p_value)}</td>"
            f"<td>{'yes' if r.drifted else 'no'}</td></tr>"
            for r in (self.results or (self,))
        )
        return (
            f"<div><b>DriftResult</b>: {verdict} at alpha={self.alpha} "
            f"({self.n_reference} reference vs {self.n_current} current rows)"
            f"<table><tr><th>method</th><th>statistic</th><th>p-value</th><th>drifted</th></tr>{rows}</table></div>"
        )


def _fmt(v: float) -> str:
    return "nan" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:.4g}"
