"""Arize Phoenix / OpenInference loader (feedback_lab/io/_phoenix.py)."""

from __future__ import annotations

import json

import pandas as pd
import polars as pl
import pytest
from _helpers_platforms import FEEDBACK_COLS, TRACE_COLS, load, same, sniffed

from feedback_lab.sample_data._export_phoenix import write

V = "io/platforms/phoenix"
ROUND_TRIP_TRACE_COLS = [c for c in TRACE_COLS if c != "reference"]


@pytest.fixture(params=["vendored", "shared"])
def fixtures_dir(request, test_data):
    if request.param == "shared":
        return request.getfixturevalue("shared_data") / "trace_openinference_fixtures"
    return test_data / V


def _v1_span(attrs, span_id, trace_id="t1", parent=None, kind="LLM"):
    """A span as ``GET /v1/projects/{p}/spans`` returns it (semantic-convention keys kept dotted)."""
    return {"id": f"U3Bhbjo{span_id}", "name": "ChatCompletion", "context": {"trace_id": trace_id, "span_id": span_id},
            "span_kind": kind, "parent_id": parent, "start_time": "2026-01-05T10:00:00.000000+00:00",
            "end_time": "2026-01-05T10:00:02.500000+00:00", "status_code": "OK", "status_message": "",
            "attributes": attrs, "events": []}


def test_openinference_fixtures_as_rest_spans(fixtures_dir, tmp_path):
    flat = json.loads((fixtures_dir / "openinference_client_span_tool_calls.json").read_text())
    io_only = json.loads((fixtures_dir / "openinference_client_span_input_output_only.json").read_text())
    root = {"openinference.span.kind": "CHAIN", "input.value": "Weather in Paris?",
            "output.value": "It is rainy, 57°F.", "session.id": "s-1", "user.id": "u-1", "tag.tags": ["weather"]}
    body = {"data": [_v1_span(root, "r", kind="CHAIN"), _v1_span(flat, "a", parent="r"),
                     _v1_span(io_only, "b", parent="r")], "next_cursor": None}
    p = tmp_path / "spans.json"
    p.write_text(json.dumps(body, ensure_ascii=False))
    ts = load(p, "phoenix")
    assert (len(ts.traces), len(ts.spans), len(ts.rejects)) == (1, 3, 0)
    t = ts.traces.row(0, named=True)
    assert (t["input"], t["output"], t["session_id"], t["user_id"], t["tags"]) == (
        "Weather in Paris?", "It is rainy, 57°F.", "s-1", "u-1", ["weather"])
    # tokens summed over the two LLM spans only (97 + 97 prompt, 52 + 52 completion)
    assert (t["model"], t["input_tokens"], t["output_tokens"], t["latency_ms"]) == ("gpt-4-0613", 194, 104, 2500.0)
    llm = ts.spans.filter(ts.spans["span_id"] == "b").row(0, named=True)
    assert llm["kind"] == "llm" and llm["input"] == io_only["input.value"]  # input.value kept verbatim
    # the attributes JSON keeps every attribute except the text already in input/output
    root_attrs = json.loads(ts.spans.filter(ts.spans["span_id"] == "r")["attributes"][0])
    # keyed by the OpenInference names (no "attributes." prefix), like the OpenTelemetry reader's
    kept = {k: v for k, v in root_attrs.items() if v is not None}
    assert set(kept) == set(root) - {"input.value", "output.value"}
    assert (kept["session.id"], kept["user.id"], kept["openinference.span.kind"]) == ("s-1", "u-1", "CHAIN")


def test_nested_attributes_jsonl_download(tmp_path):
    spans = [
        {"name": "agent", "span_kind": "AGENT", "parent_id": None, "start_time": 1767607200000,
         "end_time": 1767607201000, "status_code": "ERROR", "context": {"span_id": "s0", "trace_id": "t9"},
         "attributes": {"input": {"value": "hola"}, "output": {"value": "adiós"}, "metadata": {"k": 1}}},
        {"name": "llm", "span_kind": "LLM", "parent_id": "s0", "start_time": 1767607200100,
         "end_time": 1767607200900, "status_code": "OK", "context": {"span_id": "s1", "trace_id": "t9"},
         "attributes": {"llm": {"model_name": "m", "token_count": {"prompt": 5, "completion": 7}},
                        "llm.input_messages": [{"message": {"role": "user", "content": "hola"}}]}},
    ]
    p = tmp_path / "spans.jsonl"
    p.write_text("\n".join(json.dumps(s, ensure_ascii=False) for s in spans) + "\n")
    t = load(p, "phoenix").traces.row(0, named=True)
    assert (t["input"], t["output"], t["model"], t["input_tokens"], t["output_tokens"], t["status"]) == (
        "hola", "adiós", "m", 5, 7, "error")
    assert json.loads(t["metadata"]) == {"k": 1} and t["latency_ms"] == 1000.0


