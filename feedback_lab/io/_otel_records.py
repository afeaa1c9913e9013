"""The records of OpenTelemetry files for :mod:`feedback_lab.io._otel`: JSON and JSONL as
:func:`feedback_lab.io._platform_common.json_records` reads them, and files of pretty-printed span
objects one after the other (the SDK's ``ConsoleSpanExporter``), split into their objects."""

from __future__ import annotations

import json
import re
from pathlib import Path

from feedback_lab.io._common import RAW_LIMIT, Rejects, open_bytes
from feedback_lab.io._otlp_proto import is_otlp_proto, otlp_proto_documents
from feedback_lab.io._platform_common import json_records

__all__ = ["ENVELOPE_KEYS", "is_span_page", "otel_records"]

#: top-level keys of an OTLP/JSON export request (JSON field names and proto field names)
ENVELOPE_KEYS = ("resourceSpans", "resourceLogs", "resource_spans", "resource_logs")


def is_span_page(rec: dict) -> bool:
    """A page of OTLP spans (``{"data": [...], "next_cursor": ...}``, Phoenix's ``spans/otlpv1``)."""
    data = rec.get("data")
    if not isinstance(data, list):
        return False
    first = data[0] if data else None
    if first is None:
        return "next_cursor" in rec  # an empty page
    return isinstance(first, dict) and "context" not in first and any(k in first for k in ("span_id", "spanId"))


def otel_records(paths: list[Path], rejects: Rejects):
    """:func:`json_records`, except for files of pretty-printed JSON objects one after the other
    (what ``ConsoleSpanExporter`` writes by default: ``span.to_json(indent=4)`` and a newline per
    span), which are split into their objects (``line`` is the line each object starts on), and
    OTLP protobuf, decoded message by message (``line`` is the message's number)."""
    for path in paths:
        data = open_bytes(path, proto_as_json=False)
        if is_otlp_proto(data[:4096]):
            for k, doc in otlp_proto_documents(path, data):
                yield path, k, doc, doc
            continue
        text = data.decode("utf-8", "replace").lstrip("\ufeff")
        first = next((ln.strip() for ln in text.splitlines() if ln.strip()), "")
        if first != "{":
            traces = _trace_lists(text) if first.startswith("[") else None
            if traces is not None:  # Zipkin's GET /api/v2/traces: an array of traces, each an array of spans
                for k, spans in enumerate(traces, start=1):
                    for sp in spans:
                        if isinstance(sp, dict):
                            yield path, k, sp, sp
                        else:
                            rejects.add(path, k, f"trace {k}: expected a span object, got {type(sp).__name__}", sp)
                continue
            yield from json_records([path], rejects, envelopes=())
            continue
        try:
            json.loads(text)
        except (ValueError, RecursionError):
            yield from _concatenated(path, text, rejects)
        else:
            yield from json_records([path], rejects, envelopes=())


def _trace_lists(text: str) -> list[list] | None:
    """The traces of a JSON array of arrays (Zipkin's trace list), else ``None``."""
    if text.lstrip()[1:].lstrip()[:1] != "[":  # the caller has seen the "[" that opens it
        return None
    try:
        doc = json.loads(text)
    except (ValueError, RecursionError):
        return None
    return doc if isinstance(doc, list) and doc and all(isinstance(t, list) for t in doc) else None


def _concatenated(path: Path, text: str, rejects: Rejects):
    dec = json.JSONDecoder()
    starts = [m.start() for m in re.finditer(r"(?m)^\{[ \t]*\r?$", text)]  # a "{" alone at column 0
    pos, n = 0, len(text)
    while True:
        while pos < n and text[pos] in " \t\r\n":
            pos += 1
        if pos >= n:
            return
        line = text.count("\n", 0, pos) + 1
        try:
            rec, end = dec.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError) as exc:
            nxt = next((s for s in starts if s > pos), n)
            why = f"invalid JSON: {exc.msg}" if isinstance(exc, json.JSONDecodeError) else "invalid JSON: nested too deeply"
            rejects.add(path, line, f"{why} (in the object starting on this line)", text[pos:nxt][:RAW_LIMIT])
            pos = nxt
            continue
        if isinstance(rec, dict):
            yield path, line, text[pos:end][:RAW_LIMIT], rec
        else:
            rejects.add(path, line, f"expected a JSON object, got {type(rec).__name__}", text[pos:end][:RAW_LIMIT])
        pos = end
