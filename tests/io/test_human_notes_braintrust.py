"""Braintrust ``classifications`` (labels from classifier functions) -> feedback rows.

The rows are written in the shape Braintrust stores and serves them: experiment/log events with a
top-level ``classifications`` field ``{"<classifier>": [{"id", "label"?, "confidence"?, "metadata"?,
"source"?}]}`` (braintrust-spec ``docs/telemetry/classifier.md``, "Classifications on Events" and
its example; ``docs/features/classifiers.md``: ``label`` optional, consumers fall back to ``id``),
logged on the eval's root span while the classifier's own span (``type: "classifier"``,
``purpose: "scorer"``) holds the same items as its ``output``; served by the REST fetch endpoint as
``{"events": [...]}``.
"""

from __future__ import annotations

import json

import polars as pl

import feedback_lab as fl

EXP = "e5c1a0f4-6a0b-4c55-9f6e-2f1f1b4b8f11"
ROOT = {
    "id": "row-root", "_xact_id": "1000193117554521", "created": "2025-03-01T10:00:00.000Z",
    "project_id": "p-1", "experiment_id": EXP, "span_id": "sp-root", "root_span_id": "sp-root", "span_parents": None,
    "span_attributes": {"name": "eval", "type": "eval"}, "input": "Hello!", "output": "Hi there!",
    "expected": "Hi there!", "scores": {"exact_match": 1}, "metadata": {},
    "metrics": {"start": 1740823200.0, "end": 1740823201.5},
    "classifications": {
        "category": [{"id": "greeting", "label": "Greeting", "confidence": 0.91}],
        "sentiment": [{"id": "positive", "label": "Positive"}, {"id": "enthusiastic"}],
    },
}
CLASSIFIER = {  # the classifier's own span: the same items as its output, no classifications field
    "id": "row-cls", "_xact_id": "1000193117554522", "created": "2025-03-01T10:00:01.000Z", "project_id": "p-1",
    "experiment_id": EXP, "span_id": "sp-cls", "root_span_id": "sp-root", "span_parents": ["sp-root"],
    "span_attributes": {"name": "category", "type": "classifier", "purpose": "scorer"},
    "input": {"input": "Hello!", "output": "Hi there!", "expected": "Hi there!"},
    "output": {"category": [{"id": "greeting", "label": "Greeting", "confidence": 0.91}]},
    "metrics": {"start": 1740823201.0, "end": 1740823201.2},
}
LOG = {  # a project-logs row labelled by online scoring: the platform sets ``source``
    "id": "row-log", "_xact_id": "1000193117554600", "created": "2025-03-01T11:00:00.000Z", "project_id": "p-1",
    "log_id": "g", "span_id": "sp-log", "root_span_id": "sp-log", "span_parents": None,
    "span_attributes": {"name": "chat", "type": "llm"}, "input": "Cancel my order", "output": "Done.",
    "metadata": {"model": "gpt-4o"}, "metrics": {"start": 1740826800.0, "end": 1740826801.0},
    "classifications": {"intent": [{"id": "cancel", "label": "Cancellation", "confidence": None,
                                    "metadata": {"rationale": "The user asks to cancel."},
                                    "source": {"type": "function", "id": "fn-intent-7"}}]},
}


def _fetch(tmp_path, events, name="fetch.json"):
    p = tmp_path / name
    p.write_text(json.dumps({"events": events}))
    return p


def test_classifications_become_feedback(tmp_path):
    ts = fl.read_traces(_fetch(tmp_path, [ROOT, CLASSIFIER, LOG]))
    assert len(ts.rejects) == 0
    labels = ts.feedback.filter(~pl.col("name").is_in(["exact_match"])).sort("trace_id", "name", "label")
    assert labels.select("trace_id", "span_id", "name", "label", "value", "annotator_kind", "annotator").rows() == [
        ("sp-log", "sp-log", "intent", "Cancellation", None, "llm", "fn-intent-7"),
        ("sp-root", "sp-root", "category", "Greeting", 0.91, "code", None),
        ("sp-root", "sp-root", "sentiment", "Positive", None, "code", None),
        ("sp-root", "sp-root", "sentiment", "enthusiastic", None, "code", None),  # no label: the id
    ]
    meta = [json.loads(m) for m in labels["metadata"]]
    assert [m["classification_id"] for m in meta] == ["cancel", "greeting", "positive", "enthusiastic"]
    assert meta[0]["source"] == {"type": "function", "id": "fn-intent-7"}
    assert str(labels["timestamp"][1]) == "2025-03-01 10:00:00+00:00"
    # the score is still read once, and the classifier span's output is not counted again
    assert ts.feedback.filter(pl.col("name") == "exact_match")["value"].to_list() == [1.0]
    assert len(ts.feedback) == 5


def test_bad_classifications_reject_the_row(tmp_path):
    bad = [{**ROOT, "classifications": [{"id": "greeting"}]},
           {**LOG, "id": "row-2", "span_id": "sp-2", "root_span_id": "sp-2",
            "classifications": {"intent": [{"label": "no id"}]}}]
    ts = fl.read_traces(_fetch(tmp_path, bad))
    assert ts.rejects["reason"].to_list() == [
        "classifications must be an object (classifier name -> list of items), got list",
        "classifications['intent'][0] must be an object with a non-empty string 'id', got {'label': 'no id'}"]
