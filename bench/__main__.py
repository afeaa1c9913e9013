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
import platform
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
RESULTS = HERE / "results"


def _rows(result: dict) -> list[dict]:
    rows = result.get("rows") or result.get("results") or []
    return rows if isinstance(rows, list) else []


def _fmt(v) -> str:
    if isinstance(v, float):
        return f"{v:.3g}"
    return str(v)


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
        "benchmarks": {},
    }
    failed = []
    for script in scripts:
        area = script.stem.removeprefix("bench_")
        print(f"== {area} ({args.size})", flush=True)
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, str(script), "--size", args.size], timeout=args.timeout,
                              cwd=HERE.parent, check=False)
        wall = time.perf_counter() - t0
        out = RESULTS / f"{area}.json"
        entry = {"exit_code": proc.returncode, "wall_s": round(wall, 1)}
        if proc.returncode == 0 and out.exists():
            entry["result"] = json.loads(out.read_text())
        else:
            failed.append(area)
        summary["benchmarks"][area] = entry
    (RESULTS / "summary.json").write_text(json.dumps(summary, indent=2, default=str))

    print("\n== summary")
    for area, entry in summary["benchmarks"].items():
        if "result" not in entry:
            print(f"{area:10s} FAILED (exit {entry['exit_code']})")
            continue
        for row in _rows(entry["result"]):
            cells = "  ".join(f"{k}={_fmt(v)}" for k, v in row.items())
            print(f"{area:10s} {cells}")
    print(f"\nresults: {RESULTS / 'summary.json'}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
