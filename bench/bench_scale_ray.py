"""Embedding throughput: fl.scale.embed_dataset on local Ray (1 and 2 workers) vs fl.embed in one process.

Same texts (generated sample outputs, deduplicated so that every text is encoded), cold cache
for every run (a fresh cache directory), median of ``--repeats`` runs. Ray's start-up is
timed once and reported apart; each Ray run includes scheduling, actor start-up (model load)
and the Parquet write, as a user would see it. CPU only: there is no GPU here.

    python bench/bench_scale_ray.py [--size small|medium|large] [--repeats 3]

Writes ``bench/results/scale_ray.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))  # this checkout's feedback_lab, not an installed one
SIZES = {"small": 600, "medium": 2000, "large": 8000}


def _texts(n: int) -> list[str]:
    import feedback_lab as fl

    traces = fl.sample_data.generate(n_traces=max(n, 200) * 2, seed=7).traces.to_pandas()
    seen: dict[str, None] = {}
    for t in traces["output"].tolist() + traces["input"].tolist():
        if isinstance(t, str) and t.strip():
            seen.setdefault(t, None)
    texts = list(seen)[:n]
    if len(texts) < n:
        texts += [f"{t} (variant {i})" for i, t in enumerate(texts[: n - len(texts)])]
    return texts


def _local(texts: list[str]) -> float:
    import feedback_lab as fl

    with tempfile.TemporaryDirectory() as cache, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = time.perf_counter()
        fl.embed(texts, cache=cache, show_progress=False)
        return time.perf_counter() - t


def _ray(texts: list[str], workers: int) -> float:
    import pandas as pd

    import feedback_lab as fl

    frame = pd.DataFrame({"trace_id": [f"t{i}" for i in range(len(texts))], "output": texts})
    with tempfile.TemporaryDirectory() as tmp:
        t = time.perf_counter()
        res = fl.scale.embed_dataset(frame, text_col="output", output=os.path.join(tmp, "out"),
                                     cache=os.path.join(tmp, "cache"), concurrency=workers,
                                     num_cpus_per_worker=1, batch_size=max(64, len(texts) // (4 * workers)))
        dt = time.perf_counter() - t
    assert res.rows == len(texts) and res.n_encoded >= len(texts)
    return dt


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=list(SIZES), default="small")
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)
    import ray
    import torch

    texts = _texts(SIZES[args.size])
    n = len(texts)
    os.environ["PYTHONPATH"] = os.pathsep.join([str(REPO), *filter(None, [os.environ.get("PYTHONPATH")])])
    cpus = os.cpu_count() or 2
    t = time.perf_counter()
    ray.init(num_cpus=cpus + 1, include_dashboard=False, _node_ip_address="127.0.0.1", log_to_driver=False,
             configure_logging=False)  # +1 logical CPU: two 1-CPU workers still leave one for read/write
    ray_start = time.perf_counter() - t
    ray.data.DataContext.get_current().enable_progress_bars = False
    results = {}
    try:
        _local(texts[:50])  # load the model in this process once (as a notebook session would have)
        runs = {"fl.embed (1 process)": lambda: _local(texts),
                "embed_dataset, 1 Ray worker": lambda: _ray(texts, 1),
                "embed_dataset, 2 Ray workers": lambda: _ray(texts, 2)}
        for name, fn in runs.items():
            times = [fn() for _ in range(args.repeats)]
            results[name] = {"median_s": statistics.median(times), "runs_s": times,
                             "texts_per_s": n / statistics.median(times)}
    finally:
        ray.shutdown()
    base = results["fl.embed (1 process)"]["median_s"]
    print(f"\n{n} distinct texts, cold cache, median of {args.repeats}; CPU only ({cpus} cores, torch "
          f"{torch.get_num_threads()} threads); Ray start-up {ray_start:.1f}s (not included)")
    print(f"{'engine':32s} {'median s':>9s} {'texts/s':>9s} {'vs fl.embed':>12s}")
    for name, r in results.items():
        r["ratio_vs_local"] = r["median_s"] / base
        print(f"{name:32s} {r['median_s']:9.2f} {r['texts_per_s']:9.1f} {r['ratio_vs_local']:11.2f}x")
    out = {"bench": "scale_ray", "size": args.size, "n_texts": n, "repeats": args.repeats, "cpu_count": cpus,
           "ray_start_s": ray_start, "ray": ray.__version__, "python": sys.version.split()[0],
           "machine": platform.machine(), "gpu": False, "results": results}
    path = REPO / "bench" / "results" / "scale_ray.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(out, indent=2), encoding="utf-8")
    print(f"wrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