@pytest.mark.parametrize("fmt", ["parquet", "csv", "jsonl"])
def test_round_trip(small_traceset, tmp_path, fmt):
    sp, ap = write(small_traceset, tmp_path)
    cols = ROUND_TRIP_TRACE_COLS
    if fmt != "parquet":  # the same dataframes saved as users do with pandas
        sdf, adf = pd.read_parquet(sp), pd.read_parquet(ap)
        sp, ap = tmp_path / f"spans.{fmt}", tmp_path / f"annotations.{fmt}"
        if fmt == "csv":
            sdf.to_csv(sp)
            adf.to_csv(ap)
        else:
            sdf.to_json(sp, orient="records", lines=True, date_format="iso", date_unit="us")
            adf.reset_index().to_json(ap, orient="records", lines=True, date_format="iso", date_unit="us")
    ts = load([sp, ap], "phoenix")
    same(ts.traces, small_traceset.traces, cols, ["trace_id"])
    same(ts.feedback, small_traceset.feedback, FEEDBACK_COLS, FEEDBACK_COLS)
    assert len(ts.spans) == len(small_traceset.spans) and len(ts.rejects) == 0


def test_annotations_without_spans_keep_span_id_and_warn(small_traceset, tmp_path):
    _, ap = write(small_traceset, tmp_path)
    with pytest.warns(UserWarning, match="span_id whose span is not in this load"):
        ts = load(ap, "phoenix")
    fb = ts.feedback
    assert len(fb) == len(small_traceset.feedback)
    assert (fb["trace_id"] == fb["span_id"]).all()
    assert all(json.loads(m)["trace_id_from"] == "span_id" for m in fb["metadata"].to_list())


def test_legacy_span_evaluations_frame(tmp_path):
    df = pd.DataFrame({"context.span_id": ["a", "b"], "label": ["factual", "hallucinated"], "score": [1, 0],
                       "explanation": ["ok", "made up"]}).set_index("context.span_id")
    p = tmp_path / "hallucination.parquet"
    df.to_parquet(p)
    with pytest.warns(UserWarning):
        fb = load(p, "phoenix").feedback
    assert fb["name"].to_list() == ["hallucination"] * 2
    assert fb["annotator_kind"].to_list() == ["llm", "llm"]
    assert fb["label"].to_list() == ["factual", "hallucinated"] and fb["value"].to_list() == [1.0, 0.0]


def test_sniff_from_content(small_traceset, tmp_path):
    sp, ap = write(small_traceset, tmp_path / "x")
    pd.read_parquet(sp).to_csv(tmp_path / "s.csv")
    pd.read_parquet(ap).to_csv(tmp_path / "a.csv")
    for p in (sp, ap, tmp_path / "s.csv", tmp_path / "a.csv"):
        assert sniffed(p, tmp_path) == "phoenix"


def test_bad_rows_are_rejected_with_line(tmp_path):
    rows = [{"context.span_id": "a", "context.trace_id": "t", "span_kind": "LLM", "start_time": "2026-01-01T00:00:00Z",
             "attributes.llm.token_count.prompt": "12"},
            {"context.span_id": None, "context.trace_id": "t", "span_kind": "LLM"},
            {"context.span_id": "c", "context.trace_id": "t", "span_kind": "LLM",
             "attributes.llm.token_count.prompt": "many"},
            {"context.span_id": "d", "context.trace_id": "t", "span_kind": "LLM", "start_time": "yesterday"},
            {"context.span_id": "a", "context.trace_id": "t", "span_kind": "LLM"}]
    p = tmp_path / "spans.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    ts = load(p, "phoenix")
    assert len(ts.spans) == 1
    r = ts.rejects.sort("line")
    assert r["line"].to_list() == [2, 3, 4, 5]
    assert [s.split(":")[0].split(" ")[0] for s in r["reason"].to_list()] == ["missing", "input_tokens", "start",
                                                                               "duplicate"]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_ids_lose_0x_prefix_and_empty_ids_are_missing(tmp_path, suffix):
    # OpenTelemetry SDKs print ids as "0x..." (ConsoleSpanExporter); Phoenix writes bare hex. An empty
    # id is a missing one.
    rows = [{"context.span_id": "0xaa", "context.trace_id": "0x0f", "parent_id": None, "span_kind": "CHAIN",
             "attributes.input.value": "q", "attributes.output.value": "a"},
            {"context.span_id": "0xbb", "context.trace_id": "0x0f", "parent_id": "0xaa", "span_kind": "LLM"},
            {"context.span_id": "", "context.trace_id": "0f", "parent_id": "aa", "span_kind": "LLM"},
            {"context.span_id": "cc", "context.trace_id": "", "parent_id": "", "span_kind": "LLM"}]
    p = tmp_path / f"spans{suffix}"
    frame = pd.DataFrame(rows)
    {".jsonl": lambda: frame.to_json(p, orient="records", lines=True), ".csv": lambda: frame.to_csv(p, index=False),
     ".parquet": lambda: frame.to_parquet(p)}[suffix]()
    ts = load(p, "phoenix")
    assert sorted(ts.spans["span_id"].to_list()) == ["aa", "bb"]
    assert set(ts.spans["trace_id"]) == {"0f"} and ts.spans.sort("span_id")["parent_id"].to_list() == [None, "aa"]
    assert (len(ts.traces), ts.traces["input"][0]) == (1, "q")  # "bb" hangs under the root "aa"
    assert sorted(ts.rejects["reason"].to_list()) == ["missing context.span_id", "missing context.trace_id"]


