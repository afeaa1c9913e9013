"""Phoenix loader on what Phoenix's traces API gives (``client.traces.get_traces``, a real server).

``tests/data/io/real/phoenix_traces`` was written by ``scripts/real_exports/phoenix_traces_api.py``.
Expectations come from ``expected.json`` (the traces and ids sent), not from the loader.
"""

from __future__ import annotations

import json
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl

DATA = Path(__file__).parents[1] / "data" / "io" / "real" / "phoenix_traces"
E = json.loads((DATA / "expected.json").read_text())
IDS = E["ids"]


@pytest.mark.parametrize("name", ["get_traces_spans.json", "rest_traces_spans.json"])
def test_traces_with_their_span_summaries(name):
    assert fl.sniff_format(DATA / name) == "phoenix"
    with pytest.warns(UserWarning, match="span summaries only.*get_spans_dataframe"):
        ts = fl.read_traces(DATA / name)
    assert ts.rejects.height == 0
    assert sorted(ts.traces["trace_id"]) == sorted(i["trace"] for i in IDS)
    assert ts.spans.height == 3 * len(IDS)  # root, retriever and LLM span of each trace
    for ids, sent in zip(IDS, E["traces"], strict=True):
        root = ts.spans.filter(pl.col("span_id") == ids["root"]).row(0, named=True)
        llm = ts.spans.filter(pl.col("span_id") == ids["llm"]).row(0, named=True)
        assert (root["parent_id"], root["kind"], root["name"]) == (None, "chain", "rag")
        assert (llm["parent_id"], llm["kind"], llm["status"]) == (ids["root"], "llm", "ok")
        row = ts.traces.filter(pl.col("trace_id") == ids["trace"]).row(0, named=True)
        # Phoenix's token totals for the trace (its spans carry no attributes)
        assert (row["input_tokens"], row["output_tokens"]) == (sent["prompt"], sent["completion"])
        assert row["latency_ms"] > 0 and row["timestamp"] is not None
        assert row["input"] is None  # no text in this API: the warning says where it is


def test_traces_without_spans_are_still_traces():
    with pytest.warns(UserWarning, match="span summaries only"):
        ts = fl.read_traces(DATA / "get_traces.json")
    assert ts.spans is None or ts.spans.height == 0
    assert sorted(ts.traces["trace_id"]) == sorted(i["trace"] for i in IDS)
    by_id = {i["trace"]: t for i, t in zip(IDS, E["traces"], strict=True)}
    for row in ts.traces.iter_rows(named=True):
        assert (row["input_tokens"], row["output_tokens"]) == (by_id[row["trace_id"]]["prompt"],
                                                                by_id[row["trace_id"]]["completion"])
        assert row["timestamp"] is not None and row["latency_ms"] > 0

