"""Vectorised bootstrap over item "patterns".

Resampling ``n`` i.i.d. items with replacement and counting how often each
*distinct* item (a pattern: a (judge, human) pair, or a unit's vector of label
counts) was drawn gives the same distribution as drawing the pattern counts
from ``Multinomial(n, counts / n)``. Every statistic here is a function of
those weighted counts, so a resample is a row of a ``(n_boot, n_patterns)``
weight matrix and all statistics are evaluated on whole blocks of rows at
once. When the patterns are nearly as many as the items, the weights come
from an index matrix (``rng.integers``) and ``np.bincount`` instead; both
are exact bootstrap resamples.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterator

import numpy as np

__all__ = ["AgreementWarning", "boot_weights", "bootstrap", "percentile_interval"]

# cells of a weight block kept in memory at once (float64: 8 bytes each)
_BLOCK_CELLS = 4_000_000


class AgreementWarning(UserWarning):
    """An agreement statistic is undefined, unstable (small n) or was computed on fewer rows."""


def warn(message: str) -> None:
    warnings.warn(message, AgreementWarning, stacklevel=3)


def boot_weights(
    counts: np.ndarray, n_boot: int, rng: np.random.Generator, block: int | None = None
) -> Iterator[np.ndarray]:
    """Yield blocks of bootstrap weights, each ``(b, len(counts))``, ``b`` summing to ``n_boot``.

    ``counts[p]`` is how many items have pattern ``p``; each row of a block sums to
    ``counts.sum()``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> blocks = list(boot_weights(np.array([3, 1]), 5, rng))
    >>> sum(b.shape[0] for b in blocks), bool((np.concatenate(blocks).sum(1) == 4).all())
    (5, True)
    """
    counts = np.asarray(counts, dtype=np.int64)
    n = int(counts.sum())
    n_pat = len(counts)
    if block is None:
        block = max(1, min(n_boot, _BLOCK_CELLS // max(n_pat, n if 8 * n_pat > n else 1)))
    use_index = 8 * n_pat > n  # many distinct patterns: resample item indices
    item_pattern = np.repeat(np.arange(n_pat), counts) if use_index else None
    pvals = counts / n
    done = 0
    while done < n_boot:
        b = min(block, n_boot - done)
        if use_index:
            idx = rng.integers(0, n, size=(b, n))
            flat = item_pattern[idx] + (np.arange(b) * n_pat)[:, None]
            w = np.bincount(flat.ravel(), minlength=b * n_pat).reshape(b, n_pat)
        else:
            w = rng.multinomial(n, pvals, size=b)
        done += b
        yield w.astype(np.float64)


def bootstrap(
    counts: np.ndarray,
    stat: Callable[[np.ndarray], dict[str, np.ndarray]],
    n_boot: int,
    rng: np.random.Generator,
) -> tuple[dict[str, float], dict[str, np.ndarray]]:
    """Point estimates and bootstrap replicates of every statistic ``stat`` returns.

    ``stat`` maps a ``(b, n_patterns)`` weight block to ``{name: array of b}``.
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        point = {k: float(v[0]) for k, v in stat(np.asarray(counts, float)[None, :]).items()}
        reps: dict[str, list[np.ndarray]] = {k: [] for k in point}
        if n_boot > 0:
            for w in boot_weights(counts, n_boot, rng):
                for k, v in stat(w).items():
                    reps[k].append(np.asarray(v, float))
    return point, {k: np.concatenate(v) if v else np.empty(0) for k, v in reps.items()}


def percentile_interval(reps: np.ndarray, level: float = 0.95) -> tuple[float, float, int]:
    """Percentile interval of the finite replicates and how many replicates were undefined."""
    reps = np.asarray(reps, float)
    finite = reps[np.isfinite(reps)]
    n_bad = int(reps.size - finite.size)
    if finite.size < max(2, reps.size // 2):
        return float("nan"), float("nan"), n_bad
    a = (1 - level) / 2
    lo, hi = np.quantile(finite, [a, 1 - a])
    return float(lo), float(hi), n_bad
