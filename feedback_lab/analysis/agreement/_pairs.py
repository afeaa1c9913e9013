"""Two-rater statistics evaluated on blocks of bootstrap weights.

Items are compressed into patterns: distinct (judge category, human category)
pairs. A weight block ``W`` has shape ``(b, n_patterns)``; every function
returns one value per row. Row ``counts[None, :]`` gives the point estimate, so
point estimates and resamples share one formula.

Conventions, chosen to match the reference implementations:

* categories are the sorted union of both raters' labels (or ``labels=``);
  weighted Cohen's kappa uses distances between category *positions*, as
  :func:`sklearn.metrics.cohen_kappa_score` does;
* Krippendorff's alpha uses the coincidence matrix of the pairable values,
  as the ``krippendorff`` package does (interval: squared value differences;
  ordinal: Krippendorff's rank metric from the marginal counts);
* Gwet's AC1 uses ``q`` = the number of categories; AC2 uses quadratic
  weights ``1 - (s_k - s_l)^2 / (s_max - s_min)^2`` (positions for ordinal data,
  values for interval data), as in Gwet (2014) and the irrCAC package;
* Spearman uses mid-ranks and Kendall's tau is tau-b, as in scipy.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import sparse

__all__ = ["KENDALL_MAX_PATTERNS", "PairData", "pair_stats"]

KENDALL_MAX_PATTERNS = 2500  # Kendall's tau from a (P x P) sign matrix per resample block


@dataclass
class PairData:
    """Patterns of one (segment of a) judge/human pairing."""

    xi: np.ndarray  # judge category index per pattern
    yi: np.ndarray  # human category index per pattern
    counts: np.ndarray  # items per pattern
    n_categories: int
    values: np.ndarray | None  # numeric value per category (None: nominal labels)
    level: str
    positive: int | None  # index of the failing category for the binary metrics
    _cache: dict = field(default_factory=dict, repr=False)

    @classmethod
    def from_codes(cls, x: np.ndarray, y: np.ndarray, n_categories: int, values, level, positive):
        key = np.asarray(x, np.int64) * n_categories + np.asarray(y, np.int64)
        uniq, counts = np.unique(key, return_counts=True)
        return cls(uniq // n_categories, uniq % n_categories, counts, n_categories, values, level, positive)

    def onehot(self, which: str) -> sparse.csr_matrix:
        if which not in self._cache:
            idx = self.xi if which == "x" else self.yi
            p = len(idx)
            self._cache[which] = sparse.csr_matrix(
                (np.ones(p), (np.arange(p), idx)), shape=(p, self.n_categories)
            )
        return self._cache[which]

    def marginal(self, w: np.ndarray, which: str) -> np.ndarray:
        return np.asarray((self.onehot(which).T @ w.T).T)


def _wpearson(w: np.ndarray, a: np.ndarray, b: np.ndarray, n: np.ndarray) -> np.ndarray:
    """Weighted Pearson correlation per row; ``a``/``b`` are (P,) or (b, P)."""
    ma = (w * a).sum(1) / n
    mb = (w * b).sum(1) / n
    ca = a - ma[:, None]
    cb = b - mb[:, None]
    cov = (w * ca * cb).sum(1)
    return cov / np.sqrt((w * ca * ca).sum(1) * (w * cb * cb).sum(1))


def _midranks(m: np.ndarray) -> np.ndarray:
    """Mid-rank of each category given per-row category counts ``m`` (b, K)."""
    return np.cumsum(m, axis=1) - m / 2.0


def _linear_expected(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """sum_kl a_k b_l |k - l| per row, in O(K)."""
    r = np.arange(a.shape[1], dtype=float)
    bc = np.cumsum(b, 1)
    rc = np.cumsum(b * r, 1)
    btot, rtot = bc[:, -1:], rc[:, -1:]
    below = r * (bc - b) - (rc - b * r)
    above = (rtot - rc) - r * (btot - bc)
    return (a * (below + above)).sum(1)


def _alpha(d: PairData, w, n, mx, my) -> np.ndarray:
    big_n = 2 * n
    nc = mx + my
    diff = d.xi != d.yi
    if d.level == "nominal":
        d_o = 2 * (w * diff).sum(1)
        d_e = big_n**2 - (nc**2).sum(1)
    else:
        if d.level == "ordinal":
            mid = _midranks(nc)
            sx, sy, s = mid[:, d.xi], mid[:, d.yi], mid
        else:
            v = d.values
            sx, sy, s = v[d.xi], v[d.yi], v[None, :]
        d_o = 2 * (w * (sx - sy) ** 2).sum(1)
        d_e = 2 * big_n * (nc * s**2).sum(1) - 2 * (nc * s).sum(1) ** 2
    return 1 - (big_n - 1) * d_o / d_e


def _kendall(d: PairData, w, n, mx, my) -> np.ndarray:
    if len(d.counts) > KENDALL_MAX_PATTERNS:
        return np.full(w.shape[0], np.nan)
    if "sign" not in d._cache:
        sx = np.sign(d.xi[:, None] - d.xi[None, :])
        sy = np.sign(d.yi[:, None] - d.yi[None, :])
        d._cache["sign"] = (sx * sy).astype(float)
    s = d._cache["sign"]
    num = ((w @ s) * w).sum(1) / 2
    n0 = n * (n - 1) / 2
    xt = (mx * (mx - 1)).sum(1) / 2
    yt = (my * (my - 1)).sum(1) / 2
    return num / np.sqrt((n0 - xt) * (n0 - yt))


def pair_stats(d: PairData, w: np.ndarray) -> dict[str, np.ndarray]:
    """Every statistic for each row of the weight block ``w``."""
    k = d.n_categories
    n = w.sum(1)
    mx, my = d.marginal(w, "x"), d.marginal(w, "y")
    po = (w * (d.xi == d.yi)).sum(1) / n
    out: dict[str, np.ndarray] = {"percent_agreement": po}
    pe = (mx * my).sum(1) / n**2
    out["cohen_kappa"] = (po - pe) / (1 - pe)
    pi = (mx + my) / (2 * n[:, None])
    ppi = (pi * (1 - pi)).sum(1)
    pe1 = ppi / (k - 1) if k > 1 else np.full_like(n, np.nan)
    out["gwet_ac1"] = (po - pe1) / (1 - pe1)
    out["krippendorff_alpha"] = _alpha(d, w, n, mx, my)
    if d.level != "nominal":
        r = np.arange(k, dtype=float)
        dx = (d.xi - d.yi).astype(float)
        lin_o = (w * np.abs(dx)).sum(1) / n
        out["cohen_kappa_linear"] = 1 - lin_o / (_linear_expected(mx, my) / n**2)
        quad_o = (w * dx**2).sum(1) / n
        quad_e = (
            (mx * r**2).sum(1) * my.sum(1) + mx.sum(1) * (my * r**2).sum(1)
            - 2 * (mx * r).sum(1) * (my * r).sum(1)
        ) / n**2
        out["cohen_kappa_quadratic"] = 1 - quad_o / quad_e
        s = r if d.level == "ordinal" else d.values
        span2 = (s.max() - s.min()) ** 2 if k > 1 else np.nan
        wq = 1 - (s[d.xi] - s[d.yi]) ** 2 / span2
        pa2 = (w * wq).sum(1) / n
        t_w = k * k - (2 * k * (s**2).sum() - 2 * s.sum() ** 2) / span2
        pe2 = t_w / (k * (k - 1)) * ppi if k > 1 else np.full_like(n, np.nan)
        out["gwet_ac2"] = (pa2 - pe2) / (1 - pe2)
        vx = r[d.xi] if d.values is None else d.values[d.xi]
        vy = r[d.yi] if d.values is None else d.values[d.yi]
        rx, ry = _midranks(mx)[:, d.xi], _midranks(my)[:, d.yi]
        out["spearman"] = _wpearson(w, rx, ry, n)
        out["kendall_tau_b"] = _kendall(d, w, n, mx, my)
        out["pearson"] = _wpearson(w, vx[None, :], vy[None, :], n)
        out["mae"] = (w * np.abs(vx - vy)).sum(1) / n
    if d.positive is not None:
        pred, true = d.xi == d.positive, d.yi == d.positive
        tp = (w * (pred & true)).sum(1)
        fp = (w * (pred & ~true)).sum(1)
        fn = (w * (~pred & true)).sum(1)
        tn = n - tp - fp - fn
        out["precision"] = tp / (tp + fp)
        out["recall"] = tp / (tp + fn)
        out["tnr"] = tn / (tn + fp)
        out["f1"] = 2 * tp / (2 * tp + fp + fn)
        out["mcc"] = (tp * tn - fp * fn) / np.sqrt((tp + fp) * (tp + fn) * (tn + fp) * (tn + fn))
    return out
