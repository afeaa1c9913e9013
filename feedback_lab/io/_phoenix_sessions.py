"""Phoenix's sessions API -> span, trace and reject rows, for :mod:`feedback_lab.io._phoenix`.

What ``arize-phoenix-client``'s ``client.sessions`` and the REST API give, saved with
``json.dump`` (or the response body as is):

- **turns** (``client.sessions.get_session_turns(session_id=...)``, experimental): a list of
  ``{"trace_id", "start_time", "end_time", "input": {"value", "mime_type"}, "output": {...},
  "root_span": {...}}``, one per trace of the conversation; several conversations saved together
  as ``{session_id: turns}`` or as a list of turn lists. Each turn is a trace: its root span (a
  REST span, as ``GET /v1/projects/{p}/spans`` gives it) is a ``spans`` row, and the turn's
  input/output text is the trace's. A turn without its root span still gives its trace.
- **sessions** (``client.sessions.list(...)``, ``client.sessions.get(...)``,
  ``GET /v1/projects/{p}/sessions``, ``GET /v1/sessions/{id}``): ``{"id", "session_id",
  "project_id", "start_time", "end_time", "traces": [{"id", "trace_id", "start_time", "end_time"}],
  "token_count_*"}``. Each listed trace is a ``traces`` row of that session (its start and
  latency). A session holds no text, and a warning says so; read it with the spans export (the
  traces then take their session from it where the spans carry none).
- **session annotations** (``GET /v1/projects/{p}/session_annotations``): feedback on a whole
  conversation, not on a trace. A feedback row belongs to a trace, so each is a reject that keeps
  the annotation and says so; nothing of it is lost.
- **the sessions dataframe** (``client.sessions.get_sessions_dataframe(...)``: ``id, session_id,
  project_id, start_time, end_time, num_traces``): a count of traces, no trace ids, so each row is
  a reject that says what to save instead.
"""

from __future__ import annotations

import datetime as dt
import warnings
from pathlib import Path
from typing import Any

from feedback_lab.io._common import Rejects, to_utc
from feedback_lab.io._common import to_str as _str

__all__ = ["SESSIONS_FRAME_REASON", "is_sessions_frame", "is_sessions_head", "session_parts", "session_records"]

_MS = dt.timedelta(microseconds=1000)  # latency as the spans give it: whole microseconds / 1000
#: keys of spans and trace lists, which the sessions API's records never have at their top level
_NOT_SESSIONS = frozenset({"context", "span_id", "span_kind", "parent_id", "spans", "attributes"})
#: the columns of ``client.sessions.get_sessions_dataframe(...)``
_FRAME_COLUMNS = frozenset({"session_id", "project_id", "num_traces"})
SESSIONS_FRAME_REASON = (
    "a row of Phoenix's sessions dataframe (client.sessions.get_sessions_dataframe) counts the session's "
    "traces but does not name them: save client.sessions.list(project_name=...) or "
    "client.sessions.get_session_turns(session_id=...) with json.dump instead")


def is_sessions_head(head: bytes) -> bool:
    """Whether a JSON file's first bytes may be a sessions API response (checked in full by
    :func:`session_records`).

    Examples
    --------
    >>> is_sessions_head(b'[{"trace_id": "a1", "start_time": "2026-01-01T00:00:00Z", "root_span": {}}]')
    True
    >>> is_sessions_head(b'{"data": [{"session_id": "s1", "name": "resolved", "annotator_kind": "HUMAN"}]}')
    True
    """
    h = head.lstrip()
    if h[:1] not in (b"[", b"{"):
        return False
    return (b'"root_span"' in head or (b'"session_id"' in head and b'"traces"' in head)
            or (b'"session_id"' in head and b'"annotator_kind"' in head and b'"span_id"' not in head
                and b'"trace_id"' not in head))


def _kind(rec: Any) -> str | None:
    """``turn``, ``session`` or ``annotation`` for a record of the sessions API, else ``None``
    (fields Phoenix may add later do not matter; those of spans and trace lists do)."""
    if not isinstance(rec, dict):
        return None
    keys = set(rec)
    if keys & _NOT_SESSIONS:
        return None
    if isinstance(rec.get("trace_id"), str) and "start_time" in keys and (
            isinstance(rec.get("root_span"), dict) or isinstance(rec.get("input"), dict)
            or isinstance(rec.get("output"), dict)) and "project_id" not in keys:
        return "turn"
    if isinstance(rec.get("session_id"), str) and isinstance(rec.get("traces"), list) and "project_id" in keys:
        return "session"
    if isinstance(rec.get("session_id"), str) and "annotator_kind" in keys and "name" in keys and "trace_id" not in keys:
        return "annotation"
    return None


