"""Small statistics shared by the transforms: Wilson intervals and normalised edit distance."""

from __future__ import annotations

import numpy as np
from scipy import stats

__all__ = ["edit_distance", "normalized_edit_distance", "wilson_interval"]


def wilson_interval(k, n, confidence: float = 0.95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval for ``k`` successes out of ``n`` (vectorised; NaN where ``n == 0``).

    ``k`` may be fractional (ties counted as half a win). Closed form of
    Wilson (1927), as in ``statsmodels.stats.proportion.proportion_confint(method="wilson")``.

    Examples
    --------
    >>> lo, hi = wilson_interval(81, 263)   # Newcombe (1998), Table I example: 0.2553, 0.3662
    >>> round(float(lo), 4), round(float(hi), 4)
    (0.2553, 0.3662)
    """
    k = np.asarray(k, dtype=float)
    n = np.asarray(n, dtype=float)
    z = stats.norm.ppf(1 - (1 - confidence) / 2)
    with np.errstate(invalid="ignore", divide="ignore"):
        p = k / n
        denom = 1 + z**2 / n
        centre = (p + z**2 / (2 * n)) / denom
        half = z * np.sqrt(p * (1 - p) / n + z**2 / (4 * n**2)) / denom
        lo = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
        hi = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return lo, hi


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance (insert, delete, substitute, each cost 1), one numpy row at a time.

    Examples
    --------
    >>> edit_distance("kitten", "sitting")
    3
    """
    if a == b:
        return 0
    if not a or not b:
        return max(len(a), len(b))
    if len(a) < len(b):
        a, b = b, a
    bb = np.frombuffer(b.encode("utf-32-le"), dtype=np.uint32)
    m = len(bb)
    idx = np.arange(m + 1, dtype=np.int64)
    prev = idx.copy()
    for i, ch in enumerate(a, start=1):
        code = ord(ch)
        # deletion and substitution are vectorised; insertion (left neighbour) is a running
        # minimum: cur[j] = min_k<=j (tmp[k] + j - k) = j + cummin(tmp - idx)
        tmp = np.empty(m + 1, dtype=np.int64)
        tmp[0] = i
        tmp[1:] = np.minimum(prev[1:] + 1, prev[:-1] + (bb != code))
        prev = np.minimum.accumulate(tmp - idx) + idx
    return int(prev[-1])


def normalized_edit_distance(a: str | None, b: str | None) -> float:
    """Levenshtein distance divided by the longer length: 0 identical, 1 nothing in common.

    Examples
    --------
    >>> normalized_edit_distance("abcd", "abcf")
    0.25
    """
    if a is None or b is None:
        return float("nan")
    a, b = str(a), str(b)
    longest = max(len(a), len(b))
    return 0.0 if longest == 0 else edit_distance(a, b) / longest
