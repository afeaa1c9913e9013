"""Multi-rater reliability from per-unit label counts, vectorised over bootstrap blocks.

A unit's ratings are summarised by its count vector ``n_u`` (how many raters gave
each category). Krippendorff's alpha works from the coincidence matrix
``o = sum_u (n_u n_u^T - diag(n_u)) / (m_u - 1)`` over units with ``m_u >= 2``
ratings (missing ratings allowed). Fleiss' kappa and Gwet's AC1 follow Gwet
(2014) / irrCAC for missing ratings: agreement is averaged over units with two or
more ratings and the category shares ``pi_k`` over all rated units; with the same
number of raters on every unit this is Fleiss (1971).
"""

from __future__ import annotations

import numpy as np

__all__ = ["MAX_CATEGORIES", "UnitPatterns", "krippendorff_alpha", "unit_counts"]

MAX_CATEGORIES = 100  # above this, only interval alpha (from moments) is computed


def unit_counts(unit: np.ndarray, code: np.ndarray, n_units: int, k: int) -> np.ndarray:
    """(n_units, k) matrix of how many ratings of each category each unit got."""
    return np.bincount(unit * k + code, minlength=n_units * k).reshape(n_units, k)


def _delta(level: str, nc: np.ndarray, values: np.ndarray | None) -> np.ndarray:
    """Squared distance matrices, (b, k, k) or (1, k, k)."""
    k = nc.shape[1]
    if level == "nominal":
        return (1.0 - np.eye(k))[None]
    if level == "ordinal":
        mid = np.cumsum(nc, 1) - nc / 2.0
        return (mid[:, :, None] - mid[:, None, :]) ** 2
    v = np.asarray(values, float)
    if level == "interval":
        return ((v[:, None] - v[None, :]) ** 2)[None]
    if level == "ratio":
        s = v[:, None] + v[None, :]
        with np.errstate(divide="ignore", invalid="ignore"):
            d = np.where(s == 0, 0.0, ((v[:, None] - v[None, :]) / s) ** 2)
        return d[None]
    msg = f"level must be nominal, ordinal, interval or ratio; got {level!r}"
    raise ValueError(msg)


def alpha_from_coincidence(o: np.ndarray, level: str, values: np.ndarray | None) -> np.ndarray:
    """Krippendorff's alpha for each coincidence matrix in ``o`` (b, k, k)."""
    nc = o.sum(2)
    big_n = nc.sum(1)
    d = _delta(level, nc, values)
    d_o = (o * d).sum((1, 2))
    d_e = np.einsum("bc,bck,bk->b", nc, np.broadcast_to(d, o.shape), nc)
    return 1 - (big_n - 1) * d_o / d_e


class UnitPatterns:
    """Distinct unit count vectors and how many units share each one."""

    def __init__(self, counts_matrix: np.ndarray, values: np.ndarray | None):
        rated = counts_matrix.sum(1) > 0
        self.patterns, self.counts = np.unique(counts_matrix[rated], axis=0, return_counts=True)
        self.k = counts_matrix.shape[1]
        self.values = values
        p = self.patterns.astype(float)
        m = p.sum(1)
        self.m = m
        self.pair = m >= 2
        denom = np.where(self.pair, m - 1, 1.0)
        outer = p[:, :, None] * p[:, None, :] - np.einsum("pk,kl->pkl", p, np.eye(self.k))
        self.coinc = (outer * self.pair[:, None, None] / denom[:, None, None]).reshape(len(p), -1)
        mm1 = np.where(self.pair, m * (m - 1), 1.0)
        self.pa_u = np.where(self.pair, (p * (p - 1)).sum(1) / mm1, 0.0)
        self.pi_u = p / m[:, None]
        self._mm1 = mm1

    def weighted_pa(self, weights: np.ndarray) -> np.ndarray:
        """Per-unit weighted agreement sum_k n_k ((W n)_k - 1) / (m (m-1)) (Gwet's r*_ik)."""
        p = self.patterns.astype(float)
        star = p @ weights.T
        return np.where(self.pair, (p * (star - 1)).sum(1) / self._mm1, 0.0)

    def stats(self, w: np.ndarray, level: str, ac2_weights: np.ndarray | None) -> dict[str, np.ndarray]:
        k = self.k
        n_pair = w @ self.pair.astype(float)
        n_units = w.sum(1)
        pa = (w @ self.pa_u) / n_pair
        pi = (w @ self.pi_u) / n_units[:, None]
        out = {"percent_agreement": pa}
        pe_f = (pi**2).sum(1)
        out["fleiss_kappa"] = (pa - pe_f) / (1 - pe_f)
        ppi = (pi * (1 - pi)).sum(1)
        pe_g = ppi / (k - 1) if k > 1 else np.full_like(pa, np.nan)
        out["gwet_ac1"] = (pa - pe_g) / (1 - pe_g)
        if ac2_weights is not None and k > 1:
            pa_w = (w @ self.weighted_pa(ac2_weights)) / n_pair
            pe_w = ac2_weights.sum() / (k * (k - 1)) * ppi
            out["gwet_ac2"] = (pa_w - pe_w) / (1 - pe_w)
        o = (w @ self.coinc).reshape(-1, k, k)
        out["krippendorff_alpha"] = alpha_from_coincidence(o, level, self.values)
        return out


