"""Exports saved with a byte-order mark, in UTF-16, or gzipped load like the files themselves.

Windows PowerShell 5 writes a redirected CLI's output (``langfuse api ... > scores.json``,
``langsmith-fetch ... > trace.json``) as UTF-16 with a byte-order mark; Excel's "CSV UTF-8",
Notepad and .NET tools put a UTF-8 byte-order mark in front. Before, a UTF-8 BOM made most JSON
readers reject the first record or the whole file (or read a Phoenix annotations CSV's first
column as ``\\ufeffspan_id``), and UTF-16 was "binary content". A gzipped Phoenix traces or
sessions API file was read as spans, since its head was checked before it was unpacked.
"""

from __future__ import annotations

import codecs
import gzip
import warnings
from pathlib import Path

import pytest

import feedback_lab as fl
from feedback_lab.exceptions import UnreadableFileError

REAL = Path(__file__).resolve().parents[1] / "data" / "io" / "real"

#: one or more files per platform and shape: JSON documents, JSON lines, CSV
FILES = [
    "langfuse/v3_trace_get.json", "langfuse/v5_scores_page.json", "langfuse_cli/observations_pages_envelope.jsonl",
    "langsmith/runs_json.jsonl", "langsmith/feedback_dict.json", "langsmith_query_v2/runs_v2_page.json",
    "langsmith_fetch/trace_meta.json", "braintrust/logs_sync_pull.jsonl", "braintrust/experiment_fetch.json",
    "latitude/trace_details.jsonl", "latitude/annotations.json", "phoenix/spans_df.jsonl", "phoenix/spans_df.csv",
    "phoenix/annotations_df.csv", "phoenix/rest_spans.json", "phoenix/ui_download_otlp.json",
    "phoenix_sessions/session_turns.json", "phoenix_traces/rest_traces_spans.json",
    "otel_instrumentations/openinference.jsonl", "otel_instrumentations/openllmetry.zipkin.json",
    "otel/otlp_msg2json_events.json",
]


def _canonical(path: Path) -> tuple:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. trace lists warn that they hold no text
        ts = fl.read_traces(path)
    traces = sorted((r["trace_id"], r["input"], r["output"], r["session_id"], r["model"], str(r["timestamp"]))
                    for r in ts.traces.iter_rows(named=True))
    feedback = sorted((str(r["trace_id"]), r["name"], r["value"], r["label"], r["comment"], r["annotator_kind"])
                      for r in ts.feedback.iter_rows(named=True))
    return traces, feedback, ts.spans.height, ts.rejects.height


ENCODINGS = {
    "utf-8 with BOM": lambda raw: codecs.BOM_UTF8 + raw,
    "utf-16 (PowerShell 5)": lambda raw: raw.decode("utf-8").encode("utf-16"),
    "utf-16-be with BOM": lambda raw: codecs.BOM_UTF16_BE + raw.decode("utf-8").encode("utf-16-be"),
}


@pytest.mark.parametrize("encoding", list(ENCODINGS))
@pytest.mark.parametrize("name", FILES)
def test_a_file_with_a_byte_order_mark_loads_like_the_file(name, encoding, tmp_path):
    src = REAL / name
    want = _canonical(src)
    assert want[0] or want[1], f"{name}: the fixture gives no traces or feedback"
    out = tmp_path / src.name
    out.write_bytes(ENCODINGS[encoding](src.read_bytes()))
    assert fl.sniff_format(out) == fl.sniff_format(src)
    assert _canonical(out) == want


@pytest.mark.parametrize("name", ["phoenix_traces/get_traces.json", "phoenix_traces/rest_traces_spans.json",
                                  "phoenix_sessions/sessions_list.json", "phoenix_sessions/session_turns.json",
                                  "phoenix_sessions/rest_session_annotations.json"])
def test_a_gzipped_phoenix_api_file_loads_like_the_file(name, tmp_path):
    src = REAL / name
    out = tmp_path / (src.name + ".gz")
    out.write_bytes(gzip.compress(src.read_bytes()))
    assert _canonical(out) == _canonical(src)


def test_broken_utf16_names_the_file_and_the_fix(tmp_path):
    bad = tmp_path / "scores.json"  # a download cut short in the middle of a character
    bad.write_bytes(codecs.BOM_UTF16_LE + (REAL / "langfuse/v5_scores_page.json").read_text().encode("utf-16-le")[:-1])
    with pytest.raises(UnreadableFileError, match=r"scores\.json: starts with a UTF-16-LE byte-order mark.*Out-File"):
        fl.read_traces(bad)
