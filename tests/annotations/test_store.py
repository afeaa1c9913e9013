"""AnnotationStore: entries, validation, history vs current view, canonical output, spans."""

from __future__ import annotations

import json

import pandas as pd
import polars as pl
import pytest

from feedback_lab.annotations import AnnotationStore
from feedback_lab.schema import FEEDBACK


def test_add_commits_one_row_with_every_field(store):
    eid = store.add(trace_id="t1", name="verdict", label="fail", comment="cites a fake policy",
                    annotator="ana", rubric_version="3", span_id="s9", metadata={"queue": "q1"})
    row = store.history().row(0, named=True)
    assert row["id"] == eid
    assert (row["trace_id"], row["name"], row["label"], row["comment"], row["annotator"]) == (
        "t1", "verdict", "fail", "cites a fake policy", "ana")
    assert row["rubric_version"] == "3" and row["span_id"] == "s9"
    assert json.loads(row["metadata"]) == {"queue": "q1"}
    assert str(row["timestamp"].tzinfo) == "UTC"
    # committed: a second, independent store object sees it at once
    assert len(AnnotationStore(store.path)) == 1


def test_relabel_keeps_history_and_latest_is_current(store):
    store.add(trace_id="t1", name="verdict", label="fail", annotator="ana")
    store.add(trace_id="t1", name="verdict", label="pass", annotator="bob")
    store.add(trace_id="t1", name="verdict", label="pass", annotator="ana")
    store.add(trace_id="t2", name="rating", value=2, annotator="ana")
    store.add(trace_id="t2", name="rating", value=4, annotator="ana")
    assert store.history()["label"].to_list()[:3] == ["fail", "pass", "pass"]
    assert len(store.history()) == 5
    cur = store.latest().sort("trace_id", "annotator")
    assert cur.select("trace_id", "name", "annotator", "label", "value").rows() == [
        ("t1", "verdict", "ana", "pass", None),
        ("t1", "verdict", "bob", "pass", None),
        ("t2", "rating", "ana", None, 4.0),
    ]
    assert store.latest(annotator="bob")["annotator"].to_list() == ["bob"]
    assert len(store.to_frame(latest=False)) == 5


def test_config_validation_rejects_and_stores_nothing(store, verdict, rating):
    with pytest.raises(ValueError, match=r"Invalid 'rating' annotation for trace 't1': out of range.*Nothing was stored"):
        store.add(trace_id="t1", name="rating", value=7, annotator="ana", config=rating)
    with pytest.raises(ValueError, match="unknown label"):
        store.add(trace_id="t1", name="verdict", label="maybe", annotator="ana", config=verdict)
    with pytest.raises(ValueError, match="does not match config"):
        store.add(trace_id="t1", name="other", label="pass", annotator="ana", config=verdict)
    assert len(store) == 0
    store.add(trace_id="t1", name="rating", value=5, annotator="ana", config=rating)
    assert len(store) == 1


def test_add_many_is_all_or_nothing(store, rating):
    good = {"trace_id": "t1", "name": "rating", "value": 3, "annotator": "ana", "config": rating}
    bad = {**good, "value": 9}
    with pytest.raises(ValueError):
        store.add_many([good, bad])
    assert len(store) == 0
    assert len(store.add_many([good, {**good, "trace_id": "t2"}])) == 2


@pytest.mark.parametrize(("kwargs", "err", "match"), [
    ({"trace_id": "", "name": "v", "annotator": "a"}, ValueError, "trace_id must be a non-empty"),
    ({"trace_id": "t", "name": "v", "annotator": None}, ValueError, "annotator is required"),
    ({"trace_id": 3, "name": "v", "annotator": "a"}, TypeError, "trace_id must be a string"),
    ({"trace_id": "t", "name": "v", "annotator": "a", "value": "high"}, TypeError, "must be a number"),
])
def test_bad_entries_say_what_is_wrong(store, kwargs, err, match):
    with pytest.raises(err, match=match):
        store.add(**kwargs)


def test_to_frame_is_canonical_feedback(store):
    store.add(trace_id="t1", name="verdict", label="fail", annotator="ana", rubric_version="2")
    store.add(trace_id="t1", name="rating", value=1, annotator="ana")
    store.add_span(trace_id="t1", name="span", start=0, end=3, text="abcdef", label="bad", annotator="ana")
    df = store.to_frame()
    assert isinstance(df, pl.DataFrame)
    assert df.columns[: len(FEEDBACK)] == list(FEEDBACK)
    assert df["annotator_kind"].to_list() == ["human", "human"]  # span marks are not feedback rows
    assert df.schema["timestamp"] == pl.Datetime("us", "UTC")
    meta = json.loads(df.filter(pl.col("name") == "verdict")["metadata"][0])
    assert meta["rubric_version"] == "2" and isinstance(meta["entry_id"], int)
    pdf = store.to_frame(backend="pandas")
    assert isinstance(pdf, pd.DataFrame) and list(pdf["name"]) == ["verdict", "rating"]


def test_empty_store_frames_have_columns(store):
    assert store.to_frame().columns[: len(FEEDBACK)] == list(FEEDBACK)
    assert len(store.latest()) == 0 and "span_text" in store.spans_frame().columns


def test_spans_checked_against_the_text(store):
    text = "Paris is the capital of Germany."
    start = text.index("Germany")
    store.add_span(trace_id="t1", name="span", start=start, end=start + 7, text=text,
                   label="hallucinated", annotator="ana")
    for s, e in [(-1, 3), (5, 5), (10, 4), (0, len(text) + 1)]:
        with pytest.raises(ValueError, match="do not select a non-empty passage"):
            store.add_span(trace_id="t1", name="span", start=s, end=e, text=text, annotator="ana")
    with pytest.raises(TypeError, match="integer character offset"):
        store.add_span(trace_id="t1", name="span", start=1.5, end=3, text=text, annotator="ana")
    # re-marking the same passage: history keeps both, spans_frame shows the last label
    store.add_span(trace_id="t1", name="span", start=start, end=start + 7, text=text,
                   label="good", annotator="ana")
    sf = store.spans_frame()
    assert sf.select("span_start", "span_end", "span_text", "label").rows() == [(start, start + 7, "Germany", "good")]
    assert len(store.spans_frame(latest=False)) == 2
    assert json.loads(sf["metadata"][0])["source"] == "output"


def test_progress_per_annotator(store):
    ids = [f"t{i}" for i in range(5)]
    for t in ids[:3]:
        store.add(trace_id=t, name="verdict", label="pass", annotator="ana")
    store.add(trace_id="t4", name="verdict", label="pass", annotator="bob")
    store.add(trace_id="t4", name="other", label="x", annotator="ana")
    assert store.progress("ana", ids, names=["verdict"])["text"] == "3/5"
    assert store.progress("ana", ids)["remaining"] == ["t3"]
    assert store.progress("bob", ids, names=["verdict"])["remaining"] == ["t0", "t1", "t2", "t3"]
    assert store.progress("carl", [*ids, "t0"])["total"] == 5  # duplicates count once


def test_store_path_errors(tmp_path):
    with pytest.raises(IsADirectoryError, match="is a folder"):
        AnnotationStore(tmp_path)
    with pytest.raises(ValueError, match="synchronous"):
        AnnotationStore(tmp_path / "x.db", synchronous="OFF")
    s = AnnotationStore(tmp_path / "deep" / "er" / "x.db")
    assert s.path.exists() and "entries=0" in repr(s)
