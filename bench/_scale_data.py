"""A chunked, vectorised generator of large canonical exports, built on ``feedback_lab.sample_data``.

``sample_data.generate`` simulates every trace in Python (about 1.3 ms per trace on this
machine, plus span trees and feedback) and holds everything in memory, so 1,000,000 traces
would take about 25 minutes and several GB before the first byte is written. This module
instead:

1. generates a *pool* with the real generator (``sample_data.generate(n_traces=POOL, seed=0)``,
   10,000 traces; cached as Parquet under ``bench/results/data/``);
2. writes the export in chunks of ``CHUNK`` traces, one ``traces_NNN.jsonl`` and one
   ``feedback_NNN.jsonl`` per chunk (canonical columns). Rows ``0 .. POOL-1`` are the pool
   itself, unchanged, so the 10k export *is* the generator's output. Every later row copies
   a random pool trace (its task, model, status, planted failure mode, metadata and all its
   feedback rows, re-keyed to the new ``trace_id``), moves its timestamps by the same random
   offset of at most +/- 12 hours (the eight-week shape and the planted drift of the last two
   weeks are kept), and, for correct or hallucinated support answers, appends one sentence
   from each of the generator's own answer pools ``A_EXTRA`` (slots filled) and ``A_CLOSE``,
   as ``_texts.support_qa`` does. Other outputs (JSON extractions, summaries, refusals,
   other-language answers) are copied verbatim, i.e. are exact duplicates.

Uniqueness is therefore a property of this generator and is measured, not assumed: the
benchmark reports the number of unique output texts at every size. ``base_NNN.npy`` (not
part of the export) records the pool row each trace copies, so that the benchmark can stand
in for embeddings it did not compute at 1M (see ``bench_scale.py``).

Spans and events are not written (the review figures measured here do not use them).
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import numpy as np

POOL = 10_000
CHUNK = 100_000
JITTER_S = 12 * 3600
HERE = Path(__file__).resolve().parent
DATA = HERE / "results" / "data"
_VARIED_MODES = {"none", "hallucination", "outdated_information"}


def _pool():
    """The generator's own traces and feedback for POOL traces (cached as Parquet)."""
    import polars as pl

    DATA.mkdir(parents=True, exist_ok=True)
    tp, fp = DATA / f"pool_traces_{POOL}.parquet", DATA / f"pool_feedback_{POOL}.parquet"
    if not (tp.exists() and fp.exists()):
        from feedback_lab import sample_data
        from feedback_lab._frame import to_polars

        ts = sample_data.generate(n_traces=POOL, seed=0)
        to_polars(ts.traces).write_parquet(tp)
        to_polars(ts.feedback).write_parquet(fp)
    return pl.read_parquet(tp), pl.read_parquet(fp)


def _suffixes() -> list[str]:
    """Every filled ``A_EXTRA`` sentence followed by every ``A_CLOSE`` sentence."""
    from feedback_lab.sample_data import _phrases as P

    slots = {"device": P.SLOTS["device"], "dept": P.DEPTS, "project": P.PROJECTS}
    extra: list[str] = []
    for tpl in P.A_EXTRA:
        keys = [k for k in slots if "{" + k + "}" in tpl]
        for combo in itertools.product(*(slots[k] for k in keys)):
            extra.append(tpl.format(**dict(zip(keys, combo, strict=True))))
    return [e + c for e in extra for c in P.A_CLOSE]


def write_export(n: int, out_dir: Path, *, seed: int = 0) -> dict:
    """Write an ``n``-trace canonical export under ``out_dir`` in chunks; return what was written."""
    import polars as pl

    out_dir.mkdir(parents=True, exist_ok=True)
    done = out_dir / "_DONE.json"
    if done.exists():
        return json.loads(done.read_text())
    traces, feedback = _pool()
    meta = traces["metadata"].str.json_decode(pl.Struct({"planted_failure_mode": pl.String}))
    mode = meta.struct.field("planted_failure_mode").to_numpy()
    out_pool = traces["output"].to_numpy()
    can_vary = ((traces["task"] == "support_qa").to_numpy() & np.isin(mode, list(_VARIED_MODES))
                & np.array([o is not None for o in out_pool]))
    suffixes = np.array(_suffixes(), dtype=object)
    rng = np.random.default_rng(seed)
    files: list[str] = []
    for k, start in enumerate(range(0, n, CHUNK)):
        size = min(CHUNK, n - start)
        rows = np.arange(start, start + size)
        base = np.where(rows < POOL, rows % POOL, rng.integers(0, POOL, size))
        shift = np.where(rows < POOL, 0, rng.integers(-JITTER_S, JITTER_S + 1, size)).astype("int64")
        output = out_pool[base].copy()
        vary = (rows >= POOL) & can_vary[base]
        output[vary] = output[vary] + suffixes[rng.integers(0, len(suffixes), int(vary.sum()))]
        new_id = np.where(rows < POOL, traces["trace_id"].to_numpy()[base],
                          np.char.add("s", np.char.zfill(rows.astype(str), 8)))
        delta = pl.Series("shift", shift * 1_000_000).cast(pl.Duration("us"))
        chunk = traces[base].with_columns(
            pl.Series("trace_id", new_id, dtype=pl.String), pl.Series("output", output, dtype=pl.String),
            pl.col("timestamp") + delta)
        keys = pl.DataFrame({"_pool_id": traces["trace_id"].to_numpy()[base], "_new_id": new_id, "_shift": delta})
        fb = (feedback.join(keys, left_on="trace_id", right_on="_pool_id", how="inner")
              .with_columns(pl.col("_new_id").alias("trace_id"), pl.col("timestamp") + pl.col("_shift"))
              .drop("_new_id", "_shift"))
        tpath, fpath = out_dir / f"traces_{k:03d}.jsonl", out_dir / f"feedback_{k:03d}.jsonl"
        chunk.write_ndjson(tpath)
        fb.write_ndjson(fpath)
        np.save(out_dir / f"base_{k:03d}.npy", base)
        files += [tpath.name, fpath.name]
    info = {"n": n, "pool": POOL, "chunk": CHUNK, "files": files,
            "bytes": sum((out_dir / f).stat().st_size for f in files)}
    done.write_text(json.dumps(info))
    return info


def read_bases(out_dir: Path) -> np.ndarray:
    """The pool row each trace of the export copies, in file order."""
    return np.concatenate([np.load(p) for p in sorted(out_dir.glob("base_*.npy"))])
