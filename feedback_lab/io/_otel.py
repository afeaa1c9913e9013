"""OpenTelemetry GenAI traces: OTLP/JSON (``resourceSpans``/``resourceLogs``) and SDK span JSON.

Reads what the OpenTelemetry Collector's file exporter, ``otlp/json`` dumps and tracing backends
export: one ``ExportTraceServiceRequest`` per file or per line (or in protobuf: the file exporter's
``format: proto``, or a saved OTLP/HTTP body, see :mod:`feedback_lab.io._otlp_proto`), typed attribute values
(``stringValue``, ``intValue`` as a string, ``doubleValue``, ``boolValue``, ``arrayValue``,
``kvlistValue``, ``bytesValue``), hex or base64 ids and nanosecond timestamps. Also reads the
Python SDK's ``span.to_json()`` output (``ConsoleSpanExporter``: pretty-printed span objects one
after the other, or one per line), and OTLP/JSON written with the proto field names
(``resource_spans``, ``trace_id``, ``string_value``...), as Phoenix's "OTLP JSON" span download does,
with every ``AnyValue`` field present and the unset ones null; Phoenix's
``GET /v1/projects/{p}/spans/otlpv1`` response (``{"data": [span, ...], "next_cursor": ...}``).
And the traces downloaded from the backends spans are sent to (see :mod:`feedback_lab.io._otel_backends`):
Grafana Tempo's ``/api/traces/<id>`` (``batches``) and ``/api/v2/traces/<id>`` (``trace``), Grafana's
"Download traces", Jaeger's ``/api/v3/traces/<id>`` (``result``) and Jaeger's own JSON model
(``/api/traces/<id>``, the UI's "Download Results"), Zipkin's ``/api/v2/trace/<id>`` (a JSON array of
Zipkin v2 spans, tags as text) and ``/api/v2/traces``, one trace per file or per line; a folder of
them loads in one call, and a span found in two files is a duplicate reject naming the first.

Mapping (GenAI semantic conventions, and OpenInference attributes when present):

- a span -> a ``spans`` row: kind from ``gen_ai.operation.name`` (``chat`` -> ``llm``,
  ``execute_tool`` -> ``tool``...) or ``openinference.span.kind``; model
  ``gen_ai.response.model``/``gen_ai.request.model``; tokens ``gen_ai.usage.{input,output}_tokens``;
  input/output text from ``gen_ai.input.messages``/``gen_ai.output.messages`` (JSON),
  the older indexed ``gen_ai.prompt.N.*``/``gen_ai.completion.N.*`` attributes, or the
  event style (``gen_ai.user.message``, ``gen_ai.choice`` span events or log records);
- one ``traces`` row per trace (see :func:`feedback_lab.io._spans.traces_from_spans`);
- each ``gen_ai.evaluation.result`` event (span event or log record) -> a ``feedback`` row:
  ``gen_ai.evaluation.name`` -> name, ``score.value`` -> value, ``score.label`` -> label,
  ``explanation`` -> comment, annotator_kind ``llm`` unless a ``feedback_lab.annotator_kind``
  attribute says otherwise; records linked by ``gen_ai.response.id`` when they carry no span context;
- OpenInference feedback attributes of a span (``annotations.N.annotation.*`` -> feedback on that
  span, ``trace.annotations.N.annotation.*``/``session.annotations.…`` -> on its trace,
  ``evaluations.N.evaluation.*`` of an ``EVALUATOR`` span -> on the span its first link names, else on
  the evaluator span), see :func:`feedback_lab.io._genai_attrs.attribute_feedback`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feedback_lab.io._common import Rejects
from feedback_lab.io._genai_attrs import annotator_kind, attribute_feedback, span_fields
from feedback_lab.io._otel_backends import (
    is_jaeger,
    is_zipkin,
    jaeger_spans,
    otlp_document,
    warn_cut_tags,
    without_duplicate_spans,
    zipkin_cut_tags,
    zipkin_span,
)
from feedback_lab.io._otel_backends import sniff as sniff_backend
from feedback_lab.io._otel_records import ENVELOPE_KEYS, is_span_page, otel_records
from feedback_lab.io._otlp_proto import is_otlp_proto
from feedback_lab.io._otlp_values import any_value, attributes, field, otel_id, snake_name
from feedback_lab.io._platform_common import BadRecord, as_float, as_str, jdump
from feedback_lab.io._platform_frames import assemble
from feedback_lab.io._registry import Format

__all__ = ["FORMAT", "read"]

NAME = "otel"
EVAL_EVENT = "gen_ai.evaluation.result"
_STATUS = {0: None, 1: "ok", 2: "error", "STATUS_CODE_UNSET": None, "STATUS_CODE_OK": "ok",
           "STATUS_CODE_ERROR": "error", "UNSET": None, "OK": "ok", "ERROR": "error"}


def _events(evs: Any) -> list[dict]:
    if evs is None:
        return []
    if not isinstance(evs, list):
        raise BadRecord("events must be a list")
    out = []
    for e in evs:
        if not isinstance(e, dict):
            raise BadRecord("an event is not an object")
        t = field(e, "timeUnixNano")
        t = e.get("timestamp") if t is None else t
        attrs = attributes(e.get("attributes"))
        name = e.get("name")
        if not name and "gen_ai.evaluation.name" in attrs:  # Grafana's download drops event names
            name = EVAL_EVENT
        out.append({"name": name, "time": None if t is None else str(t), "attributes": attrs})
    return out


def _span_row(sp: dict, resource: dict, otlp: bool) -> tuple[dict, list[dict]]:
    if otlp:
        tid = otel_id(field(sp, "traceId"), 16, "traceId")
        sid = otel_id(field(sp, "spanId"), 8, "spanId")
        pid = otel_id(field(sp, "parentSpanId"), 8, "parentSpanId")
        start, end = field(sp, "startTimeUnixNano"), field(sp, "endTimeUnixNano")
        status = sp.get("status") or {}
        code = status.get("code") if isinstance(status, dict) else None
    else:  # SDK span.to_json()
        ctx = sp.get("context") or {}
        if not isinstance(ctx, dict):
            raise BadRecord("context must be an object")
        tid = otel_id(ctx.get("trace_id"), 16, "context.trace_id")
        sid = otel_id(ctx.get("span_id"), 8, "context.span_id")
        pid = otel_id(sp.get("parent_id"), 8, "parent_id")
        start, end = sp.get("start_time"), sp.get("end_time")
        status = sp.get("status") or {}
        code = status.get("status_code") if isinstance(status, dict) else None
    if tid is None or sid is None:
        raise BadRecord("span has no traceId/spanId")
    if code is not None and not isinstance(code, (str, int)):
        raise BadRecord(f"status code {jdump(code)[:40]!r} is neither a name nor a number")
    attrs = attributes(sp.get("attributes"))
    events = _events(sp.get("events"))
    f = span_fields(attrs, events)
    if f["kind"] is None and ("gen_ai.request.model" in attrs or "gen_ai.response.model" in attrs):
        f["kind"] = "llm"
    name = as_str(sp.get("name"), "name")
    row = {"span_id": sid, "trace_id": tid, "parent_id": pid, "name": name,
           "start": None if start is None else str(start), "end": None if end is None else str(end),
           "status": _STATUS.get(code if not isinstance(code, str) else code.upper().replace("STATUSCODE.", "")),
           "attributes": jdump({**{f"resource.{k}": v for k, v in resource.items()}, **attrs}), **f}
    found, errors = attribute_feedback(attrs)  # a bad feedback object rejects that feedback, not the span
    fb = [{**x, "target": _link(sp, otlp) if x["scope"] == "evaluation" else None} for x in found]
    return row, events, (fb, errors)


def _link(sp: dict, otlp: bool) -> tuple[str | None, str | None] | None:
    """(trace_id, span_id) of a span's first link (the span an EVALUATOR span evaluates)."""
    links = sp.get("links")
    if not isinstance(links, list) or not links or not isinstance(links[0], dict):
        return None
    ln = links[0] if otlp else (links[0].get("context") or {})
    if not isinstance(ln, dict):
        return None
    return otel_id(field(ln, "traceId"), 16, "link traceId"), otel_id(field(ln, "spanId"), 8, "link spanId")


