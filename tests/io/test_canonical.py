"""Canonical format: CSV / JSONL(.gz) / JSON / Parquet, rejects with file+line, accounting invariant."""

from __future__ import annotations

import datetime as dt
import gzip
import json

import polars as pl
import pytest

import feedback_lab as fl
from feedback_lab.exceptions import FeedbackLabError, FormatError, UnreadableFileError

UTC = dt.UTC


def _jsonl(path, records):
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def test_jsonl_with_bad_lines_keeps_good_ones_and_lists_every_bad_line(tmp_path):
    lines = [
        {"trace_id": "a", "input": "hi", "timestamp": "2025-01-01T00:00:00Z", "tags": ["x"], "metadata": {"k": 1}},
        "",
        {"trace_id": "b", "input": "yo", "timestamp": "not a time"},
        "{bad json",
        {"input": "no id"},
        {"trace_id": "c", "latency_ms": "slow"},
        {"trace_id": "a", "input": "again"},
        "[1, 2]",
        {"trace_id": "d", "input_tokens": 3.5},
        {"trace_id": "e", "output": "fine", "latency_ms": "12.5", "input_tokens": "7"},
    ]
    p = _jsonl(tmp_path / "t.jsonl", lines)
    ts = fl.read_traces(p)
    records = sum(1 for r in lines if r != "")
    assert len(ts.traces) + len(ts.rejects) == records  # invariant
    assert ts.traces["trace_id"].to_list() == ["a", "e"]
    assert ts.traces.row(1, named=True)["latency_ms"] == 12.5 and ts.traces["input_tokens"][1] == 7
    rej = dict(zip(ts.rejects["line"].to_list(), ts.rejects["reason"].to_list(), strict=True))
    assert set(rej) == {3, 4, 5, 6, 7, 8, 9}  # line numbers count the blank line
    assert "timestamp" in rej[3] and "invalid JSON" in rej[4] and rej[5] == "missing trace_id"
    assert "latency_ms" in rej[6] and "duplicate trace_id" in rej[7] and "JSON object" in rej[8]
    assert "integer" in rej[9]
    assert ts.rejects.filter(pl.col("line") == 4)["raw"][0] == "{bad json"
    assert set(ts.rejects["file"]) == {str(p)}
    assert ts.traces["tags"][0].to_list() == ["x"] and json.loads(ts.traces["metadata"][0]) == {"k": 1}


def test_fast_path_line_numbers_and_raw_with_blank_lines(tmp_path):
    p = _jsonl(tmp_path / "t.jsonl", [{"trace_id": "a"}, "", "  ", {"trace_id": "a", "input": "dup"}])
    ts = fl.read_traces(p)
    assert ts.rejects["line"].to_list() == [4]
    assert json.loads(ts.rejects["raw"][0]) == {"trace_id": "a", "input": "dup"}


@pytest.mark.parametrize("gz", [False, True])
def test_object_keys_with_escapes_keep_their_text(tmp_path, gz):
    # polars writes the keys of an object read as text unescaped ({"a"b": 1}); such files are parsed in Python
    meta = {'say "hi"': 1, "two\nlines": "x", "back\\slash": [{"k\"": None}], "caf\u00e9": "\u00e9"}
    recs = [{"trace_id": f"t{i}", "input": 'q "quoted"\n', "metadata": meta} for i in range(3)]
    p = _jsonl(tmp_path / "t.jsonl", recs)
    if gz:
        p = tmp_path / "t.jsonl.gz"
        p.write_bytes(gzip.compress((tmp_path / "t.jsonl").read_bytes()))
    ts = fl.read_traces(p)
    assert [json.loads(m) for m in ts.traces["metadata"]] == [meta] * 3
    assert ts.traces["input"].to_list() == ['q "quoted"\n'] * 3 and len(ts.rejects) == 0


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("2025-03-04T05:06:07Z", dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)),
        ("2025-03-04T07:06:07+02:00", dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)),
        ("2025-03-04T05:06:07.250", dt.datetime(2025, 3, 4, 5, 6, 7, 250000, tzinfo=UTC)),
        ("2025-03-04 05:06:07-0100", dt.datetime(2025, 3, 4, 6, 6, 7, tzinfo=UTC)),
        (1741064767, dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)),
        (1741064767123, dt.datetime(2025, 3, 4, 5, 6, 7, 123000, tzinfo=UTC)),
        ("1741064767", dt.datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)),
    ],
)
def test_timestamps_normalised_to_utc(tmp_path, raw, expected):
    # reference: the same instants built with the standard library
    p = _jsonl(tmp_path / "t.jsonl", [{"trace_id": "a", "timestamp": raw}])
    assert fl.read_traces(p).traces["timestamp"][0] == expected


