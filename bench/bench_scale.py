"""One-machine scale: a generated N-trace export to the review summary, time and peak RSS per stage.

    python bench/bench_scale.py [--size small|medium|large] [--sizes 10000,100000] [--embed-budget 900]

small = 10k traces, medium = 10k and 100k, large = 10k, 100k and 1M (``--sizes`` overrides).
Each size runs in a fresh process, stage by stage:

generate  ``bench/_scale_data.py``: the real ``sample_data`` generator for a 10k pool, then a
          chunked vectorised writer (100k traces per ``traces_NNN.jsonl`` + ``feedback_NNN.jsonl``).
          Not part of the pipeline; cached under ``bench/results/data/`` (only its first run is timed).
load      streamed: ``fl.read_traces`` per chunk (traces + feedback files), keeping the columns the
          review needs, then one concat.
embed     the *unique* output texts through ``fl.embed`` in chunks of 512 with an on-disk cache
          (``bench/results/scale_cache``, shared across sizes: texts seen at a smaller size are hits).
          CPU embedding is the dominant cost, so it runs under a time budget (``--embed-budget``
          seconds, default 900): if the budget ends first, the texts not embedded get a stand-in
          vector (hashed word uni/bigrams, Gaussian random projection to 384-d, normalised), so
          that the later stages run on data of the right shape, and the full cold embedding time
          is *extrapolated* from the measured rate. The JSON marks each figure
          ``measured`` or ``extrapolated``.
cluster   ``fl.cluster_failures`` on the current window (the last 14 days, as ``run_review``):
          above 50,000 texts UMAP and HDBSCAN are fitted on a 50k sample and the rest assigned.
drift     ``fl.embedding_drift(reference, current, method="all")``, windows subsampled to 5,000.
summary   negative-feedback rate (user thumbs / ratings, ``fl.feedback_trends``), cluster sizes.

Peak RSS per stage is sampled every 20 ms from /proc/self/status by a background thread; the
process peak is ``ru_maxrss``. Target: peak < 8 GB at 1M. Writes ``bench/results/scale.json``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RESULTS = HERE / "results"
sys.path.insert(0, str(ROOT))
SIZES = {"small": [10_000], "medium": [10_000, 100_000], "large": [10_000, 100_000, 1_000_000]}
EMBED_CHUNK = 512
WINDOW_DAYS = 14


def _rss_mb() -> float:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return float("nan")


class Stage:
    """Context manager: wall time and peak RSS (sampled) of one stage."""

    def __init__(self, name: str, report: dict) -> None:
        self.name, self.report = name, report

    def __enter__(self):
        self.peak = _rss_mb()
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._sample, daemon=True)
        self.thread.start()
        self.t0 = time.perf_counter()
        print(f"  {self.name} ...", flush=True)
        return self

    def _sample(self) -> None:
        while not self.stop.wait(0.02):
            self.peak = max(self.peak, _rss_mb())

    def __exit__(self, *exc) -> None:
        dt = time.perf_counter() - self.t0
        self.stop.set()
        self.thread.join()
        self.peak = max(self.peak, _rss_mb())
        entry = self.report.setdefault(self.name, {})
        entry.update({"seconds": round(dt, 2), "peak_rss_mb": round(self.peak)})
        print(f"  {self.name}: {dt:.1f} s, peak RSS {self.peak:.0f} MB", flush=True)


def load(export: Path):
    import polars as pl

    import feedback_lab as fl

    tr_parts, fb_parts = [], []
    for tpath in sorted(export.glob("traces_*.jsonl")):
        fpath = tpath.with_name(tpath.name.replace("traces_", "feedback_"))
        ts = fl.read_traces([tpath, fpath])
        if len(ts.rejects):
            raise RuntimeError(f"{len(ts.rejects)} rejected records in {tpath.name}: {ts.rejects.head(3)}")
        tr_parts.append(ts.traces.select("trace_id", "timestamp", "task", "model", "status", "output"))
        fb_parts.append(ts.feedback.select("trace_id", "name", "value", "label", "annotator_kind", "timestamp"))
        del ts
    return pl.concat(tr_parts, rechunk=True), pl.concat(fb_parts, rechunk=True)


def embed_unique(texts: list[str], budget_s: float) -> tuple[np.ndarray, dict]:
    """Embed unique texts (in order of first appearance) until the budget ends; stand-ins for the rest."""
    import polars as pl

    import feedback_lab as fl
    from feedback_lab.analysis.embed._embed import EmptyTextWarning

    s = pl.Series("t", texts)
    uniq_df = s.to_frame().with_row_index("row").group_by("t", maintain_order=True).agg(pl.col("row").first())
    unique = uniq_df["t"].to_list()
    first_row = uniq_df["row"].to_numpy()
    inverse = s.to_frame().join(uniq_df.with_row_index("u").select("t", "u"), on="t", how="left", nulls_equal=True)
    inverse = inverse["u"].to_numpy()
    cache = RESULTS / "scale_cache"
    uvecs = np.zeros((len(unique), 384), dtype=np.float32)
    done = np.zeros(len(unique), dtype=bool)
    t0 = time.perf_counter()
    encoded = hits = 0
    encode_s = 0.0
    order = np.argsort(first_row, kind="stable")  # the first rows' texts first: the 10k pool, then the rest
    for start in range(0, len(order), EMBED_CHUNK):
        if time.perf_counter() - t0 > budget_s:
            break
        part = order[start:start + EMBED_CHUNK]
        tc = time.perf_counter()
        with warnings.catch_warnings():  # system-error traces have no output: one zero vector, known
            warnings.simplefilter("ignore", EmptyTextWarning)
            res = fl.embed([unique[i] for i in part], cache=cache, show_progress=False, return_result=True)
        dt = time.perf_counter() - tc
        uvecs[part] = res.embeddings
        done[part] = True
        n_new = int(res.n_encoded)
        encoded += n_new
        hits += len(part) - n_new
        if n_new:
            encode_s += dt
    info = {"unique_texts": len(unique), "embedded_now": encoded, "cache_hits": hits,
            "encode_seconds": round(encode_s, 1), "not_embedded": int((~done).sum())}
    rate = encoded / encode_s if encode_s > 0 else float("nan")
    info["texts_per_s"] = round(rate, 1)
    info["cold_seconds_all_unique"] = round(len(unique) / rate, 1) if rate == rate else None
    info["cold_seconds_status"] = ("measured" if done.all() and hits <= 1
                                   else "extrapolated (unique texts / measured rate)")
    if not done.all():  # stand-in for the texts not embedded: hashed words, randomly projected
        rest = np.flatnonzero(~done)
        uvecs[rest] = _stand_in([unique[i] for i in rest])
        info["stand_in_texts"] = len(rest)
    return uvecs[inverse], info


def _stand_in(texts: list) -> np.ndarray:
    """384-d unit vectors from hashed word uni- and bigrams (a Gaussian random projection).

    Not a sentence embedding: texts sharing words land near each other, which keeps the
    cluster and drift stages working on structured data of the right shape when CPU
    embedding of every unique text does not fit the time budget.
    """
    from sklearn.feature_extraction.text import HashingVectorizer
    from sklearn.random_projection import GaussianRandomProjection

    x = HashingVectorizer(n_features=2**18, ngram_range=(1, 2), alternate_sign=False).transform(
        [t or "" for t in texts])
    e = GaussianRandomProjection(384, random_state=0).fit_transform(x).astype(np.float32)
    norm = np.linalg.norm(e, axis=1, keepdims=True)
    return e / np.where(norm > 0, norm, 1.0)


def run_size(n: int, budget_s: float) -> dict:
    import polars as pl

    import feedback_lab as fl
    from bench._scale_data import write_export

    report: dict = {"n": n, "stages": {}}
    st = report["stages"]
    export = RESULTS / "data" / f"scale_{n}"
    cached = (export / "_DONE.json").exists()
    with Stage("generate", st):
        info = write_export(n, export)
    st["generate"].update({"cached": cached, "export_mb": round(info["bytes"] / 2**20)})
    with Stage("load", st):
        traces, feedback = load(export)
    st["load"].update({"traces": len(traces), "feedback_rows": len(feedback)})
    texts = traces["output"].to_list()
    with Stage("embed", st):
        emb, einfo = embed_unique(texts, budget_s)
    st["embed"].update(einfo)
    del texts
    tmax = traces["timestamp"].max()
    ts_col = traces["timestamp"]
    cur = (ts_col > tmax - np.timedelta64(WINDOW_DAYS, "D")).to_numpy()
    ref = ((ts_col <= tmax - np.timedelta64(WINDOW_DAYS, "D"))
           & (ts_col > tmax - np.timedelta64(2 * WINDOW_DAYS, "D"))).to_numpy()
    cur_tr = traces.filter(pl.Series(cur))
    with Stage("cluster", st):
        res = fl.cluster_failures(cur_tr, embeddings=emb[cur], feedback=feedback, random_state=0, show_progress=False)
    cl = res.clusters
    st["cluster"].update({"texts": int(cur.sum()), "branch": str(res.params.get("discovery", {}).get("branch", "")
                                                                if isinstance(res.params.get("discovery"), dict)
                                                                else res.params.get("discovery")),
                          "n_clusters": int((cl["cluster"] >= 0).sum())})
    with Stage("drift", st):
        dr = fl.embedding_drift(emb[ref], emb[cur], method="all", max_samples=5000, random_state=0)
    dfr = dr.to_frame()
    st["drift"].update({"reference": int(ref.sum()), "current": int(cur.sum()),
                        "p_values": {str(m): float(p) for m, p in zip(dfr["method"], dfr["p_value"], strict=True)}})
    with Stage("summary", st):
        users = feedback.filter(pl.col("annotator_kind") == "user")
        trends = fl.feedback_trends(traces.select("trace_id", "timestamp"), users)
        neg = users.join(traces.select("trace_id", pl.Series("_cur", cur)), on="trace_id")
        neg = neg.with_columns(((pl.col("value") < 0.5) & (pl.col("name") == "thumbs")
                                | (pl.col("value") <= 2) & (pl.col("name") == "rating")).alias("_neg"))
        rate = neg.group_by("_cur").agg(pl.col("_neg").mean()).sort("_cur")["_neg"].to_list()
        sizes = cl.filter(pl.col("cluster") >= 0).sort("size", descending=True) if isinstance(cl, pl.DataFrame) else cl
    report["summary"] = {"negative_rate_reference_side": rate[0], "negative_rate_current": rate[-1],
                         "weeks": len(trends), "top_cluster_sizes": [int(x) for x in sizes["size"].to_list()[:8]],
                         "clustered_current": int(cur.sum())}
    report["process_peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    report["total_pipeline_seconds"] = round(sum(v["seconds"] for k, v in st.items() if k != "generate"), 1)
    return report


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=sorted(SIZES), default="small")
    ap.add_argument("--sizes", default="", help="comma-separated trace counts (overrides --size)")
    ap.add_argument("--embed-budget", type=float, default=900.0, help="seconds of embedding per size")
    ap.add_argument("--one", type=int, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.one:
        (RESULTS / f"scale_{args.one}.json").write_text(json.dumps(run_size(args.one, args.embed_budget)))
        return {}
    sizes = [int(s) for s in args.sizes.split(",") if s] or SIZES[args.size]
    import polars
    import torch

    out = {"benchmark": "scale", "sizes": sizes, "embed_budget_s": args.embed_budget,
           "machine": {"python": platform.python_version(), "cpus": os.cpu_count(), "torch": torch.__version__,
                       "polars": polars.__version__, "gpu": "none in this session (CPU only)"},
           "runs": []}
    for n in sizes:
        print(f"== scale n={n:,}", flush=True)
        one = RESULTS / f"scale_{n}.json"
        one.unlink(missing_ok=True)
        proc = subprocess.run([sys.executable, __file__, "--one", str(n), "--embed-budget", str(args.embed_budget)],
                              check=False, cwd=ROOT)
        out["runs"].append(json.loads(one.read_text()) if proc.returncode == 0 and one.exists()
                           else {"n": n, "error": f"exit {proc.returncode}"})
    rows = []
    print(f"\n{'n':>9} {'stage':<9} {'seconds':>9} {'peak MB':>8}  notes")
    for r in out["runs"]:
        if "error" in r:
            print(f"{r['n']:>9} FAILED ({r['error']})")
            continue
        for stage, v in r["stages"].items():
            note = ""
            if stage == "embed":
                note = (f"{v['unique_texts']:,} unique; {v['embedded_now']:,} encoded at {v['texts_per_s']}/s, "
                        f"{v['cache_hits']:,} cache hits; all unique cold: {v['cold_seconds_all_unique']} s "
                        f"({v['cold_seconds_status']})")
            elif stage == "cluster":
                note = f"{v['texts']:,} texts, {v['n_clusters']} clusters, {v['branch']}"
            print(f"{r['n']:>9} {stage:<9} {v['seconds']:>9.1f} {v['peak_rss_mb']:>8}  {note}")
            rows.append({"n": r["n"], "stage": stage, "seconds": v["seconds"], "peak_rss_mb": v["peak_rss_mb"]})
        print(f"{r['n']:>9} {'total':<9} {r['total_pipeline_seconds']:>9.1f} {r['process_peak_rss_mb']:>8}  "
              f"(without generate; peak = process ru_maxrss)")
    out["rows"] = rows
    RESULTS.mkdir(parents=True, exist_ok=True)
    (RESULTS / "scale.json").write_text(json.dumps(out, indent=2, default=str))
    print(f"wrote {RESULTS / 'scale.json'}")
    return out


if __name__ == "__main__":
    main()
