"""Benchmark: MMD permutation test (100 permutations) vs alibi-detect, Evidently and a naive baseline.

Run: ``python bench/bench_drift.py [--size small|medium|large]``

* small: 1,000 vs 1,000 rows; medium: 5,000 vs 5,000 (the target of issue 6); large: 10,000 vs 10,000.
  Embeddings are synthetic, L2-normalised, 384-d, drawn from 20 topics, with 10 % of the
  current window on a new topic.
* Every tool runs in its own subprocess, which reports wall time and peak memory above its
  baseline (``ru_maxrss`` after the run minus the RSS before it).
* Peers: alibi-detect ``MMDDrift`` (pytorch backend) and Evidently's legacy embedding-drift
  methods (``mmd``, ``model``, ``distance``) run from separate virtual environments
  (``--alibi-python``, ``--evidently-python``; defaults ``/tmp/drift-alibi/bin/python`` and
  ``/tmp/drift-evidently/bin/python``) because their pins would change the shared environment.
  "naive numpy" recomputes the kernel for every permutation (the straightforward baseline; small only).
* Statistics: with the same bandwidth, MMD² must agree with alibi-detect's ``distance`` and with
  Evidently's ``mmd`` value (the same unbiased estimator); the table prints the absolute differences.

Writes ``bench/results/drift.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # run from a checkout without installing
SIZES = {"small": 1000, "medium": 5000, "large": 10000}
N_PERM = 100

#: how to create each peer's virtual environment (printed when it is missing)
_SETUP = {
    "alibi-detect": "python3.11 -m venv /tmp/drift-alibi && /tmp/drift-alibi/bin/pip install "
                    "'alibi-detect[torch]==0.13.0' (or pass --alibi-python)",
    "evidently": "python3.11 -m venv /tmp/drift-evidently && /tmp/drift-evidently/bin/pip install "
                 "'evidently==0.7.23' 'pandas<3' scikit-learn (evidently 0.7 fails on pandas 3; or pass --evidently-python)",
    "feedback_lab": "", "naive": "",
}

_PRELUDE = """
import json, resource, sys, time, os
import numpy as np
def rss_kb():
    with open('/proc/self/statm') as f:
        return int(f.read().split()[1]) * os.sysconf('SC_PAGE_SIZE') // 1024
x = np.load(sys.argv[1]); y = np.load(sys.argv[2]); sigma = float(sys.argv[3]); out = {}
"""

TOOLS = {
    "feedback_lab": """
import feedback_lab as fl
fl.embedding_drift(x[:50], y[:50], bandwidth=sigma, n_permutations=5)  # warm imports
base = rss_kb(); t = time.perf_counter()
r = fl.embedding_drift(x, y, method="mmd", bandwidth=sigma, n_permutations=100, max_samples=None, random_state=0)
out = {"time_s": time.perf_counter() - t, "stat": r.statistic, "p_value": r.p_value}
""",
    "alibi-detect MMDDrift": """
from alibi_detect.cd import MMDDrift
import torch
base = rss_kb(); t = time.perf_counter()
cd = MMDDrift(x, backend="pytorch", p_val=0.05, n_permutations=100, sigma=np.array([sigma], dtype=np.float32))
pred = cd.predict(y)["data"]
out = {"time_s": time.perf_counter() - t, "stat": float(pred["distance"]), "p_value": float(pred["p_val"]),
       "version": __import__("alibi_detect").__version__}
""",
    "evidently mmd (threshold, no p-value)": """
import pandas as pd
from sklearn.metrics import pairwise_distances
from evidently.legacy.metrics.data_drift.embedding_drift_methods import mmd
xd, yd = pd.DataFrame(x), pd.DataFrame(y)
base = rss_kb(); t = time.perf_counter()
value, drifted, _ = mmd()(yd, xd)
out = {"time_s": time.perf_counter() - t, "stat": float(value), "version": __import__("evidently").__version__}
d = pairwise_distances(xd.sample(min(len(x), 1000), random_state=0), yd.sample(min(len(y), 1000), random_state=0))
out["sigma"] = float(np.median(d) / np.sqrt(2.0))  # Evidently's gamma = 1/median(d)^2 as an RBF sigma
""",
    "evidently model (classifier, no p-value)": """
import pandas as pd
from evidently.legacy.metrics.data_drift.embedding_drift_methods import model
base = rss_kb(); t = time.perf_counter()
value, drifted, _ = model()(pd.DataFrame(y), pd.DataFrame(x))
out = {"time_s": time.perf_counter() - t, "stat": float(value)}
""",
    "naive numpy (kernel recomputed per permutation)": """
def k(a, b):
    d = (a * a).sum(1)[:, None] + (b * b).sum(1)[None, :] - 2 * a @ b.T
    return np.exp(-np.maximum(d, 0) / (2 * sigma ** 2))
def mmd2(a, b):
    n, m = len(a), len(b); kaa, kbb = k(a, a), k(b, b)
    return ((kaa.sum() - np.trace(kaa)) / (n * (n - 1)) + (kbb.sum() - np.trace(kbb)) / (m * (m - 1))
            - 2 * k(a, b).mean())
x = x.astype(np.float64); y = y.astype(np.float64)
base = rss_kb(); t = time.perf_counter()
z = np.vstack([x, y]); rng = np.random.default_rng(0); stat = mmd2(x, y); null = []
for _ in range(100):
    p = rng.permutation(len(z)); null.append(mmd2(z[p[:len(x)]], z[p[len(x):]]))