def _feedback_row(attrs: dict, tid: str | None, sid: str | None, time: Any) -> dict:
    name = as_str(attrs.get("gen_ai.evaluation.name"), "gen_ai.evaluation.name")
    if name is None:
        raise BadRecord("gen_ai.evaluation.result event has no gen_ai.evaluation.name")
    label = attrs.get("gen_ai.evaluation.score.label")
    expl = attrs.get("gen_ai.evaluation.explanation")
    return {"trace_id": tid, "span_id": sid, "name": name,
            "value": as_float(attrs.get("gen_ai.evaluation.score.value"), "gen_ai.evaluation.score.value"),
            "label": None if label is None else str(label), "comment": None if expl is None else str(expl),
            "annotator_kind": annotator_kind(attrs.get("feedback_lab.annotator_kind"), "llm"),
            "annotator": as_str(attrs.get("feedback_lab.annotator"), "annotator"),
            "timestamp": None if time is None else str(time),
            "metadata": jdump({k: v for k, v in attrs.items() if k.startswith("gen_ai.response.")} or None),
            "_response_id": attrs.get("gen_ai.response.id")}


def read(paths: list[Path], **options: Any) -> dict[str, Any]:
    """Read OTLP/JSON trace (and log) exports; see the module docstring for the mapping."""
    rejects = Rejects(NAME)
    refs: list[Any] = []
    spans: list[dict] = []
    feedback: list[dict] = []
    pending_logs: list[tuple[dict, dict]] = []  # (row bookkeeping, log event)
    cut_tags: dict[str, int] = {}  # per Zipkin file: tag values cut at the exporter's length limit
    for path, line, raw, rec in otel_records(paths, rejects):
        rec = otlp_document(rec, path, line)  # Tempo's "batches"/"trace", Jaeger v3's "result"
        if any(k in rec for k in ENVELOPE_KEYS):
            _read_otlp(path, line, rec, rejects, refs, spans, feedback, pending_logs)
        elif is_jaeger(rec):
            for where, raw_span, sp, resource in jaeger_spans(rec):
                refs.append(raw_span)
                try:
                    if isinstance(sp, BadRecord):
                        raise sp
                    row, events, fb = _span_row(sp, resource, True)
                except (BadRecord, RecursionError) as exc:
                    msg = str(exc) if isinstance(exc, BadRecord) else "nested too deeply"
                    rejects.add(path, line, f"{where}: {msg}", raw_span)
                    continue
                _add_span(row, events, fb, path, line, len(refs) - 1, spans, feedback, rejects)
        elif is_zipkin(rec):
            cut_tags[str(path)] = cut_tags.get(str(path), 0) + zipkin_cut_tags(rec)
            refs.append(raw)
            try:
                row, events, fb = _span_row(*zipkin_span(rec), True)
            except (BadRecord, RecursionError) as exc:
                rejects.add(path, line, str(exc) if isinstance(exc, BadRecord) else "nested too deeply", raw)
                continue
            _add_span(row, events, fb, path, line, len(refs) - 1, spans, feedback, rejects)
        elif isinstance(rec.get("context"), dict):
            refs.append(rec)
            try:
                row, events, fb = _span_row(rec, attributes((rec.get("resource") or {}).get("attributes")), False)
            except (BadRecord, RecursionError) as exc:
                rejects.add(path, line, str(exc) if isinstance(exc, BadRecord) else "nested too deeply", raw)
                continue
            _add_span(row, events, fb, path, line, len(refs) - 1, spans, feedback, rejects)
        elif is_span_page(rec):  # Phoenix's GET /v1/projects/{p}/spans/otlpv1: {"data": [span, ...]}
            for k, item in enumerate(rec["data"]):
                refs.append(item)
                try:
                    if not isinstance(item, dict):
                        raise BadRecord(f"expected an object, got {type(item).__name__}")
                    row, events, fb = _span_row(item, {}, True)
                except (BadRecord, RecursionError) as exc:
                    rejects.add(path, line, f"data[{k}]: {exc if isinstance(exc, BadRecord) else 'nested too deeply'}",
                                item)
                    continue
                _add_span(row, events, fb, path, line, len(refs) - 1, spans, feedback, rejects)
        else:
            rejects.add(path, line, "not an OTLP/JSON document (no resourceSpans/resourceLogs/batches), "
                        "not a Jaeger trace (no traceID/spans), not a Zipkin span (no traceId/id) and not an SDK span (no context)", raw)
    _attach_logs(pending_logs, spans, feedback, rejects, refs)
    warn_cut_tags(cut_tags)
    return assemble(NAME, spans, without_duplicate_spans(spans, feedback), rejects, refs)


