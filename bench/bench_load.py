"""Loading benchmark: feedback_lab.read_traces vs polars.read_ndjson (floor) vs pandas.read_json(lines=True).

Datasets (generated, deterministic, under bench/results/data/):
  canonical  N canonical JSONL trace records of ~1 KB (ISO timestamps, tags list, metadata object)
  langsmith  N/5 LangSmith runs JSONL (root chain + LLM child per trace)
  langsmith_parquet  the same runs as a LangSmith bulk export's Parquet file (compared with
             polars.read_parquet and pandas.read_parquet, which do not decode the JSON columns,
             and with feedback_lab on the same runs as JSONL)
  phoenix    Phoenix spans-dataframe JSONL (flattened ``context.*``/``attributes.*`` columns, 3 spans per
             trace: chain root, retriever, LLM): 50k spans small, 200k medium and large

Every measurement runs in a fresh subprocess: wall time of the read and peak RSS
(resource.getrusage(RUSAGE_SELF).ru_maxrss, which includes the interpreter and imports); the
three tools take turns within each repeat, and the medians are compared.
Targets: feedback_lab within 1.5x of raw polars, >= 3x faster than pandas.

    python bench/bench_load.py [--size small|medium|large] [--repeats N]
"""

from __future__ import annotations

import argparse
import json
import platform
import random
import statistics
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
SIZES = {"small": 100_000, "medium": 300_000, "large": 1_000_000}
PHOENIX_SPANS = {"small": 50_000, "medium": 200_000, "large": 200_000}
WORDS = ("the a refund plan password reset invoice summary revenue cost account billing support model answer "
         "question please help export workspace project task deadline calendar").split()


def gen_canonical(path: Path, n: int) -> None:
    rng = random.Random(0)
    with path.open("w") as f:
        for i in range(n):
            r = {"trace_id": f"tr-{i:08d}", "session_id": f"s-{i // 4}", "user_id": f"u-{i % 997}",
                 "timestamp": f"2026-{1 + i % 9:02d}-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:{(i * 7) % 60:02d}.{i % 1000:03d}Z",
                 "model": rng.choice(["gpt-4o-mini", "claude-3-5-haiku"]), "prompt_version": "1.2.0",
                 "task": rng.choice(["support_qa", "extraction", "summarization"]),
                 "input": " ".join(rng.choice(WORDS) for _ in range(55)),
                 "output": " ".join(rng.choice(WORDS) for _ in range(55)),
                 "latency_ms": round(rng.random() * 2000, 3), "input_tokens": rng.randint(10, 500),
                 "output_tokens": rng.randint(5, 300), "cost": round(rng.random() / 1000, 8), "status": "ok",
                 "tags": ["prod", rng.choice(["eu", "us"])], "metadata": {"region": rng.choice(["eu", "us"]), "i": i}}
            f.write(json.dumps(r) + "\n")


def gen_langsmith(path: Path, n_traces: int) -> None:
    rng = random.Random(1)
    with path.open("w") as f:
        for i in range(n_traces):
            t0 = f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00.000000+00:00"
            t1 = f"2026-01-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:01.500000+00:00"
            q = " ".join(rng.choice(WORDS) for _ in range(40))
            a = " ".join(rng.choice(WORDS) for _ in range(40))
            root = f"r-{i:08d}"
            f.write(json.dumps({"id": root, "name": "assistant", "run_type": "chain", "trace_id": root,
                                "dotted_order": f"20260101T000000000000Z{root}", "start_time": t0, "end_time": t1,
                                "inputs": {"question": q}, "outputs": {"output": a}, "parent_run_id": None,
                                "extra": {"metadata": {"session_id": f"s-{i // 3}"}}, "tags": ["prod"]}) + "\n")
            f.write(json.dumps({"id": f"l-{i:08d}", "name": "ChatOpenAI", "run_type": "llm", "trace_id": root,
                                "parent_run_id": root, "start_time": t0, "end_time": t1,
                                "dotted_order": f"20260101T000000000000Z{root}.20260101T000000000001Zl-{i:08d}",
                                "inputs": {"messages": [{"role": "user", "content": q}]},
                                "outputs": {"choices": [{"message": {"role": "assistant", "content": a}}]},
                                "prompt_tokens": 50, "completion_tokens": 40,
                                "extra": {"metadata": {"ls_model_name": "gpt-4o-mini"}}}) + "\n")


