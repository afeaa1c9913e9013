"""API records that a user saved through a dataframe still load as the platform's records.

A common way to keep what an SDK or REST call returned is to put the records in a frame and save
that: ``pd.DataFrame(records).to_csv()`` (nested fields become Python reprs), ``.to_parquet()``
(structs), ``pd.json_normalize(records)`` (nested fields become dotted columns such as
``feedback_source.type``), or ``pl.DataFrame(records).write_parquet()`` (structs whose every row has
every key, null where the record had none). Each real export below is saved in each of the ways its
records allow, and must load to the same canonical traces and feedback as the file itself: the
same trace ids, texts, sessions, users, models, times, tokens and latencies, and the same feedback
names, values, labels, comments and annotator kinds.

Before these readers nested such records back, several of these files lost data silently (a
LangSmith correction, Braintrust scores, Helicone scores, Phoenix annotation results), were read
as another format (LangSmith feedback Parquet as canonical traces, Latitude annotations CSV as
Langfuse), or stopped with an error (Latitude and Helicone Parquet, Phoenix REST span frames).
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pandas as pd
import polars as pl
import pytest

import feedback_lab as fl

DATA = Path(__file__).resolve().parents[1] / "data" / "io"

#: (fixture, the ways its records can be saved). The ways left out are those pandas or polars cannot
#: write for these records (pyarrow refuses a struct column whose rows hold different types, polars
#: a list of records whose fields change type), so no user has such a file.
CASES = {
    "real/langsmith/runs_dict.json": ["df.csv", "df.jsonl", "norm.csv", "norm.jsonl"],
    "real/langsmith/feedback_dict.json": ["df.parquet", "df.csv", "df.jsonl", "norm.parquet", "norm.csv",
                                          "norm.jsonl", "pl.parquet", "pl.jsonl"],
    "real/langsmith_query_v2/runs_v2_to_dict.json": ["df.csv", "df.jsonl", "norm.csv", "norm.jsonl", "pl.jsonl"],
    "real/langfuse/v3_observations_dict.json": ["df.csv", "df.jsonl", "norm.parquet", "norm.csv", "norm.jsonl"],
    "real/langfuse/v3_scores_dict.json": ["df.csv", "df.jsonl", "norm.parquet", "norm.csv", "norm.jsonl", "pl.jsonl"],
    "real/langfuse/v5_observations_dict.json": ["df.parquet", "df.csv", "df.jsonl", "norm.parquet", "norm.csv",
                                                "norm.jsonl", "pl.parquet", "pl.jsonl"],
    "real/langfuse/v5_scores_dict.json": ["df.csv", "df.jsonl", "norm.csv", "norm.jsonl", "pl.parquet", "pl.jsonl"],
    "real/langfuse/v3_traces_list_page.json": ["df.csv", "df.jsonl", "norm.parquet", "norm.csv", "norm.jsonl"],
    "real/braintrust/experiment_fetch.json": ["df.csv", "df.jsonl", "norm.csv", "norm.jsonl"],
    "real/braintrust/logs_sync_pull.jsonl": ["df.csv", "df.jsonl", "norm.csv", "norm.jsonl"],
    "real/latitude/trace_details.jsonl": ["df.parquet", "df.csv", "df.jsonl", "norm.parquet", "norm.csv",
                                          "norm.jsonl", "pl.parquet", "pl.jsonl"],
    "real/latitude/annotations.json": ["df.parquet", "df.csv", "df.jsonl", "norm.parquet", "norm.csv", "norm.jsonl",
                                       "pl.parquet", "pl.jsonl"],
    "real/latitude/traces_page.json": ["df.parquet", "df.csv", "df.jsonl", "norm.parquet", "norm.csv", "norm.jsonl",
                                       "pl.parquet", "pl.jsonl"],
    "real/phoenix_openai/get_spans.json": ["df.parquet", "df.csv", "df.jsonl", "norm.parquet", "norm.csv",
                                           "norm.jsonl", "pl.parquet", "pl.jsonl"],
    "real/phoenix/rest_spans.json": ["df.parquet", "df.csv", "df.jsonl", "norm.parquet", "norm.csv", "norm.jsonl",
                                     "pl.parquet", "pl.jsonl"],
    "real/phoenix/rest_span_annotations.json": ["df.parquet", "df.csv", "df.jsonl", "norm.parquet", "norm.csv",
                                                "norm.jsonl", "pl.parquet", "pl.jsonl"],
    "real/phoenix_evals/evals_results.jsonl": ["df.csv", "df.jsonl", "norm.csv", "norm.jsonl", "pl.jsonl"],
    "real/phoenix_traces/get_traces.json": ["df.parquet", "df.csv", "df.jsonl", "norm.parquet", "norm.csv",
                                            "norm.jsonl", "pl.parquet", "pl.csv", "pl.jsonl"],
    "platforms/helicone/ui_requests_export_data.RECONSTRUCTED.jsonl": [
        "df.parquet", "df.csv", "df.jsonl", "norm.parquet", "norm.csv", "norm.jsonl", "pl.parquet", "pl.jsonl"],
    "platforms/helicone/query_clickhouse_response.RECONSTRUCTED.json": [
        "df.csv", "df.jsonl", "norm.parquet", "norm.csv", "norm.jsonl", "pl.jsonl"],
}


def _records(path: Path) -> list[dict]:
    """The records of a fixture: a JSON list, an API page's list, or JSON lines."""
    text = path.read_text(encoding="utf-8")
    try:
        doc = json.loads(text)
    except ValueError:
        return [json.loads(line) for line in text.splitlines() if line.strip()]
    if isinstance(doc, dict):
        return next((doc[k] for k in ("data", "items", "runs", "events") if isinstance(doc.get(k), list)), [doc])
    return doc


