"""Langfuse comments (the team's notes on traces, observations, sessions, prompts) -> feedback.

Fixtures are written here in the exact shapes Langfuse serialises (MIT outside ``ee/``):

* comments API: ``fern/apis/server/definition/comments.yml`` (``GetCommentsResponse{data, meta}``,
  ``GET /comments/{commentId}`` -> ``commons.Comment``) and ``commons.yml`` ``Comment{id, projectId,
  createdAt, updatedAt, objectType, objectId, content, authorUserId?}``, ``CommentObjectType`` TRACE,
  OBSERVATION, SESSION, PROMPT; key order from ``toPublicComment`` in
  ``web/src/features/comments/server/publicCommentService.ts``; dates as ``Date.toJSON``;
* UI batch exports: ``worker/src/features/database-read-stream/getDatabaseReadStream.ts`` adds
  ``comments: fetchCommentsForExport(...)`` to every traces, observations and sessions row, each
  comment ``{id, content, author_user_id, created_at}`` (``fetchCommentsForExport.ts``); the CSV
  writer (``transformStreamToCsv.ts`` + ``stringify.ts``) pretty-prints that column with indent 2.
"""

from __future__ import annotations

import json
import warnings

import polars as pl
import pytest

import feedback_lab as fl

REAL = "tests/data/io/real/langfuse/v3_trace_get.json"  # traces trace-a (obs-a1..a3, session sess-1), trace-b


def _comment(cid, kind, obj, content, author, created="2025-03-01T10:05:00.000Z"):
    return {"id": cid, "projectId": "proj-1", "createdAt": created, "updatedAt": created, "objectType": kind,
            "objectId": obj, "content": content, "authorUserId": author}


COMMENTS = [
    _comment("cm-1", "TRACE", "trace-a", "Refund amount is wrong: **two** charges, not one.", "user-ann"),
    _comment("cm-2", "OBSERVATION", "obs-a3", "Invoice lookup timed out; the answer is a guess.", "user-bob",
             "2025-03-01T10:06:00.000Z"),
    _comment("cm-3", "SESSION", "sess-2", "Whole conversation went off the rails after turn 2.", "user-ann"),
    _comment("cm-4", "PROMPT", "prompt-billing-v3", "Ask for the invoice number first.", "user-bob"),
    _comment("cm-5", "TRACE", "trace-b", "Posted by our triage script.", None, "2025-03-01T10:07:00.000Z"),
]


def _page(items):
    """``GetCommentsResponse`` as ``JSON.stringify`` writes it."""
    meta = {"page": 1, "limit": 50, "totalItems": len(items), "totalPages": 1}
    return json.dumps({"data": items, "meta": meta}, separators=(",", ":"))


def _notes(ts):
    return ts.feedback.filter(pl.col("name") == "comment").sort("timestamp", "trace_id")


def test_comments_api_page_becomes_feedback_on_traces_and_spans(tmp_path):
    p = tmp_path / "comments.json"
    p.write_text(_page(COMMENTS))
    assert fl.sniff_format(p) == "langfuse"
    ts = fl.read_traces([REAL, p])
    notes = _notes(ts)
    assert notes.select("trace_id", "span_id", "comment", "annotator_kind", "annotator").rows() == [
        ("trace-a", None, COMMENTS[0]["content"], "human", "user-ann"),
        ("trace-a", "obs-a3", COMMENTS[1]["content"], "human", "user-bob"),  # obs-a3 belongs to trace-a
        ("trace-b", None, COMMENTS[4]["content"], "human", None),
    ]
    assert notes["value"].null_count() == 3 and notes["label"].null_count() == 3
    assert [json.loads(m)["comment_id"] for m in notes["metadata"]] == ["cm-1", "cm-2", "cm-5"]
    assert str(notes["timestamp"][1]) == "2025-03-01 10:06:00+00:00"
    # session and prompt comments have no trace: kept in rejects, with why and the text
    rej = ts.rejects.filter(pl.col("file") == str(p)).sort("line")
    assert rej["line"].to_list() == [3, 4]
    assert "session 'sess-2', not on a trace" in rej["reason"][0] and "session_id is 'sess-2'" in rej["reason"][0]
    assert "prompt 'prompt-billing-v3', not on a trace" in rej["reason"][1]
    assert json.loads(rej["raw"][0])["content"] == COMMENTS[2]["content"]
    # every record accounted for: 3 feedback rows + 2 rejects for the 5 comments
    assert len(notes) + len(rej) == len(COMMENTS)


