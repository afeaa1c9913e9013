"""Langfuse exports: traces, observations and scores -> canonical frames.

Reads every shape Langfuse hands out, in JSON, JSONL, CSV or Parquet, camelCase or snake_case keys:

* ``{"trace": {...}, "observations": [...]}`` (the trace export / ``download_traces``), or a list of them;
* a session with its traces (``GET /api/public/sessions/{id}``);
* public API pages ``{"data": [...], "meta": {...}}`` of traces (with nested ``observations`` and
  ``scores`` objects), observations (v1, v2) or scores (v1-v3; a v3 score names its trace in
  ``subject{kind, id, traceId}`` and holds a categorical/text value in ``value``);
* batch exports (UI / blob storage): one trace, observation or score per record; the UI's CSV
  writes dates (and, in older exports, every value) as JSON string literals, which are unquoted.
  Blob storage writes ``<project>/<table>/<time>.<parquet|jsonl|csv|json>[.gz]`` (``read_traces(folder,
  recursive=True)``) for ``traces``, ``observations``, ``scores`` and ``observations_v2`` (v4 events:
  observations with their trace's user, session, tags, name); Parquet, the default, is read row by
  row like its JSONL. An observation in both observation tables is read once (the copy: a reject).
  The UI's traces/observations exports carry one column per score name (the list of values):
  those become feedback rows (``annotator_kind`` null) unless a score record of the same trace
  and name is read in the same call (a batch export's files are read together).

Comments (``GET /api/public/comments`` records, and the exports' ``comments`` column) become
``name="comment"`` feedback by a human on their trace or observation; comments on a session or a
prompt go to ``rejects`` with the reason (:mod:`feedback_lab.io._langfuse_comments`).

What one record yields (the accounting rule): a trace -> one ``traces`` row; an observation ->
one ``spans`` row; a score or a comment -> one ``feedback`` row (``source`` ANNOTATION -> human, API -> user,
EVAL -> llm; ``CORRECTION`` scores -> a row named ``correction`` whose ``comment`` is the
corrected output). A record that cannot be read goes to ``rejects``. The same observation listed
twice in one bundle (``trace.observations`` and the top-level list) counts once; a score id seen
twice keeps the last update (Langfuse is last-write-wins) and the superseded copy goes to
``rejects``. Traces whose observations came without a trace record get a row derived from the
span tree (user, tags and name from the observation export's ``userId``, ``traceTags``,
``traceName``). Token counts are Langfuse's own: ``inputUsage``/``outputUsage``, else all
``usageDetails`` keys starting with ``input``/``output``. Trace input/output become readable text (:func:`feedback_lab.io._messages.to_text`);
the full payloads stay in ``spans``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feedback_lab.io._common import Rejects, loads_deep, to_utc
from feedback_lab.io._common import to_float as _num
from feedback_lab.io._common import to_int as _int
from feedback_lab.io._common import to_str as _str
from feedback_lab.io._langfuse_comments import (
    comment_row,
    embedded_comments,
    is_comment,
    observation_traces,
)
from feedback_lab.io._langfuse_records import (
    KNOWN_SNAKE,
    SOURCE_KIND,
    api_error,
    field_of,
    first_of,
    record_kind,
    records_of,
    snake_case,
    sniff,
    tag_list,
    token_usage,
)
from feedback_lab.io._messages import to_json_text, to_text
from feedback_lab.io._platform_frames import fill_from_spans
from feedback_lab.io._registry import Format
from feedback_lab.io._spans import normalize_kind, traces_from_spans

__all__ = ["FORMAT", "read_langfuse"]


def read_langfuse(paths, **options: Any) -> dict[str, Any]:
    """Read Langfuse exports (see module docstring); used through ``read_traces``."""
    if options:
        raise TypeError(f"format 'langfuse' takes no options, got {sorted(options)}.")
    c = _Collector()
    for p in paths:
        path = Path(p)
        for line, raw, rec, err in records_of(path, c.rejects):
            if err:
                c.rejects.add(path, line, err, raw)
            elif not isinstance(rec, dict):
                c.rejects.add(path, line, f"expected a JSON object, got {type(rec).__name__}", raw)
            else:
                c.add(rec, path, line, raw)
    return c.frames()


def _is_session(rec: dict) -> bool:
    """A session of the public API (``{"id", "createdAt", "projectId", "environment"}``, with
    ``traces`` from ``GET /sessions/{id}``)."""
    keys = set(rec)
    return isinstance(rec.get("id"), str) and keys <= {"id", "createdAt", "created_at", "projectId", "project_id",
                                                       "environment", "traces"} and (
        "traces" in keys or ({"createdAt", "projectId"} <= keys or {"created_at", "project_id"} <= keys))


#: field groups of Langfuse's v2 observations API (and the blob export) that a call may leave out
#: (``fields``; default ``core,basic``), with the keys that show a record has them
_GROUPS = {
    "input/output": ("input", "output"),
    "model": ("model", "providedModelName", "provided_model_name"),
    "token usage": ("usageDetails", "usage_details", "usage", "inputUsage", "input_usage", "promptTokens",
                    "prompt_tokens", "totalCost", "total_cost", "calculatedTotalCost", "costDetails", "cost_details"),
}


class _Collector:
    def __init__(self) -> None:
        self.rejects = Rejects("langfuse")
        self.traces: list[dict] = []
        self.spans: dict[tuple[str, str], dict] = {}
        self.scores: dict[str, int] = {}  # score id -> its row's position in self.feedback
        self.feedback: list[dict] = []
        self.column_scores: list[dict] = []
        self.comments: list[dict] = []
        self.comment_seen: dict[str, str] = {}
        #: per file read: its observations' count and the field groups any of them carried
        self.obs_groups: dict[str, tuple[int, set[str]]] = {}

    # ------------------------------------------------------------ dispatch
    def add(self, rec: dict, path: Path, line: int, raw: str) -> None:
        if isinstance(rec.get("trace"), dict):
            trace = rec["trace"]
            obs = rec.get("observations")
            if not isinstance(obs, list) or not obs:
                obs = trace.get("observations") if isinstance(trace.get("observations"), list) else []
            self._trace(trace, path, line, raw)
            seen: set[str] = set()
            for o in obs:
                if isinstance(o, dict) and o.get("id") not in seen:
                    seen.add(o.get("id"))
                    self._observation(o, path, line, default_trace=field_of(trace, "id"))
            for key in ("scores", "corrections"):
                for s in list(rec.get(key) or []) + list(trace.get(key) or []):
                    if isinstance(s, dict):
                        self._score(s, path, line, default_trace=field_of(trace, "id"))
            return
        if _is_session(rec):  # GET /sessions/{id}: a session and its traces
            traces = rec.get("traces")
            if not isinstance(traces, list):
                self.rejects.add(path, line, f"session {rec.get('id')} without its traces (the sessions list gives "
                                             "none: get each session, GET /api/public/sessions/{id})", raw)
            for t in traces or []:
                if isinstance(t, dict):
                    self.add(t if field_of(t, "sessionId") else {**t, "sessionId": rec["id"]}, path, line, raw)
            return
        if is_comment(rec):
            row, why = comment_row(rec)
            if row is None:
                self.rejects.add(path, line, why, raw)
            else:
                self._add_comment(row, rec, path, line)
            return
        kind = record_kind(rec)
        if kind == "observation":
            self._observation(rec, path, line)
        elif kind == "score":
            self._score(rec, path, line)
        elif kind == "trace":
            self._trace(rec, path, line, raw)
            for o in rec.get("observations") or []:
                if isinstance(o, dict):
                    self._observation(o, path, line, default_trace=field_of(rec, "id"))
            for s in rec.get("scores") or []:
                if isinstance(s, dict):
                    self._score(s, path, line, default_trace=field_of(rec, "id"))
        elif (why := api_error(rec)) is not None:  # ``langfuse api ...`` printed the error body of a failed call
            self.rejects.add(path, line, f"an API error response, not a record: {why} (run the command again once "
                                         "it succeeds)", raw)
        else:
            keys = sorted(rec)[:12]
            notes = loads_deep(rec.get("comments"))
            held = f"; its {len(notes)} comment(s) are kept here in 'raw'" if isinstance(notes, list) and notes else ""
            self.rejects.add(path, line, f"not a Langfuse trace, observation, score or comment (keys {keys}){held}", raw)

    # ------------------------------------------------------------ records
    def _trace(self, t: dict, path, line, raw) -> None:
        tid = field_of(t, "id", "traceId")
        if tid is None or isinstance(tid, (dict, list)):
            self.rejects.add(path, line, "missing trace id ('id')", raw)
            return
        try:
            ts = to_utc(field_of(t, "timestamp"))
            latency = _num(field_of(t, "latency"))
            cost = _num(field_of(t, "totalCost", "calculatedTotalCost"))
            usage = loads_deep(field_of(t, "usage"))
            usage = usage if isinstance(usage, dict) else {}
            tin = _int(first_of(field_of(t, "inputTokens"), field_of(usage, "promptTokens")))
            tout = _int(first_of(field_of(t, "outputTokens"), field_of(usage, "completionTokens")))
        except ValueError as exc:
            self.rejects.add(path, line, f"trace {tid}: {exc}", raw)
            return
        meta = loads_deep(field_of(t, "metadata"))
        meta = dict(meta) if isinstance(meta, dict) else ({} if meta is None else {"metadata": meta})
        moved = {k: meta.pop(k) for k in ("prompt_version", "reference", "expected_output") if k in meta}
        for key in ("release", "version", "environment"):
            if field_of(t, key) not in (None, "default") and key not in meta:
                meta[key] = field_of(t, key)
        tags = tag_list(field_of(t, "tags"))
        self.traces.append({
            "trace_id": str(tid), "session_id": _str(field_of(t, "sessionId")), "user_id": _str(field_of(t, "userId")),
            "timestamp": ts, "task": _str(meta.get("task") or field_of(t, "name")),
            "prompt_version": _str(moved.get("prompt_version")),
            "input": to_text(field_of(t, "input"), "input"), "output": to_text(field_of(t, "output"), "output"),
            "reference": _str(moved.get("reference") or moved.get("expected_output")),
            "latency_ms": None if latency is None else round(latency * 1000.0, 6), "cost": cost,
            "input_tokens": tin, "output_tokens": tout,
            "tags": tags,
            "metadata": json.dumps(meta, ensure_ascii=False, default=str) if meta else None,
            "source": "langfuse", "_line": line, "_file": str(path),
        })
        self._score_columns(t, str(tid), None, ts, path, line)
        self._comments_column(t, str(tid), None, path, line)

    def _observation(self, o: dict, path, line, default_trace=None) -> None:
        oid, tid = field_of(o, "id"), field_of(o, "traceId") or default_trace
        raw = o
        if oid is None or tid is None:
            self.rejects.add(path, line, f"observation without {'id' if oid is None else 'traceId'}", raw)
            return
        key = (str(tid), str(oid))
        if key in self.spans:
            first = self.spans[key]
            # a blob export of both sources writes every observation to both tables
            both = {Path(first["_file"]).parent.name, Path(path).parent.name} == {"observations", "observations_v2"}
            hint = ("; the blob export lists every observation in both the 'observations' and the "
                    "'observations_v2' tables: read one of the two folders to load each once") if both else ""
            self.rejects.add(path, line, f"duplicate observation id {oid} (first read from {first['_file']} "
                                         f"line {first['_line']}){hint}", raw)
            return
        n, groups = self.obs_groups.get(str(path), (0, set()))
        self.obs_groups[str(path)] = (n + 1, groups | {g for g, keys in _GROUPS.items() if any(k in o for k in keys)})
        try:
            start, end = to_utc(field_of(o, "startTime")), to_utc(field_of(o, "endTime"))
            tin, tout = token_usage(o)
            cost = _num(field_of(o, "totalCost", "calculatedTotalCost"))
        except ValueError as exc:
            self.rejects.add(path, line, f"observation {oid}: {exc}", raw)
            return
        level = _str(field_of(o, "level"))
        attrs = {k: loads_deep(field_of(o, k)) for k in ("type", "level", "statusMessage", "metadata", "modelParameters",
                                                   "usageDetails", "costDetails", "promptName", "promptVersion",
                                                   "completionStartTime", "version", "environment")}
        attrs["totalCost"] = cost
        self.spans[key] = {
            "span_id": str(oid), "trace_id": str(tid), "parent_id": _str(field_of(o, "parentObservationId")),
            "kind": normalize_kind(field_of(o, "type")), "name": _str(field_of(o, "name")), "start": start, "end": end,
            "model": _str(field_of(o, "model", "providedModelName")), "input": to_json_text(field_of(o, "input")),
            "output": to_json_text(field_of(o, "output")), "input_tokens": tin, "output_tokens": tout,
            "status": "error" if (level or "").upper() == "ERROR" else "ok",
            "attributes": json.dumps({k: v for k, v in attrs.items() if v is not None}, ensure_ascii=False, default=str),
            "_cost": cost, "_prompt_version": _str(field_of(o, "promptVersion")), "_line": line,
            "_file": str(path), "_user_id": _str(field_of(o, "userId")), "_session_id": _str(field_of(o, "sessionId")), "_task": _str(field_of(o, "traceName")),
            # the trace's tags: traceTags in the observation exports, tags in the events table's (trace context)
            "_tags": tag_list(field_of(o, "traceTags", "tags")),
        }
        self._score_columns(o, str(tid), str(oid), to_utc(field_of(o, "traceTimestamp")) or start, path, line)
        self._comments_column(o, str(tid), str(oid), path, line)

    def _score(self, s: dict, path, line, default_trace=None) -> None:
        raw = s
        s = _with_subject(s)
        tid, name = field_of(s, "traceId") or default_trace, field_of(s, "name")
        if tid is None or name is None:
            why = f"score without {'traceId' if tid is None else 'name'}"
            if tid is None and (field_of(s, "sessionId") or field_of(s, "datasetRunId")):
                what = "session " + str(field_of(s, "sessionId")) if field_of(s, "sessionId") else "dataset run " + str(field_of(s, "datasetRunId"))
                why = f"score {name!r} is on {what}, not on a trace (feedback rows belong to traces)"
            elif tid is None and name is not None and "subject" not in raw:
                why += " (the v3 scores API names the trace in 'subject', sent only with fields='subject')"
            self.rejects.add(path, line, why, raw)
            return
        dtype = str(field_of(s, "dataType") or "").upper()
        source = str(field_of(s, "source") or "").upper()
        raw_value, label = field_of(s, "value"), _str(field_of(s, "stringValue"))
        # v3 scores API: a CATEGORICAL/TEXT/CORRECTION score's string is ``value``, a BOOLEAN's is true/false
        text_value = label is None and isinstance(raw_value, str) and dtype in ("CATEGORICAL", "TEXT", "CORRECTION")
        if text_value:
            label = raw_value
        try:
            value = float(raw_value) if isinstance(raw_value, bool) else None if text_value else _num(raw_value)
            ts = to_utc(field_of(s, "timestamp", "createdAt"))
            updated = to_utc(field_of(s, "updatedAt")) or ts
        except ValueError as exc:
            self.rejects.add(path, line, f"score {name}: {exc}", raw)
            return
        comment = _str(field_of(s, "comment"))
        meta = {"data_type": dtype or None, "source": source or None, "score_id": field_of(s, "id"),
                "config_id": field_of(s, "configId"), "queue_id": field_of(s, "queueId"), "environment": field_of(s, "environment")}
        extra = loads_deep(field_of(s, "metadata"))
        if extra:
            meta["metadata"] = extra
        if dtype == "CORRECTION":
            meta["score_name"] = name
            name, comment, label = "correction", _str(field_of(s, "longStringValue")) or label, None
            value = None
        elif dtype == "BOOLEAN" and label is None and value is not None:
            label = "True" if value else "False"
        elif dtype == "TEXT":
            comment, label = comment or label, None
        kind = SOURCE_KIND.get(source)
        if isinstance(extra, dict) and str(extra.get("annotator_kind")) in ("user", "human", "llm", "code"):
            kind = extra["annotator_kind"]
        row = {"trace_id": str(tid), "name": str(name), "value": value, "label": label, "comment": comment,
               "annotator_kind": kind, "annotator": _str(field_of(s, "authorUserName", "authorUserId", "configId")),
               "timestamp": ts, "span_id": _str(field_of(s, "observationId")),
               "metadata": json.dumps({k: v for k, v in meta.items() if v is not None}, ensure_ascii=False, default=str),
               "_updated": updated, "_line": line, "_file": str(path)}
        sid = field_of(s, "id")
        if sid is not None and str(sid) in self.scores:
            at = self.scores[str(sid)]
            old = self.feedback[at]
            newer = (row["_updated"] or ts) and (old["_updated"] is None or row["_updated"] > old["_updated"])
            loser = old if newer else row
            self.rejects.add(loser["_file"], loser["_line"], f"score id {sid} seen twice; kept the last update (last write wins)",
                             {k: v for k, v in loser.items() if not k.startswith("_")})
            if newer:
                self.feedback[at] = row
            return
        if sid is not None:
            self.scores[str(sid)] = len(self.feedback)
        self.feedback.append(row)

    def _score_columns(self, rec: dict, tid: str, span_id: str | None, ts, path, line: int) -> None:
        """Feedback rows from the score columns of the UI's traces/observations export: one column per
        score name holding the list of values (``getChunkWithFlattenedScores`` in Langfuse's
        ``worker/src/features/database-read-stream/getDatabaseReadStream.ts``)."""
        for key, val in rec.items():
            if snake_case(key) in KNOWN_SNAKE or val is None:
                continue
            vals = loads_deep(val)
            if not isinstance(vals, list) or not vals or not all(
                    isinstance(v, str) or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in vals):
                continue
            meta = json.dumps({"from": "score column of the export", "timestamp_of": "trace" if span_id is None
                               else "observation"})
            for v in vals:
                num = isinstance(v, (int, float))
                self.column_scores.append({
                    "trace_id": tid, "name": str(key), "value": float(v) if num else None, "label": None if num else v,
                    "comment": None, "annotator_kind": None, "annotator": None, "timestamp": ts, "span_id": span_id,
                    "metadata": meta, "_updated": None, "_line": line, "_file": str(path)})

    def _comments_column(self, rec: dict, tid: str, span_id: str | None, path, line: int) -> None:
        """Comments of the UI export's ``comments`` column (see :mod:`feedback_lab.io._langfuse_comments`)."""
        rows, bad = embedded_comments(field_of(rec, "comments"), tid, span_id)
        for why, item in bad:
            self.rejects.add(path, line, why, item)
        for row in rows:
            self._add_comment(row, row, path, line)

    def _add_comment(self, row: dict, raw, path, line: int) -> None:
        """One feedback row per comment id: the same comment read from the comments API and from an
        export's ``comments`` column counts once; the later copy goes to ``rejects``."""
        cid = row.pop("_comment_id")
        if cid is not None and cid in self.comment_seen:
            self.rejects.add(path, line, f"comment id {cid} seen twice (first at {self.comment_seen[cid]}); counted once",
                             {k: v for k, v in raw.items() if not k.startswith("_")})
            return
        if cid is not None:
            self.comment_seen[cid] = f"{path}:{line}"
        self.comments.append({**row, "_line": line, "_file": str(path)})

    def _feedback_rows(self) -> list[dict]:
        """Score records, plus score-column values of (trace, name) pairs that no score record covers
        (observation-level columns win over the trace's aggregate of the same name), then comments."""
        real = {(r["trace_id"], r["name"]) for r in self.feedback}
        by_obs = {(r["trace_id"], r["name"]) for r in self.column_scores if r["span_id"] is not None}
        return self.feedback + [r for r in self.column_scores if (r["trace_id"], r["name"]) not in real
                                and (r["span_id"] is not None or (r["trace_id"], r["name"]) not in by_obs)] + self.comments

    # ------------------------------------------------------------ frames
    def _warn_missing_groups(self) -> None:
        """Warn for a file whose observations all lack a field group: the v2 observations API returns
        only ``core`` and ``basic`` unless ``fields`` asks for more, and the traces then have no text."""
        import warnings

        for path, (n, groups) in self.obs_groups.items():
            missing = [g for g in _GROUPS if g not in groups]
            if "input/output" in missing:  # the text: what a review needs (model and usage alone: no warning)
                warnings.warn(
                    f"{path}: none of its {n} observation(s) has {', '.join(missing)} fields, so the traces read "
                    "from it lack them. Langfuse's v2 observations API returns only the 'core' and 'basic' field "
                    "groups unless asked: export with fields=core,basic,time,io,metadata,model,usage,trace_context "
                    "(CLI: langfuse api observations list --fields core,basic,time,io,metadata,model,usage,"
                    "trace_context).", UserWarning, stacklevel=2)

    def frames(self) -> dict[str, Any]:
        import polars as pl

        from feedback_lab.schema import conform

        self._warn_missing_groups()

        spans = pl.DataFrame(list(self.spans.values()), infer_schema_length=None) if self.spans else None
        traces = pl.DataFrame(self.traces, infer_schema_length=None) if self.traces else None
        if spans is not None:
            derived = traces_from_spans(spans)
            extra = spans.group_by("trace_id", maintain_order=True).agg(
                pl.col("_cost").sum().alias("_span_cost"), pl.col("_cost").is_not_null().any().alias("_has_cost"),
                pl.col("_prompt_version").drop_nulls().first().alias("prompt_version"),
                pl.col("_user_id").drop_nulls().first().alias("user_id"),
                pl.col("_session_id").drop_nulls().first().alias("session_id"),
                pl.col("_task").drop_nulls().first().alias("task"),
                pl.col("_tags").drop_nulls().first().alias("tags"))
            derived = derived.join(extra, on="trace_id", how="left").with_columns(
                cost=pl.when("_has_cost").then("_span_cost"),
                input=pl.col("input").map_elements(lambda v: to_text(v, "input"), return_dtype=pl.String),
                output=pl.col("output").map_elements(lambda v: to_text(v, "output"), return_dtype=pl.String),
            ).drop("_span_cost", "_has_cost")
            traces = fill_from_spans(traces, derived, "langfuse")
            spans = conform(spans.drop("_cost", "_prompt_version", "_user_id", "_session_id", "_task", "_tags"), "spans")
            derived = derived.drop([c for c in derived.columns if c == "_line"])
        rows = self._feedback_rows()
        fb = pl.DataFrame(rows, infer_schema_length=None).drop("_updated") if rows else None
        if fb is not None and fb["trace_id"].is_null().any():
            fb = observation_traces(fb, spans)
        return {"traces": traces, "spans": spans, "feedback": fb, "rejects": self.rejects.frame()}


def _with_subject(s: dict) -> dict:
    """A v3 scores API record (``subject: {kind, id, traceId}``) with the v1/v2 reference fields."""
    sub = loads_deep(s.get("subject"))  # JSON text in a CSV (pandas' to_csv of API records)
    if not isinstance(sub, dict) or field_of(s, "traceId") is not None:
        return s
    kind, sid = str(sub.get("kind") or "").lower(), sub.get("id")
    ref = {"trace": {"traceId": sid}, "observation": {"traceId": field_of(sub, "traceId"), "observationId": sid},
           "session": {"sessionId": sid}, "experiment": {"datasetRunId": sid}}.get(kind, {})
    return {**s, **{k: v for k, v in ref.items() if v is not None}}


FORMAT = Format(
    name="langfuse",
    description="Langfuse: trace + observations JSON, API pages, batch exports (JSON/JSONL/CSV) with scores",
    sniff=sniff,
    read=read_langfuse,
    extensions=(".json", ".jsonl", ".csv", ".parquet", ".gz"),
    reads_together=True,  # a batch export comes as traces, observations and scores files that refer to each other
)