def gen_langsmith_parquet(path: Path, n_traces: int) -> None:
    """The runs of :func:`gen_langsmith` as a LangSmith bulk export writes them: one Parquet row per
    run, ``inputs``/``outputs``/``extra``/``tags`` as JSON text, times as timestamps without a zone."""
    import polars as pl

    src = path.with_suffix(".jsonl")
    if not src.exists():
        gen_langsmith(src, n_traces)
    rows = [json.loads(line) for line in src.open()]
    for r in rows:
        for k in ("inputs", "outputs", "extra", "tags"):
            if r.get(k) is not None:
                r[k] = json.dumps(r[k])
    keys = sorted({k for r in rows for k in r})
    ints = ("prompt_tokens", "completion_tokens")
    df = pl.DataFrame([{k: r.get(k) for k in keys} for r in rows],
                      schema={k: pl.Int64 if k in ints else pl.String for k in keys})
    df.with_columns(pl.col("start_time", "end_time").str.to_datetime(time_zone="UTC").dt.replace_time_zone(None)
                    ).write_parquet(path)


def gen_phoenix(path: Path, n_spans: int) -> None:
    rng = random.Random(2)
    with path.open("w") as f:
        for i in range(n_spans // 3):
            tid = f"{i:032x}"
            t0 = f"2026-02-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:00.000000+00:00"
            t1 = f"2026-02-{1 + i % 28:02d}T{i % 24:02d}:{i % 60:02d}:01.250000+00:00"
            q = " ".join(rng.choice(WORDS) for _ in range(40))
            a = " ".join(rng.choice(WORDS) for _ in range(40))
            root, ret, llm = f"{3 * i:016x}", f"{3 * i + 1:016x}", f"{3 * i + 2:016x}"
            base = {"status_code": "OK", "status_message": "", "context.trace_id": tid, "start_time": t0,
                    "end_time": t1}
            f.write(json.dumps({**base, "name": "agent", "span_kind": "CHAIN", "parent_id": None,
                                "context.span_id": root, "attributes.openinference.span.kind": "CHAIN",
                                "attributes.input.value": q, "attributes.output.value": a,
                                "attributes.session.id": f"s-{i // 3}", "attributes.user.id": f"u-{i % 997}",
                                "attributes.tag.tags": ["prod"]}) + "\n")
            f.write(json.dumps({**base, "name": "retrieve", "span_kind": "RETRIEVER", "parent_id": root,
                                "context.span_id": ret, "attributes.openinference.span.kind": "RETRIEVER",
                                "attributes.input.value": q, "attributes.output.value": None}) + "\n")
            f.write(json.dumps({**base, "name": "ChatCompletion", "span_kind": "LLM", "parent_id": root,
                                "context.span_id": llm, "attributes.openinference.span.kind": "LLM",
                                "attributes.input.value": q, "attributes.output.value": a,
                                "attributes.llm.model_name": "gpt-4o-mini",
                                "attributes.llm.token_count.prompt": 50, "attributes.llm.token_count.completion": 40,
                                "attributes.llm.cost.total": 0.00012}) + "\n")


GENERATORS = {"canonical": gen_canonical, "langsmith": gen_langsmith, "langsmith_parquet": gen_langsmith_parquet,
              "phoenix": gen_phoenix}
#: the issue's targets (within 1.5x of polars, >= 3x faster than pandas) are set for these datasets
TARGETS = ("canonical", "phoenix")


def worker(tool: str, path: str, fmt: str) -> None:
    """Run one read in this (fresh) process and print time, peak RSS and row count as JSON."""
    import resource
    import time

    if tool == "feedback_lab":
        sys.path.insert(0, str(ROOT))  # this checkout's package
        import feedback_lab as fl

        fl.list_formats()  # import the registry before timing, like a warm notebook
        t = time.perf_counter()
        ts = fl.read_traces(path, format=fmt)
        rows = len(ts.traces) + len(ts.spans)
    elif tool == "polars":
        import polars as pl

        t = time.perf_counter()
        rows = len(pl.read_parquet(path) if path.endswith(".parquet") else pl.read_ndjson(path))
    elif tool == "pandas":
        import pandas as pd

        t = time.perf_counter()
        rows = len(pd.read_parquet(path) if path.endswith(".parquet") else pd.read_json(path, lines=True))
    else:  # pragma: no cover
        raise SystemExit(f"unknown tool {tool}")
    dt = time.perf_counter() - t
    rss_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"seconds": dt, "peak_rss_mb": rss_mb, "rows": rows}))


def _run(tool: str, path: Path, fmt: str) -> dict:
    out = subprocess.run([sys.executable, __file__, "--worker", tool, str(path), fmt],
                         capture_output=True, text=True, cwd=ROOT, check=False)
    if out.returncode != 0:
        return {"error": out.stderr.strip().splitlines()[-1] if out.stderr else f"rc={out.returncode}"}
    return json.loads(out.stdout.strip().splitlines()[-1])