def _save(records: list[dict], how: str, path: Path) -> None:
    frame, kind = how.split(".")
    if frame == "pl":
        df = pl.DataFrame(records, infer_schema_length=None)
        {"parquet": df.write_parquet, "csv": df.write_csv, "jsonl": df.write_ndjson}[kind](path)
        return
    pdf = pd.DataFrame(records) if frame == "df" else pd.json_normalize(records)
    if kind == "parquet":
        pdf.to_parquet(path)
    elif kind == "csv":
        pdf.to_csv(path, index=False)
    else:
        pdf.to_json(path, orient="records", lines=True)


def _load(path: Path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # e.g. Phoenix's trace lists warn that they hold no text
        return fl.read_traces(path)


def _canonical(ts) -> tuple:
    traces = sorted((r["trace_id"], r["input"], r["output"], r["session_id"], r["user_id"], r["model"],
                     str(r["timestamp"]), r["input_tokens"], r["output_tokens"], r["latency_ms"])
                    for r in ts.traces.iter_rows(named=True))
    feedback = sorted((str(r["trace_id"]), r["name"], r["value"], r["label"], r["comment"], r["annotator_kind"])
                      for r in ts.feedback.iter_rows(named=True))
    return traces, feedback, len(ts.spans), len(ts.rejects)


@pytest.mark.parametrize(("fixture", "how"), [(f, h) for f, hows in CASES.items() for h in hows])
def test_records_saved_through_a_frame_load_as_the_export(fixture, how, tmp_path):
    src = DATA / fixture
    want = _canonical(_load(src))
    assert want[0] or want[1], f"{fixture}: the fixture itself gives no traces or feedback"
    out = tmp_path / f"{src.name.split('.')[0]}.{how.split('.')[1]}"
    _save(_records(src), how, out)
    got = _canonical(_load(out))
    assert got[0] == want[0], f"{fixture} saved as {how}: traces differ"
    assert got[1] == want[1], f"{fixture} saved as {how}: feedback differs"
    assert got[2:] == want[2:], f"{fixture} saved as {how}: (spans, rejects) {got[2:]} != {want[2:]}"


def test_a_json_normalize_file_keeps_a_langsmith_correction(tmp_path):
    """The correction is a nested object (``correction.output`` once flattened); dropping it loses the
    row that records the corrected answer."""
    recs = _records(DATA / "real/langsmith/feedback_dict.json")
    out = tmp_path / "feedback.jsonl"
    pd.json_normalize(recs).to_json(out, orient="records", lines=True)
    fb = fl.read_traces(out).feedback
    corrections = fb.filter(pl.col("name") == "correction")
    assert corrections.height == sum(1 for r in recs if r.get("correction"))
    assert corrections["comment"].to_list() == [r["correction"]["output"] for r in recs if r.get("correction")]
    # and the other records' null correction.output did not become empty corrections
    assert fb.height == len(recs) + corrections.height


def test_feedback_parquet_is_not_read_as_canonical_traces(tmp_path):
    out = tmp_path / "feedback.parquet"
    pd.DataFrame(_records(DATA / "real/langsmith/feedback_dict.json")).to_parquet(out)
    assert fl.sniff_format(out) == "langsmith"
    ts = fl.read_traces(out)
    assert ts.traces.height == 0 and ts.rejects.height == 0
    assert set(ts.feedback["annotator_kind"]) == {"user", "llm", "human"}