def session_records(path: Path, rejects: Rejects) -> list[tuple[int, str, dict]] | None:
    """``(line, kind, record)`` of a saved sessions API response, else ``None`` (a file of any
    other shape, read as spans or annotations). Records that do not parse are rejects."""
    from feedback_lab.io._phoenix_traces import api_head
    from feedback_lab.io._platform_common import json_records

    if not api_head(path, is_sessions_head):
        return None
    found = Rejects(rejects.format)
    recs = []
    for _, line, _raw, rec in json_records([path], found, envelopes=("data",)):
        if set(rec) <= {"data", "next_cursor"} and isinstance(rec.get("data"), dict):
            rec = rec["data"]  # GET /v1/sessions/{id}: {"data": {session}}
        recs.append((line, _kind(rec), rec))
    if not recs or any(k is None for _, k, _ in recs):
        # not records of the API: perhaps several conversations' turns saved together
        return _grouped_turns(path)
    rejects.rows.extend(found.rows)
    return recs


def _grouped_turns(path: Path) -> list[tuple[int, str, dict]] | None:
    """The turns of several conversations saved together: ``{session_id: turns}`` (the session is
    the key) or ``[turns, turns, ...]`` (``line``: the conversation's place in the list)."""
    import json

    from feedback_lab.io._common import open_bytes

    try:
        doc = json.loads(open_bytes(path))
    except (ValueError, RecursionError):
        return None
    groups = (list(doc.items()) if isinstance(doc, dict) else
              [(None, g) for g in doc] if isinstance(doc, list) else [])
    if not groups or not all(isinstance(g, list) and all(_kind(t) == "turn" for t in g) for _, g in groups):
        return None
    return [(k, "turn", t if session is None or t.get("session_id") else {**t, "session_id": session})
            for k, (session, turns) in enumerate(groups, start=1) for t in turns]


def session_parts(path: Path, records: list[tuple[int, str, dict]], rejects: Rejects):
    """``(flat frame of the turns' root spans or None, trace rows frame or None)`` of a sessions API
    file; annotations become rejects, and a warning names a file of sessions without text."""
    import polars as pl

    from feedback_lab.io._phoenix_load import flat_rows

    roots, rows, bare = [], [], 0
    for line, kind, rec in records:
        if kind == "annotation":
            name, session = rec.get("name"), rec.get("session_id")
            rejects.add(path, line, f"session annotation {name!r} is on the whole session {session!r}, not on a trace "
                                    "(a feedback row belongs to a trace); it is kept here in 'raw'", rec)
            continue
        items = [(rec, rec.get("session_id"))] if kind == "turn" else [
            (t, rec["session_id"]) for t in rec["traces"]]
        for t, session in items:
            if not isinstance(t, dict) or not _str(t.get("trace_id")):
                rejects.add(path, line, f"session {rec.get('session_id')!r}: a trace without trace_id", t)
                continue
            try:
                start, end = to_utc(t.get("start_time")), to_utc(t.get("end_time"))
            except ValueError as exc:
                rejects.add(path, line, f"trace {t['trace_id']}: {exc}", t)
                continue
            root = t.get("root_span") if kind == "turn" else None
            if isinstance(root, dict):
                roots.append((line, root))
                attrs = root.get("attributes")
                session = session or (_str(attrs.get("session.id")) if isinstance(attrs, dict) else None)
            bare += kind == "session"
            rows.append({"trace_id": _str(t["trace_id"]), "session_id": _str(session), "timestamp": start,
                         "latency_ms": (end - start) / _MS if start and end else None,
                         "input": _text(t.get("input")), "output": _text(t.get("output"))})
    if bare:
        warnings.warn(f"{path}: Phoenix's sessions list the ids and times of their traces only: the {bare} trace(s) "
                      "read from it have no input/output text, spans or annotations. Read it together with the spans "
                      "export (client.spans.get_spans_dataframe(...)), or save client.sessions.get_session_turns"
                      "(session_id=...) for each conversation's text.", UserWarning, stacklevel=4)
    flat = flat_rows(path, [root for _, root in roots], [line for line, _ in roots]) if roots else None
    traces = pl.DataFrame(rows, schema={"trace_id": pl.String, "session_id": pl.String,
                                        "timestamp": pl.Datetime("us", "UTC"), "latency_ms": pl.Float64,
                                        "input": pl.String, "output": pl.String}) if rows else None
    return flat, traces


def _text(io: Any) -> str | None:
    """The ``value`` of a turn's input/output (``{"value", "mime_type"}``)."""
    if isinstance(io, dict):
        return _str(io.get("value")) or None
    return _str(io) or None


def is_sessions_frame(columns) -> bool:
    """Whether a flat frame is Phoenix's sessions dataframe (no spans, no annotations)."""
    cols = set(columns)
    return _FRAME_COLUMNS <= cols and not any(c.startswith(("context.", "attributes.")) for c in cols)