def test_observation_comment_whose_observation_is_not_loaded(tmp_path):
    p = tmp_path / "comments.json"
    p.write_text(_page([COMMENTS[1]]))
    with pytest.warns(UserWarning, match="span_id whose span is not in this load"):
        ts = fl.read_traces(p)
    row = ts.feedback.row(0, named=True)
    assert (row["trace_id"], row["span_id"], row["comment"]) == ("obs-a3", "obs-a3", COMMENTS[1]["content"])
    assert json.loads(row["metadata"])["trace_id_from"] == "span_id"


def test_single_comment_by_id(tmp_path):
    p = tmp_path / "comment.json"  # GET /api/public/comments/{commentId}
    p.write_text(json.dumps(COMMENTS[0], separators=(",", ":")))
    assert fl.sniff_format(p) == "langfuse"
    ts = fl.read_traces(p)
    assert ts.feedback.select("trace_id", "name", "comment", "annotator").rows() == [
        ("trace-a", "comment", COMMENTS[0]["content"], "user-ann")]


def test_comment_without_text_is_a_reject(tmp_path):
    p = tmp_path / "comments.json"
    p.write_text(_page([{**COMMENTS[0], "content": ""}, COMMENTS[4]]))
    ts = fl.read_traces(p)
    assert ts.feedback["comment"].to_list() == [COMMENTS[4]["content"]]
    assert ts.rejects["reason"].to_list() == ["comment cm-1 has no text ('content' is '')"]


# --------------------------------------------------------------- UI batch exports, ``comments`` column
def _export_comment(cid, content, author, created):
    return {"id": cid, "content": content, "author_user_id": author, "created_at": created}


TRACE_ROW = {  # getDatabaseReadStream.ts, case "traces": the trace, its metrics, ``comments``, score columns
    "id": "tr-1", "timestamp": "2025-03-01T10:00:00.000Z", "name": "chat", "userId": "u-1", "sessionId": "s-1",
    "release": None, "version": None, "environment": "default", "tags": ["prod"], "bookmarked": False,
    "public": False, "input": '{"messages":[{"role":"user","content":"Where is my order?"}]}',
    "output": '{"role":"assistant","content":"It ships today."}', "metadata": {}, "latency": 1.2,
    "usage": {"promptTokens": 12, "completionTokens": 5, "totalTokens": 17}, "inputCost": None, "outputCost": None,
    "totalCost": None, "level": "DEFAULT", "errorCount": 0, "warningCount": 0, "defaultCount": 2, "debugCount": 0,
    "observationCount": 2, "inputTokens": 12, "outputTokens": 5, "totalTokens": 17,
    "comments": [_export_comment("cm-10", "Order was cancelled, not shipped.", "user-ann", "2025-03-01T10:08:00.000Z"),
                 _export_comment("cm-11", "Agreed — escalate to support.", "user-bob", "2025-03-01T10:09:30.000Z")],
    "helpfulness": [0],
}
OBS_ROW = {  # case "observations": the observation, trace fields, score columns, then ``comments``
    "id": "ob-2", "traceId": "tr-1", "projectId": "pr", "type": "GENERATION", "parentObservationId": None,
    "startTime": "2025-03-01T10:00:00.100Z", "endTime": "2025-03-01T10:00:01.200Z", "name": "openai",
    "input": [{"role": "user", "content": "Where is my order?"}], "output": {"role": "assistant", "content": "x"},
    "model": "gpt-4o", "level": "DEFAULT", "traceName": "chat", "traceTags": ["prod"],
    "traceTimestamp": "2025-03-01T10:00:00.000Z", "userId": "u-1", "helpfulness": None,
    "comments": [_export_comment("cm-12", "Model ignored the tool result.", "user-ann", "2025-03-01T10:10:00.000Z")],
}


def _json(v):
    return json.dumps(v, separators=(",", ":"), ensure_ascii=False)


