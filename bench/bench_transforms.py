"""Benchmark feedback_lab transforms against the code a user would otherwise write.

    python bench/bench_transforms.py [--size small|medium|large]

Peers, run on the same data in the same process:
- feedback_trends  vs a hand-written pandas groupby + statsmodels Wilson interval
- detect_regressions vs a loop of scipy.stats.fisher_exact / ttest_ind per metric
- implicit_signals (edit distance) vs difflib.SequenceMatcher ratio (the stdlib alternative)
Prints medians and ratios (feedback_lab / peer) and writes bench/results/transforms.json.
"""

from __future__ import annotations

import argparse
import difflib
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
import feedback_lab as fl

SIZES = {"small": 5_000, "medium": 50_000, "large": 500_000}


def timeit(fn, repeat=5):
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def data(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 90 * 86400, n), unit="s")
    tr = pd.DataFrame({"trace_id": [f"t{i}" for i in range(n)], "timestamp": ts,
                       "model": rng.choice(["a", "b", "c"], n), "output": ["answer " * 8] * n})
    m = n // 2
    fb = pd.DataFrame({"trace_id": [f"t{i}" for i in rng.choice(n, m, replace=False)], "name": "thumb",
                       "value": (rng.random(m) < 0.8).astype(float)})
    return tr, fb


def peer_trends(tr, fb):
    from statsmodels.stats.proportion import proportion_confint

    t = tr.assign(period=tr["timestamp"].dt.tz_localize(None).dt.to_period("W-SUN").dt.start_time)
    j = fb.merge(t[["trace_id", "period", "model"]], on="trace_id")
    j["neg"] = j["value"] < 0.5
    g = j.groupby(["period", "model"]).agg(n_feedback=("neg", "size"), n_negative=("neg", "sum"))
    g["negative_rate"] = g["n_negative"] / g["n_feedback"]
    g["low"], g["high"] = proportion_confint(g["n_negative"], g["n_feedback"], method="wilson")
    g["n_traces"] = t.groupby(["period", "model"]).size()
    return g


def peer_regressions(base, cand):
    from scipy import stats

    out = {}
    for c in base.columns:
        x, y = base[c].to_numpy(float), cand[c].to_numpy(float)
        if set(np.unique(np.r_[x, y])) <= {0.0, 1.0}:
            table = [[x.sum(), len(x) - x.sum()], [y.sum(), len(y) - y.sum()]]
            out[c] = stats.fisher_exact(table, alternative="greater").pvalue
        else:
            out[c] = stats.ttest_ind(y, x, equal_var=False, alternative="less").pvalue
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=list(SIZES), default="small")
    args = ap.parse_args()
    n = SIZES[args.size]
    tr, fb = data(n)
    rng = np.random.default_rng(1)
    base = pd.DataFrame({f"m{i}": (rng.random(n) < 0.9) for i in range(5)} | {f"s{i}": rng.normal(size=n) for i in range(5)})
    cand = base.sample(frac=1, random_state=0).reset_index(drop=True)
    texts = [("The quick brown fox jumps over the lazy dog. " * 6, "The quick brown cat jumped over a lazy dog! " * 6)] * 200
    rows = [
        ("feedback_trends (pandas in)", lambda: fl.feedback_trends(tr, fb, by="model"), lambda: peer_trends(tr, fb),
         "pandas groupby + statsmodels"),
        ("detect_regressions (10 metrics)", lambda: fl.detect_regressions(base, cand), lambda: peer_regressions(base, cand),
         "scipy loop"),
        ("normalized edit distance x200", lambda: [fl.transforms._stats.normalized_edit_distance(a, b) for a, b in texts],
         lambda: [difflib.SequenceMatcher(None, a, b).ratio() for a, b in texts], "difflib ratio"),
    ]
    import feedback_lab.transforms._stats  # noqa: F401

    results = []
    print(f"size={args.size} (n={n})")
    print(f"{'task':36} {'feedback_lab s':>15} {'peer s':>10} {'ratio':>7}  peer")
    for name, ours, peer, peer_name in rows:
        ours(), peer()  # warm-up
        a, b = timeit(ours), timeit(peer)
        results.append({"task": name, "feedback_lab_s": a, "peer_s": b, "ratio": a / b, "peer": peer_name})
        print(f"{name:36} {a:15.4f} {b:10.4f} {a / b:7.2f}  {peer_name}")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "transforms.json").write_text(json.dumps({"size": args.size, "n": n, "results": results}, indent=2))


if __name__ == "__main__":
    main()
