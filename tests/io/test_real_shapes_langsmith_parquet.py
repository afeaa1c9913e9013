"""LangSmith bulk data export (Parquet files in an S3/GCS bucket) read as the same runs in JSONL.

Shape, from LangSmith's docs (langchain-ai/docs ``src/langsmith/data-export.mdx``, "Exportable
fields" and "Partitioning scheme"; ``big-query-bulk-export.mdx``): one row per run with ``id,
tenant_id, session_id, trace_id, parent_run_id, parent_run_ids, reference_example_id, name,
run_type, start_time, end_time, status, is_root, dotted_order, trace_tier, inputs, outputs, error,
extra, events, tags, feedback_stats, total_tokens, prompt_tokens, completion_tokens, total_cost,
prompt_cost, completion_cost, first_token_time``; files under ``export_id=<id>/tenant_id=<id>/
session_id=<id>/runs/year=<y>/month=<m>/day=<d>/<file>.parquet``; zstandard compression by
default. The default format writes times as ``INT64 TIMESTAMP(NANOS, false)`` (langsmith-sdk issue
#2040: Spark rejects it), ``format_version: "v2_beta"`` UTC-aware ones. ``inputs``, ``outputs``,
``extra``, ``events``, ``tags``, ``parent_run_ids`` and ``feedback_stats`` are JSON text (a
29-column reader of real exports, ``receipt_langsmith/entities/parquet_schema.py``, types them
``str``); the docs call ``tags`` a list, so a list column is tested too. The unit of v2_beta times
and the cost type are not documented: microseconds and float64 are assumed, decimal128 is tested.
"""

from __future__ import annotations

import datetime as dt
import decimal
import json

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import feedback_lab as fl

pa = pytest.importorskip("pyarrow")
pq = pytest.importorskip("pyarrow.parquet")

TENANT, PROJECT = "7a7a7a7a-0000-4000-8000-000000000000", "5e5e5e5e-0000-4000-8000-000000000000"
ROOT, LLM, SOLO = ("1f0a1b2c-0000-4000-8000-00000000000" + c for c in "123")


def _dotted(*pairs: tuple[dt.datetime, str]) -> str:
    return ".".join(t.strftime("%Y%m%dT%H%M%S%fZ") + rid for t, rid in pairs)


T_ROOT, T_LLM, T_SOLO = (dt.datetime(2025, 3, 1, 23, 59, 59, 500000), dt.datetime(2025, 3, 2, 0, 0, 0, 250000),
                         dt.datetime(2025, 3, 2, 8, 0, 0))