def test_csv_long_format_feedback_in_the_same_file(tmp_path):
    p = tmp_path / "mixed.csv"
    p.write_text(
        "trace_id,input,output,name,value,label,annotator_kind,timestamp\n"
        "t1,q1,a1,,,,,2025-01-01T00:00:00Z\n"
        "t1,,,thumbs,1,,user,2025-01-01T00:01:00Z\n"
        "t2,q2,a2,,,,,2025-01-02T00:00:00Z\n"
        "t2,,,verdict,,fail,judge,2025-01-02T00:05:00Z\n"
        "t3,,,rating,high,,user,\n",
        encoding="utf-8",
    )
    ts = fl.read_traces(p)
    assert ts.traces["trace_id"].to_list() == ["t1", "t2"]
    assert ts.feedback.select("trace_id", "name", "value", "label", "annotator_kind").rows() == [
        ("t1", "thumbs", 1.0, None, "user"), ("t2", "verdict", None, "fail", "llm")]
    assert len(ts.traces) + len(ts.feedback) + len(ts.rejects) == 5
    assert ts.rejects["line"].to_list() == [6] and "value" in ts.rejects["reason"][0]


def test_frames_recognised_from_columns(tmp_path):
    _jsonl(tmp_path / "spans.jsonl", [{"span_id": "s1", "trace_id": "t", "kind": "llm", "start": 0}])
    _jsonl(tmp_path / "events.jsonl", [{"trace_id": "t", "event": "copy", "timestamp": 0}])
    _jsonl(tmp_path / "feedback.jsonl", [{"trace_id": "t", "name": "thumbs", "value": 0}])
    _jsonl(tmp_path / "traces.jsonl", [{"trace_id": "t", "input": "x"}])
    ts = fl.read_traces(tmp_path)
    assert [len(ts.traces), len(ts.spans), len(ts.feedback), len(ts.events)] == [1, 1, 1, 1]


def test_json_array_gzip_parquet_and_column_map(tmp_path):
    (tmp_path / "a.json").write_text(json.dumps([{"trace_id": "a"}, 5, {"trace_id": "b"}]))
    with gzip.open(tmp_path / "b.jsonl.gz", "wt") as fh:
        fh.write('{"trace_id": "c"}\n')
    pl.DataFrame({"trace_id": ["d"], "latency_ms": [3]}).write_parquet(tmp_path / "c.parquet")
    ts = fl.read_traces(tmp_path)
    assert sorted(ts.traces["trace_id"]) == ["a", "b", "c", "d"]
    assert ts.rejects.select("line", "reason").rows() == [(2, "expected a JSON object, got int")]
    q = tmp_path / "user.csv"
    q.write_text("id,question,answer\n1,hi,hello\n")
    got = fl.read_traces(q, column_map={"id": "trace_id", "question": "input", "answer": "output"})
    assert got.traces.select("trace_id", "input", "output").row(0) == ("1", "hi", "hello")


def test_missing_trace_id_column_is_a_clear_error(tmp_path):
    p = tmp_path / "x.csv"
    p.write_text("traceid,input\n1,hi\n")
    with pytest.raises(FormatError, match=r"x\.csv.*Did you mean 'traceid'.*column_map"):
        fl.read_traces(p, format="canonical")


@pytest.mark.parametrize(
    ("name", "content", "match"),
    [
        ("empty.jsonl", b"", "empty"),
        ("blank.jsonl", b"\n  \n", "empty"),
        ("bin.jsonl", b"\x00\x01\x02binary\xff" * 10, "binary"),
        ("trunc.jsonl.gz", gzip.compress(b'{"trace_id": "a"}\n' * 50, mtime=0)[:30], "gzip"),
        ("notes.txt", b"just some words\n", "not a recognised"),
    ],
)
def test_unreadable_files_raise_feedbacklab_error_naming_the_file(tmp_path, name, content, match):
    p = tmp_path / name
    p.write_bytes(content)
    with pytest.raises(UnreadableFileError, match=match) as info:
        fl.read_traces(p)
    assert name in str(info.value) and isinstance(info.value, FeedbackLabError)