def quadratic_weights(positions: np.ndarray) -> np.ndarray:
    """Gwet's quadratic weights ``1 - (s_k - s_l)^2 / (s_max - s_min)^2``."""
    s = np.asarray(positions, float)
    return 1 - (s[:, None] - s[None, :]) ** 2 / (s.max() - s.min()) ** 2


def interval_alpha_moments(unit: np.ndarray, x: np.ndarray, n_units: int) -> np.ndarray:
    """Per-unit features (d_o, m, sum v, sum v^2) for interval alpha with many distinct values."""
    m = np.bincount(unit, minlength=n_units).astype(float)
    s1 = np.bincount(unit, weights=x, minlength=n_units)
    s2 = np.bincount(unit, weights=x * x, minlength=n_units)
    pair = m >= 2
    d_o = np.where(pair, (2 * m * s2 - 2 * s1**2) / np.where(pair, m - 1, 1), 0.0)
    return np.column_stack([d_o, m * pair, s1 * pair, s2 * pair])


def alpha_from_moments(f: np.ndarray) -> np.ndarray:
    """Interval alpha from summed features ``(b, 4)`` of :func:`interval_alpha_moments`."""
    d_o, big_n, s1, s2 = f.T
    return 1 - (big_n - 1) * d_o / (2 * big_n * s2 - 2 * s1**2)


def krippendorff_alpha(
    reliability_data, *, level: str = "nominal", value_domain=None
) -> float:
    """Krippendorff's alpha of a raters x units array (``NaN`` = missing), like ``krippendorff.alpha``.

    Parameters
    ----------
    reliability_data : array-like, shape (n_raters, n_units)
        Numeric ratings; ``NaN`` (or ``None``) marks a missing rating.
    level : {"nominal", "ordinal", "interval", "ratio"}
    value_domain : sequence, optional
        The ordered possible values (default: the observed ones).

    Examples
    --------
    >>> data = [[1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    ...         [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    ...         [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    ...         [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None]]
    >>> round(krippendorff_alpha(data, level="nominal"), 3), round(krippendorff_alpha(data, level="interval"), 3)
    (0.743, 0.849)
    """
    a = np.array(reliability_data, dtype=float)
    if a.ndim != 2:
        msg = f"reliability_data must be 2-D (raters x units); got shape {a.shape}."
        raise ValueError(msg)
    ok = ~np.isnan(a)
    unit = np.broadcast_to(np.arange(a.shape[1]), a.shape)[ok]
    vals = a[ok]
    domain = np.unique(vals) if value_domain is None else np.asarray(value_domain, float)
    if len(domain) > MAX_CATEGORIES and level == "interval":
        f = interval_alpha_moments(unit, vals, a.shape[1]).sum(0, keepdims=True)
        return float(alpha_from_moments(f)[0])
    lookup = {float(v): i for i, v in enumerate(domain)}
    try:
        codes = np.array([lookup[float(v)] for v in vals], dtype=np.int64) if value_domain is not None \
            else np.searchsorted(domain, vals)
    except KeyError as exc:
        msg = f"value {exc.args[0]} is not in value_domain={list(domain)}."
        raise ValueError(msg) from None
    counts = unit_counts(unit, codes, a.shape[1], len(domain)).astype(float)
    m = counts.sum(1)
    keep = m >= 2
    c, inv = counts[keep], 1.0 / (m[keep] - 1)
    o = (c * inv[:, None]).T @ c
    o[np.diag_indices_from(o)] -= inv @ c
    with np.errstate(divide="ignore", invalid="ignore"):
        return float(alpha_from_coincidence(o[None], level, domain)[0])
