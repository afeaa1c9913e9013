"""Benchmark: feedback_lab agreement vs the krippendorff package, scikit-learn and scipy.

Run: ``python bench/bench_agreement.py [--size small|medium|large] [--repeat N]``

* Krippendorff's alpha on 3 raters x N items (10% ratings missing), three levels:
  ``fl.krippendorff_alpha`` vs ``krippendorff.alpha`` on the same array.
* Point statistics on M judge/human pairs (1-5 scale): ``fl.agreement(n_boot=0)`` (all of them)
  vs scikit-learn + scipy computing the same set (kappa x3, MCC, precision, recall, F1,
  Spearman, Kendall, Pearson) + krippendorff alpha.
* The full ``fl.agreement`` table with 2,000 bootstrap resamples, and ``fl.inter_rater`` with
  2,000 resamples; the peer is a Python loop of 2,000 ``cohen_kappa_score`` calls on resampled
  pairs (timed on 20 and scaled by 100, marked "extrapolated").

Prints a table of medians and ratios (peer / feedback_lab; > 1 means feedback_lab is faster)
and writes ``bench/results/agreement.json``.
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

SIZES = {"small": (10_000, 100_000), "medium": (100_000, 1_000_000), "large": (1_000_000, 10_000_000)}


def timeit(fn, repeat):
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=list(SIZES), default="small")
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    import krippendorff
    from scipy import stats
    from sklearn.metrics import (
        cohen_kappa_score,
        f1_score,
        matthews_corrcoef,
        precision_score,
        recall_score,
    )

    import feedback_lab as fl

    warnings.simplefilter("ignore")
    n_items, n_pairs = SIZES[args.size]
    rng = np.random.default_rng(0)
    truth = rng.integers(1, 6, n_items)
    data = np.vstack([np.where(rng.random(n_items) < 0.3, rng.integers(1, 6, n_items), truth) for _ in range(3)])
    data = data.astype(float)
    data[rng.random(data.shape) < 0.1] = np.nan
    rows = []

    def add(case, fl_s, peer, peer_s, note=""):
        rows.append({"case": case, "feedback_lab_s": fl_s, "peer": peer, "peer_s": peer_s,
                     "ratio": (peer_s / fl_s) if peer_s else None, "note": note})
        print(f"{case:<44} fl {fl_s:9.3f}s   {peer:<26} {peer_s if peer_s else float('nan'):9.3f}s   "
              f"x{(peer_s / fl_s) if peer_s else float('nan'):7.2f} {note}", flush=True)

    for level in ["nominal", "ordinal", "interval"]:
        t_fl, a = timeit(lambda level=level: fl.krippendorff_alpha(data, level=level), args.repeat)
        t_k, b = timeit(lambda level=level: krippendorff.alpha(data, level_of_measurement=level), args.repeat)
        assert abs(a - b) < 1e-9, (level, a, b)
        add(f"alpha {level}, 3 x {n_items:,} items", t_fl, "krippendorff.alpha", t_k)

    recs = pd.DataFrame({"item": np.tile(np.arange(n_items), 3), "rater": np.repeat(["a", "b", "c"], n_items),
                         "label": data.ravel()}).dropna()
    t_ir, _ = timeit(lambda: fl.inter_rater(recs, item_col="item", rater_col="rater", label_col="label",
                                            level="ordinal", n_boot=2000, random_state=0), 1)
    add(f"inter_rater + 2000 boot, 3 x {n_items:,}", t_ir, "(no peer)", None, "alpha, Fleiss, AC1/AC2, pairwise")

    h = rng.integers(1, 6, n_pairs)
    j = np.clip(h + rng.integers(-1, 2, n_pairs), 1, 5)
    df = pd.DataFrame({"judge": j, "human": h, "seg": rng.choice(["a", "b", "c", "d"], n_pairs)})

    def peer_points():
        out = [cohen_kappa_score(h, j), cohen_kappa_score(h, j, weights="linear"),
               cohen_kappa_score(h, j, weights="quadratic")]
        yt, yp = h == 1, j == 1
        out += [matthews_corrcoef(yt, yp), precision_score(yt, yp), recall_score(yt, yp), f1_score(yt, yp)]
        out += [stats.spearmanr(j, h)[0], stats.kendalltau(j, h)[0], stats.pearsonr(j, h)[0]]
        out.append(krippendorff.alpha(np.vstack([j, h]).astype(float), level_of_measurement="ordinal"))
        return out

    t_fl, _ = timeit(lambda: fl.agreement(df, judge_col="judge", human_col="human", level="ordinal",
                                          positive_label=1, n_boot=0), args.repeat)
    t_pe, _ = timeit(peer_points, args.repeat)
    add(f"all point stats, {n_pairs:,} pairs", t_fl, "sklearn+scipy+krippendorff", t_pe)

    sub = df.iloc[:100_000]
    t_full, _ = timeit(lambda: fl.agreement(sub, judge_col="judge", human_col="human", level="ordinal",
                                            positive_label=1, n_boot=2000, random_state=0), args.repeat)
    hs, js = sub["human"].to_numpy(), sub["judge"].to_numpy()

    def loop20():
        r = np.random.default_rng(1)
        for _ in range(20):
            idx = r.integers(0, len(hs), len(hs))
            cohen_kappa_score(hs[idx], js[idx])

    t_loop, _ = timeit(loop20, 1)
    add("full table + 2000 boot, 100,000 pairs", t_full, "2000x cohen_kappa_score", t_loop * 100,
        "peer: kappa only, extrapolated from 20")
    t_seg, _ = timeit(lambda: fl.agreement(df, judge_col="judge", human_col="human", level="ordinal", by="seg",
                                           positive_label=1, n_boot=2000, random_state=0), 1)
    add(f"full table by 4 segments + 2000 boot, {n_pairs:,}", t_seg, "(no peer)", None)

    out = {"size": args.size, "n_items": n_items, "n_pairs": n_pairs, "repeat": args.repeat,
           "machine": platform.platform(), "python": platform.python_version(), "rows": rows}
    path = Path(__file__).resolve().parent / "results" / "agreement.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2))
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
