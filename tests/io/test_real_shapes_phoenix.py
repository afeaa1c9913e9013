"""Phoenix loader on files shaped exactly as Phoenix and pandas write them.

Each sample is built the way the tool builds it and saved with the serialiser a user calls; each
test names the source the shape was taken from.
"""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
from _helpers_platforms import load, sniffed

from feedback_lab.exceptions import FormatError

TRACE = "0123456789abcdef0123456789abcdef"
ROOT, LLM = "a1b2c3d4e5f60718", "1111222233334444"


def _spans_frame():
    """``get_spans_dataframe()``: src/phoenix/trace/dsl/query.py ``_get_spans_dataframe`` selects name,
    span_kind, parent_id, start_time, end_time, status_code, status_message, events, context.span_id,
    context.trace_id and the attributes flattened by ``_flatten_semantic_conventions`` (message lists as
    lists of dicts with ``message.role``/``message.content`` keys, metadata parsed to a dict), then
    ``set_index("context.span_id", drop=False)``; times are tz-aware."""
    t0 = pd.Timestamp("2025-03-04T10:00:00.123456", tz="UTC")
    rows = [
        {"name": "agent", "span_kind": "CHAIN", "parent_id": None, "start_time": t0,
         "end_time": t0 + pd.Timedelta("2.5s"), "status_code": "OK", "status_message": "", "events": [],
         "context.span_id": ROOT, "context.trace_id": TRACE,
         "attributes.input.value": "What's the weather in Paris?", "attributes.output.value": "It is rainy, 57°F.",
         "attributes.openinference.span.kind": "CHAIN", "attributes.session.id": "sess-1",
         "attributes.tag.tags": np.array(["weather", "prod"], dtype=object), "attributes.metadata": {"app": "1.2"},
         "attributes.llm.model_name": None, "attributes.llm.token_count.prompt": np.nan,
         "attributes.llm.input_messages": None},
        {"name": "ChatCompletion", "span_kind": "LLM", "parent_id": ROOT, "start_time": t0 + pd.Timedelta("0.1s"),
         "end_time": t0 + pd.Timedelta("2.4s"), "status_code": "ERROR", "status_message": "rate limited",
         "events": [{"name": "exception", "timestamp": "2025-03-04T10:00:02.5+00:00",
                     "attributes": {"exception.message": "429"}}],
         "context.span_id": LLM, "context.trace_id": TRACE, "attributes.input.value": None,
         "attributes.output.value": None, "attributes.openinference.span.kind": "LLM", "attributes.session.id": None,
         "attributes.tag.tags": None, "attributes.metadata": None, "attributes.llm.model_name": "gpt-4o",
         "attributes.llm.token_count.prompt": 97.0,
         "attributes.llm.input_messages": [{"message.role": "system", "message.content": "Be brief."},
                                           {"message.role": "user", "message.content": "Weather in Paris?"}]},
    ]
    return pd.DataFrame(rows).set_index("context.span_id", drop=False)


@pytest.mark.parametrize("how", ["parquet", "csv", "jsonl_default", "json_records"])
def test_spans_dataframe_saved_by_pandas(tmp_path, how):
    df = _spans_frame()
    p = tmp_path / f"spans.{how.split('_')[0]}"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pandas' notice that to_json's date default will change
        if how == "parquet":
            df.to_parquet(p)  # the index (same name as a column) is written as __index_level_0__
        elif how == "csv":
            df.to_csv(p)  # the index written first: context.span_id appears twice in the header
        elif how == "jsonl_default":
            df.to_json(p, orient="records", lines=True)  # index dropped, datetimes as epoch milliseconds
        else:
            df.to_json(p, orient="records")
    assert sniffed(p, tmp_path) == "phoenix"
    ts = load(p, "phoenix")
    assert (len(ts.traces), len(ts.spans), len(ts.rejects)) == (1, 2, 0)
    t = ts.traces.row(0, named=True)
    assert (t["trace_id"], t["input"], t["output"], t["model"], t["input_tokens"], t["session_id"], t["tags"]) == (
        TRACE, "What's the weather in Paris?", "It is rainy, 57°F.", "gpt-4o", 97, "sess-1", ["weather", "prod"])
    assert t["latency_ms"] == 2500.0  # milliseconds survive every writer (to_json's epoch ms included)
    assert t["timestamp"].isoformat().startswith("2025-03-04T10:00:00.123")
    assert json.loads(t["metadata"]) == {"app": "1.2"}
    llm = ts.spans.filter(ts.spans["span_id"] == LLM).row(0, named=True)
    assert (llm["input"], llm["status"], llm["parent_id"]) == ("Weather in Paris?", "error", ROOT)


