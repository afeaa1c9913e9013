"""Trace JSON downloaded from the backends that OpenTelemetry GenAI spans are sent to.

Used by :mod:`feedback_lab.io._otel`. Each file holds one downloaded trace (or one per line; a
folder of such files loads in one call). Shapes read:

- **Grafana Tempo** ``GET /api/traces/<id>``: OTLP/JSON under a top-level ``batches`` array
  instead of ``resourceSpans`` (``tempopb.Trace``), ids in base64 (gogo ``jsonpb``), and in
  Tempo before 2.0 ``instrumentationLibrarySpans`` instead of ``scopeSpans``.
- **Tempo** ``GET /api/v2/traces/<id>``: ``{"trace": {"resourceSpans": [...]}, "metrics": {...},
  "status": "PARTIAL", "message": ...}`` (``tempopb.TraceByIDResponse``); ``status`` is absent
  for a complete trace and ``PARTIAL`` when Tempo cut it (size limit, ``q`` filter, pruning),
  which gives a warning naming the file.
- **Grafana** Explore "Download traces" of a Tempo/OTLP trace (``transformToOTLP`` in
  ``public/app/plugins/datasource/tempo/resultTransformer.ts``): ``{"batches": [{"resource",
  "instrumentationLibrarySpans": [{"spans": [...]}]}]}`` with numeric nanosecond times, plain JSON
  numbers as ``intValue`` and span events whose ``name`` older Grafana versions leave empty.
- **Jaeger** ``GET /api/v3/traces/<id>``: ``{"result": {"resourceSpans": [...]}}`` (OTLP/JSON in
  ``api_v3.GRPCGatewayWrapper``, ``cmd/query/app/apiv3/http_gateway.go``).
- **Jaeger** ``GET /api/traces/<id>`` (what the UI's "Trace JSON" shows), the UI's "Download
  Results" (``{"data": [trace, ...]}``) and Grafana's download of a Jaeger trace: the Jaeger JSON
  model (``model/json/model.go``) ``{"data": [{"traceID", "spans": [{"traceID", "spanID",
  "operationName", "references": [{"refType": "CHILD_OF", "spanID"}], "startTime" (µs),
  "duration" (µs), "tags": [{"key", "type", "value"}], "logs": [{"timestamp", "fields"}],
  "processID"}], "processes": {"p1": {"serviceName", "tags"}}}]}``.

- **Zipkin** ``GET /api/v2/trace/<id>`` and the UI's "Download JSON": the trace's spans as a JSON
  array of Zipkin v2 spans (``zipkin2-api.yaml``: ``{"traceId", "id", "parentId", "name", "kind",
  "timestamp" (µs), "duration" (µs), "localEndpoint": {"serviceName"}, "tags": {...},
  "annotations": [{"timestamp", "value"}]}``), and ``GET /api/v2/traces`` (an array of such traces).
  OpenTelemetry's Zipkin exporter writes every attribute, and the resource's, as a text tag
  (numbers as their digits, lists as JSON), the status as ``otel.status_code``/``error`` tags and
  each event as an annotation whose value is ``{"<event name>": {attributes}}`` in JSON.

Jaeger spans are OTel spans that Jaeger stored in its own model (the collector's
``pkg/translator/jaeger``): attributes became ``tags``, span events became ``logs`` with the event
name in an ``event`` field, the status became ``otel.status_code``/``error`` tags, links became
``FOLLOWS_FROM`` references and the resource became the span's process. :func:`jaeger_spans` turns
them back into OTLP/JSON spans, so that one mapping (``gen_ai.*`` and OpenInference attributes,
``gen_ai.evaluation.result`` events as feedback) serves all shapes.
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from feedback_lab.io._platform_common import BadRecord, jdump

__all__ = ["is_jaeger", "is_zipkin", "jaeger_spans", "otlp_document", "sniff", "warn_cut_tags", "without_duplicate_spans",
           "zipkin_cut_tags", "zipkin_span"]

#: the length at which OpenTelemetry's Python Zipkin exporter cuts tag values (``max_tag_value_length``)
ZIPKIN_TAG_LIMIT = 128

_OTLP_KEYS = ("resourceSpans", "resource_spans", "resourceLogs", "resource_logs")


def otlp_document(rec: dict, path: Path | str, line: int) -> dict:
    """The OTLP/JSON ``TracesData`` inside a backend's envelope (Tempo, Jaeger v3), else ``rec``.

    Examples
    --------
    >>> otlp_document({"batches": [{"scopeSpans": []}]}, "t.json", 1)
    {'resourceSpans': [{'scopeSpans': []}]}
    >>> otlp_document({"result": {"resourceSpans": []}}, "t.json", 1)
    {'resourceSpans': []}
    """
    if any(k in rec for k in _OTLP_KEYS):
        return rec
    if "batches" in rec:  # tempopb.Trace: Tempo's v1 API and Grafana's "Download traces"
        return {"resourceSpans": rec["batches"]}
    inner = rec.get("trace") if isinstance(rec.get("trace"), dict) else rec.get("result")
    if isinstance(inner, dict) and (any(k in inner for k in _OTLP_KEYS) or "batches" in inner):
        if rec.get("status") == "PARTIAL":  # Tempo's TraceByIDResponse of a trace it cut short
            warnings.warn(f"{path} line {line}: Tempo returned a partial trace ({rec.get('message') or 'PARTIAL'}); "
                          "only the spans it holds are loaded", UserWarning, stacklevel=4)
        return otlp_document(inner, path, line)
    return rec


def is_jaeger(rec: dict) -> bool:
    """True for Jaeger JSON: ``{"data": [trace, ...]}`` or one trace ``{"traceID", "spans", ...}``."""
    data = rec.get("data")
    if isinstance(data, list):
        first = next((t for t in data if isinstance(t, dict)), None)
        return first is not None and "spans" in first and ("processes" in first or "traceID" in first)
    return isinstance(rec.get("spans"), list) and "traceID" in rec


def _value(kv: Any) -> tuple[str, Any]:
    """A Jaeger ``{"key", "type", "value"}`` tag -> ``(key, Python value)``."""
    if not isinstance(kv, dict) or not isinstance(kv.get("key"), str):
        raise BadRecord(f"tag {jdump(kv)[:60]!r} has no string 'key'")
    typ, v = kv.get("type"), kv.get("value")
    try:
        if typ == "int64" and v is not None and not isinstance(v, bool):
            v = int(v)
        elif typ == "float64" and v is not None and not isinstance(v, bool):
            v = float(v)
        elif typ == "bool" and isinstance(v, str):
            v = {"true": True, "false": False}[v.lower()]
    except (TypeError, ValueError, KeyError):
        raise BadRecord(f"tag {kv['key']!r}: value {jdump(v)[:40]!r} is not of type {typ}") from None
    return kv["key"], v


def _tags(lst: Any, what: str) -> dict[str, Any]:
    if lst is None:
        return {}
    if not isinstance(lst, list):
        raise BadRecord(f"{what} must be a list of key/type/value objects")
    return dict(_value(kv) for kv in lst)


def _micros(v: Any, what: str) -> int | None:
    if v is None:
        return None
    if isinstance(v, bool) or not isinstance(v, (int, float, str)):
        raise BadRecord(f"{what} must be a number of microseconds, got {jdump(v)[:40]!r}")
    try:
        return int(float(v))
    except ValueError:
        raise BadRecord(f"{what} must be a number of microseconds, got {v!r}") from None


def _span(sp: dict, processes: dict) -> tuple[dict, dict]:
    """One Jaeger span -> (OTLP/JSON span dict, resource attributes)."""
    refs = sp.get("references") or []
    if not isinstance(refs, list) or not all(isinstance(r, dict) for r in refs):
        raise BadRecord("references must be a list of objects")
    parent = next((r.get("spanID") for r in refs if r.get("refType") == "CHILD_OF"), sp.get("parentSpanID"))
    links = [{"traceId": r.get("traceID"), "spanId": r.get("spanID")} for r in refs
             if r.get("refType") == "FOLLOWS_FROM"]
    attrs = _tags(sp.get("tags"), "tags")
    events = []
    for i, log in enumerate(sp.get("logs") or []):
        if not isinstance(log, dict):
            raise BadRecord(f"logs[{i}] is not an object")
        fields = _tags(log.get("fields"), f"logs[{i}].fields")
        ts = _micros(log.get("timestamp"), f"logs[{i}].timestamp")
        events.append({"name": fields.pop("event", None), "attributes": fields,
                       "timeUnixNano": None if ts is None else str(ts * 1000)})
    start, dur = _micros(sp.get("startTime"), "startTime"), _micros(sp.get("duration"), "duration")
    code = str(attrs.get("otel.status_code") or "").upper() or ("ERROR" if attrs.get("error") is True else None)
    proc = sp.get("process") if isinstance(sp.get("process"), dict) else processes.get(sp.get("processID"))
    resource: dict[str, Any] = {}
    if isinstance(proc, dict):
        resource = {**({"service.name": proc["serviceName"]} if proc.get("serviceName") else {}),
                    **_tags(proc.get("tags"), "process tags")}
    elif sp.get("processID") is not None:
        raise BadRecord(f"processID {sp.get('processID')!r} is not in the trace's processes")
    return {"traceId": sp.get("traceID"), "spanId": sp.get("spanID"), "parentSpanId": parent,
            "name": sp.get("operationName"), "attributes": attrs, "events": events, "links": links,
            "startTimeUnixNano": None if start is None else str(start * 1000),
            "endTimeUnixNano": None if start is None or dur is None else str((start + dur) * 1000),
            "status": {"code": code}}, resource


def jaeger_spans(rec: dict) -> Iterator[tuple[str, Any, dict | BadRecord, dict]]:
    """``(where, raw span, OTLP/JSON span or the BadRecord that rejects it, resource)`` per Jaeger span.

    Examples
    --------
    >>> doc = {"data": [{"traceID": "5b8efff798038103", "processes": {"p1": {"serviceName": "chat"}},
    ...        "spans": [{"traceID": "5b8efff798038103", "spanID": "eee19b7ec3c1b174", "operationName": "chat",
    ...                   "references": [], "startTime": 1741082400100000, "duration": 1500000,
    ...                   "tags": [{"key": "gen_ai.usage.input_tokens", "type": "int64", "value": 52}],
    ...                   "logs": [], "processID": "p1"}]}]}
    >>> where, raw, span, resource = next(jaeger_spans(doc))
    >>> where, span["endTimeUnixNano"], span["attributes"], resource
    ('data[0].spans[0]', '1741082401600000000', {'gen_ai.usage.input_tokens': 52}, {'service.name': 'chat'})
    """
    traces, top = (rec["data"], "data") if isinstance(rec.get("data"), list) else ([rec], "trace")
    for t, trace in enumerate(traces):
        where_t = f"{top}[{t}]" if top == "data" else top
        spans = trace.get("spans") if isinstance(trace, dict) else None
        if not isinstance(spans, list):
            yield where_t, trace, BadRecord("a Jaeger trace needs a 'spans' list"), {}
            continue
        processes = trace.get("processes") or {}
        if not isinstance(processes, dict):
            processes = {}
        for s, sp in enumerate(spans):
            where = f"{where_t}.spans[{s}]"
            if not isinstance(sp, dict):
                yield where, sp, BadRecord(f"expected an object, got {type(sp).__name__}"), {}
                continue
            try:
                span, resource = _span(sp, processes)
            except BadRecord as exc:
                yield where, sp, exc, {}
                continue
            yield where, sp, span, resource


def is_zipkin(rec: dict) -> bool:
    """True for a Zipkin v2 span (``traceId`` and ``id``, none of OTLP's ``spanId``/``context``)."""
    return (isinstance(rec.get("traceId"), str) and isinstance(rec.get("id"), str) and "spanId" not in rec
            and "context" not in rec and any(k in rec for k in ("timestamp", "localEndpoint", "tags", "duration")))


def zipkin_span(sp: dict) -> tuple[dict, dict]:
    """One Zipkin v2 span -> (OTLP/JSON span dict, resource attributes); :class:`BadRecord` when
    a field has the wrong type.

    Examples
    --------
    >>> span, resource = zipkin_span({"traceId": "5982fe77008310cc80f1da5e10147517", "id": "bd7a977555f6b982",
    ...     "name": "chat", "timestamp": 1741082400100000, "duration": 1500000,
    ...     "localEndpoint": {"serviceName": "bot"}, "tags": {"gen_ai.usage.input_tokens": "52"},
    ...     "annotations": [{"timestamp": 1741082400200000, "value": '{"gen_ai.choice": {"index": 0}}'}]})
    >>> span["endTimeUnixNano"], span["attributes"], span["events"][0]["name"], resource
    ('1741082401600000000', {'gen_ai.usage.input_tokens': '52'}, 'gen_ai.choice', {'service.name': 'bot'})
    """
    import json

    tags = sp.get("tags") or {}
    if not isinstance(tags, dict) or not all(isinstance(k, str) for k in tags):
        raise BadRecord("tags must be an object of text values")
    attrs = dict(tags)
    events = []
    for i, ann in enumerate(sp.get("annotations") or []):
        if not isinstance(ann, dict):
            raise BadRecord(f"annotations[{i}] is not an object")
        value, name, ev_attrs = ann.get("value"), None, {}
        try:  # OpenTelemetry's exporter: {"<event name>": {attributes}}
            doc = json.loads(value) if isinstance(value, str) and value.startswith("{") else None
        except (ValueError, RecursionError):
            doc = None
        if isinstance(doc, dict) and len(doc) == 1 and isinstance(next(iter(doc.values())), dict):
            name, ev_attrs = next(iter(doc.items()))
        else:
            name = value if isinstance(value, str) else jdump(value)
        ts = _micros(ann.get("timestamp"), f"annotations[{i}].timestamp")
        events.append({"name": name, "attributes": ev_attrs, "timeUnixNano": None if ts is None else str(ts * 1000)})
    start, dur = _micros(sp.get("timestamp"), "timestamp"), _micros(sp.get("duration"), "duration")
    code = str(attrs.get("otel.status_code") or "").upper() or ("ERROR" if "error" in attrs else None)
    local = sp.get("localEndpoint")
    resource = {"service.name": local["serviceName"]} if isinstance(local, dict) and local.get("serviceName") else {}
    return {"traceId": sp.get("traceId"), "spanId": sp.get("id"), "parentSpanId": sp.get("parentId"),
            "name": sp.get("name"), "attributes": attrs, "events": events,
            "startTimeUnixNano": None if start is None else str(start * 1000),
            "endTimeUnixNano": None if start is None or dur is None else str((start + dur) * 1000),
            "status": {"code": code}}, resource


def zipkin_cut_tags(sp: dict) -> int:
    """Tags of a Zipkin span that the exporter cut short: JSON values exactly
    :data:`ZIPKIN_TAG_LIMIT` characters long that no longer parse."""
    import json

    tags = sp.get("tags")
    n = 0
    for v in tags.values() if isinstance(tags, dict) else ():
        if isinstance(v, str) and len(v) == ZIPKIN_TAG_LIMIT and v[:1] in "[{":
            try:
                json.loads(v)
            except (ValueError, RecursionError):
                n += 1
    return n


def warn_cut_tags(cut: dict[str, int]) -> None:
    """One warning per Zipkin file with tag values cut short (see :func:`zipkin_cut_tags`)."""
    for path, n in cut.items():
        if n:
            warnings.warn(
                f"{path}: {n} span attribute(s) end at {ZIPKIN_TAG_LIMIT} characters in invalid JSON: "
                "OpenTelemetry's Zipkin exporter cuts tag values there by default, so those texts are "
                "incomplete (where a span also has its messages as separate attributes, they are used). "
                "Export with ZipkinExporter(max_tag_value_length=...) raised, or send OTLP to a Collector "
                "(file exporter) for whole texts.", UserWarning, stacklevel=3)


def without_duplicate_spans(spans: list[dict], feedback: list[dict]) -> list[dict]:
    """Feedback minus that of a span seen before (a trace downloaded twice).

    ``assemble`` rejects the later span as a duplicate; the feedback read from its events and
    attributes goes with it rather than counting twice.
    """
    seen: set[tuple[str, str]] = set()
    dup_refs = set()
    for r in spans:
        key = (r["trace_id"], r["span_id"])
        if key in seen:
            dup_refs.add(r["_ref"])
        seen.add(key)
    return [f for f in feedback if f.get("_ref") not in dup_refs] if dup_refs else feedback


def sniff(head: bytes) -> float:
    """Confidence that ``head`` starts a Tempo (``batches``) or Jaeger JSON trace download."""
    h = head[:65536]
    if b'"batches"' in h and (b'"spanId"' in h or b'"traceId"' in h or b'"scopeSpans"' in h
                              or b'"instrumentationLibrarySpans"' in h):
        return 0.95
    if b'"traceID"' in h and b'"spanID"' in h and b'"operationName"' in h:
        return 0.9
    if b'"traceId"' in h and b'"id"' in h and b'"localEndpoint"' in h and b'"spanId"' not in h:
        return 0.9  # Zipkin v2 spans
    return 0.0
