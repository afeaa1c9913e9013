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

__all__ = ["is_jaeger", "jaeger_spans", "otlp_document", "sniff", "without_duplicate_spans"]

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
    return 0.0