def test_empty_id_falls_back_to_the_next_id_column(tmp_path):
    # a frame holding both the flattened and the plain id column: the first non-empty one is the id
    rows = [{"context.span_id": "", "span_id": "0xs1", "context.trace_id": "t", "span_kind": "LLM"},
            {"context.span_id": "s2", "span_id": "other", "context.trace_id": "t", "span_kind": "LLM"}]
    p = tmp_path / "spans.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    ts = load(p, "phoenix")
    assert sorted(ts.spans["span_id"].to_list()) == ["s1", "s2"] and len(ts.rejects) == 0


def test_attributes_keep_their_types_when_read_record_by_record(tmp_path):
    # The REST page ({"data": [...]}) is read record by record, JSONL by polars: the attributes JSON of
    # both holds numbers, booleans, lists and objects typed (the record-by-record path used to give text)
    attrs = {"openinference.span.kind": "LLM", "llm.model_name": "gpt-4o", "llm.token_count.prompt": 12,
             "llm.token_count.completion": 3, "llm.cost.total": 0.5, "tag.tags": ["a", "b"], "retried": True,
             "llm.invocation_parameters": {"temperature": 0.2}, "input.value": "q", "output.value": "a"}
    span = _v1_span(attrs, "s1")
    page, lines = tmp_path / "spans.json", tmp_path / "spans.jsonl"
    page.write_text(json.dumps({"data": [span], "next_cursor": None}))
    lines.write_text(json.dumps(span) + "\n" + json.dumps({**span, "context": {"trace_id": "t2", "span_id": "s2"}}) + "\n")
    got = {p.suffix: json.loads(load(p, "phoenix").spans.filter(pl.col("span_id") == "s1")["attributes"][0])
           for p in (page, lines)}
    typed = {k: v for k, v in attrs.items() if k not in ("input.value", "output.value")}
    for suffix, d in got.items():
        assert {k: v for k, v in d.items() if v is not None} == typed, suffix


@pytest.mark.parametrize(("n", "call"), [(1000, "get_spans_dataframe"), (999, None)])
def test_a_spans_file_of_exactly_the_clients_default_limit_is_named_in_a_warning(tmp_path, n, call):
    """Phoenix's client.spans.get_spans_dataframe returns 1,000 spans unless asked for more."""
    import warnings

    rows = [{"context.span_id": f"s{i}", "context.trace_id": f"t{i}", "span_kind": "LLM",
             "attributes.input.value": "q", "attributes.output.value": "a"} for i in range(n)]
    p = tmp_path / "spans.jsonl"
    p.write_text("".join(json.dumps(r) + "\n" for r in rows))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ts = load(p, "phoenix")
    assert ts.spans.height == n
    hits = [str(w.message) for w in caught if "default limit" in str(w.message)]
    assert hits == ([f"{p}: exactly 1,000 spans, the default limit of Phoenix's client.spans.{call}(...): the export "
                     "may have been cut there. Export again with a higher limit (e.g. limit=1_000_000) to get them all."]
                    if call else [])


def test_retrieved_documents_keep_their_position_order_in_a_csv(tmp_path):
    """get_retrieved_documents saved with to_csv(): positions are text there, and "10" sorts after "9"."""
    rows = [{"context.span_id": "s", "document_position": pos, "context.trace_id": "t", "input": "q",
             "document": f"doc {pos}", "document_score": 1 - pos / 20} for pos in (10, 2, 9, 0, 1)]
    p = tmp_path / "docs.csv"
    pd.DataFrame(rows).to_csv(p, index=False)
    ts = load(p, "phoenix")
    docs = json.loads(ts.spans["attributes"][0])["retrieval.documents"]
    assert [d["document.content"] for d in docs] == ["doc 0", "doc 1", "doc 2", "doc 9", "doc 10"]
    assert ts.rejects.height == 0 and ts.traces["input"].to_list() == ["q"]
