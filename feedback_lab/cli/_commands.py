"""Command implementations: each calls public functions only."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from feedback_lab.cli._main import REPO_SAMPLE


def _progress(msg: str, quiet: bool = False) -> None:
    if not quiet:
        print(f"[feedback-lab] {msg}", file=sys.stderr, flush=True)


def _print_frame(df: Any, file=None) -> None:
    import pandas as pd

    from feedback_lab._frame import to_pandas

    with pd.option_context("display.max_columns", 50, "display.width", 200, "display.max_colwidth", 60):
        print(to_pandas(df).to_string(index=False), file=file or sys.stdout)


def _review_engine(args) -> dict:
    """``{"embedder": ...}`` for ``--engine ray`` (connects now: a bad address fails before loading)."""
    engine = getattr(args, "engine", "local")
    if engine == "local":
        if getattr(args, "ray_address", None):
            raise ValueError("--ray-address needs --engine ray; drop it to run locally.")
        return {}
    import inspect

    import feedback_lab as fl

    embedder = fl.scale.ray_embedder(model=args.model, ray_address=args.ray_address)  # connects now
    if "embedder" not in inspect.signature(fl.review_report).parameters:
        raise ValueError("--engine ray: this version of review_report has no embedder hook; use --engine local.")
    return {"embedder": embedder}


def cmd_review(args) -> int:
    import feedback_lab as fl

    engine = _review_engine(args)
    out = fl.review_report(
        args.exports,
        out_dir=args.out,
        format=args.format,
        recursive=args.recursive,
        since=args.since,
        until=args.until,
        previous=args.previous,
        text_col=args.text_col,
        model=args.model,
        random_state=args.seed,
        show_progress=not args.quiet,
        metrics_out=args.metrics_out,
        metrics_timestamps=not args.no_metrics_timestamps,
        alerts_out=args.alerts_out,
        **engine,
    )
    print(f"report: {out / 'report.html'}")
    print(f"summary: {out / 'summary.json'}")
    errors = json.loads((out / "summary.json").read_text(encoding="utf-8")).get("section_errors") or []
    for e in errors:
        print(f"feedback-lab: error: section {e['section']} failed: {e['error']}", file=sys.stderr)
    return 1 if errors else 0


def cmd_demo(args) -> int:
    import feedback_lab as fl

    if not REPO_SAMPLE.is_dir():
        msg = f"sample data not found at {REPO_SAMPLE}; run `feedback-lab sample-data {REPO_SAMPLE}` first."
        raise FileNotFoundError(msg)
    _progress(f"running the bi-weekly review on {REPO_SAMPLE}")
    out = fl.review_report([REPO_SAMPLE], out_dir=args.out, show_progress=True)
    summary = json.loads((out / "summary.json").read_text())
    print(f"\nReview of the sample data written to {out.resolve() / 'report.html'}")
    for line in summary.get("headlines", []):
        print(f"  - {line}")
    print("Open it in a browser, or run `feedback-lab lab` for the notebook templates.")
    return 0


def cmd_load(args) -> int:
    import feedback_lab as fl

    ts = fl.read_traces(args.exports if len(args.exports) > 1 else args.exports[0], format=args.format,
                        recursive=args.recursive)
    print(json.dumps(ts.summary(), indent=2, default=str, ensure_ascii=False))
    if len(ts.rejects):
        print(f"\n{len(ts.rejects)} record(s) rejected; first ones:", file=sys.stderr)
        _print_frame(ts.rejects.head(10).select("file", "line", "reason"), file=sys.stderr)
    return 0


def cmd_formats(args) -> int:
    import feedback_lab as fl

    for name, desc in fl.list_formats():
        print(f"{name:12s} {desc}")
    return 0


def cmd_sample_data(args) -> int:
    from feedback_lab import sample_data

    paths = sample_data.write(args.out, n_traces=args.n_traces, seed=args.seed)
    for key, p in paths.items():
        print(f"{key}: {p}")
    return 0


def _texts(path: str, col: str, recursive: bool = False):
    import feedback_lab as fl

    ts = fl.read_traces(path, recursive=recursive)
    if col not in ts.traces.columns:
        msg = f"{path}: traces have no column {col!r}; choose --text-col from {ts.traces.columns}."
        raise ValueError(msg)
    return ts.traces[col].to_list()


def cmd_drift(args) -> int:
    import feedback_lab as fl

    ref = _texts(args.reference, args.text_col, args.recursive)
    cur = _texts(args.current, args.text_col, args.recursive)
    _progress(f"embedding {len(ref)} reference and {len(cur)} current texts")
    res = fl.embedding_drift(
        fl.embed(ref), fl.embed(cur), method=args.method, alpha=args.alpha, random_state=args.seed
    )
    _print_frame(res.to_frame())
    drifted = bool(res.to_frame()["drifted"].any())
    print(f"\ndrift: {'YES' if drifted else 'no'} (alpha={args.alpha})")
    return 1 if (drifted and args.fail_on_drift) else 0


def _read_table(path: str):
    import polars as pl

    p = Path(path)
    if not p.exists():
        msg = f"{p}: no such file."
        raise FileNotFoundError(msg)
    suffix = "".join(p.suffixes[-2:]) if p.suffix == ".gz" else p.suffix
    readers = {".csv": pl.read_csv, ".parquet": pl.read_parquet, ".jsonl": pl.read_ndjson,
               ".ndjson": pl.read_ndjson, ".json": pl.read_json}
    if suffix not in readers:
        msg = f"{p}: cannot read a table from '{suffix}'; use .csv, .jsonl, .json or .parquet."
        raise ValueError(msg)
    return readers[suffix](p)


def cmd_agreement(args) -> int:
    import feedback_lab as fl

    df = _read_table(args.file)
    res = fl.agreement(df, judge_col=args.judge_col, human_col=args.human_col, level=args.level,
                       by=args.by, n_boot=args.n_boot, random_state=args.seed)
    _print_frame(res.to_frame())
    return 0


def cmd_lab(args) -> int:
    nb_dir = Path(args.dir) if args.dir else Path(__file__).resolve().parents[2] / "notebooks"
    cmd = [sys.executable, "-m", "jupyter", "lab", f"--notebook-dir={nb_dir}"]
    if args.port:
        cmd.append(f"--port={args.port}")
    _progress(" ".join(cmd))
    return subprocess.call(cmd)