def _add_span(row, events, attr_fb, path, line, ref, spans, feedback, rejects):
    row.update(_file=str(path), _line=line, _ref=ref)
    spans.append(row)
    attr_fb, errors = attr_fb
    for why in errors:
        rejects.add(path, line, f"span {row['span_id']}: {why}", row["attributes"])
    for x in attr_fb:
        tid, sid = x.pop("target") or (row["trace_id"], row["span_id"])
        if x["scope"] in ("trace", "session"):
            sid = None  # about the whole trace (the session's feedback lands on the trace carrying it)
        scope = x.pop("scope")
        feedback.append({**x, "trace_id": tid or row["trace_id"], "span_id": sid, "annotator": None,
                         "timestamp": None, "_file": str(path), "_line": line, "_ref": ref,
                         "_response_id": None, "_scope": scope})
    for ev in events:
        if ev["name"] == EVAL_EVENT:
            try:
                fb = _feedback_row(ev["attributes"], row["trace_id"], row["span_id"], ev["time"])
            except BadRecord as exc:
                rejects.add(path, line, f"span {row['span_id']}: {exc}", ev)
                continue
            fb.update(_file=str(path), _line=line, _ref=ref)
            feedback.append(fb)


def _list(obj: Any, key: str, where: str) -> list:
    v = obj.get(key) if isinstance(obj, dict) else None
    if v is None:
        return []
    if not isinstance(v, list):
        raise BadRecord(f"{where}.{key} must be a list")
    return v


