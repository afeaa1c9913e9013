"""Assemble the canonical frames from the simulation, and write them as JSONL."""

from __future__ import annotations

import importlib
import json
import shutil
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from feedback_lab.sample_data import PLATFORMS, _signals
from feedback_lab.sample_data._simulate import DAYS, simulate
from feedback_lab.schema import EVENTS, FEEDBACK, SPANS, TRACES, TraceSet, _pl_dtype

START = datetime(2026, 9, 7, tzinfo=UTC)
SOURCE = "feedback_lab.sample_data"
FILES = {"traces": "traces.jsonl", "spans": "spans.jsonl", "feedback": "feedback.jsonl", "events": "events.jsonl"}
#: string columns that hold JSON objects and are written as objects
JSON_COLUMNS = {"traces": ("metadata",), "spans": ("attributes",), "feedback": ("metadata",), "events": ()}


def resolve_start(start: datetime | date | str | None) -> datetime:
    """A timezone-aware UTC datetime from a datetime, date, ISO string or ``None`` (the default start)."""
    if start is None:
        return START
    if isinstance(start, str):
        try:
            start = datetime.fromisoformat(start.replace("Z", "+00:00"))
        except ValueError as exc:
            msg = f"generate(start={start!r}): expected an ISO 8601 date or datetime such as '2026-09-07'."
            raise ValueError(msg) from exc
    if isinstance(start, date) and not isinstance(start, datetime):
        start = datetime(start.year, start.month, start.day)
    if not isinstance(start, datetime):
        msg = f"generate(start=...): expected a datetime, date or ISO string, got {type(start).__name__}."
        raise TypeError(msg)
    return start.replace(tzinfo=UTC) if start.tzinfo is None else start.astimezone(UTC)


def build(n_traces: int, seed: int, start: datetime) -> TraceSet:
    import polars as pl

    ss = np.random.SeedSequence(seed)
    r_sim, r_user, r_judge, r_human, r_events, r_pick, r_amb = (np.random.default_rng(s) for s in ss.spawn(7))
    traces, spans = simulate(r_sim, n_traces, start)
    for rec in traces:  # borderline items: hard for reviewers and judge alike
        rec["ambiguous"] = bool(r_amb.random() < _signals.AMBIGUOUS.get(rec["mode"], 0.0))
    end = start + timedelta(days=DAYS)
    feedback: list[dict] = []
    events: list[dict] = []
    for rec in traces:
        feedback += _signals.user_feedback(r_user, rec)
        feedback += _signals.code_feedback(rec)
        feedback += _signals.judge_feedback(r_judge, rec)
        events += _signals.events(r_events, rec)
    for i in _signals.pick_human_subset(r_pick, traces):
        feedback += _signals.human_feedback(r_human, traces[i], end)
    feedback.sort(key=lambda f: (f["timestamp"], f["trace_id"], f["annotator"], f["name"]))
    events.sort(key=lambda e: (e["timestamp"], e["trace_id"], e["event"]))

    trace_rows = [_trace_row(r) for r in traces]
    for s in spans:
        s["attributes"] = json.dumps(s["attributes"], ensure_ascii=False)

    def frame(rows: list[dict], schema: dict[str, str]):
        return pl.DataFrame(rows, schema={c: _pl_dtype(t) for c, t in schema.items()}, orient="row")

    return TraceSet.from_frames(
        traces=frame(trace_rows, TRACES), spans=frame(spans, SPANS),
        feedback=frame(feedback, FEEDBACK), events=frame(events, EVENTS),
    )


def _trace_row(r: dict) -> dict[str, Any]:
    user = r["user"]
    tags = ["production", user["channel"], f"plan:{user['plan']}"] + (["golden"] if r["golden"] else [])
    meta = {"app_version": r["app_version"], "channel": user["channel"], "locale": user["locale"],
            "plan": user["plan"], "product_area": r["topic"], "planted_failure_mode": r["mode"]}
    return {
        "trace_id": r["trace_id"], "session_id": r["session_id"], "user_id": r["user_id"], "timestamp": r["ts"],
        "model": r["model"], "prompt_version": r["prompt_version"], "task": r["task"], "input": r["input"],
        "output": r["output"], "reference": r["reference"] if r["golden"] else None, "latency_ms": r["latency_ms"],
        "input_tokens": r["input_tokens"], "output_tokens": r["output_tokens"], "cost": r["cost"],
        "status": r["status"], "tags": tags, "metadata": json.dumps(meta, ensure_ascii=False), "source": SOURCE,
    }


def _iso(dt: datetime) -> str:
    dt = dt.astimezone(UTC)
    return dt.strftime("%Y-%m-%dT%H:%M:%S.") + f"{dt.microsecond // 1000:03d}Z"


def to_records(ts: TraceSet, frame: str) -> list[dict[str, Any]]:
    """JSON-ready rows of one frame: ISO 8601 ``Z`` timestamps, JSON columns as objects."""
    from feedback_lab._frame import to_polars

    df = to_polars(getattr(ts, frame))
    json_cols = JSON_COLUMNS[frame]
    out = []
    for row in df.iter_rows(named=True):
        for k, v in row.items():
            if isinstance(v, datetime):
                row[k] = _iso(v)
            elif k in json_cols and v is not None:
                row[k] = json.loads(v)
        out.append(row)
    return out


def write_jsonl(records: list[dict], path: Path) -> Path:
    text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records)
    path.write_text(text, encoding="utf-8", newline="\n")
    return path


def gzip_file(path: Path) -> Path:
    """Replace a text file by ``<name>.gz`` with a reproducible header (no name, mtime 0); Parquet is kept."""
    import gzip

    path = Path(path)
    if path.suffix == ".parquet":
        return path
    target = path.with_name(path.name + ".gz")
    with path.open("rb") as src, target.open("wb") as raw:
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as gz:
            shutil.copyfileobj(src, gz, 1 << 20)
    path.unlink()
    return target


def write_exports(ts: TraceSet, out_dir: Path) -> dict[str, list[Path]]:
    """Call every exporter module that exists; a missing module is skipped, a broken one raises."""
    written: dict[str, list[Path]] = {}
    for platform in PLATFORMS:
        name = f"feedback_lab.sample_data._export_{platform}"
        try:
            mod = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            if exc.name == name:
                continue
            raise
        target = out_dir / "exports" / platform
        target.mkdir(parents=True, exist_ok=True)
        written[platform] = [Path(p) for p in mod.write(ts, target)]
    return written
