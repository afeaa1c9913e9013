"""OTel and Phoenix loaders on the spans real auto-instrumentations record for the OpenAI and Anthropic clients.

``tests/data/io/real/otel_instrumentations`` (OpenLLMetry and OpenInference, as the Collector's
file exporter writes them) and ``tests/data/io/real/phoenix_openai`` (OpenInference into a real
Phoenix, read back with its client) were written by ``scripts/real_exports/otel_instrumentations.py``
and ``phoenix_openai_app.py``. Expectations come from their ``expected.json`` (what the stand-in
API served), not from the loader.

OpenInference records the request and response bodies (``application/json``) as the LLM span's
``input.value``/``output.value``: the trace must read the user's question and the model's answer,
while the span keeps the bodies.
"""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl

REAL = Path(__file__).parents[1] / "data" / "io" / "real"
OTEL = REAL / "otel_instrumentations"
PHOENIX = REAL / "phoenix_openai"
E = json.loads((OTEL / "expected.json").read_text())


def _check(ts, n_spans: int = 3, model: str = E["model"]):
    assert ts.rejects.height == 0
    assert ts.traces.height == 2 and ts.spans.height == n_spans
    got = {r["input"]: r for r in ts.traces.iter_rows(named=True)}
    assert set(got) == {c["question"] for c in E["calls"]}
    for call in E["calls"]:
        row = got[call["question"]]
        assert row["output"] == call["answer"]
        assert row["model"] == model
        assert (row["input_tokens"], row["output_tokens"]) == (call["prompt_tokens"], call["completion_tokens"])
        assert row["latency_ms"] > 0
    llm = ts.spans.filter(pl.col("kind") == "llm")
    assert llm.height == 2 and set(llm["model"]) == {model}
    return llm


#: spans per file: two LLM calls and the app span around the second; LangChain: prompt, model,
#: parser and the chain of each of the two invocations
SPANS = {"openllmetry": 3, "openinference": 3, "logfire": 3, "openinference_langchain": 8, "traceloop_sdk": 4,
         "openllmetry_anthropic": 3, "openinference_anthropic": 3}


def _model(name: str) -> str:
    return E["anthropic_model"] if name.endswith("_anthropic") else E["model"]


@pytest.mark.parametrize("name", list(SPANS))
@pytest.mark.parametrize("ext", ["jsonl", "binpb"])
def test_collector_files_of_instrumented_openai_calls(name, ext):
    path = OTEL / f"{name}.{ext}"
    assert fl.sniff_format(path) == "otel"
    llm = _check(fl.read_traces(path), SPANS[name], _model(name))
    if name.startswith("openinference") and name != "openinference_langchain":  # the span keeps the request body
        bodies = [json.loads(v) for v in llm["input"]]
        systems = [b["system"] if name.endswith("_anthropic") else b["messages"][0]["content"] for b in bodies]
        assert systems == [E["system"]] * 2


def test_traceloop_sdk_workflows_give_the_session_user_and_the_workflows_text():
    """Traceloop's SDK records a ``@workflow``'s arguments and return value as JSON
    (``traceloop.entity.input``/``output``) and the association properties on every span."""
    ts = fl.read_traces(OTEL / "traceloop_sdk.jsonl")
    _check(ts, 4)
    got = {r["input"]: (r["session_id"], r["user_id"]) for r in ts.traces.iter_rows(named=True)}
    assert got == {c["question"]: (f"conv-{i + 1}", "user-7") for i, c in enumerate(E["calls"])}
    roots = ts.spans.filter(pl.col("parent_id").is_null())
    assert roots["kind"].to_list() == ["chain"] * 2  # traceloop.span.kind: workflow
    assert [json.loads(v)["args"] for v in roots["input"]] == [[c["question"]] for c in E["calls"]]


@pytest.mark.parametrize("name", ["spans_df.parquet", "spans_df.jsonl", "get_spans.json"])
def test_phoenix_spans_of_an_openinference_instrumented_app(name):
    assert json.loads((PHOENIX / "expected.json").read_text())["calls"] == E["calls"]
    assert fl.sniff_format(PHOENIX / name) == "phoenix"
    llm = _check(fl.read_traces(PHOENIX / name))
    assert all(v.startswith("{") for v in llm["output"])  # the response bodies, as Phoenix holds them


