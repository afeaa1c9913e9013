"""Span tree -> one trace row (feedback_lab/io/_spans.py::traces_from_spans), checked against a
direct, span-by-span Python reading of the rule in its docstring on random span trees."""

from __future__ import annotations

import datetime as dt

import polars as pl
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_lab.io._spans import traces_from_spans

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
ERROR = {"error", "failed", "failure"}


def reference(spans: list[dict], extras: tuple[str, ...]) -> list[dict]:
    """The rule, one trace at a time, in plain Python."""
    out = []
    for tid in dict.fromkeys(s["trace_id"] for s in spans):
        tr = [(i, s) for i, s in enumerate(spans) if s["trace_id"] == tid]
        ids = {s["span_id"] for _, s in tr}

        def when(s):
            return s["start"] if s["start"] is not None else s["end"]

        # start order; spans with neither start nor end last; ties in file order
        ordered = [s for i, s in sorted(tr, key=lambda p: (when(p[1]) is None, when(p[1]) or T0, p[0]))]
        roots = [s for s in ordered if s["parent_id"] is None or s["parent_id"] not in ids]
        llm = [s for s in ordered if s["kind"] == "llm"]
        llm_in = next((s["input"] for s in llm if s["input"] is not None), None)
        llm_out = next((s["output"] for s in reversed(llm) if s["output"] is not None), None)
        root_in = roots[0]["input"] if roots else None
        root_out = roots[0]["output"] if roots else None
        with_model = [s for s in llm if s["model"] is not None]
        best = max(with_model, key=lambda s: s["output_tokens"] if s["output_tokens"] is not None else -1,
                   default=None)  # max() keeps the first of ties
        starts = [when(s) for s in ordered if when(s) is not None]
        ends = [s["end"] for s in ordered if s["end"] is not None]
        ts = min(starts) if starts else None
        statuses = [s["status"] for s in ordered if s["status"] is not None]

        row = {
            "trace_id": tid, "timestamp": ts, "model": best["model"] if best else None,
            "input": root_in if root_in is not None else llm_in,
            "output": root_out if root_out is not None else llm_out,
            "latency_ms": (max(ends) - ts).total_seconds() * 1000 if ends and ts else None,
            "input_tokens": _sum(s["input_tokens"] for s in llm), "output_tokens": _sum(s["output_tokens"] for s in llm),
            "status": "error" if any(x.lower() in ERROR for x in statuses) else (statuses[0] if statuses else None),
        }
        for c in extras:
            if c == "cost":
                row[c] = _sum(s[c] for _, s in tr)
            else:
                row[c] = next((s[c] for s in [*roots, *ordered] if s[c] is not None), None)
        out.append(row)
    return out


def _sum(values):
    """Sum of the non-null values; None when there is none."""
    vals = [v for v in values if v is not None]
    return sum(vals) if vals else None


maybe_sec = st.one_of(st.none(), st.integers(0, 5))


@st.composite
def span_trees(draw):
    spans = []
    for t in range(draw(st.integers(1, 4))):
        n = draw(st.integers(1, 6))
        for k in range(n):
            start, length = draw(maybe_sec), draw(maybe_sec)
            end = None if start is None and length is None else (start or 0) + (length or 0)
            spans.append({
                "span_id": f"s{k}", "trace_id": f"t{t}",
                # no parent, a span of the trace (cycles included), or a span not in the export
                "parent_id": draw(st.sampled_from([None, "missing", *[f"s{j}" for j in range(n) if j != k]])),
                "kind": draw(st.sampled_from(["llm", "chain", "tool"])),
                "start": None if start is None else T0 + dt.timedelta(seconds=start),
                "end": None if end is None else T0 + dt.timedelta(seconds=end),
                "model": draw(st.sampled_from([None, "gpt-a", "gpt-b"])),
                "input": draw(st.sampled_from([None, "q1", "q2", "prompt"])),
                "output": draw(st.sampled_from([None, "a1", "a2"])),
                "input_tokens": draw(st.one_of(st.none(), st.integers(0, 50))),
                "output_tokens": draw(st.one_of(st.none(), st.integers(0, 3))),
                "status": draw(st.sampled_from([None, "ok", "error", "Failed", "unset"])),
                "session_id": draw(st.sampled_from([None, "sess-1", "sess-2"])),
                "cost": draw(st.one_of(st.none(), st.sampled_from([0.5, 1.25]))),
            })
    order = draw(st.permutations(range(len(spans))))  # file order is not tree order
    return [spans[i] for i in order]


SCHEMA = {"span_id": pl.String, "trace_id": pl.String, "parent_id": pl.String, "kind": pl.String,
          "start": pl.Datetime("us", "UTC"), "end": pl.Datetime("us", "UTC"), "model": pl.String,
          "input": pl.String, "output": pl.String, "input_tokens": pl.Int64, "output_tokens": pl.Int64,
          "status": pl.String, "session_id": pl.String, "cost": pl.Float64}


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(span_trees())
def test_matches_the_rule_span_by_span(spans):
    got = traces_from_spans(pl.DataFrame(spans, schema=SCHEMA), ("session_id", "cost")).to_dicts()
    assert got == reference(spans, ("session_id", "cost"))


def test_extras_absent_from_spans_are_skipped_and_empty_input_keeps_them():
    spans = pl.DataFrame({"span_id": ["a"], "trace_id": ["t"], "session_id": ["s"]})
    assert traces_from_spans(spans, ("session_id", "user_id")).columns[-1] == "session_id"
    empty = traces_from_spans(spans.clear(), ("session_id",))
    assert len(empty) == 0 and empty.columns[-1] == "session_id"
