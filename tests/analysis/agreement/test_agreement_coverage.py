"""Interval sanity: bootstrap 95% intervals cover a known population kappa ~95% of the time.

Runs in ~10 s on 2 cores, so it stays in the default run (not marked ``slow``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import feedback_lab as fl


def test_kappa_interval_coverage_on_simulated_data():
    # population 3x3 joint distribution of (judge, human); its Cohen's kappa is known exactly
    p = np.array([[0.30, 0.04, 0.01], [0.05, 0.25, 0.05], [0.01, 0.04, 0.25]])
    po, pe = np.trace(p), p.sum(1) @ p.sum(0)
    true_kappa = (po - pe) / (1 - pe)
    rng = np.random.default_rng(2024)
    reps, n, hits = 200, 250, 0
    for r in range(reps):
        cells = rng.choice(9, size=n, p=p.ravel())
        df = pd.DataFrame({"judge": cells // 3, "human": cells % 3})
        row = fl.agreement(df, judge_col="judge", human_col="human", n_boot=1000, random_state=r).table.iloc[0]
        hits += row["cohen_kappa_low"] <= true_kappa <= row["cohen_kappa_high"]
    coverage = hits / reps
    # binomial sd at 0.95 with 200 reps is 0.015; percentile intervals run slightly narrow at n=250
    assert 0.90 <= coverage <= 0.99, coverage
