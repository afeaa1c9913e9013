"""Langfuse comments -> ``name="comment"`` feedback rows (for :mod:`feedback_lab.io._langfuse`).

Langfuse comments are the notes a team writes on a trace, an observation, a session or a prompt.
They arrive in two shapes:

* comment records, from the public API (``GET /api/public/comments`` pages and
  ``GET /api/public/comments/{id}``): ``{id, projectId, createdAt, updatedAt, objectType, objectId,
  content, authorUserId}`` with ``objectType`` one of ``TRACE``, ``OBSERVATION``, ``SESSION``,
  ``PROMPT`` (``fern/apis/server/definition/comments.yml`` and ``commons.yml`` ``Comment``;
  ``web/src/features/public-api/types/comments.ts``);
* the ``comments`` column of the UI's traces, observations and sessions batch exports: a list of
  ``{id, content, author_user_id, created_at}`` in creation order (``fetchCommentsForExport.ts`` in
  ``worker/src/features/database-read-stream``); CSV writes it as pretty-printed JSON text.

A comment on a trace becomes feedback on that trace; one on an observation becomes feedback on
that span, its trace found through the observations of the same load (else the span id stands in
for the trace id, with ``metadata.trace_id_from = "span_id"`` and a warning, as for other span-level
feedback). Comments on a session or a prompt have no trace: they go to ``rejects`` with a reason
that says so (their text stays in ``raw``), as session scores do, rather than being copied onto
every trace of the session (that would count one note once per turn). Langfuse comments are the
team's notes (a UI comment is signed by the member who wrote it; the API takes an optional
``authorUserId`` that must be a member of the organisation), so every comment is ``human``
feedback with ``annotator`` the author's user id.
"""

from __future__ import annotations

import json
from typing import Any

from feedback_lab.io._common import loads_deep, to_utc
from feedback_lab.io._langfuse_records import field_of

__all__ = ["OBJECT_TYPES", "comment_row", "embedded_comments", "is_comment", "observation_traces"]

#: ``CommentObjectType`` (``commons.yml``)
OBJECT_TYPES = ("TRACE", "OBSERVATION", "SESSION", "PROMPT")


def is_comment(rec: dict) -> bool:
    """A comment record of the public API: an ``objectType`` Langfuse comments take, an ``objectId``
    and a ``content`` key (annotation-queue items also name an object but hold no ``content``)."""
    kind = field_of(rec, "objectType")
    return (isinstance(kind, str) and kind.upper() in OBJECT_TYPES and field_of(rec, "objectId") is not None
            and "content" in rec)


def comment_row(rec: dict) -> tuple[dict | None, str | None]:
    """``(row, None)`` for a comment record on a trace or an observation, else ``(None, reason)``."""
    kind, obj, cid = str(field_of(rec, "objectType")).upper(), str(field_of(rec, "objectId")), field_of(rec, "id")
    if kind in ("SESSION", "PROMPT"):
        what = "session" if kind == "SESSION" else "prompt"
        hint = ("match it to the traces whose session_id is " + repr(obj) if kind == "SESSION"
                else "it is about the prompt, not about an answer")
        return None, (f"comment {cid} is on {what} {obj!r}, not on a trace (feedback rows belong to traces; its text "
                      f"is kept here in 'raw': {hint})")
    row, why = _row(rec, cid, kind, obj)
    if row is not None:
        row["_updated"] = to_utc(field_of(rec, "updatedAt")) or row["timestamp"]
    return row, why


def embedded_comments(value: Any, tid: str, span_id: str | None) -> tuple[list[dict], list[tuple[str, Any]]]:
    """Rows from the ``comments`` column of a traces or observations export row, and ``(reason, raw)``
    for the entries that cannot be read."""
    items = loads_deep(value)
    if items is None or items == []:
        return [], []
    owner = f"observation {span_id}" if span_id else f"trace {tid}"
    if not isinstance(items, list):
        return [], [(f"{owner}: 'comments' must be a list of comments, got {type(items).__name__}", value)]
    rows, bad = [], []
    for item in items:
        if not isinstance(item, dict):
            bad.append((f"{owner}: a comment must be an object, got {type(item).__name__}", item))
            continue
        kind = "OBSERVATION" if span_id else "TRACE"
        row, why = _row(item, field_of(item, "id"), kind, span_id or tid)
        if row is None:
            bad.append((f"{owner}: {why}", item))
        else:
            row["trace_id"] = tid
            rows.append(row)
    return rows, bad


def _row(rec: dict, cid: Any, kind: str, obj: str) -> tuple[dict | None, str | None]:
    """A feedback row for one comment (API record or export entry: ``authorUserId``/``author_user_id``,
    ``createdAt``/``created_at``), or ``(None, reason)``."""
    text = rec.get("content")
    if not isinstance(text, str) or not text.strip():
        return None, f"comment {cid} has no text ('content' is {text!r})"
    try:
        ts = to_utc(field_of(rec, "createdAt"))
    except ValueError as exc:
        return None, f"comment {cid}: {exc}"
    author = field_of(rec, "authorUserId")
    meta = {"comment_id": cid, "object_type": kind}
    return {"trace_id": obj if kind == "TRACE" else None, "name": "comment", "value": None, "label": None,
            "comment": text, "annotator_kind": "human", "annotator": None if author is None else str(author),
            "timestamp": ts, "span_id": obj if kind == "OBSERVATION" else None,
            "metadata": json.dumps({k: v for k, v in meta.items() if v is not None}, ensure_ascii=False, default=str),
            "_updated": None, "_comment_id": None if cid is None else str(cid)}, None


def observation_traces(fb, spans):
    """``trace_id`` of the comments made on an observation, from the spans of the same load
    (:func:`~feedback_lab.io._platform_frames.resolve_span_feedback`)."""
    import polars as pl

    from feedback_lab.io._platform_frames import resolve_span_feedback

    fb = fb.with_row_index("_pos")
    todo = pl.col("trace_id").is_null() & pl.col("span_id").is_not_null()
    known = spans if spans is not None else pl.DataFrame(schema={"span_id": pl.String, "trace_id": pl.String})
    done = resolve_span_feedback(fb.filter(todo), known, "langfuse")
    return pl.concat([fb.filter(~todo), done], how="diagonal_relaxed").sort("_pos").drop("_pos")