@pytest.mark.parametrize("name", ["langchain_spans_df.parquet", "langchain_spans_df.jsonl"])
def test_phoenix_spans_of_a_langchain_chain(name):
    """The chain is the root (its input the question, its output the parsed answer); the model's span
    holds LangChain's serialised messages and generations."""
    ts = fl.read_traces(PHOENIX / name)
    llm = _check(ts, 8)
    assert all('"generations"' in v for v in llm["output"])
    roots = ts.spans.filter(pl.col("parent_id").is_null())
    assert sorted(roots["name"]) == ["RunnableSequence"] * 2


def test_a_plain_json_input_that_is_no_message_payload_stays_as_it_is(tmp_path):
    """Only payloads with messages become their text: other JSON inputs are the user's data."""
    doc = json.loads(next(iter((OTEL / "openinference.jsonl").open())))
    span = doc["resourceSpans"][0]["scopeSpans"][0]["spans"][0]
    for a in span["attributes"]:
        if a["key"] == "input.value":
            a["value"] = {"stringValue": '{"invoice": 1042, "lines": [3, 4]}'}
    p = tmp_path / "one.jsonl"
    p.write_text(json.dumps(doc) + "\n")
    ts = fl.read_traces(p)
    assert ts.traces["input"].to_list() == ['{"invoice": 1042, "lines": [3, 4]}']


#: instrumentations whose texts survive Zipkin's 128-character tag limit: OpenInference's messages are
#: also separate short attributes; Traceloop's workflow and LangChain's chain spans carry short texts
WHOLE_IN_ZIPKIN = {"openinference", "openinference_anthropic", "traceloop_sdk", "openinference_langchain"}


@pytest.mark.parametrize("name", list(SPANS))
def test_zipkin_traces_of_instrumented_openai_calls(name):
    """OpenTelemetry's Zipkin exporter: every attribute a text tag, values cut at 128 characters."""
    path = OTEL / f"{name}.zipkin.json"
    assert fl.sniff_format(path) == "otel"
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ts = fl.read_traces(path)
    cut = [w for w in caught if "max_tag_value_length" in str(w.message)]
    assert ts.rejects.height == 0 and ts.traces.height == 2 and ts.spans.height == SPANS[name]
    by_tokens = {(r["input_tokens"], r["output_tokens"]): r for r in ts.traces.iter_rows(named=True)}
    assert set(by_tokens) == {(c["prompt_tokens"], c["completion_tokens"]) for c in E["calls"]}
    assert set(ts.traces["model"]) == {_model(name)}
    if name in WHOLE_IN_ZIPKIN:
        for c in E["calls"]:
            row = by_tokens[(c["prompt_tokens"], c["completion_tokens"])]
            assert (row["input"], row["output"]) == (c["question"], c["answer"])
    if name != "traceloop_sdk" and name != "openinference_langchain":  # their long JSON tags were cut
        assert len(cut) == 1 and str(path) in str(cut[0].message)


def test_one_zipkin_trace_download(tmp_path):
    """``GET /api/v2/trace/<id>`` (and the UI's "Download JSON"): one trace, the array of its spans."""
    trace = json.loads((OTEL / "openinference.zipkin.json").read_text())[1]
    p = tmp_path / "trace.json"
    p.write_text(json.dumps(trace, indent=2))
    assert fl.sniff_format(p) == "otel"
    with pytest.warns(UserWarning, match="max_tag_value_length"):  # the request/response bodies were cut
        ts = fl.read_traces(p)
    assert ts.traces.height == 1 and ts.spans.height == len(trace) == 2
    assert ts.traces["input"].to_list() == [E["calls"][1]["question"]]


def test_a_damaged_zipkin_span_is_a_reject(tmp_path):
    traces = json.loads((OTEL / "openllmetry.zipkin.json").read_text())
    traces[0][0]["tags"] = ["not", "an", "object"]
    p = tmp_path / "traces.json"
    p.write_text(json.dumps(traces))
    with pytest.warns(UserWarning, match="max_tag_value_length"):
        ts = fl.read_traces(p)
    assert ts.rejects.height == 1 and "tags must be an object" in ts.rejects["reason"][0]
    assert ts.rejects["line"].to_list() == [1]  # the trace it is in
    assert (ts.traces.height, ts.spans.height) == (1, 2)  # the first trace was that one span; the second loads
