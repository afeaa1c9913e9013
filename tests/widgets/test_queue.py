"""AnnotationQueue actions without a browser: record, next/back/skip, resume, blind, spans, validation."""

from __future__ import annotations

import polars as pl
import pytest
from conftest import FeedbackConfig, RubricItem

from feedback_lab.widgets import AnnotationQueue


def _q(traces, configs, store, annotator="ana", **kw):
    return AnnotationQueue(traces, configs, store=store, annotator=annotator, **kw)


def test_record_next_and_progress(traces, configs, store):
    q = _q(traces, configs, store)
    assert q.current["trace_id"] == "t0" and q.progress_text == "0/5"
    ids = q.record(values={"verdict": "fail", "rating": 2, "issue": "facts"}, comment="made up")
    assert len(ids) == 3
    rows = store.history().select("trace_id", "name", "value", "label", "comment").rows()
    assert rows == [("t0", "verdict", 0.0, "fail", "made up"), ("t0", "rating", 2.0, None, "made up"),
                    ("t0", "issue", None, "facts", "made up")]
    assert q.next()["trace_id"] == "t1"
    assert q.progress_text == "1/5" and q.progress["text"] == "1/5"
    q.record(label="pass", name="verdict")
    q.record(comment="short note", name="notes")
    assert store.latest().filter(pl.col("name") == "notes")["comment"].to_list() == ["short note"]


def test_invalid_values_are_reported_and_nothing_stored(traces, configs, store):
    q = _q(traces, configs, store)
    with pytest.raises(ValueError, match=r"Not saved: rating: out of range.*issue: unknown label"):
        q.record(values={"verdict": "pass", "rating": 9, "issue": "spelling"})
    with pytest.raises(ValueError, match="notes: text too long"):
        q.record(values={"notes": "x" * 51})
    with pytest.raises(ValueError, match="several configs"):
        q.record(label="pass")
    with pytest.raises(ValueError, match="Nothing to record"):
        q.record()
    with pytest.raises(KeyError, match="Did you mean 'verdict'"):
        q.record(label="pass", name="verdit")
    assert len(store) == 0 and q.progress_text == "0/5"


def test_resume_where_the_annotator_stopped_and_per_annotator_progress(traces, configs, store):
    q = _q(traces, configs[:1], store)
    for _ in range(3):
        q.record(label="pass")
        q.next()
    # a new session of the same annotator starts at the first unlabelled trace
    again = _q(traces, configs[:1], store)
    assert again.current["trace_id"] == "t3" and again.progress_text == "3/5"
    # another annotator on the same queue has their own progress
    bob = _q(traces, configs[:1], store, annotator="bob")
    assert bob.current["trace_id"] == "t0" and bob.progress_text == "0/5"


def test_same_trace_never_twice_skip_back(traces, configs, store):
    q = _q([*traces, traces[0]], configs[:1], store)
    assert q.trace_ids == ["t0", "t1", "t2", "t3", "t4"] and q.duplicates == 1
    seen = [q.current["trace_id"]]
    q.skip()  # t0 skipped
    for _ in range(4):
        seen.append(q.current["trace_id"])
        q.record(label="fail")
        q.next()
    assert seen == ["t0", "t1", "t2", "t3", "t4"]
    # only the skipped trace is left: it comes back, then the queue is finished
    assert q.current["trace_id"] == "t0"
    q.record(label="pass")
    assert q.next() is None and q.finished
    with pytest.raises(ValueError, match="finished"):
        q.record(label="pass")
    assert q.back()["trace_id"] == "t0"
    assert q.back()["trace_id"] == "t4"
    assert len(set(store.latest()["trace_id"])) == 5


def test_random_order_is_stable_per_annotator(traces, configs, store):
    a1 = _q(traces, configs[:1], store, order="random")
    a2 = _q(traces, configs[:1], store, order="random")
    assert a1.trace_ids == a2.trace_ids and sorted(a1.trace_ids) == [t["trace_id"] for t in traces]
    seeded = [_q(traces, configs[:1], store, order="random", random_state=s).trace_ids for s in range(6)]
    assert len({tuple(s) for s in seeded}) > 1
    with pytest.raises(ValueError, match="order must be"):
        _q(traces, configs[:1], store, order="shuffled")


def test_blind_hides_verdicts_and_other_annotators(traces, configs, store):
    from feedback_lab.schema import TraceSet

    store.add(trace_id="t0", name="verdict", label="pass", annotator="bob")
    ts = TraceSet.from_frames(
        traces=pl.DataFrame([{k: v for k, v in t.items() if k != "judge_label"} for t in traces]),
        feedback=pl.DataFrame({"trace_id": ["t0"], "name": ["judge"], "label": ["fail"], "annotator_kind": ["llm"]}))
    blind = _q(ts, configs[:1], store)
    assert set(blind.current) == {"trace_id", "input", "output", "reference", "metadata"}
    with pytest.raises(PermissionError, match="blind"):
        blind.feedback()
    open_q = _q(ts, configs[:1], store, blind=False)
    fb = open_q.current["feedback"]
    assert sorted(zip(fb["name"], fb["label"], strict=True)) == [("judge", "fail"), ("verdict", "pass")]
    # the queue's own annotator's labels are not "other feedback"
    open_q.record(label="fail")
    assert len(open_q.feedback()) == 2


def test_spans_marked_by_offsets_and_by_search(traces, configs, store):
    q = _q(traces, configs[:1], store)
    out = q.current["output"]
    s, e = q.find_span("Paris")
    assert out[s:e] == "Paris"
    q.mark_span(s, e, "hallucinated")
    with pytest.raises(ValueError, match="is not in the output"):
        q.find_span("Berlin")
    with pytest.raises(ValueError, match="non-empty passage"):
        q.mark_span(5, 500, "good")
    sf = store.spans_frame()
    assert sf.select("trace_id", "span_text", "label").rows() == [("t0", "Paris", "hallucinated")]
    assert q.my_spans()["span_text"].to_list() == ["Paris"]
    # a span mark does not count as labelling the trace
    assert q.progress_text == "0/5"


def test_rubric_version_is_stored(traces, configs, store):
    item = RubricItem("verdict", "Fail made-up facts.", negative_examples=("<b>x</b>",), version="7")
    q = _q(traces, configs[:1], store, rubric=[item])
    q.record(label="fail")
    assert store.history()["rubric_version"].to_list() == ["7"]
    with pytest.raises(ValueError, match="matches no config"):
        _q(traces, configs[:1], store, rubric=[RubricItem("tone", "Be nice.")])


def test_bad_arguments(traces, configs, store):
    with pytest.raises(ValueError, match="annotator must be"):
        _q(traces, configs, store, annotator=" ")
    with pytest.raises(ValueError, match="at least one FeedbackConfig"):
        _q(traces, [], store)
    with pytest.raises(ValueError, match="unique"):
        _q(traces, [configs[0], FeedbackConfig(name="verdict", kind="boolean")], store)
    with pytest.raises(TypeError, match="AnnotationStore"):
        _q(traces, configs, store=object())
    with pytest.raises(ValueError, match="no 'trace_id'"):
        _q([{"output": "x"}], configs, store)
    assert "progress=0/5" in repr(_q(traces, configs, store))
