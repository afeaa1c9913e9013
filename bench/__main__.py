"""Run every benchmark at one size and print one table of medians and ratios.

    python -m bench [--size small|medium|large] [--only load,drift] [--timeout 1800]

Each ``bench/bench_<area>.py`` runs in its own process (fresh memory and JIT caches, so
peak-memory figures are per benchmark) as ``python bench/bench_<area>.py --size SIZE`` and
writes ``bench/results/<area>.json``. This runner collects them into
``bench/results/summary.json`` and prints the rows. A benchmark that fails is reported
with its exit code and the run continues; the runner exits 1 if any failed.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _versions() -> dict:
    from importlib.metadata import PackageNotFoundError, version

    out = {"python": sys.version.split()[0]}
    for pkg in ("numpy", "polars", "pandas", "torch", "sentence-transformers", "umap-learn", "hdbscan",
                "scikit-learn", "bertopic", "krippendorff"):
        try:
            out[pkg] = version(pkg)
        except PackageNotFoundError:
            out[pkg] = "not installed"
    return out


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


def _digest(area: str, r: dict) -> list[str]:
    """One line per comparison: the medians and the ratio that the area's target is about."""
    lines: list[str] = []
    if area == "load":
        for name, d in r.get("datasets", {}).items():
            if "skipped" in d or "time_ratio_vs_polars" not in d:
                lines.append(f"{name}: {d.get('skipped') or 'error: ' + str({k: v for k, v in d.items() if 'error' in v})}")
                continue
            lines.append(f"{name} ({r.get('records')} records): fl {d['feedback_lab']['seconds']:.2f}s, polars "
                         f"{d['polars']['seconds']:.2f}s, pandas {d['pandas']['seconds']:.2f}s -> "
                         f"{d['time_ratio_vs_polars']:.2f}x polars (target <= 1.5), "
                         f"{d['speedup_vs_pandas']:.1f}x faster than pandas (target >= 3)")
    elif area == "embed":
        for x in r.get("rows", []):
            if "skipped" in x:
                lines.append(f"{x['device']} {x['texts']}: skipped ({x['skipped']})")
                continue
            lines.append(f"{x['device']} {x['texts']} n={x['n']}: plain {x['plain_texts_per_s']:.0f}/s, fl cold "
                         f"{x['fl_cold_texts_per_s']:.0f}/s ({x['cold_vs_plain']:.2f}x), warm "
                         f"{x['fl_warm_texts_per_s']:.0f}/s ({x['warm_vs_plain']:.0f}x); min cosine "
                         f"{x['min_cosine_fl_vs_plain']:.6f}")
        for q in r.get("cpu_quantisation", []):
            lines.append(f"cpu int8 ({q['texts']}): {q['speedup']:.2f}x fp32, cosine vs fp32 min "
                         f"{q['cosine_vs_fp32_min']:.4f} mean {q['cosine_vs_fp32_mean']:.4f}")
        for q in r.get("cpu_onnx", []):
            lines.append(f"cpu onnxruntime ({q['texts']}): {q['speedup']:.2f}x plain encode, cosine vs plain min "
                         f"{q['cosine_vs_plain_min']:.6f}")
    elif area == "cluster":
        p = r.get("planted", {})
        if p:
            lines.append(f"planted (n={p['n']}): ARI taxonomy-aware {p['ari_taxonomy']:.3f}, plain UMAP+HDBSCAN "
                         f"{p['ari_plain_umap_hdbscan']:.3f}, BERTopic {p['ari_bertopic']:.3f}")
        for n, rows in r.get("labelled", {}).items():
            o, b = rows["ours"], rows["bertopic"]
            lines.append(f"labelled n={n}: fl {o['seconds']:.1f}s ARI {o['ari']:.3f}, BERTopic {b['seconds']:.1f}s "
                         f"ARI {b['ari']:.3f} -> time {o['seconds'] / b['seconds']:.2f}x, memory "
                         f"{o['peak_mb'] / max(b['peak_mb'], 1):.2f}x BERTopic")
    elif area == "drift":
        for name, x in r.get("results", {}).items():
            if "time_s" not in x:
                lines.append(f"{name}: {x.get('skipped') or x.get('error')}")
                continue
            ratio = x.get("ratio_vs_feedback_lab", 1.0)
            lines.append(f"{name}: {x['time_s']:.2f}s ({ratio:.1f}x feedback_lab's time), "
                         f"|dMMD2| {x.get('abs_stat_diff', 0.0):.1e}")
    elif area == "scale":
        for x in r.get("runs", []):
            if "error" in x:
                lines.append(f"n={x['n']}: {x['error']}")
                continue
            st = x["stages"]
            parts = ", ".join(f"{k} {v['seconds']:.0f}s" for k, v in st.items() if k != "generate")
            lines.append(f"n={x['n']}: {parts}; peak RSS {x['process_peak_rss_mb']} MB; "
                         f"{st['embed']['unique_texts']} unique texts")
    else:
        rows = r.get("rows") or r.get("results") or []
        for row in rows if isinstance(rows, list) else []:
            lines.append("  ".join(f"{k}={_fmt(v)}" for k, v in row.items() if not isinstance(v, dict | list)))
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", default="small", choices=["small", "medium", "large"])
    ap.add_argument("--only", default="", help="comma-separated areas (default: all)")
    ap.add_argument("--timeout", type=int, default=3600, help="seconds per benchmark")
    args = ap.parse_args(argv)

    scripts = sorted(HERE.glob("bench_*.py"))
    only = {s.strip() for s in args.only.split(",") if s.strip()}
    if only:
        scripts = [s for s in scripts if s.stem.removeprefix("bench_") in only]
    RESULTS.mkdir(exist_ok=True)
    summary = {
        "size": args.size,
        "python": sys.version.split()[0],
        "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
        "cpus": os.cpu_count(),
        "versions": _versions(),
        "benchmarks": {},
    }
    print("versions: " + ", ".join(f"{k} {v}" for k, v in summary["versions"].items()), flush=True)
    failed = []
    for script in scripts:
        area = script.stem.removeprefix("bench_")
        print(f"\n== {area} ({args.size})", flush=True)
        t0 = time.perf_counter()
        out = RESULTS / f"{area}.json"
        out.unlink(missing_ok=True)  # never report a previous run's numbers as this run's
        try:
            code = subprocess.run([sys.executable, str(script), "--size", args.size], timeout=args.timeout,
                                  cwd=HERE.parent, check=False).returncode
        except subprocess.TimeoutExpired:
            code = f"timeout after {args.timeout} s"
        wall = time.perf_counter() - t0
        entry = {"exit_code": code, "wall_s": round(wall, 1)}
        if code == 0 and out.exists():
            entry["result"] = json.loads(out.read_text())
        else:
            failed.append(area)
        summary["benchmarks"][area] = entry
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2, default=str))

    print("\n== summary")
    for area, entry in summary["benchmarks"].items():
        if "result" not in entry:
            print(f"{area:11s} FAILED (exit {entry['exit_code']}; its output is above)")
            continue
        try:
            lines = _digest(area, entry["result"])
        except (KeyError, TypeError, ZeroDivisionError) as exc:  # a changed JSON layout must not hide the rest
            lines = [f"(summary not readable: {type(exc).__name__}: {exc}; see {area}.json)"]
        for line in lines:
            print(f"{area:11s} {line}")
    print(f"\nresults: {RESULTS / 'summary.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
