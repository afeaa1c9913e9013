"""Fuzzing the canonical, Langfuse and LangSmith loaders (hypothesis, bounded to a few seconds each).

Property: whatever the bytes, ``read_traces`` either returns a TraceSet in which every record is
a row or a reject, or raises a FeedbackLabError whose message names the file.
"""

from __future__ import annotations

import gzip
import json
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedback_lab as fl
from feedback_lab.exceptions import FeedbackLabError

sys.path.insert(0, str(Path(__file__).parent))
from _fuzz_helpers import fuzz_examples

SETTINGS = settings(max_examples=fuzz_examples(20), deadline=None, suppress_health_check=list(HealthCheck))

scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=False),
                    st.text(max_size=30), st.just("2025-01-01T00:00:00Z"), st.just("x" * 20000))
values = st.recursive(scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
                      max_leaves=8)
CANON_KEYS = ["trace_id", "input", "output", "timestamp", "latency_ms", "input_tokens", "tags", "metadata",
              "name", "value", "label", "annotator_kind", "span_id", "event", "cost"]
records = st.dictionaries(st.sampled_from(CANON_KEYS), values, max_size=6)
LF_KEYS = ["id", "traceId", "type", "startTime", "endTime", "name", "value", "dataType", "source", "input",
           "output", "usageDetails", "parentObservationId", "timestamp", "projectId", "sessionId", "scores"]
LS_KEYS = ["id", "run_type", "trace_id", "parent_run_id", "dotted_order", "start_time", "end_time", "inputs",
           "outputs", "child_runs", "key", "run_id", "score", "feedback_source", "extra", "error"]


def _read(data: bytes, name: str, fmt: str = "auto"):
    with tempfile.TemporaryDirectory() as d:
        p = Path(d) / name
        p.write_bytes(data)
        try:
            ts = fl.read_traces(p, format=fmt)
        except FeedbackLabError as exc:
            assert name in str(exc), str(exc)
            return None
        for df in ts.frames().values():
            assert set(df.columns) >= set()  # frames are DataFrames
        if len(ts.rejects):
            assert set(ts.rejects["file"]) <= {str(p)}
        return ts


def _mutate(data: bytes, cut: int, junk: bytes) -> bytes:
    cut = cut % (len(data) + 1)
    return data[:cut] + junk + data[cut:]


@SETTINGS
@given(st.lists(records, min_size=1, max_size=6), st.integers(0, 10**6), st.binary(max_size=8), st.booleans())
def test_fuzz_canonical_jsonl(recs, cut, junk, truncate):
    lines = [json.dumps(r) for r in recs]
    data = ("\n".join(lines) + "\n").encode()
    if truncate:
        data = _mutate(data, cut, junk)
    ts = _read(data, "f.jsonl", "canonical")
    if ts is not None and not truncate:
        n = sum(len(f) for f in ts.frames().values())
        assert n >= len(recs)  # every record is a row or a reject (a row may feed traces and feedback)


@SETTINGS
@given(st.lists(records, min_size=1, max_size=5), st.integers(0, 10**6), st.binary(max_size=6))
def test_fuzz_canonical_csv_json_gzip(recs, cut, junk):
    keys = sorted({k for r in recs for k in r}) or ["trace_id"]
    csv = ",".join(keys) + "\n" + "".join(",".join(json.dumps(r.get(k, ""))[:50] for k in keys) + "\n" for r in recs)
    _read(_mutate(csv.encode(), cut, junk), "f.csv")
    _read(_mutate(json.dumps(recs).encode(), cut, junk), "f.json")
    _read(gzip.compress(json.dumps(recs).encode())[: max(1, cut % 200)], "f.jsonl.gz")
    _read(_mutate(_zipped(json.dumps(recs).encode()), cut, junk), "f.zip")
    lines = b"\n".join(json.dumps(r).encode() for r in recs)
    _read(_mutate(_zstd_stream(lines), cut, junk), "f.jsonl.zst")
    _read(_zstd_stream(lines)[: max(1, cut % 120)], "cut.jsonl.zst")
    _read(_mutate(_zstd_frames([json.dumps(r).encode() for r in recs]), cut, junk), "otel.json")


def _zipped(data: bytes) -> bytes:
    import io
    import zipfile

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("export/f.json", data)
    return buf.getvalue()


def _zstd_stream(data: bytes) -> bytes:
    zstandard = pytest.importorskip("zstandard")
    return zstandard.ZstdCompressor().compress(data)


def _zstd_frames(messages: list[bytes]) -> bytes:
    """The OpenTelemetry Collector file exporter's legacy zstd layout: a 4-byte length, then the frame."""
    return b"".join(len(f).to_bytes(4, "big") + f for f in map(_zstd_stream, messages))


@SETTINGS
@given(st.lists(st.dictionaries(st.sampled_from(LF_KEYS), values, max_size=8), min_size=1, max_size=4),
       st.integers(0, 10**6), st.binary(max_size=6))
def test_fuzz_langfuse(recs, cut, junk):
    bundle = json.dumps([{"trace": recs[0], "observations": recs[1:]}]).encode()
    _read(bundle, "lf.json", "langfuse")
    _read(_mutate(bundle, cut, junk), "lf2.json", "langfuse")
    _read("\n".join(json.dumps(r) for r in recs).encode(), "lf.jsonl", "langfuse")


@SETTINGS
@given(st.lists(st.dictionaries(st.sampled_from(LS_KEYS), values, max_size=8), min_size=1, max_size=4),
       st.integers(0, 10**6), st.binary(max_size=6))
def test_fuzz_langsmith(recs, cut, junk):
    data = "\n".join(json.dumps(r) for r in recs).encode()
    _read(data, "ls.jsonl", "langsmith")
    _read(_mutate(data, cut, junk), "ls2.jsonl", "langsmith")
    _read(json.dumps({"post": recs, "patch": recs[:1]}).encode(), "ls.json", "langsmith")


@pytest.mark.parametrize("fmt", ["canonical", "langfuse", "langsmith"])
def test_hostile_inputs(fmt, tmp_path):
    deep = '{"trace_id": "a", "id": "a", "run_type": "llm", "input": ' + "[" * 5000 + "]" * 5000 + "}"
    cases = {
        "deep.jsonl": (deep + "\n" + '{"trace_id": "b", "id": "b", "run_type": "llm"}\n').encode(),
        "utf8.jsonl": b'{"trace_id": "\xff\xfe", "id": "x"}\n{"trace_id": "ok", "id": "ok", "run_type": "chain"}\n',
        "huge.jsonl": json.dumps({"trace_id": "h", "id": "h", "input": "x" * 2_000_000, "run_type": "llm"}).encode(),
        "dups.jsonl": b'{"trace_id": "d", "id": "d", "run_type": "llm"}\n' * 3,
        "types.jsonl": b'{"trace_id": 5, "id": [1], "timestamp": {"a": 1}, "run_type": 3, "start_time": true}\n',
        "child.json": json.dumps({"id": "r", "run_type": "chain", "child_runs": [{"id": "r", "run_type": "llm"}]}).encode(),
    }
    for name, data in cases.items():
        ts = _read(data, name, fmt)
        if ts is not None and name == "dups.jsonl":
            assert len(ts.rejects) >= 2 or len(ts.traces) == 0
