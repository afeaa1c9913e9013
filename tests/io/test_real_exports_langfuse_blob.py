"""Langfuse blob-storage exports in Parquet, the export's default file type.

``tests/data/io/real/langfuse_blob`` was written by ``scripts/real_exports/langfuse_blob_parquet.py``:
ClickHouse (chDB) ran the export's SELECTs with ``FORMAT Parquet``, as Langfuse's worker does, on
tables with the column types of Langfuse's ClickHouse migrations (maps, UTC millisecond times,
``Decimal64(12)`` costs, booleans, arrays). Expectations come from ``expected.json`` (what the
script inserted), not from the loader's output.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl

DATA = Path(__file__).parents[1] / "data" / "io" / "real" / "langfuse_blob"
E = json.loads((DATA / "expected.json").read_text())
PROJECT = DATA / E["project"]
KEY = "2026-03-01T12-00-00.parquet"
KIND = {"API": "user", "ANNOTATION": "human", "EVAL": "llm"}


def _files(*tables: str) -> list[Path]:
    return [PROJECT / t / KEY for t in tables]


def _check(ts, *, trace_records: bool) -> None:
    assert ts.rejects.is_empty(), ts.rejects["reason"].to_list()
    assert sorted(ts.traces["trace_id"].to_list()) == sorted(t["id"] for t in E["traces"])
    for t in E["traces"]:
        row = ts.traces.filter(pl.col("trace_id") == t["id"]).row(0, named=True)
        assert (row["input"], row["output"]) == (t["question"], t["answer"])  # quotes, dash, newline intact
        assert row["user_id"] == t["user_id"] and row["task"] == t["name"]
        assert sorted(row["tags"] or []) == sorted(t["tags"])
        if trace_records:  # the events table has no trace record: its session is on the observations
            assert row["session_id"] == t["session_id"]
    assert ts.spans.height == len(E["observations"])
    for oid, tid, typ, parent, _s, _e, name, model, usage, _c, _i, _o, _lvl in E["observations"]:
        s = ts.spans.filter(pl.col("span_id") == oid).row(0, named=True)
        assert (s["trace_id"], s["parent_id"], s["name"], s["model"]) == (tid, parent, name, model)
        assert s["kind"] == ("llm" if typ == "GENERATION" else "chain")
        # Langfuse's own count: every usage key starting with "input" (cached tokens too)
        ins = [v for k, v in usage.items() if k.startswith("input")]
        assert s["input_tokens"] == (sum(ins) if ins else None)
        assert s["output_tokens"] == usage.get("output")
    gen = ts.traces.filter(pl.col("trace_id") == "tr-1").row(0, named=True)
    assert gen["cost"] == pytest.approx(0.0000148)  # a Decimal64(12) column
    assert gen["model"] == "gpt-4o-mini-2024-07-18"
    assert ts.feedback.height == len(E["scores"])
    for sid, tid, oid, name, value, sval, _dtype, source, comment in E["scores"]:
        f = ts.feedback.filter((pl.col("trace_id") == tid) & (pl.col("name") == name)
                               & (pl.col("span_id").is_null() if oid is None else pl.col("span_id") == oid))
        row = f.row(0, named=True)
        assert (row["value"], row["label"], row["comment"]) == (value, sval, comment), sid
        assert row["annotator_kind"] == KIND[source]


def test_traces_observations_and_scores_tables():
    """The legacy export source (traces, observations, scores), read as the folder a bucket sync
    gives (``<project>/<table>/<time>.parquet``), every table sniffed as Langfuse."""
    for t in ("traces", "observations", "scores", "observations_v2"):
        assert fl.sniff_format(PROJECT / t / KEY) == "langfuse"
    ts = fl.read_traces(_files("traces", "observations", "scores"))
    _check(ts, trace_records=True)


def test_events_table_without_trace_records():
    """The v4 events source (``observations_v2`` and scores): traces come from the span trees, with
    the trace context (user, session, tags, trace name) each observation carries."""
    ts = fl.read_traces(_files("observations_v2", "scores"))
    _check(ts, trace_records=False)
    assert ts.traces.filter(pl.col("trace_id") == "tr-1")["session_id"].item() == "s-1"


def test_both_observation_tables_reject_the_second_copy_naming_the_first():
    """An export of both sources lists every observation in ``observations`` and ``observations_v2``:
    each is read once, the second copy is a reject that names where the first was read."""
    ts = fl.read_traces(PROJECT, recursive=True)
    assert ts.spans.height == len(E["observations"])
    assert ts.rejects.height == len(E["observations"])
    assert all("duplicate observation id" in r and "line" in r and KEY in r for r in ts.rejects["reason"])
    # and says why, and what to read instead
    assert all("read one of the two folders" in r for r in ts.rejects["reason"])
    assert ts.feedback.height == len(E["scores"])


def test_folder_of_table_folders_asks_for_recursive():
    with pytest.raises(fl.exceptions.UnreadableFileError, match="recursive=True"):
        fl.read_traces(PROJECT)


def test_parquet_maps_read_as_pairs_become_objects(monkeypatch, tmp_path):
    """polars 1.x reads a Parquet MAP column as a list of ``{key, value}`` structs: such a column
    still becomes an object; a list of ``{key, value}`` structs that is not a MAP stays a list."""
    from feedback_lab.io import _table_records
    from feedback_lab.io._common import Rejects

    path = PROJECT / "observations" / KEY
    as_pairs = pl.List(pl.Struct({"key": pl.String, "value": pl.UInt64}))
    real_read = _table_records.read_parquet
    monkeypatch.setattr(_table_records, "read_parquet",
                        lambda p: real_read(p).with_columns(pl.col("usage_details").cast(as_pairs)))
    recs = {rec["id"]: rec for _, _, _, rec in _table_records.table_records(path, Rejects("t"), json_fields=frozenset())}
    assert recs["obs-2"]["usage_details"] == {"input": 31, "input_cached_tokens": 9, "output": 17, "total": 57}
    monkeypatch.undo()
    pl.DataFrame({"id": ["a"], "kv": [[{"key": "k", "value": 1}]]}).write_parquet(tmp_path / "pairs.parquet")
    [(_, _, _, rec)] = _table_records.table_records(tmp_path / "pairs.parquet", Rejects("t"), json_fields=frozenset())
    assert rec["kv"] == [{"key": "k", "value": 1}]


def test_text_written_as_parquet_binary():
    """ClickHouse with ``output_format_parquet_string_as_string = 0`` writes String columns (and map
    keys, array items) as Parquet BINARY: they read as text, the same traces, spans and feedback."""
    ts = fl.read_traces(DATA / "binary_strings")
    _check(ts, trace_records=True)


def _manifest(project: str, tables: list[str], extra_keys: tuple[str, ...] = ()) -> dict:
    """A run manifest as Langfuse's worker writes it (``worker/src/features/blobstorage/manifest.ts``,
    ``buildBlobExportManifest``; ``{prefix}{projectId}/manifests/{maxTimestamp}.json``)."""
    keys = [f"exports/{project}/{t}/{KEY}" for t in tables] + list(extra_keys)
    return {"version": 1, "projectId": project, "exportSource": "TRACES_OBSERVATIONS",
            "window": {"minTimestamp": "2026-03-01T11:00:00.000Z", "maxTimestamp": "2026-03-01T12:00:00.000Z"},
            "maxTimestamp": "2026-03-01T12:00:00.000Z", "createdAt": "2026-03-01T12:00:04.512Z",
            "tables": sorted({k.split("/")[-2] for k in keys}),
            "files": [{"key": k, "table": k.split("/")[-2], "fileType": "PARQUET", "format": "parquet",
                       "compressed": False, "contentType": "application/vnd.apache.parquet", "sizeBytes": 4096,
                       "rowCount": None} for k in keys]}


def test_a_synced_bucket_with_run_manifests_reads_its_tables_and_skips_the_manifests(tmp_path):
    import shutil
    import warnings

    project = tmp_path / E["project"]
    for t in ("traces", "observations", "scores"):
        (project / t).mkdir(parents=True)
        shutil.copy(PROJECT / t / KEY, project / t / KEY)
    (project / "manifests").mkdir()
    (project / "manifests" / "2026-03-01T12-00-00.json").write_text(
        json.dumps(_manifest(E["project"], ["scores", "traces", "observations"]), indent=2) + "\n")
    (project / "DEPRECATION_NOTICE.txt").write_text("DEPRECATION NOTICE\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every listed file is here: no warning
        ts = fl.read_traces(tmp_path, recursive=True)
    _check(ts, trace_records=True)


def test_a_file_a_run_manifest_lists_but_the_sync_lacks_is_named_in_a_warning(tmp_path):
    import shutil

    project = tmp_path / E["project"]
    for t in ("traces", "observations", "scores"):
        (project / t).mkdir(parents=True)
        shutil.copy(PROJECT / t / KEY, project / t / KEY)
    late = f"exports/{E['project']}/scores/2026-03-01T13-00-00.parquet"
    (project / "manifests").mkdir()
    (project / "manifests" / "2026-03-01T13-00-00.json").write_text(
        json.dumps(_manifest(E["project"], [], (late,)), indent=2) + "\n")
    with pytest.warns(UserWarning, match=r"scores/2026-03-01T13-00-00\.parquet \(run 2026-03-01T13-00-00\)"):
        ts = fl.read_traces(tmp_path, recursive=True)
    assert ts.traces.height == len(E["traces"])