def test_missing_path_and_bad_parquet(tmp_path):
    with pytest.raises(UnreadableFileError, match="no such file"):
        fl.read_traces(tmp_path / "nope.jsonl")
    (tmp_path / "bad.parquet").write_bytes(b"PAR1" + b"\x00" * 20)
    with pytest.raises(FeedbackLabError, match=r"bad\.parquet"):
        fl.read_traces(tmp_path / "bad.parquet", format="canonical")


def test_pandas_backend(tmp_path):
    p = _jsonl(tmp_path / "t.jsonl", [{"trace_id": "a", "timestamp": "2025-01-01T00:00:00Z"}])
    ts = fl.read_traces(p, backend="pandas")
    assert str(ts.traces["timestamp"].dtype).startswith("datetime64") and ts.traces["trace_id"][0] == "a"


def test_feedback_file_with_span_id_is_feedback(tmp_path):
    """The canonical feedback schema has span_id (span-level annotations): such a file is not spans."""
    p = _jsonl(tmp_path / "feedback.jsonl", [{"trace_id": "t", "span_id": None, "name": "thumbs", "value": 1},
                                             {"trace_id": "t", "span_id": "s1", "name": "judge", "label": "pass"}])
    ts = fl.read_traces(p)
    assert len(ts.feedback) == 2 and len(ts.spans) == 0 and ts.feedback["span_id"].to_list() == [None, "s1"]


def _sample_frame(n: int = 40):
    """The bundled sample traces as a pandas frame, as a user holds them before saving."""
    from pathlib import Path

    sample = Path(__file__).resolve().parents[2] / "sample_data" / "traces.jsonl.gz"
    return fl.read_traces(sample).traces.head(n).to_pandas()


@pytest.mark.parametrize(("orient", "date_format"), [(o, d) for o in ("columns", "index", "split", "table")
                                                     for d in ("epoch", "iso") if (o, d) != ("table", "epoch")])
def test_a_frame_saved_with_pandas_to_json_reads_like_its_records(orient, date_format, tmp_path):  # table: iso only
    import warnings

    df = _sample_frame()
    whole, records = tmp_path / "traces.json", tmp_path / "traces.jsonl"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3: "the default date format will change"
        df.to_json(whole, orient=orient, date_format=date_format)
        df.to_json(records, orient="records", lines=True, date_format=date_format)
    assert fl.sniff_format(whole) == "canonical"
    got, want = fl.read_traces(whole), fl.read_traces(records)
    assert len(got.traces) == 40 and got.rejects.is_empty()
    assert got.traces.equals(want.traces)


def test_a_frame_saved_with_its_trace_ids_as_the_index_says_how_to_save_it(tmp_path):
    path = tmp_path / "traces.json"
    _sample_frame().set_index("trace_id").to_json(path, date_format="iso")
    with pytest.raises(FormatError, match=r"traces\.json: .*without a trace_id column.*reset_index"):
        fl.read_traces(path, format="canonical")


def test_jsonl_whose_first_value_is_an_object_stays_jsonl(tmp_path):
    path = _jsonl(tmp_path / "t.jsonl", [{"metadata": {"k": i}, "trace_id": f"t{i}", "input": "q"} for i in range(3)])
    ts = fl.read_traces(path)
    assert ts.traces["trace_id"].to_list() == ["t0", "t1", "t2"]


def test_a_large_file_casts_its_columns_in_threads_with_the_same_result(tmp_path, monkeypatch):
    from feedback_lab.io import _tabular

    n = 60_000  # over PARALLEL_CAST_ROWS: the columns are cast in threads
    rows = [{"trace_id": f"t{i}", "input": "q", "timestamp": f"2026-01-01T00:00:{i % 60:02d}Z",
             "latency_ms": "slow" if i == 7 else i * 1.5, "input_tokens": 12.5 if i == 9 else i,
             "tags": ["a", "b"] if i % 2 else "x, y", "metadata": {"i": i}} for i in range(n)]
    rows.append({"trace_id": "t3", "input": "again"})  # a duplicate, rejected
    path = _jsonl(tmp_path / "big.jsonl", rows)
    assert n >= _tabular.PARALLEL_CAST_ROWS
    threaded = fl.read_traces(path)
    monkeypatch.setattr(_tabular, "PARALLEL_CAST_ROWS", 10**9)
    serial = fl.read_traces(path)
    assert threaded.traces.equals(serial.traces) and threaded.rejects.equals(serial.rejects)
    assert len(threaded.traces) == n - 2 and threaded.rejects["line"].to_list() == [8, 10, n + 1]
