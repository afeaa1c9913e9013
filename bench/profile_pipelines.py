"""cProfile of ``fl.cluster_failures`` and ``fl.embedding_drift`` at 100k texts.

    python bench/profile_pipelines.py [--n 100000] [--only cluster,drift]

Input: the 10k banking77 queries and their all-MiniLM-L6-v2 embeddings cached by
``bench_cluster.py`` (``bench/results/data_labelled_10000.json``, ``emb_labelled_10000.npy``; run
that benchmark first), repeated to ``--n`` rows with a prefix per further copy and Gaussian noise
(sd 0.02, re-normalised) on its embeddings, so that no two rows are identical (the first
10k rows are the benchmark's data unchanged). A warm-up call on 4,200 rows compiles numba's
JIT first (``--no-warmup`` profiles it too); ``--strategy`` picks the clustering strategy. Random
feedback (one thumbs row per trace, 20% negative) makes the impact columns real work.
Prints the top functions by cumulative and by own time and writes them to
``bench/results/profile_<what>.txt``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import pstats
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"
sys.path.insert(0, str(HERE.parent))


def data(n: int):
    import pandas as pd

    src = json.loads((RESULTS / "data_labelled_10000.json").read_text())["texts"]
    emb = np.load(RESULTS / "emb_labelled_10000.npy")
    reps = -(-n // len(src))
    prefixes = ["", "hi, ", "hello, ", "quick question: ", "please help: ", "hey, ", "so ", "ok ", "um, ", "yo, "]
    texts = [prefixes[r % len(prefixes)] + t for r in range(reps) for t in src][:n]
    rng = np.random.default_rng(0)
    noise = rng.normal(scale=0.02, size=(n, emb.shape[1])).astype(np.float32)
    noise[: len(src)] = 0.0  # the first copy is the benchmark's data as it is
    e = np.tile(emb, (reps, 1))[:n] + noise
    e /= np.linalg.norm(e, axis=1, keepdims=True)
    ids = [f"t{i}" for i in range(n)]
    traces = pd.DataFrame({"trace_id": ids, "output": texts})
    fb = pd.DataFrame({"trace_id": ids, "name": "thumbs", "value": (rng.random(n) > 0.2).astype(float),
                       "annotator_kind": "user"})
    return traces, e, fb


def profile(label: str, fn) -> str:
    pr = cProfile.Profile()
    t = time.perf_counter()
    pr.enable()
    fn()
    pr.disable()
    wall = time.perf_counter() - t
    out = io.StringIO()
    out.write(f"{label}: {wall:.1f} s wall\n")
    st = pstats.Stats(pr, stream=out)
    st.sort_stats("cumulative").print_stats(30)
    st.sort_stats("tottime").print_stats(20)
    text = out.getvalue()
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"profile_{label.replace(' ', '_').replace('=', '')}.txt"
    path.write_text(text)
    print(f"{label}: {wall:.1f} s wall -> {path}", flush=True)
    return text


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--only", default="cluster,drift")
    ap.add_argument("--strategy", default="taxonomy", choices=["taxonomy", "embedding"])
    ap.add_argument("--no-warmup", action="store_true",
                    help="profile numba's JIT compilation too (by default one run on 4,200 rows comes first)")
    args = ap.parse_args()
    import feedback_lab as fl

    traces, emb, fb = data(args.n)
    only = set(args.only.split(","))
    if "cluster" in only:
        def run(k: int):
            return fl.cluster_failures(traces.iloc[:k], embeddings=emb[:k], feedback=fb, strategy=args.strategy,
                                       random_state=0, show_progress=False)

        if not args.no_warmup:  # numba JIT of UMAP and of pynndescent (used from 4,096 points)
            t = time.perf_counter()
            run(min(4200, args.n))
            print(f"warm-up (JIT) {time.perf_counter() - t:.1f} s", flush=True)
        profile(f"cluster n={args.n} strategy={args.strategy}", lambda: run(args.n))
    if "drift" in only:
        half = args.n // 2
        profile(f"drift n={args.n}", lambda: fl.embedding_drift(emb[:half], emb[half:], method="all",
                                                                random_state=0, show_progress=False))


if __name__ == "__main__":
    main()