def _csv(rows):
    """transformStreamToCsv with stringifyForCsv: strings as they are, ``comments`` as JSON with indent 2,
    anything else compact JSON; every field quoted."""
    def cell(key, v):
        v = "" if v is None else v
        text = v if isinstance(v, str) else json.dumps(v, indent=2 if key == "comments" else None,
                                                       separators=None if key == "comments" else (",", ":"),
                                                       ensure_ascii=False)
        return '"' + text.replace('"', '""') + '"'
    head = list(rows[0])
    return "\n".join([",".join(f'"{h}"' for h in head)] + [",".join(cell(h, r[h]) for h in head) for r in rows]) + "\n"


@pytest.mark.parametrize("fmt", ["json", "jsonl", "csv"])
def test_export_comments_column(tmp_path, fmt):
    paths = []
    for name, row in (("traces", TRACE_ROW), ("observations", OBS_ROW)):
        p = tmp_path / f"{name}.{fmt}"
        p.write_text({"json": "[" + _json(row) + "]", "jsonl": _json(row) + "\n", "csv": _csv([row])}[fmt])
        paths.append(p)
    if fmt == "csv":
        assert '"[\n  {\n    ""id"": ""cm-10"",' in paths[0].read_text()  # the pretty-printed column
    ts = fl.read_traces(paths)
    assert len(ts.rejects) == 0 and ts.traces["trace_id"].to_list() == ["tr-1"]
    notes = _notes(ts)
    assert notes.select("trace_id", "span_id", "comment", "annotator_kind", "annotator").rows() == [
        ("tr-1", None, "Order was cancelled, not shipped.", "human", "user-ann"),
        ("tr-1", None, "Agreed — escalate to support.", "human", "user-bob"),
        ("tr-1", "ob-2", "Model ignored the tool result.", "human", "user-ann"),
    ]
    assert [str(t) for t in notes["timestamp"]] == [
        "2025-03-01 10:08:00+00:00", "2025-03-01 10:09:30+00:00", "2025-03-01 10:10:00+00:00"]
    # the score column is still read as before
    assert ts.feedback.filter(pl.col("name") == "helpfulness")["value"].to_list() == [0.0]


def test_same_comment_from_api_and_export_counts_once(tmp_path):
    traces = tmp_path / "traces.jsonl"
    traces.write_text(_json(TRACE_ROW) + "\n")
    api = tmp_path / "comments.json"
    api.write_text(_page([_comment("cm-10", "TRACE", "tr-1", "Order was cancelled, not shipped.", "user-ann",
                                   "2025-03-01T10:08:00.000Z")]))
    ts = fl.read_traces([traces, api])
    assert _notes(ts)["comment"].to_list() == ["Order was cancelled, not shipped.", "Agreed — escalate to support."]
    assert ts.rejects["reason"].to_list() == [f"comment id cm-10 seen twice (first at {traces}:1); counted once"]


def test_unreadable_comments_column_keeps_the_trace(tmp_path):
    p = tmp_path / "traces.jsonl"
    row = {**TRACE_ROW, "comments": [{"id": "cm-20", "content": None, "author_user_id": "u", "created_at": None}, 7]}
    p.write_text(_json(row) + "\n")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ts = fl.read_traces(p)
    assert ts.traces["trace_id"].to_list() == ["tr-1"] and len(_notes(ts)) == 0
    assert sorted(ts.rejects["reason"].to_list()) == [
        "trace tr-1: a comment must be an object, got int",
        "trace tr-1: comment cm-20 has no text ('content' is None)"]


def test_sessions_export_row_names_its_comments(tmp_path):
    p = tmp_path / "sessions.jsonl"  # case "sessions": BatchExportSessionsRow + comments
    row = {"id": "s-1", "userIds": ["u-1"], "countTraces": 1, "sessionDuration": 1.2, "inputCost": "0",
           "outputCost": "0", "totalCost": "0", "totalTokens": 17, "traceTags": ["prod"],
           "createdAt": "2025-03-01T10:00:00.000Z", "bookmarked": False, "public": False, "totalCount": 1,
           "comments": [_export_comment("cm-30", "User gave up.", "user-ann", "2025-03-01T10:20:00.000Z")]}
    p.write_text(_json(row) + "\n")
    ts = fl.read_traces(p, format="langfuse")
    assert ts.feedback is None or len(ts.feedback) == 0
    (reason,) = ts.rejects["reason"].to_list()
    assert reason.endswith("its 1 comment(s) are kept here in 'raw'")
    assert json.loads(ts.rejects["raw"][0])["comments"][0]["content"] == "User gave up."