# the runs as the API holds them (objects); the root starts on 1 March, its LLM call on 2 March
RUNS = [
    {"id": ROOT, "trace_id": ROOT, "parent_run_id": None, "parent_run_ids": [], "name": "support-agent",
     "run_type": "chain", "start_time": T_ROOT, "end_time": T_ROOT + dt.timedelta(seconds=1.5), "status": "success",
     "dotted_order": _dotted((T_ROOT, ROOT)), "inputs": {"question": "Where is my order #4471?"},
     "outputs": {"answer": "It ships today \u2713"}, "error": None,
     "extra": {"metadata": {"thread_id": "th-9", "user_id": "u-1", "release": "2025.03"}, "runtime": {"sdk": "py"}},
     "tags": ["prod"], "prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17, "total_cost": 0.00012},
    {"id": LLM, "trace_id": ROOT, "parent_run_id": ROOT, "parent_run_ids": [ROOT], "name": "ChatOpenAI",
     "run_type": "llm", "start_time": T_LLM, "end_time": T_LLM + dt.timedelta(seconds=0.5), "status": "success",
     "dotted_order": _dotted((T_ROOT, ROOT), (T_LLM, LLM)),
     "inputs": {"messages": [{"role": "user", "content": "Where is my order #4471?"}]},
     "outputs": {"content": "It ships today \u2713"}, "error": None,
     "extra": {"invocation_params": {"model": "gpt-4o-mini"},
               "metadata": {"ls_provider": "openai", "ls_model_name": "gpt-4o-mini"}},
     "tags": [], "prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17, "total_cost": 0.00012},
    {"id": SOLO, "trace_id": SOLO, "parent_run_id": None, "parent_run_ids": [], "name": "ChatAnthropic",
     "run_type": "llm", "start_time": T_SOLO, "end_time": T_SOLO + dt.timedelta(seconds=2), "status": "error",
     "dotted_order": _dotted((T_SOLO, SOLO)), "inputs": {"messages": [{"role": "user", "content": "Say \"hi\"\n"}]},
     "outputs": None, "error": "RateLimitError: 429", "extra": {"metadata": {"ls_model_name": "claude-3-5-haiku"}},
     "tags": None, "prompt_tokens": None, "completion_tokens": None, "total_tokens": None, "total_cost": None},
]


def _jsonl(runs: list[dict]) -> str:
    """``client.list_runs()`` dumped with ``run.json()``: ISO times without a zone, objects as JSON."""
    out = []
    for r in runs:
        rec = {**r, "session_id": PROJECT, "reference_example_id": None,
               "start_time": r["start_time"].isoformat(timespec="microseconds"),
               "end_time": r["end_time"].isoformat(timespec="microseconds")}
        out.append(json.dumps(rec) + "\n")
    return "".join(out)


def _compact(v) -> str | None:
    return None if v is None else json.dumps(v, separators=(",", ":"), ensure_ascii=False)  # orjson-like text


def _export_table(runs: list[dict], *, version: str = "v1", tags_as_list: bool = False, decimal_cost: bool = False,
                  fields: list[str] | None = None):
    """The runs as a bulk export writes them: 29 typed columns (or the ``export_fields`` subset)."""
    aware = version == "v2_beta"
    ts = pa.timestamp("us", tz="UTC") if aware else pa.timestamp("ns")
    cost = pa.decimal128(18, 9) if decimal_cost else pa.float64()
    schema = pa.schema([
        ("id", pa.string()), ("tenant_id", pa.string()), ("session_id", pa.string()), ("trace_id", pa.string()),
        ("parent_run_id", pa.string()), ("parent_run_ids", pa.string()), ("reference_example_id", pa.string()),
        ("name", pa.string()), ("run_type", pa.string()), ("start_time", ts), ("end_time", ts),
        ("status", pa.string()), ("is_root", pa.bool_()), ("dotted_order", pa.string()), ("trace_tier", pa.string()),
        ("inputs", pa.string()), ("outputs", pa.string()), ("error", pa.string()), ("extra", pa.string()),
        ("events", pa.string()), ("tags", pa.list_(pa.string()) if tags_as_list else pa.string()),
        ("feedback_stats", pa.string()), ("total_tokens", pa.int64()), ("prompt_tokens", pa.int64()),
        ("completion_tokens", pa.int64()), ("total_cost", cost), ("prompt_cost", cost), ("completion_cost", cost),
        ("first_token_time", ts),
    ])

    def when(t):
        return t.replace(tzinfo=dt.UTC) if aware else t

    def money(x):
        return None if x is None else decimal.Decimal(repr(x)) if decimal_cost else x

    rows = [{
        "id": r["id"], "tenant_id": TENANT, "session_id": PROJECT, "trace_id": r["trace_id"],
        "parent_run_id": r["parent_run_id"], "parent_run_ids": _compact(r["parent_run_ids"]),
        "reference_example_id": None, "name": r["name"], "run_type": r["run_type"],
        "start_time": when(r["start_time"]), "end_time": when(r["end_time"]), "status": r["status"],
        "is_root": r["parent_run_id"] is None, "dotted_order": r["dotted_order"], "trace_tier": "longlived",
        "inputs": _compact(r["inputs"]), "outputs": _compact(r["outputs"]), "error": r["error"],
        "extra": _compact(r["extra"]), "events": _compact([{"name": "start", "time": r["start_time"].isoformat()}]),
        "tags": r["tags"] if tags_as_list else _compact(r["tags"]),
        "feedback_stats": _compact({"correctness": {"n": 1, "avg": 1.0, "values": {}}}) if r["id"] == ROOT else None,
        "total_tokens": r["total_tokens"], "prompt_tokens": r["prompt_tokens"],
        "completion_tokens": r["completion_tokens"], "total_cost": money(r["total_cost"]),
        "prompt_cost": None, "completion_cost": None, "first_token_time": None,
    } for r in runs]
    table = pa.Table.from_pylist(rows, schema=schema)
    return table.select(fields) if fields else table


def _write(path, table) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    pq.write_table(table, path, compression="zstd")  # the default compression of bulk exports


def _same(a, b) -> None:
    for name in ("traces", "spans", "feedback", "rejects"):
        assert_frame_equal(getattr(a, name), getattr(b, name))


@pytest.fixture
def from_jsonl(tmp_path):
    p = tmp_path / "jsonl" / "runs.jsonl"
    p.parent.mkdir()
    p.write_text(_jsonl(RUNS))
    return fl.read_traces(p)


@pytest.mark.parametrize("variant", [
    {}, {"version": "v2_beta"}, {"tags_as_list": True}, {"decimal_cost": True},
], ids=["v1", "v2_beta", "tags-list", "decimal-cost"])
def test_bulk_export_file_reads_as_the_same_runs_in_jsonl(tmp_path, from_jsonl, variant):
    p = tmp_path / "export" / "0001.parquet"
    _write(p, _export_table(RUNS, **variant))
    assert fl.sniff_format(p) == "langsmith"
    ts = fl.read_traces(p)
    assert (len(ts.traces), len(ts.spans), len(ts.feedback), len(ts.rejects)) == (2, 3, 0, 0)
    t = ts.traces.sort("timestamp")
    assert t.select("trace_id", "session_id", "user_id", "model", "input", "output", "status").rows() == [
        (ROOT, "th-9", "u-1", "gpt-4o-mini", "Where is my order #4471?", "It ships today \u2713", "ok"),
        (SOLO, None, None, "claude-3-5-haiku", 'Say "hi"\n', None, "error")]
    assert t["timestamp"].to_list() == [T_ROOT.replace(tzinfo=dt.UTC), T_SOLO.replace(tzinfo=dt.UTC)]
    assert t["latency_ms"].to_list() == [1500.0, 2000.0]
    assert t.select("input_tokens", "output_tokens").row(0) == (12, 5)
    assert t["cost"][0] == pytest.approx(0.00012)
    assert t["tags"][0].to_list() == ["prod"]
    span = ts.spans.filter(pl.col("span_id") == LLM).row(0, named=True)
    assert (span["trace_id"], span["parent_id"], span["kind"]) == (ROOT, ROOT, "llm")
    assert json.loads(span["input"]) == RUNS[1]["inputs"]  # the payload intact, not the export's text
    assert json.loads(ts.spans.filter(pl.col("span_id") == ROOT)["attributes"][0])["session_id"] == PROJECT
    _same(ts, from_jsonl)


def test_bulk_export_folder_with_a_trace_across_day_partitions(tmp_path, from_jsonl):
    """The root run is in the 1 March partition, its LLM call in the 2 March one: still one trace."""
    base = tmp_path / "bucket" / "prefix"
    runs_dir = base / "export_id=e1" / f"tenant_id={TENANT}" / f"session_id={PROJECT}" / "runs"
    _write(runs_dir / "year=2025" / "month=3" / "day=1" / "part-0.parquet", _export_table(RUNS[:1]))
    _write(runs_dir / "year=2025" / "month=3" / "day=2" / "part-0.parquet", _export_table(RUNS[1:]))
    (base / "tmp").mkdir()
    (base / "tmp" / "validation.txt").write_text("ok")  # LangSmith's destination check may leave it
    ts = fl.read_traces(base, recursive=True)
    assert (len(ts.traces), len(ts.spans), len(ts.rejects)) == (2, 3, 0)
    assert ts.traces.filter(pl.col("trace_id") == ROOT)["input"][0] == "Where is my order #4471?"
    _same(ts, from_jsonl)


def test_export_fields_subset_without_hierarchy(tmp_path):
    """The docs' own ``export_fields`` example: no trace_id/parent: each run is read as its own trace."""
    fields = ["id", "name", "run_type", "start_time", "end_time", "status", "total_tokens", "total_cost"]
    p = tmp_path / "subset.parquet"
    _write(p, _export_table(RUNS, fields=fields))
    assert fl.sniff_format(p) == "langsmith"
    ts = fl.read_traces(p)
    assert (len(ts.traces), len(ts.spans), len(ts.rejects)) == (3, 3, 0)
    assert sorted(ts.traces["trace_id"]) == sorted([ROOT, LLM, SOLO])
    assert ts.traces.filter(pl.col("trace_id") == SOLO)["latency_ms"][0] == 2000.0


def test_bad_rows_go_to_rejects_with_their_row_number(tmp_path):
    bad = {**RUNS[2], "id": None, "dotted_order": None}  # no id and no dotted_order to take it from
    late = {**RUNS[2], "start_time": RUNS[2]["start_time"]}  # the same run id again
    p = tmp_path / "export.parquet"
    _write(p, _export_table([RUNS[0], bad, RUNS[2], late]))
    ts = fl.read_traces(p)
    assert len(ts.spans) + len(ts.rejects) == 4
    assert ts.rejects.select("line", "format").rows() == [(2, "langsmith"), (4, "langsmith")]
    assert ts.rejects["reason"].to_list() == ["run without id", f"duplicate run id {SOLO}"]
    assert all(f.endswith("export.parquet") for f in ts.rejects["file"])


def test_corrupt_parquet_names_the_file(tmp_path):
    p = tmp_path / "export.parquet"
    _write(p, _export_table(RUNS))
    data = p.read_bytes()
    p.write_bytes(data[:8] + b"\x00" * 64 + data[72:])  # a damaged first page, footer intact
    with pytest.raises(fl.FeedbackLabError, match=r"export\.parquet: not a readable Parquet file"):
        fl.read_traces(p, format="langsmith")
