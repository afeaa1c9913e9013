"""Frame builders shared by the agreement tests (imported by module name)."""

from __future__ import annotations

import numpy as np
import pandas as pd


def pairs_from_table(table) -> pd.DataFrame:
    """Contingency table (rows = judge, columns = human) -> one row per item."""
    t = np.asarray(table, dtype=int)
    j, h = np.nonzero(t)
    reps = t[j, h]
    return pd.DataFrame({"judge": np.repeat(j + 1, reps), "human": np.repeat(h + 1, reps)})


def long_from_rows(rows) -> pd.DataFrame:
    """Units x raters rows (None = missing) -> long frame item/rater/label."""
    recs = [
        {"item": u, "rater": f"r{r}", "label": v}
        for u, row in enumerate(rows)
        for r, v in enumerate(row)
        if v is not None
    ]
    return pd.DataFrame(recs)


def long_from_counts(counts) -> pd.DataFrame:
    """Units x categories counts -> long frame (rater ids are arbitrary slots)."""
    recs = []
    for u, row in enumerate(counts):
        slot = 0
        for c, k in enumerate(row):
            for _ in range(int(k)):
                recs.append({"item": u, "rater": f"r{slot}", "label": c + 1})
                slot += 1
    return pd.DataFrame(recs)


def close(value: float, expected: float, decimals: int) -> bool:
    """``value`` equals the published figure to its printed precision."""
    return abs(value - expected) <= 0.5 * 10.0**-decimals + 1e-12