def _read_otlp(path, line, doc, rejects, refs, spans, feedback, pending_logs):
    for top, scope_key, item_key in (("resourceSpans", "scopeSpans", "spans"),
                                     ("resourceLogs", "scopeLogs", "logRecords")):
        if top not in doc and snake_name(top) in doc:  # proto field names throughout
            top, scope_key, item_key = snake_name(top), snake_name(scope_key), snake_name(item_key)
        try:
            resources = _list(doc, top, "document")
        except BadRecord as exc:
            rejects.add(path, line, str(exc), doc)
            continue
        for ri, rs in enumerate(resources):
            where_r = f"{top}[{ri}]"
            try:
                resource = attributes((rs.get("resource") or {}).get("attributes")) if isinstance(rs, dict) else {}
                scopes = _list(rs, scope_key, where_r) or _list(rs, "instrumentationLibrarySpans", where_r) \
                    or _list(rs, "instrumentation_library_spans", where_r)
            except BadRecord as exc:
                rejects.add(path, line, f"{where_r}: {exc}", rs)
                continue
            for si, ss in enumerate(scopes):
                where_s = f"{where_r}.{scope_key}[{si}]"
                try:
                    items = _list(ss, item_key, where_s)
                except BadRecord as exc:
                    rejects.add(path, line, str(exc), ss)
                    continue
                for k, item in enumerate(items):
                    where = f"{where_s}.{item_key}[{k}]"
                    refs.append(item)
                    ref = len(refs) - 1
                    try:
                        if not isinstance(item, dict):
                            raise BadRecord(f"expected an object, got {type(item).__name__}")
                        if item_key == "spans":
                            row, events, fb = _span_row(item, resource, True)
                            _add_span(row, events, fb, path, line, ref, spans, feedback, rejects)
                        else:
                            pending_logs.append(({"_file": str(path), "_line": line, "_ref": ref,
                                                  "where": where}, _log_event(item)))
                    except (BadRecord, RecursionError) as exc:
                        msg = str(exc) if isinstance(exc, BadRecord) else "nested too deeply"
                        rejects.add(path, line, f"{where}: {msg}", item)


