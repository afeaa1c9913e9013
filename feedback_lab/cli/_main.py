"""``feedback-lab``: the review, drift, agreement, sample data and JupyterLab from the shell.

Every command is a thin wrapper over public functions; progress goes to stderr, results
to stdout or files, and failures exit non-zero with a one-line reason.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from feedback_lab.exceptions import FeedbackLabError

REPO_SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"


def _err(msg: str) -> int:
    print(f"feedback-lab: error: {msg}", file=sys.stderr)
    return 2


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="feedback-lab",
        description="Review how your LLM application fails: load exports, cluster failure modes, "
        "detect drift, measure judge-human agreement.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    r = sub.add_parser("review", help="run the bi-weekly review headless and write report.html + summary.json")
    r.add_argument("exports", nargs="+", help="export files or directories (any supported format)")
    r.add_argument("--out", required=True, help="output directory (created)")
    r.add_argument("--format", default="auto", help="input format (default: auto-detect)")
    r.add_argument("-r", "--recursive", action="store_true", help="read the sub-folders of directories too")
    r.add_argument("--since", help="start of the current window (ISO date); default: 14 days before --until")
    r.add_argument("--until", help="end of the current window (ISO date); default: last timestamp")
    r.add_argument("--previous", help="output directory of the previous review (to compare clusters and figures)")
    r.add_argument("--text-col", default="output", help="text to cluster and compare (default: output)")
    r.add_argument("--model", default=None, help="sentence-transformers model name or path (default: all-MiniLM-L6-v2)")
    r.add_argument("--seed", type=int, default=0, help="random seed (default: 0)")
    r.add_argument("--metrics-out", help="also write review metrics (.prom, .csv, .jsonl or .parquet)")
    r.add_argument("--no-metrics-timestamps", action="store_true",
                   help="Prometheus output without sample timestamps (node_exporter textfile collector, Pushgateway)")
    r.add_argument("--alerts-out", help="also write alerts as JSONL events")
    r.add_argument("--quiet", action="store_true", help="no progress output")
    r.add_argument("--engine", default="local", choices=["local", "ray"],
                   help="where to embed: this process (default) or Ray workers (needs feedback_lab[ray])")
    r.add_argument("--ray-address", default=None,
                   help="Ray cluster for --engine ray: 'host:6379', 'ray://host:10001' or 'auto' "
                        "(default: start a local Ray instance)")

    d = sub.add_parser("drift", help="embedding drift between two exports (reference, current)")
    d.add_argument("reference")
    d.add_argument("current")
    d.add_argument("--text-col", default="output")
    d.add_argument("-r", "--recursive", action="store_true", help="read the sub-folders of directories too")
    d.add_argument("--method", default="all", choices=["all", "mmd", "classifier", "centroid"])
    d.add_argument("--alpha", type=float, default=0.05)
    d.add_argument("--seed", type=int, default=0)
    d.add_argument("--fail-on-drift", action="store_true", help="exit 1 when any test reports drift")

    a = sub.add_parser("agreement", help="judge-human agreement from a table (CSV, JSONL, Parquet)")
    a.add_argument("file")
    a.add_argument("--judge-col", required=True)
    a.add_argument("--human-col", required=True)
    a.add_argument("--level", default="nominal", choices=["nominal", "ordinal", "interval"])
    a.add_argument("--by", action="append", help="segment column (repeatable)")
    a.add_argument("--n-boot", type=int, default=2000)
    a.add_argument("--seed", type=int, default=0)

    lo = sub.add_parser("load", help="load exports and print what was read (and rejected)")
    lo.add_argument("exports", nargs="+")
    lo.add_argument("--format", default="auto")
    lo.add_argument("-r", "--recursive", action="store_true", help="read the sub-folders of directories too")

    s = sub.add_parser("sample-data", help="generate the sample data into OUT")
    s.add_argument("out")
    s.add_argument("--n-traces", type=int, default=2000)
    s.add_argument("--seed", type=int, default=0)

    sub.add_parser("formats", help="list the export formats feedback-lab reads")

    lab = sub.add_parser("lab", help="open JupyterLab on the notebook templates")
    lab.add_argument("--dir", default=None, help="notebook directory (default: the bundled templates)")
    lab.add_argument("--port", type=int, default=None)

    demo = sub.add_parser("demo", help="run the review on the bundled sample data (README's main command)")
    demo.add_argument("--out", default="review_out")
    return p


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from feedback_lab.cli import _commands

    handler = getattr(_commands, "cmd_" + args.command.replace("-", "_"))
    try:
        return int(handler(args) or 0)
    except FeedbackLabError as exc:
        return _err(str(exc))
    except (ValueError, FileNotFoundError, KeyError) as exc:
        return _err(f"{type(exc).__name__}: {exc}")
    except KeyboardInterrupt:
        return _err("interrupted")
