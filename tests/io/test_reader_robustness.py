"""Failures the fuzzer found that ``except Exception`` / ``except ValueError`` did not catch.

A polars panic (``PanicException``, a BaseException) while reading a user's file becomes a
clear error naming the file, or sends the file to the per-record reader; it never escapes.
JSON nested too deeply for Python's ``json`` (RecursionError) in a cell is a reject.

The fuzzer found a damaged Parquet page that makes polars' Rust reader panic; these tests
raise the same exception from the readers' polars calls, so they do not depend on which
corruption triggers it in a given polars release.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl
from feedback_lab.exceptions import FeedbackLabError, UnreadableFileError

REPO = Path(__file__).resolve().parents[2]


def _panic(*_args, **_kwargs):
    raise pl.exceptions.PanicException("called `Result::unwrap()` on an `Err` value: ComputeError(...)")


def test_panic_exception_is_not_an_exception():
    # why the readers need more than ``except Exception``
    assert not issubclass(pl.exceptions.PanicException, Exception)


def test_phoenix_parquet_panic_names_the_file(tmp_path, monkeypatch):
    p = tmp_path / "spans.parquet"
    pl.DataFrame({"context.span_id": ["s"], "context.trace_id": ["t"], "span_kind": ["LLM"]}).write_parquet(p)
    monkeypatch.setattr(pl, "read_parquet", _panic)
    with pytest.raises(UnreadableFileError, match=r"spans\.parquet: not a readable Parquet file"):
        fl.read_traces(p, format="phoenix")


def test_canonical_parquet_panic_names_the_file(tmp_path, monkeypatch):
    p = tmp_path / "traces.parquet"
    pl.DataFrame({"trace_id": ["t1"], "output": ["a"]}).write_parquet(p)
    monkeypatch.setattr(pl, "read_parquet", _panic)
    with pytest.raises(UnreadableFileError, match=r"traces\.parquet: not a readable Parquet file"):
        fl.read_traces(p, format="canonical")


@pytest.mark.parametrize("fmt", ["canonical", "phoenix", "langsmith"])
def test_jsonl_panic_falls_back_to_the_per_record_reader(tmp_path, monkeypatch, fmt):
    """When polars' bulk JSONL read panics, the records are still read one by one."""
    if fmt == "canonical":
        recs = [{"trace_id": f"t{i}", "output": f"answer {i}", "timestamp": "2026-01-01T00:00:00Z"} for i in range(3)]
    elif fmt == "phoenix":
        recs = [{"context.span_id": f"s{i}", "context.trace_id": f"t{i}", "span_kind": "LLM", "parent_id": None,
                 "start_time": "2026-01-01T00:00:00+00:00", "end_time": "2026-01-01T00:00:01+00:00",
                 "attributes.output.value": f"answer {i}"} for i in range(3)]
    else:
        recs = [{"id": f"r{i}", "trace_id": f"r{i}", "name": "chain", "run_type": "chain", "parent_run_id": None,
                 "start_time": "2026-01-01T00:00:00Z", "end_time": "2026-01-01T00:00:01Z",
                 "inputs": {"q": "x"}, "outputs": {"output": f"answer {i}"}} for i in range(3)]
    p = tmp_path / "data.jsonl"
    p.write_text("\n".join(json.dumps(r) for r in recs) + "\n")
    monkeypatch.setattr(pl, "read_ndjson", _panic)
    ts = fl.read_traces(p, format=fmt)
    assert sorted(ts.traces["output"].to_list()) == ["answer 0", "answer 1", "answer 2"]


def test_any_other_panic_in_a_reader_becomes_a_format_error(tmp_path, monkeypatch):
    from feedback_lab.io import _registry

    p = tmp_path / "traces.jsonl"
    p.write_text(json.dumps({"trace_id": "t1", "output": "a"}) + "\n")
    import dataclasses

    panicking = dataclasses.replace(_registry.get_format("canonical"), read=_panic)
    monkeypatch.setattr(_registry, "get_format", lambda name: panicking)
    with pytest.raises(FeedbackLabError, match=r"traces\.jsonl: could not be read as format 'canonical'.*PanicException"):
        fl.read_traces(p, format="canonical")


# ------------------------------------------------------------------ JSON nested too deeply
# Python's json raises RecursionError (not ValueError) on ~1,000 levels of nesting; the fuzzer found
# it in a Latitude CSV metadata cell. A record holding such JSON is rejected with its reason.
DEEP = "[" * 5000 + "]" * 5000


def test_latitude_metadata_nested_too_deeply_is_a_reject(tmp_path):
    import csv
    import gzip
    import io

    from feedback_lab.io._latitude import FORMAT

    src = gzip.decompress((REPO / "sample_data/exports/latitude/traces.csv.gz").read_bytes()).decode()
    rows = list(csv.DictReader(io.StringIO(src)))
    rows[1]["metadata"] = '{"promptVersion": ' + DEEP + "}"
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=list(rows[0]))
    w.writeheader()
    w.writerows(rows)
    p = tmp_path / "traces.csv"
    p.write_text(out.getvalue())
    got = FORMAT.read([p])  # the format's reader itself: no RecursionError escapes
    rej = got["rejects"]
    assert len(rej) == 1 and "metadata is not JSON" in rej["reason"][0]
    assert len(got["traces"]) == len(rows) - 1


def test_canonical_sniff_of_deeply_nested_head(tmp_path):
    p = tmp_path / "traces.jsonl"
    p.write_text('{"trace_id": "t1", "x": ' + DEEP + "}\n" + json.dumps({"trace_id": "t0", "output": "a"}) + "\n")
    ts = fl.read_traces(p)  # sniffing reads the head (the deep line); reading rejects that line
    assert ts.traces["trace_id"].to_list() == ["t0"]
    assert "nested too deeply" in ts.rejects["reason"][0]