def _annotation_records():
    """``v1.SpanAnnotation`` records of ``GET /v1/projects/{p}/span_annotations``
    (packages/phoenix-client/src/phoenix/client/__generated__/v1/__init__.py)."""
    return [
        {"id": "U3BhbkFubm90YXRpb246MQ==", "created_at": "2025-03-04T10:05:00.123456+00:00",
         "updated_at": "2025-03-04T10:05:00.123456+00:00", "source": "APP", "user_id": "VXNlcjox",
         "name": "correctness", "annotator_kind": "HUMAN", "span_id": ROOT,
         "result": {"label": "correct", "score": 1.0, "explanation": "matches the forecast"},
         "metadata": {"reviewer": "ann"}, "identifier": ""},
        {"id": "U3BhbkFubm90YXRpb246Mg==", "created_at": "2025-03-04T10:06:00+00:00",
         "updated_at": "2025-03-04T10:06:00+00:00", "source": "API", "user_id": None, "name": "user_feedback",
         "annotator_kind": "HUMAN", "span_id": ROOT, "result": {"label": "thumbs_down", "score": 0.0, "explanation": None},
         "metadata": {"channel": "web"}, "identifier": "fb-1"},
        {"id": "U3BhbkFubm90YXRpb246Mw==", "created_at": "2025-03-04T10:07:00+00:00",
         "updated_at": "2025-03-04T10:07:00+00:00", "source": "API", "user_id": None, "name": "hallucination",
         "annotator_kind": "LLM", "span_id": LLM, "result": {"label": "factual", "score": None, "explanation": "grounded"},
         "metadata": {"model": "gpt-4o"}, "identifier": ""},
    ]


def _annotations_frame():
    """``client.spans.get_span_annotations_dataframe()`` (packages/phoenix-client/src/phoenix/client/resources/
    spans/__init__.py): ``pd.DataFrame(annotations)``, ``result`` flattened by ``pd.json_normalize`` into
    result.label/score/explanation, ``name`` renamed annotation_name, ``set_index("span_id")``."""
    df = pd.DataFrame(_annotation_records())
    nested = pd.json_normalize(df["result"]).rename(columns=lambda c: f"result.{c}")
    df = pd.concat([df.drop(columns=["result"]), nested], axis=1)
    return df.rename(columns={"name": "annotation_name"}).set_index("span_id")


