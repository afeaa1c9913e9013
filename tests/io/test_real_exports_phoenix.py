"""Phoenix loader on files written by a real Phoenix server and client (tests/data/io/real/phoenix).

The files and ``expected.json`` (what was sent: ids, texts, annotations) come from
``scripts/real_exports/phoenix_exports.py``; the expectations below are derived from
``expected.json``, not from the loader's output.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

import feedback_lab as fl
from feedback_lab.exceptions import FormatError

DIR = Path(__file__).parents[1] / "data" / "io" / "real" / "phoenix"
E = json.loads((DIR / "expected.json").read_text())
IDS, SENT = E["ids"], E["traces"]
SPAN2TRACE = {i[w]: i["trace"] for i in IDS for w in ("root", "retriever", "llm")}
SPAN_FILES = ["spans_df.parquet", "spans_df.csv", "spans_df.jsonl", "rest_spans.json",
              "rest_spans_otlpv1.json", "ui_download.jsonl", "ui_download_otlp.json"]
ANN_FILES = ["annotations_df.parquet", "annotations_df.csv", "annotations_df_reset.jsonl"]


def _kind(kind: str, source: str | None) -> str:
    """Phoenix annotator kinds: HUMAN through the API is end-user feedback, through the UI a reviewer;
    without a source (the UI's span download drops it) HUMAN is a human."""
    if kind in ("LLM", "CODE"):
        return kind.lower()
    return "user" if source == "API" else "human"


def _span_feedback(source_known: bool = True):
    api = "API" if source_known else None
    rows = [(IDS[t][w], n, lab, s, e, _kind(k, api)) for t, w, n, k, lab, s, e, _m, _i in E["span_annotations"]]
    rows += [(IDS[t][w], n, lab, s, e, _kind(k, "APP" if source_known else None))
             for t, w, n, k, lab, s, e, _m in E["app_annotations"]]
    return rows


def _note(source_known: bool = True):
    t, w, text = E["note"]
    return [(IDS[t][w], "note", None, None, text, _kind("HUMAN", "API" if source_known else None))]


def _trace_feedback(source_known: bool = True):
    _t, n, k, lab, s, e = E["trace_annotation"]
    return [(None, n, lab, s, e, _kind(k, "API" if source_known else None))]  # about the trace: no span


def _read(*names):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # annotations read alone: "span id stands in for the trace id"
        return fl.read_traces([DIR / n for n in names] if len(names) > 1 else DIR / names[0])


def _feedback(ts):
    return sorted(((r["span_id"], r["name"], r["label"], r["value"], r["comment"], r["annotator_kind"])
                   for r in ts.feedback.iter_rows(named=True)), key=str)


def _check_traces(ts):
    assert ts.rejects.is_empty()
    assert (len(ts.traces), len(ts.spans)) == (len(SENT), 3 * len(SENT))
    assert sorted(ts.spans["kind"].to_list()) == sorted(["chain", "retriever", "llm"] * len(SENT))
    for ids, sent in zip(IDS, SENT, strict=True):
        row = ts.traces.filter(ts.traces["trace_id"] == ids["trace"]).row(0, named=True)
        assert row["input"] == sent["question"]
        assert row["output"] == sent["answer"]  # quotes, a comma, a newline and "è" intact
        assert row["model"] == sent["model"]
        assert (row["input_tokens"], row["output_tokens"]) == (sent["prompt"], sent["completion"])
        assert (row["session_id"], row["user_id"]) == (sent["session"], sent["user"])
        assert (row["tags"] or []) == sent["tags"]
        assert json.loads(row["metadata"] or "{}") == sent["metadata"]


@pytest.mark.parametrize("name", SPAN_FILES)
def test_spans_alone(name):
    _check_traces(_read(name))


@pytest.mark.parametrize("name", ANN_FILES)
def test_annotations_dataframe_alone(name):
    ts = _read(name)
    assert ts.rejects.is_empty()
    assert _feedback(ts) == sorted(_span_feedback(), key=str)  # "note" is excluded by the client


@pytest.mark.parametrize("spans", ["spans_df.parquet", "spans_df.csv", "spans_df.jsonl", "rest_spans.json"])
@pytest.mark.parametrize("ann", ANN_FILES)
def test_spans_with_annotations_dataframe(spans, ann):
    ts = _read(spans, ann)
    _check_traces(ts)
    assert _feedback(ts) == sorted(_span_feedback(), key=str)
    assert all(r["trace_id"] == SPAN2TRACE[r["span_id"]] for r in ts.feedback.iter_rows(named=True))


def test_annotations_frame_saved_without_its_index_says_how_to_save_it():
    with pytest.raises(FormatError, match=r"annotations_df_noindex\.jsonl.*reset_index"):
        _read("annotations_df_noindex.jsonl")


def test_rest_spans_with_span_and_trace_annotations():
    ts = _read("rest_spans.json", "rest_span_annotations.json", "rest_trace_annotations.json")
    _check_traces(ts)
    assert _feedback(ts) == sorted(_span_feedback() + _note() + _trace_feedback(), key=str)
    resolved = ts.feedback.filter(ts.feedback["name"] == E["trace_annotation"][1])
    assert resolved["trace_id"].to_list() == [IDS[E["trace_annotation"][0]]["trace"]]


def test_rest_trace_annotations_alone():
    ts = _read("rest_trace_annotations.json")
    assert _feedback(ts) == _trace_feedback()
    assert ts.feedback["trace_id"].to_list() == [IDS[E["trace_annotation"][0]]["trace"]]


@pytest.mark.parametrize("name", ["ui_download.jsonl", "ui_download_otlp.json"])
def test_ui_download_carries_span_and_trace_annotations(name):
    ts = _read(name)
    assert _feedback(ts) == sorted(_span_feedback(False) + _note(False) + _trace_feedback(False), key=str)
    assert set(ts.feedback["trace_id"]) <= {i["trace"] for i in IDS}


def test_ui_single_span_download_is_read_not_dropped():
    ts = _read("ui_download_span.json")
    span = json.loads((DIR / "ui_download_span.json").read_text())
    sid = span["context"]["span_id"]
    t = next(i for i, x in enumerate(IDS) if x["root"] == sid)
    assert ts.rejects.is_empty()
    assert ts.spans["span_id"].to_list() == [sid]
    assert ts.traces.select("input", "output").row(0) == (SENT[t]["question"], SENT[t]["answer"])
    want = [r for r in _span_feedback(False) if r[0] == sid]  # no trace annotation on that trace
    assert want and _feedback(ts) == sorted(want, key=str)


def test_span_evaluations_saved_by_phoenix():
    want = sorted(((IDS[t][w], n, lab, s, e, "llm") for t, w, n, lab, s, e in E["evals"]), key=str)
    assert _feedback(_read("span_evaluations.parquet")) == want
    ts = _read("spans_df.parquet", "span_evaluations.parquet")
    _check_traces(ts)
    assert _feedback(ts) == want
    assert all(r["trace_id"] == SPAN2TRACE[r["span_id"]] for r in ts.feedback.iter_rows(named=True))


def test_trace_dataset_saved_by_phoenix():
    """``TraceDataset.save()`` (Phoenix's "save and load traces" backup): the folder it writes holds
    ``trace_dataset-<id>.parquet`` and one ``evaluations-<id>.parquet``; read as a folder, without a
    format, it gives the spans, traces and evaluations Phoenix was given."""
    folder = DIR / "trace_dataset"
    names = sorted(p.name.split("-")[0] for p in folder.iterdir())
    assert names == ["evaluations", "trace_dataset"]
    ts = fl.read_traces(folder)
    _check_traces(ts)
    want = sorted(((IDS[t][w], n, lab, s, e, "llm") for t, w, n, lab, s, e in E["evals"]), key=str)
    assert _feedback(ts) == want
    assert all(r["trace_id"] == SPAN2TRACE[r["span_id"]] for r in ts.feedback.iter_rows(named=True))
    assert fl.sniff_format(next(folder.glob("trace_dataset-*.parquet"))) == "phoenix"


#: DataFrame.to_json's whole-document orients ("columns" is pandas' default); "records" is the JSONL above
ORIENTS = ["columns", "index", "split", "table"]


def _to_json(tmp_path, name: str, orient: str):
    import pandas as pd

    df = pd.read_parquet(DIR / name)
    path = tmp_path / f"{Path(name).stem}_{orient}.json"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas 3: "the default date format will change"
        df.to_json(path) if orient == "columns" else df.to_json(path, orient=orient)
    return path


@pytest.mark.parametrize("orient", [o for o in ORIENTS if o != "table"])  # pandas refuses "table" here:
def test_spans_dataframe_saved_with_to_json(orient, tmp_path):  # its index is also a column
    path = _to_json(tmp_path, "spans_df.parquet", orient)
    ts = fl.read_traces(path)
    _check_traces(ts)
    want = fl.read_traces(DIR / "spans_df.parquet")
    assert sorted(ts.spans["span_id"]) == sorted(want.spans["span_id"])
    # pandas writes times in milliseconds (date_unit="ms"): the same instants to the millisecond
    got, ref = ts.spans.sort("span_id"), want.spans.sort("span_id")
    assert (got["start"] - ref["start"].dt.truncate("1ms")).abs().max().total_seconds() == 0


# pandas writes "columns" and "index" for a unique index only, and an annotations frame's (span ids) is not
@pytest.mark.parametrize("orient", ["split", "table"])
def test_annotations_dataframe_saved_with_to_json(orient, tmp_path):
    path = _to_json(tmp_path, "annotations_df.parquet", orient)
    ts = fl.read_traces([DIR / "spans_df.parquet", path])
    assert ts.rejects.is_empty()
    assert _feedback(ts) == sorted(_span_feedback(), key=str)
    assert all(r["trace_id"] == SPAN2TRACE[r["span_id"]] for r in ts.feedback.iter_rows(named=True))