def _log_event(rec: dict) -> dict:
    attrs = attributes(rec.get("attributes"))
    name = field(rec, "eventName") or attrs.get("event.name")
    body = any_value(rec.get("body")) if rec.get("body") is not None else None
    if isinstance(body, dict):
        attrs = {**body, **attrs}
    return {"name": name, "attributes": attrs, "time": field(rec, "timeUnixNano") or field(rec, "observedTimeUnixNano"),
            "trace_id": otel_id(field(rec, "traceId"), 16, "traceId"),
            "span_id": otel_id(field(rec, "spanId"), 8, "spanId")}


def _attach_logs(pending, spans, feedback, rejects, refs):
    """Log-record events: evaluations -> feedback; message events -> their span's input/output."""
    by_span = {(r["trace_id"], r["span_id"]): r for r in spans}
    by_response: dict[str, tuple[str, str]] = {}
    for r in spans:
        try:
            rid = json.loads(r["attributes"]).get("gen_ai.response.id")
        except (TypeError, ValueError, AttributeError, RecursionError):
            rid = None
        if isinstance(rid, str):
            by_response[rid] = (r["trace_id"], r["span_id"])
    for book, ev in pending:
        where = book.pop("where")
        raw = refs[book["_ref"]]
        name = ev["name"]
        try:
            if name == EVAL_EVENT:
                tid, sid = ev["trace_id"], ev["span_id"]
                if tid is None:
                    tid, sid = by_response.get(ev["attributes"].get("gen_ai.response.id"), (None, sid))
                if tid is None and sid is None:
                    raise BadRecord("evaluation event has no traceId/spanId and no known gen_ai.response.id")
                fb = _feedback_row(ev["attributes"], tid, sid, ev["time"])
                fb.update(book)
                feedback.append(fb)
            elif isinstance(name, str) and name.startswith("gen_ai."):
                span = by_span.get((ev["trace_id"], ev["span_id"]))
                if span is None:
                    raise BadRecord(f"{name} event refers to a span that is not in this load")
                from feedback_lab.io._genai_attrs import _event_messages

                i, o = _event_messages([ev])
                span["input"] = span["input"] if span["input"] is not None else i
                span["output"] = span["output"] if span["output"] is not None else o
            else:
                raise BadRecord(f"log record is not a GenAI event (eventName={name!r})")
        except BadRecord as exc:
            rejects.add(book["_file"], book["_line"], f"{where}: {exc}", raw)
    for fb in feedback:
        fb.pop("_response_id", None)
        fb.pop("_scope", None)


def sniff(path: Path, head: bytes) -> float:
    """Confidence that ``path`` is OTLP/JSON, OTLP protobuf or SDK span JSON."""
    h = head[:65536]
    if is_otlp_proto(h):
        return 0.9
    if b'"resourceSpans"' in h or b'"resourceLogs"' in h or b'"resource_spans"' in h or b'"resource_logs"' in h:
        return 0.95
    if b'"data"' in h and (b'"start_time_unix_nano"' in h or b'"startTimeUnixNano"' in h):
        return 0.9  # Phoenix's GET /v1/projects/{p}/spans/otlpv1 response
    if b'"SpanKind.' in h and b'"context"' in h:
        return 0.85
    if sniff_backend(h):
        return sniff_backend(h)
    if b'"gen_ai.' in h and b'"context"' in h and b'"span_kind"' not in h:
        return 0.6
    return 0.0


FORMAT = Format(
    name=NAME,
    description="OpenTelemetry GenAI: OTLP/JSON or protobuf resourceSpans/resourceLogs (collector file "
    "exporter, OTLP/HTTP bodies), SDK span JSON, Tempo/Jaeger/Grafana trace downloads; gen_ai.evaluation.result events as feedback",
    sniff=sniff,
    read=read,
    extensions=(".json", ".jsonl", ".binpb", ".pb", ".gz"),
    reads_together=True,
)