@pytest.mark.parametrize("how", ["parquet", "csv", "jsonl_reset", "rest_json"])
def test_span_annotations_with_their_spans(tmp_path, how):
    sp = tmp_path / "spans.parquet"
    _spans_frame().to_parquet(sp)
    ap = tmp_path / f"annotations.{'json' if how == 'rest_json' else how.split('_')[0]}"
    adf = _annotations_frame()
    if how == "parquet":
        adf.to_parquet(ap)
    elif how == "csv":
        adf.to_csv(ap)  # metadata dicts become Python reprs
    elif how == "jsonl_reset":
        adf.reset_index().to_json(ap, orient="records", lines=True)
    else:  # the REST response saved as is
        ap.write_text(json.dumps({"data": _annotation_records(), "next_cursor": None}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # every annotation finds its span: no warning
        fb = load([sp, ap], "phoenix").feedback
    got = {r["name"]: r for r in fb.iter_rows(named=True)}
    assert set(got) == {"correctness", "user_feedback", "hallucination"}
    assert {r["trace_id"] for r in got.values()} == {TRACE}
    # HUMAN from the app -> human; HUMAN through the API -> user; LLM -> llm
    assert [got[n]["annotator_kind"] for n in ("correctness", "user_feedback", "hallucination")] == [
        "human", "user", "llm"]
    assert (got["correctness"]["value"], got["correctness"]["label"], got["correctness"]["comment"]) == (
        1.0, "correct", "matches the forecast")
    assert got["hallucination"]["value"] is None
    # the annotation's metadata object survives as JSON (it was flattened away or kept as a repr before)
    assert json.loads(got["correctness"]["metadata"])["reviewer"] == "ann"
    assert json.loads(got["user_feedback"]["metadata"])["channel"] == "web"


def test_annotations_frame_saved_without_its_index_is_a_clear_error(tmp_path):
    # pandas to_json(orient="records") drops the index, which holds span_id in this frame
    ap = tmp_path / "annotations.jsonl"
    _annotations_frame().to_json(ap, orient="records", lines=True)
    assert sniffed(ap, tmp_path) == "phoenix"
    with pytest.raises(FormatError, match=r"annotations\.jsonl.*span_id.*reset_index"):
        load(ap, "phoenix")


def _ui_span(name, sid, parent, kind, attrs, start, end):
    """A span of Phoenix's UI span download (app/src/.../__tests__/spanDownloadUtils.test.ts): the
    ``GET /v1/projects/{p}/spans`` span, one ``JSON.stringify(span)`` per line, with the span's and its
    trace's annotations added to ``attributes`` as OpenInference feedback attributes."""
    return {"name": name, "context": {"span_id": sid, "trace_id": TRACE}, "span_kind": kind, "parent_id": parent,
            "start_time": start, "end_time": end, "status_code": "OK", "status_message": "",
            "attributes": attrs, "events": [], "id": f"U3Bhbjo{sid[:2]}"}


def test_ui_jsonl_download_with_span_and_trace_annotations(tmp_path):
    root = _ui_span("agent", ROOT, None, "CHAIN", {
        "input.value": "What's the weather in Paris?", "output.value": "It is rainy, 57°F.",
        "openinference.span.kind": "CHAIN",
        "annotations.0.annotation.name": "correctness", "annotations.0.annotation.annotator_kind": "HUMAN",
        "annotations.0.annotation.score": 1, "annotations.0.annotation.label": "correct",
        "annotations.0.annotation.metadata": '{"reviewer":"ann"}',
        "trace.annotations.0.annotation.name": "user_frustration",
        "trace.annotations.0.annotation.annotator_kind": "HUMAN", "trace.annotations.0.annotation.label": "high"},
        "2025-03-04T10:00:00.123456+00:00", "2025-03-04T10:00:02.623456+00:00")
    llm = _ui_span("ChatCompletion", LLM, ROOT, "LLM", {
        "llm.model_name": "gpt-4o", "openinference.span.kind": "LLM",
        "annotations.0.annotation.name": "hallucination", "annotations.0.annotation.annotator_kind": "LLM",
        "annotations.0.annotation.label": "factual", "annotations.0.annotation.identifier": "judge-v2",
        "annotations.1.annotation.name": "toxicity", "annotations.1.annotation.score": "high"},
        "2025-03-04T10:00:00.223456+00:00", "2025-03-04T10:00:02.523456+00:00")
    p = tmp_path / "trace.jsonl"
    p.write_text("".join(json.dumps(s, ensure_ascii=False, separators=(",", ":")) + "\n" for s in (llm, root)))
    ts = load(p, "phoenix")
    assert (len(ts.traces), len(ts.spans), len(ts.feedback)) == (1, 2, 3)
    got = {r["name"]: r for r in ts.feedback.iter_rows(named=True)}
    assert (got["correctness"]["span_id"], got["correctness"]["value"], got["correctness"]["annotator_kind"]) == (
        ROOT, 1.0, "human")
    assert json.loads(got["correctness"]["metadata"])["reviewer"] == "ann"
    assert (got["hallucination"]["span_id"], got["hallucination"]["label"], got["hallucination"]["annotator_kind"]) == (
        LLM, "factual", "llm")
    assert (got["user_frustration"]["span_id"], got["user_frustration"]["label"]) == (None, "high")
    assert {r["trace_id"] for r in got.values()} == {TRACE}
    # the non-numeric score rejects the LLM span's feedback (line 1), the span itself is kept
    assert ts.rejects["line"].to_list() == [1]
    assert "score must be a number" in ts.rejects["reason"][0]
