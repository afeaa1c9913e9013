"""``python -m feedback_lab.sample_data OUT_DIR [--n-traces N] [--seed S]``."""

from __future__ import annotations

import argparse
import sys

from feedback_lab.sample_data import write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m feedback_lab.sample_data",
        description="Write the deterministic Orbit sample data (canonical JSONL + platform exports) to OUT_DIR.",
    )
    parser.add_argument("out_dir", metavar="OUT_DIR", help="directory to write (created if missing)")
    parser.add_argument("--n-traces", type=int, default=2000, help="number of traces (default 2000)")
    parser.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    parser.add_argument("--no-compress", action="store_true",
                        help="write plain .jsonl/.json/.csv files instead of gzipped ones")
    args = parser.parse_args(argv)
    try:
        paths = write(args.out_dir, n_traces=args.n_traces, seed=args.seed, compress=not args.no_compress)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for frame in ("traces", "spans", "feedback", "events"):
        p = paths[frame]
        import gzip

        with (gzip.open(p, "rt", encoding="utf-8") if p.suffix == ".gz" else p.open(encoding="utf-8")) as fh:
            n = sum(1 for _ in fh)
        print(f"{p}  ({n} rows)")
    for platform, files in paths["exports"].items():
        print(f"exports/{platform}: {len(files)} file(s)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