def measure(tools: tuple[str, ...], path: Path, fmt: str, repeats: int) -> dict:
    """Median time and peak RSS per tool; the tools take turns (feedback_lab, polars, pandas, feedback_lab,
    ...) so that a change in the machine's load hits them alike."""
    runs: dict[str, list] = {t: [] for t in tools}
    errors: dict[str, dict] = {}
    for _ in range(repeats):
        for t in tools:
            if t in errors:
                continue
            r = _run(t, path, fmt)
            if "error" in r:
                errors[t] = r
            else:
                runs[t].append(r)
    return {t: errors[t] if t in errors else {
        "seconds": statistics.median(r["seconds"] for r in runs[t]),
        "peak_rss_mb": statistics.median(r["peak_rss_mb"] for r in runs[t]),
        "rows": runs[t][0]["rows"], "repeats": repeats} for t in tools}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size", choices=list(SIZES), default="small")
    ap.add_argument("--repeats", type=int, default=None)
    ap.add_argument("--only", default="canonical,langsmith,langsmith_parquet,phoenix",
                    help="comma-separated datasets to run (default: all four)")
    ap.add_argument("--worker", nargs=3, metavar=("TOOL", "PATH", "FORMAT"), help=argparse.SUPPRESS)
    ap.add_argument("--gen", nargs=3, metavar=("DATASET", "PATH", "COUNT"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(*args.worker)
        return
    if args.gen:  # in a process of its own: Linux keeps the peak RSS across fork + exec, so a generator
        # run in this process would raise the peak memory every worker reports
        GENERATORS[args.gen[0]](Path(args.gen[1]), int(args.gen[2]))
        return
    n = SIZES[args.size]
    repeats = args.repeats or {"small": 3, "medium": 2, "large": 1}[args.size]
    data = HERE / "results" / "data"
    data.mkdir(parents=True, exist_ok=True)
    # dataset -> (file, format read as, records); GENERATORS writes each file
    datasets = {"canonical": (data / f"canonical_{n}.jsonl", "canonical", n),
                "langsmith": (data / f"langsmith_{n // 5}.jsonl", "langsmith", n // 5),
                "langsmith_parquet": (data / f"langsmith_{n // 5}.parquet", "langsmith", n // 5),
                "phoenix": (data / f"phoenix_{PHOENIX_SPANS[args.size]}.jsonl", "phoenix", PHOENIX_SPANS[args.size])}
    results: dict = {"size": args.size, "records": n, "python": platform.python_version(),
                     "machine": platform.machine(), "datasets": {}}
    print(f"{'dataset':<10} {'tool':<13} {'median s':>9} {'peak MB':>9} {'rows':>9}  ratio vs polars / pandas")
    only = set(args.only.split(","))
    unknown = only - set(datasets)
    if unknown:
        ap.error(f"--only: unknown dataset(s) {sorted(unknown)}; choose from {sorted(datasets)}")
    for name, (path, fmt, count) in datasets.items():
        if name not in only:
            continue
        if not path.exists():
            subprocess.run([sys.executable, __file__, "--gen", name, str(path), str(count)], check=True, cwd=ROOT)
        row = measure(("feedback_lab", "polars", "pandas"), path, fmt, repeats)
        fl_s, pl_s, pd_s = (row[t].get("seconds") for t in ("feedback_lab", "polars", "pandas"))
        row["file_mb"] = round(path.stat().st_size / 1e6, 1)
        if fl_s and pl_s and pd_s:
            row["time_ratio_vs_polars"] = fl_s / pl_s
            row["speedup_vs_pandas"] = pd_s / fl_s
            row["memory_ratio_vs_polars"] = row["feedback_lab"]["peak_rss_mb"] / row["polars"]["peak_rss_mb"]
        results["datasets"][name] = row
        for t in ("feedback_lab", "polars", "pandas"):
            r = row[t]
            if "error" in r:
                print(f"{name:<10} {t:<13} error: {r['error']}")
                continue
            extra = ""
            if t == "feedback_lab" and "time_ratio_vs_polars" in row:
                tg = name in TARGETS
                extra = (f"  {row['time_ratio_vs_polars']:.2f}x polars time{' (target <= 1.5)' if tg else ''}, "
                         f"{row['speedup_vs_pandas']:.1f}x faster than pandas{' (target >= 3)' if tg else ''}, "
                         f"{row['memory_ratio_vs_polars']:.2f}x polars memory")
                jsonl = results["datasets"].get(name.removesuffix("_parquet"), {}).get("feedback_lab", {})
                if name.endswith("_parquet") and jsonl.get("seconds"):
                    row["time_ratio_vs_jsonl"] = r["seconds"] / jsonl["seconds"]
                    extra += f"; {row['time_ratio_vs_jsonl']:.2f}x the time of the same runs as JSONL"
            print(f"{name:<10} {t:<13} {r['seconds']:>9.2f} {r['peak_rss_mb']:>9.0f} {r['rows']:>9}{extra}")
    out = HERE / "results" / ("load.json" if only == set(datasets) else f"load_{'_'.join(sorted(only))}.json")
    out.write_text(json.dumps(results, indent=2))
    print(f"wrote {out}")


if __name__ == "__main__":
    main()
