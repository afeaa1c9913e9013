"""Phoenix loader on the frames of Phoenix's span queries and RAG helpers (a real server).

``tests/data/io/real/phoenix_queries`` was written by ``scripts/real_exports/phoenix_span_queries.py``.
Expectations come from ``expected.json`` (the traces sent and their ids), not from the loader.
Before, every one of these files loaded without any input or output text (``input``/``output``
and ``input.value`` were not read as the span's texts), the document rows of a retriever span were
rejected as duplicate spans, and a query without trace ids was all rejects.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest

import feedback_lab as fl

DATA = Path(__file__).parents[1] / "data" / "io" / "real" / "phoenix_queries"
SENT = {t["trace_id"]: t for t in json.loads((DATA / "expected.json").read_text())["traces"]}
WITH_DOCS = {tid for tid, t in SENT.items() if t["n_docs"]}  # the helpers' inner join drops the others


def _read(name: str):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ts = fl.read_traces(DATA / name)
    return ts, [str(w.message) for w in caught]


@pytest.mark.parametrize("name", ["qa_context.parquet", "qa_context.csv", "qa_context.jsonl"])
def test_input_output_context_gives_each_root_spans_question_and_answer(name):
    assert fl.sniff_format(DATA / name) == "phoenix"
    ts, warned = _read(name)
    assert ts.rejects.height == 0 and not warned
    assert set(ts.traces["trace_id"]) == WITH_DOCS
    for row in ts.traces.iter_rows(named=True):
        assert (row["input"], row["output"]) == (SENT[row["trace_id"]]["question"], SENT[row["trace_id"]]["answer"])
    # the root span's metadata and the retrieved context are kept
    first = next(tid for tid, t in SENT.items() if t["question"].startswith("What is the capital"))
    meta = json.loads(ts.traces.filter(ts.traces["trace_id"] == first)["metadata"][0])
    assert meta == {"app_version": "1.2.0", "ab": "B"}
    attrs = json.loads(ts.spans.filter(ts.spans["trace_id"] == first)["attributes"][0])
    assert attrs["context"] == "Paris is the capital and largest city of France."
    assert set(ts.spans["span_id"]) == {SENT[t]["root_span_id"] for t in WITH_DOCS}


@pytest.mark.parametrize("name", ["retrieved_documents.parquet", "retrieved_documents.csv"])
def test_retrieved_documents_are_one_retriever_span_with_its_documents(name):
    ts, _ = _read(name)
    assert ts.rejects.height == 0  # a span's second document is not a duplicate span
    assert sorted(ts.spans["span_id"]) == sorted(SENT[t]["retriever_span_id"] for t in WITH_DOCS)
    for row in ts.spans.iter_rows(named=True):
        sent = SENT[row["trace_id"]]
        assert row["input"] == sent["question"]
        docs = json.loads(row["attributes"])["retrieval.documents"]
        assert len(docs) == sent["n_docs"]
        assert all(d["document.content"] for d in docs)
    germany = next(t for t in SENT.values() if t["n_docs"] == 2)
    docs = json.loads(ts.spans.filter(ts.spans["span_id"] == germany["retriever_span_id"])["attributes"][0])
    assert [d["document.content"] for d in docs["retrieval.documents"]] == [
        "Berlin is the capital of Germany.", "Bonn was the capital of West Germany."]  # document_position order


def test_a_selection_with_trace_ids_gives_the_llm_spans_texts():
    ts, warned = _read("llm_select_trace.parquet")
    assert ts.rejects.height == 0 and not warned
    assert set(ts.traces["trace_id"]) == set(SENT)
    assert sorted(ts.spans["span_id"]) == sorted(t["llm_span_id"] for t in SENT.values())
    for row in ts.traces.iter_rows(named=True):
        # the LLM span's input is the request body: its text is the user's question
        assert (row["input"], row["output"]) == (SENT[row["trace_id"]]["question"], SENT[row["trace_id"]]["answer"])


def test_a_selection_without_trace_ids_reads_each_span_as_a_trace_and_says_so():
    ts, warned = _read("llm_select.parquet")
    assert ts.rejects.height == 0
    assert any("without trace ids" in w and "select('trace_id'" in w for w in warned)
    by_span = {t["llm_span_id"]: t for t in SENT.values()}
    assert set(ts.traces["trace_id"]) == set(by_span)
    for row in ts.traces.iter_rows(named=True):
        assert (row["input"], row["output"]) == (by_span[row["trace_id"]]["question"], by_span[row["trace_id"]]["answer"])


def test_a_where_query_gives_whole_spans():
    ts, _ = _read("annotated_spans.parquet")
    annotated = next(t for t in SENT.values() if t["question"].startswith("What is the capital"))
    assert ts.traces["trace_id"].to_list() == [annotated["trace_id"]]
    assert ts.traces.row(0, named=True)["session_id"] == annotated["session_id"]
    assert ts.traces.row(0, named=True)["input"] == annotated["question"]


def test_a_query_indexed_by_trace_id_gives_each_trace_its_root_text():
    ts, warned = _read("roots_by_trace.parquet")
    assert ts.rejects.height == 0
    assert any("indexed by trace id" in w for w in warned)
    assert set(ts.traces["trace_id"]) == set(SENT)
    for row in ts.traces.iter_rows(named=True):
        assert (row["input"], row["output"]) == (SENT[row["trace_id"]]["question"], SENT[row["trace_id"]]["answer"])
