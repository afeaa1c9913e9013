"""Fixtures for loader tests: a small canonical TraceSet exercising every frame.

Round-trip tests write it with a platform exporter (feedback_lab/sample_data/_export_<p>.py)
and read it back with ``fl.read_traces``; the columns a format carries must come back equal.
"""

from __future__ import annotations

import datetime as dt
import json

import polars as pl
import pytest

from feedback_lab.schema import TraceSet

T0 = dt.datetime(2026, 9, 7, 9, 0, tzinfo=dt.UTC)


def _small_traceset() -> TraceSet:
    n = 6
    ids = [f"tr-{i:03d}" for i in range(n)]
    ts = [T0 + dt.timedelta(hours=5 * i, seconds=i) for i in range(n)]
    traces = pl.DataFrame(
        {
            "trace_id": ids,
            "session_id": [f"sess-{i // 2}" for i in range(n)],
            "user_id": [f"user-{i % 3}" for i in range(n)],
            "timestamp": ts,
            "model": ["gpt-4o-mini", "claude-3-5-haiku"] * 3,
            "prompt_version": ["1.2.0"] * 4 + ["1.3.0"] * 2,
            "task": ["support", "extraction", "summary"] * 2,
            "input": [
                "How do I reset my password?",
                'Extract the invoice number from: "Invoice #4471, due 2026-10-01"',
                "Summarise: The quarterly report shows revenue up 4% and costs flat.",
                "¿Puedo cambiar mi plan a anual?",
                "What is the refund window for annual plans?",
                "Quote with \"double\" and 'single' quotes, a tab\there and a newline\nthere",
            ],
            "output": [
                "Go to Settings → Security and click “Reset password”.",
                '{"invoice_number": "4471"}',
                "Revenue rose 4% while costs stayed flat.",
                "Sí, puedes cambiar a un plan anual desde Facturación.",
                "I'm sorry, I can't help with that.",
                "Unicode ✓ emoji 🚀 and <b>html</b> stay as text",
            ],
            "reference": [None, '{"invoice_number": "4471"}', None, None, "Refunds within 30 days.", None],
            "latency_ms": [812.0, 1490.5, 960.0, 700.0, 455.0, 1200.0],
            "input_tokens": [42, 88, 120, 37, 30, 51],
            "output_tokens": [17, 9, 14, 16, 9, 12],
            "cost": [0.00021, 0.00042, 0.00051, 0.0002, 0.00013, 0.00031],
            "status": ["ok", "ok", "ok", "ok", "ok", "error"],
            "tags": [["prod"], ["prod", "json"], [], ["prod", "es"], ["prod"], ["edge"]],
            "metadata": [json.dumps({"region": "eu", "i": i}) for i in range(n)],
        }
    )
    spans_rows = []
    for i, tid in enumerate(ids):
        start = ts[i]
        end = start + dt.timedelta(milliseconds=traces["latency_ms"][i])
        spans_rows.append(
            {"span_id": f"{tid}-root", "trace_id": tid, "parent_id": None, "kind": "chain", "name": "assistant",
             "start": start, "end": end, "model": None, "input": traces["input"][i], "output": traces["output"][i],
             "input_tokens": None, "output_tokens": None, "status": traces["status"][i], "attributes": "{}"}
        )
        spans_rows.append(
            {"span_id": f"{tid}-llm", "trace_id": tid, "parent_id": f"{tid}-root", "kind": "llm", "name": "chat",
             "start": start + dt.timedelta(milliseconds=5), "end": end - dt.timedelta(milliseconds=5),
             "model": traces["model"][i], "input": traces["input"][i], "output": traces["output"][i],
             "input_tokens": traces["input_tokens"][i], "output_tokens": traces["output_tokens"][i],
             "status": traces["status"][i], "attributes": "{}"}
        )
    spans = pl.DataFrame(spans_rows, schema_overrides={"start": pl.Datetime("us", "UTC"), "end": pl.Datetime("us", "UTC")})
    fb = pl.DataFrame(
        {
            "trace_id": ["tr-000", "tr-001", "tr-002", "tr-004", "tr-004", "tr-004", "tr-003"],
            "name": ["thumbs", "rating", "correctness", "thumbs", "verdict", "verdict", "comment"],
            "value": [1.0, 4.0, 0.8, 0.0, 0.0, None, None],
            "label": [None, None, None, None, "fail", "fail", None],
            "comment": [None, "good extraction", None, "refused a normal question", None, "refusal", "respondió en español"],
            "annotator_kind": ["user", "user", "llm", "user", "human", "llm", "human"],
            "annotator": ["user-0", "user-1", "judge-gpt-4o", "user-1", "alice", "judge-gpt-4o", "bob"],
            "timestamp": [t + dt.timedelta(minutes=3) for t in [ts[0], ts[1], ts[2], ts[4], ts[4], ts[4], ts[3]]],
        }
    )
    events = pl.DataFrame(
        {
            "trace_id": ["tr-004", "tr-004", "tr-001", "tr-000"],
            "session_id": ["sess-2", "sess-2", "sess-0", "sess-0"],
            "event": ["regenerate", "abandon", "copy", "edit"],
            "timestamp": [ts[4] + dt.timedelta(seconds=20), ts[4] + dt.timedelta(seconds=60), ts[1] + dt.timedelta(seconds=9), ts[0] + dt.timedelta(seconds=30)],
            "payload": [None, None, None, "Go to Settings → Security → Reset password."],
        }
    )
    return TraceSet.from_frames(traces=traces, spans=spans, feedback=fb, events=events)


@pytest.fixture
def small_traceset() -> TraceSet:
    """Six traces over three tasks, two models, two prompt versions, with spans, feedback of every
    annotator kind, implicit events, unicode, quotes and an error status."""
    return _small_traceset()
