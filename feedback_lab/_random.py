"""Local random number generators (never global seeding)."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["check_random_state", "seed_int"]


def check_random_state(random_state: int | np.random.Generator | None) -> np.random.Generator:
    """Turn ``random_state`` into a :class:`numpy.random.Generator`.

    Examples
    --------
    >>> rng = check_random_state(0)
    >>> float(rng.random()) == float(np.random.default_rng(0).random())
    True
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    if random_state is None or isinstance(random_state, numbers.Integral):
        return np.random.default_rng(random_state)
    msg = f"random_state must be None, an int or a numpy Generator; got {type(random_state).__name__}."
    raise TypeError(msg)


def seed_int(random_state: int | np.random.Generator | None) -> int:
    """An int seed for libraries that need one (UMAP, scikit-learn), drawn reproducibly.

    An int is passed through unchanged; a Generator yields a derived seed;
    ``None`` draws a fresh one (so the result records the seed actually used).
    """
    if isinstance(random_state, numbers.Integral):
        return int(random_state)
    return int(check_random_state(random_state).integers(0, 2**31 - 1))
