"""Phoenix loader on what Phoenix's sessions API gives (``client.sessions``, a real server).

``tests/data/io/real/phoenix_sessions`` was written by ``scripts/real_exports/phoenix_sessions_api.py``.
Expectations come from ``expected.json`` (the traces, ids and session annotations sent), not from
the loader.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import polars as pl
import pytest

import feedback_lab as fl

DATA = Path(__file__).parents[1] / "data" / "io" / "real" / "phoenix_sessions"
E = json.loads((DATA / "expected.json").read_text())
SENT = {i["trace"]: t for i, t in zip(E["ids"], E["traces"], strict=True)}
ROOTS = {i["trace"]: i["root"] for i in E["ids"]}


def _in_session(session: str) -> set[str]:
    return {tid for tid, t in SENT.items() if t["session"] == session}


@pytest.mark.parametrize(("name", "session"), [("session_turns.json", "sess-A"), ("session_turns_b.json", "sess-B")])
def test_session_turns_are_the_conversations_traces_with_their_text(name, session):
    assert fl.sniff_format(DATA / name) == "phoenix"
    ts = fl.read_traces(DATA / name)
    assert ts.rejects.height == 0
    assert set(ts.traces["trace_id"]) == _in_session(session)
    # each turn's root span is a span of its trace
    assert sorted(ts.spans["span_id"]) == sorted(ROOTS[t] for t in _in_session(session))
    for row in ts.traces.iter_rows(named=True):
        sent = SENT[row["trace_id"]]
        assert (row["input"], row["output"]) == (sent["question"], sent["answer"])
        assert (row["session_id"], row["user_id"]) == (session, sent["user"])
        assert row["timestamp"] is not None and row["latency_ms"] > 0
    assert ts.spans["kind"].to_list() == ["chain"] * ts.spans.height


@pytest.mark.parametrize("name", ["sessions_list.json", "rest_sessions.json"])
def test_sessions_give_their_traces_and_warn_there_is_no_text(name):
    assert fl.sniff_format(DATA / name) == "phoenix"
    with pytest.warns(UserWarning, match="ids and times of their traces only.*get_session_turns"):
        ts = fl.read_traces(DATA / name)
    assert ts.rejects.height == 0 and (ts.spans is None or ts.spans.height == 0)
    assert sorted(ts.traces["trace_id"]) == sorted(SENT)
    for row in ts.traces.iter_rows(named=True):
        assert row["session_id"] == SENT[row["trace_id"]]["session"]
        assert row["input"] is None and row["timestamp"] is not None and row["latency_ms"] > 0


def test_one_session():
    with pytest.warns(UserWarning, match="ids and times of their traces only"):
        ts = fl.read_traces(DATA / "session_get.json")
    assert set(ts.traces["trace_id"]) == _in_session("sess-A")
    assert set(ts.traces["session_id"]) == {"sess-A"}


def test_sessions_complete_the_trace_list_of_the_same_project(tmp_path):
    """The traces API names no session: read with the sessions, each trace gets its own."""
    for name in ("get_traces.json", "sessions_list.json"):
        shutil.copy(DATA / name, tmp_path / name)
    with pytest.warns(UserWarning):
        ts = fl.read_traces(tmp_path)
    assert ts.rejects.height == 0
    assert sorted(ts.traces["trace_id"]) == sorted(SENT)  # each trace once
    for row in ts.traces.iter_rows(named=True):
        sent = SENT[row["trace_id"]]
        assert row["session_id"] == sent["session"]
        assert (row["input_tokens"], row["output_tokens"]) == (sent["prompt"], sent["completion"])


def test_turns_and_the_sessions_list_read_together_keep_the_text(tmp_path):
    for name in ("session_turns.json", "session_turns_b.json", "sessions_list.json"):
        shutil.copy(DATA / name, tmp_path / name)
    with pytest.warns(UserWarning):
        ts = fl.read_traces(tmp_path)
    assert ts.rejects.height == 0 and sorted(ts.traces["trace_id"]) == sorted(SENT)
    got = {r["trace_id"]: (r["input"], r["session_id"]) for r in ts.traces.iter_rows(named=True)}
    assert got == {tid: (t["question"], t["session"]) for tid, t in SENT.items()}


def test_session_annotations_are_rejects_that_keep_the_annotation():
    """Feedback on a whole conversation has no trace: each annotation is a reject with its reason and
    the record itself, none is dropped and none is pinned to an arbitrary trace."""
    assert fl.sniff_format(DATA / "rest_session_annotations.json") == "phoenix"
    ts = fl.read_traces(DATA / "rest_session_annotations.json")
    assert ts.feedback is None or ts.feedback.height == 0
    assert ts.rejects.height == len(E["session_annotations"])
    assert ts.rejects["reason"].str.contains("on the whole session").all()
    kept = sorted((r["session_id"], r["name"], r["annotator_kind"], r["result"]["label"], r["result"]["score"],
                   r["result"]["explanation"]) for r in map(json.loads, ts.rejects["raw"]))
    assert kept == sorted(tuple(a) for a in E["session_annotations"])


def test_the_sessions_dataframe_names_no_trace_and_says_what_to_save():
    """``get_sessions_dataframe()`` has an ``id`` column (the session's): it must not pass for traces."""
    assert fl.sniff_format(DATA / "sessions_df.csv") == "phoenix"
    ts = fl.read_traces(DATA / "sessions_df.csv")
    assert ts.traces is None or ts.traces.height == 0
    assert ts.rejects.height == 2
    assert ts.rejects["reason"].str.contains("get_session_turns").all()
    assert ts.rejects["line"].to_list() == [1, 2]  # CSV rejects name the data row


def test_a_damaged_turn_is_a_reject_and_the_others_load(tmp_path):
    turns = json.loads((DATA / "session_turns.json").read_text())
    turns[1]["start_time"] = "not a time"
    p = tmp_path / "turns.json"
    p.write_text(json.dumps(turns))
    ts = fl.read_traces(p)
    assert ts.traces.height == 1 and ts.rejects.height == 1
    assert ts.rejects.row(0, named=True)["line"] == 2 and "not a time" in ts.rejects.row(0, named=True)["reason"]


def test_spans_files_are_not_taken_for_sessions():
    """The spans export and the trace list of the same kind of project keep their readers."""
    spans = Path(__file__).parents[1] / "data" / "io" / "real" / "phoenix" / "rest_spans.json"
    ts = fl.read_traces(spans)
    assert ts.spans.height > len(ts.traces) and ts.traces.filter(pl.col("input").is_not_null()).height


@pytest.mark.parametrize("keyed", [True, False])
def test_several_conversations_saved_together(tmp_path, keyed):
    """``{session_id: client.sessions.get_session_turns(session_id=...)}`` or a list of turn lists."""
    turns = {s: json.loads((DATA / f).read_text()) for s, f in (("sess-A", "session_turns.json"),
                                                                 ("sess-B", "session_turns_b.json"))}
    for ts_ in turns.values():  # the session must come from the key (or the root span) for each turn
        for t in ts_:
            t.get("root_span", {}).get("attributes", {}).pop("session.id", None)
    p = tmp_path / "turns.json"
    p.write_text(json.dumps(turns if keyed else list(turns.values())))
    assert fl.sniff_format(p) == "phoenix"
    ts = fl.read_traces(p)
    assert ts.rejects.height == 0 and sorted(ts.traces["trace_id"]) == sorted(SENT)
    got = {r["trace_id"]: (r["input"], r["session_id"]) for r in ts.traces.iter_rows(named=True)}
    assert got == {tid: (t["question"], t["session"] if keyed else None) for tid, t in SENT.items()}