out = {"time_s": time.perf_counter() - t, "stat": float(stat),
       "p_value": (1 + sum(v >= stat for v in null)) / 101}
""",
}
_EPILOGUE = """
out["peak_mb"] = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - base, 0) / 1024
print("RESULT" + json.dumps(out))
"""


def make_data(n: int, d: int = 384, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    topics = rng.normal(size=(21, d)) * 0.35

    def draw(count, which):
        z = topics[which] + rng.normal(size=(count, d)) / np.sqrt(d) * 3
        return (z / np.linalg.norm(z, axis=1, keepdims=True)).astype(np.float32)

    ref = draw(n, rng.integers(0, 20, n))
    k = n // 10
    cur = np.vstack([draw(n - k, rng.integers(0, 20, n - k)), draw(k, np.full(k, 20))])
    return ref, cur


def run_tool(name: str, python: str, files: list[str], sigma: float) -> dict:
    code = _PRELUDE + textwrap.dedent(TOOLS[name]) + _EPILOGUE
    env = {**os.environ, "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
    proc = subprocess.run([python, "-c", code, *files, repr(sigma)], capture_output=True, text=True, env=env,
                          check=False)
    for line in proc.stdout.splitlines():
        if line.startswith("RESULT"):
            return json.loads(line[6:])
    return {"error": (proc.stderr.strip().splitlines() or ["no output"])[-1][:200]}


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=list(SIZES), default="small")
    ap.add_argument("--repeats", type=int, default=None, help="runs per tool (median reported)")
    ap.add_argument("--alibi-python", default="/tmp/drift-alibi/bin/python")
    ap.add_argument("--evidently-python", default="/tmp/drift-evidently/bin/python")
    args = ap.parse_args(argv)
    n = SIZES[args.size]
    repeats = args.repeats or {"small": 3, "medium": 1, "large": 1}[args.size]
    from feedback_lab.analysis.drift._mmd import median_bandwidth

    x, y = make_data(n)
    sigma = median_bandwidth(np.vstack([x, y]))
    pythons = {"feedback_lab": sys.executable, "alibi-detect MMDDrift": args.alibi_python,
               "evidently mmd (threshold, no p-value)": args.evidently_python,
               "evidently model (classifier, no p-value)": args.evidently_python,
               "naive numpy (kernel recomputed per permutation)": sys.executable}
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        files = [f"{tmp}/x.npy", f"{tmp}/y.npy"]
        np.save(files[0], x)
        np.save(files[1], y)
        for name, python in pythons.items():
            if name.startswith("naive") and args.size != "small":
                results[name] = {"skipped": "too slow above --size small"}
                continue
            if not Path(python).exists():
                results[name] = {"skipped": f"{python} not found; create it with: {_SETUP[name.split()[0]]}"}
                continue
            runs = [run_tool(name, python, files, sigma) for _ in range(repeats)]
            ok = [r for r in runs if "error" not in r]
            if not ok:
                results[name] = runs[0]
                continue
            res = dict(ok[-1])
            res["time_s"] = statistics.median(r["time_s"] for r in ok)
            res["peak_mb"] = statistics.median(r["peak_mb"] for r in ok)
            results[name] = res
        ev = results.get("evidently mmd (threshold, no p-value)", {})
        if "sigma" in ev:  # our statistic with Evidently's bandwidth, to compare the estimator itself
            same = run_tool("feedback_lab", sys.executable, files, ev["sigma"])
            ev["feedback_lab_stat_same_sigma"] = same.get("stat")
    ours = results["feedback_lab"]
    if "time_s" not in ours:
        raise SystemExit(f"bench_drift: feedback_lab's own run failed: {ours}")
    print(f"\nMMD drift test, {N_PERM} permutations, {n} vs {n} x 384 (median of {repeats}); sigma={sigma:.4f}")
    print(f"{'tool':<50}{'time s':>9}{'x slower':>10}{'peak MB':>9}{'MMD2':>12}{'|dMMD2|':>10}{'p':>7}")
    for name, r in results.items():
        if "time_s" not in r:
            print(f"{name:<50}  {r.get('skipped') or r.get('error')}")
            continue
        ref_stat = r.get("feedback_lab_stat_same_sigma") or ours["stat"]
        diff = abs(r["stat"] - max(ref_stat, 0) if "evidently" in name else r["stat"] - ref_stat)
        r["ratio_vs_feedback_lab"] = r["time_s"] / ours["time_s"]
        r["abs_stat_diff"] = diff
        p = r.get("p_value")
        print(f"{name:<50}{r['time_s']:>9.2f}{r['ratio_vs_feedback_lab']:>10.1f}{r['peak_mb']:>9.0f}"
              f"{r['stat']:>12.6f}{diff:>10.1e}{'' if p is None else f'{p:.3f}':>7}")
    out = {"size": args.size, "n": n, "d": 384, "n_permutations": N_PERM, "sigma": sigma, "repeats": repeats,
           "results": results}
    dest = ROOT / "bench" / "results"
    dest.mkdir(parents=True, exist_ok=True)
    (dest / "drift.json").write_text(json.dumps(out, indent=2))
    print(f"wrote {dest / 'drift.json'}")
    return out


if __name__ == "__main__":
    main()
