"""Braintrust loader on rows produced by the real ``braintrust`` SDK.

``tests/data/io/real/braintrust`` was written by ``scripts/real_exports/braintrust_sdk.py`` (see the
SOURCE.md there): spans, ``log_feedback`` and an experiment row with scorer spans, logged through
the SDK with its in-memory background logger and merged by its ``merge_row_batch``, as they go to
``logs3``; saved as ``bt sync pull`` JSONL and a fetch response. Expectations come from
``expected.json`` (what the script built) and the texts the script used.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl
from feedback_lab.exceptions import UnreadableFileError

DATA = Path(__file__).parents[1] / "data" / "io" / "real" / "braintrust"
EXPECTED = json.loads((DATA / "expected.json").read_text())


def test_project_logs():
    ts = fl.read_traces(DATA / "logs_sync_pull.jsonl")
    spans = [r for r in EXPECTED["logs"] if r["name"] is not None]
    assert len(ts.rejects) == 0
    assert ts.spans.height == len(spans)
    assert ts.traces.height == len({r["root_span_id"] for r in spans}) == 2
    first = next(r for r in spans if r["scores"] == {"thumbs_up": 0})
    row = ts.traces.filter(pl.col("trace_id") == first["root_span_id"]).row(0, named=True)
    assert (row["user_id"], row["session_id"], row["model"]) == ("user-9", "sess-9", "gpt-4o-mini")
    assert row["output"] == "British Airways flies from Terminal 5 at Heathrow."
    assert "Which terminal does BA use at Heathrow?" in row["input"]
    assert (row["input_tokens"], row["output_tokens"], row["status"]) == (25, 11, "error")
    fb = ts.feedback
    scores = [(r["root_span_id"], k, v) for r in spans for k, v in (r["scores"] or {}).items()]
    assert fb.height == len(scores) + sum(r["comment"] is not None for r in EXPECTED["logs"])
    for tid, name, value in scores:  # logFeedback scores: the application's users
        got = fb.filter((pl.col("trace_id") == tid) & (pl.col("name") == name)).row(0, named=True)
        assert (got["value"], got["annotator_kind"]) == (value, "user")
    comment = fb.filter(pl.col("name") == "comment").row(0, named=True)
    # logFeedback(comment=..., source="external"): the end user's comment, on the first trace
    assert (comment["trace_id"], comment["comment"]) == (first["root_span_id"], "Outdated, BA also uses T3")
    assert (comment["annotator_kind"], comment["annotator"]) == ("user", "user-9")


def test_experiment_fetch():
    ts = fl.read_traces(DATA / "experiment_fetch.json")
    rows = EXPECTED["experiment"]
    assert len(ts.rejects) == 0 and ts.spans.height == len(rows) and ts.traces.height == 1
    t = ts.traces.row(0, named=True)
    assert (t["output"], t["reference"], t["model"]) == ("Canberra.", "Canberra", "claude-3-5-haiku")
    assert (t["input_tokens"], t["output_tokens"]) == (6, 3)  # the judge's LLM call is left out
    scorers = {r["name"]: r["scores"][r["name"]] for r in rows if r["type"] == "score"}
    fb = {r["name"]: r for r in ts.feedback.iter_rows(named=True)}
    assert set(fb) == set(scorers)  # the scores merged on the eval row are the scorers' results, once
    assert (fb["Factuality"]["value"], fb["Factuality"]["annotator_kind"]) == (scorers["Factuality"], "llm")
    assert fb["Factuality"]["comment"] == "The submission names Canberra."
    assert (fb["ExactMatch"]["value"], fb["ExactMatch"]["annotator_kind"]) == (scorers["ExactMatch"], "code")


def test_the_bt_sync_folder_reads_its_parts_and_skips_the_tools_bookkeeping(tmp_path):
    # ``bt sync pull`` writes <root>/<object>_<name>/<spec hash>/{spec,state,manifest}.json beside
    # data/part-*.jsonl (braintrustdata/bt src/sync.rs: SyncSpec, PullState, SyncManifest)
    spec_dir = tmp_path / "bt-sync" / "project_logs_bt-real-project" / "0f3a9c1b2d4e"
    (spec_dir / "data").mkdir(parents=True)
    (spec_dir / "data" / "part-000000.jsonl").write_bytes((DATA / "logs_sync_pull.jsonl").read_bytes())
    spec = {"schema_version": 1, "object_ref": "project_logs:bt-real-project", "object_type": "project_logs",
            "object_name": "bt-real-project", "direction": "pull", "scope": "traces", "filter": None,
            "window": "3d", "limit": 100, "page_size": 1000}
    state = {"schema_version": 1, "run_id": "run-1", "status": "completed", "phase": "completed",
             "scope": "traces", "limit": 100, "filter": None, "page_size": 1000, "include_vectors": False,
             "cursor": None, "root_discovery_cursor": None, "root_ids": ["a", "b"], "current_root_index": 2,
             "current_root_cursor": None, "trace_chunks": [], "items_done": 7, "pages_done": 1,
             "bytes_written": 9000, "output_path": str(spec_dir / "data"), "started_at": 1, "updated_at": 2,
             "completed_at": 2}
    manifest = {"schema_version": 1, "spec_hash": "0f3a9c1b2d4e" + "0" * 52, "spec": spec, "last_run_id": "run-1",
                "status": "completed", "items_done": 7, "pages_done": 1, "bytes_processed": 9000,
                "output_path": str(spec_dir / "data"), "input_path": None, "started_at": 1, "updated_at": 2,
                "completed_at": 2, "message": None}
    for name, doc in (("spec.json", spec), ("state.json", state), ("manifest.json", manifest)):
        (spec_dir / name).write_text(json.dumps(doc, indent=2))
    want = fl.read_traces(DATA / "logs_sync_pull.jsonl")
    got = fl.read_traces(tmp_path / "bt-sync", recursive=True)
    assert got.rejects.height == 0
    assert got.traces.drop("source", strict=False).equals(want.traces.drop("source", strict=False))
    assert got.feedback.height == want.feedback.height
    # a file of that name that is not bt's bookkeeping is still read (and refused when it is not an export)
    (spec_dir / "data" / "manifest.json").write_text('{"files": ["part-000000.jsonl"]}')
    with pytest.raises(UnreadableFileError, match=r"data/manifest\.json: not a recognised"):
        fl.read_traces(tmp_path / "bt-sync", recursive=True)
