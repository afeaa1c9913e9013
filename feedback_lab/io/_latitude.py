"""Latitude: v2 traces CSV, trace/annotation JSON, and the v1 (legacy) span and document-log CSVs.

Recognised by their columns (one file may be any of them; a folder may mix them):

- **v2 traces CSV** (UI/API export, 26 columns ``traceId, ..., durationNs, tokensInput, ...,
  costTotalMicrocents, sessionId, userId, tags, metadata, models, ...``): one trace per row; cost is
  in **microcents** (USD = value / 1e8), duration in nanoseconds, ``tags``/``models`` are
  ``|``-joined; the CSV has no messages: load the trace-detail JSON alongside to get input/output
  (rows of the same ``traceId`` are merged). The emailed download, a zip holding that one CSV
  (``project_traces_traces_export_<time>.zip``), is read as it is;
- **v2 JSON**: ``TraceDetail`` / ``Trace`` objects (or ``{"items": [...]}`` pages): input = text of
  the first LLM span's ``inputMessages`` (last user message), output = ``outputMessages``; a
  ``TraceDetail`` of the current API holds a ``conversation`` instead (OpenTelemetry GenAI messages
  of its last LLM completion, then that completion's output): input = its last user message,
  output = its trailing assistant messages. ``Trace`` list rows carry no messages;
- **v2 span JSON**: ``Span`` pages (``GET .../traces/{id}/spans``) and ``SpanDetail`` objects (with
  ``inputMessages``/``outputMessages``): one span row each (kind from the GenAI ``operation``),
  their traces built from the span trees; a trace row read in the same call wins, the span tree
  fills what it lacks;
  ``Annotation`` objects/pages -> feedback (``name="annotation"``, ``value``, label ``pass``/``fail``
  from ``passed``, comment ``feedback``, annotator ``annotatorId``; ``sourceId`` ``UI`` or an
  annotation-queue id -> human, ``API`` -> user, ``SYSTEM`` -> llm; drafts are kept with
  ``metadata.draft = true``);
- **v2 dataset CSV** built from traces (``input, output, metadata`` with ``metadata.traceId``);
- **v1 span CSVs** (async ``input, output, span_id, trace_id, tokens_*, model, cost ($)``; sync
  ``<parameters>..., output, span_id, trace_id, tokens``: the parameters become the input, as JSON):
  one span per row (a prompt run; the runs of one trace are its spans, in file order), the trace
  built from them;
- **v1 document-log CSV** (``documentLogUuid, versionUuid, timestamp, duration (ms), tokens,
  costInMillicents, parameters, finishReason, messages, response``; cost = millicents / 1e5).

``metadata.promptVersion`` / ``prompt_version`` -> prompt_version (v2 has no first-class field).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feedback_lab.io._common import Rejects, is_parquet, loads_deep, open_bytes, parquet_columns
from feedback_lab.io._platform_common import (
    BadRecord,
    as_float,
    as_int,
    as_str,
    denormalize,
    jdump,
    json_records,
    text_of,
)
from feedback_lab.io._platform_frames import assemble, assemble_traces, csv_rows, fill_from_spans
from feedback_lab.io._registry import Format
from feedback_lab.io._table_records import table_records

__all__ = ["FORMAT", "read"]

NAME = "latitude"
MICROCENTS_PER_USD = 100_000_000
MILLICENTS_PER_USD = 100_000


def _split(v: Any) -> list[str] | None:
    if v is None:
        return None
    if isinstance(v, str) and v.startswith("["):  # a list saved as JSON text (a CSV of API records)
        v = loads_deep(v)
    if isinstance(v, list):
        return [str(x) for x in v]
    return [x for x in str(v).split("|") if x]


def _meta(v: Any) -> dict:
    if v is None or v == "":
        return {}
    if isinstance(v, str):
        try:
            v = json.loads(v)
        except (ValueError, RecursionError):
            raise BadRecord(f"metadata is not JSON: {v[:60]!r}") from None
    if not isinstance(v, dict):
        raise BadRecord("metadata must be a JSON object")
    return v


def _prompt_version(meta: dict) -> str | None:
    v = meta.get("promptVersion", meta.get("prompt_version"))
    return None if v is None else str(v)


def v2_trace(r: dict) -> dict:
    """A v2 ``Trace``/``TraceDetail`` (JSON or a traces-CSV row) -> a trace row."""
    tid = as_str(r.get("traceId"), "traceId")
    if tid is None:
        raise BadRecord("missing traceId")
    meta = _meta(r.get("metadata"))
    dur = as_float(r.get("durationNs"), "durationNs")
    cost = as_float(r.get("costTotalMicrocents"), "costTotalMicrocents")
    errors = as_int(r.get("errorCount"), "errorCount")
    models = _split(r.get("models"))
    rest = {k: v for k, v in meta.items() if k not in ("promptVersion", "prompt_version")}
    return {
        "trace_id": tid, "session_id": as_str(r.get("sessionId"), "sessionId"),
        "user_id": as_str(r.get("userId"), "userId"), "timestamp": as_str(r.get("startTime"), "startTime"),
        "model": models[0] if models else None, "prompt_version": _prompt_version(meta),
        **_input_output(r),
        "latency_ms": None if dur is None else dur / 1e6,
        "input_tokens": as_int(r.get("tokensInput"), "tokensInput"),
        "output_tokens": as_int(r.get("tokensOutput"), "tokensOutput"),
        "cost": None if cost is None else cost / MICROCENTS_PER_USD,
        "status": None if errors is None else ("error" if errors > 0 else "ok"),
        "tags": _split(r.get("tags")), "metadata": jdump(rest) if rest else None,
    }


def _input_output(r: dict) -> dict:
    """``input``/``output`` text of a v2 trace: its ``inputMessages``/``outputMessages``, or its
    ``conversation`` (``TraceDetail`` of the current API: the system instructions, the messages sent
    into the trace's last LLM completion, then that completion's output, i.e. the trailing
    assistant messages)."""
    # JSON text in a CSV of API records (pandas' to_csv of the SDK's objects)
    ins, outs, conv = (loads_deep(r.get(k)) for k in ("inputMessages", "outputMessages", "conversation"))
    if not ins and not outs and isinstance(conv, list) and conv:
        cut = len(conv)
        while cut and isinstance(conv[cut - 1], dict) and conv[cut - 1].get("role") == "assistant":
            cut -= 1
        ins, outs = conv[:cut], conv[cut:]
    return {"input": text_of(ins, "input") if ins else None, "output": text_of(outs, "output") if outs else None}


def is_span(r: dict) -> bool:
    """A v2 ``Span`` (``GET .../traces/{id}/spans`` items) or ``SpanDetail`` (``.../spans/{id}``)."""
    return "spanId" in r and "passed" not in r and any(k in r for k in ("parentSpanId", "operation", "serviceName"))


def v2_span(r: dict) -> dict:
    """A v2 ``Span``/``SpanDetail`` -> a span row (its trace's row comes from the span tree). The
    list shape carries no messages; a ``SpanDetail`` has ``inputMessages``/``outputMessages``, a tool
    span ``toolInput``/``toolOutput``."""
    tid, sid = as_str(r.get("traceId"), "traceId"), as_str(r.get("spanId"), "spanId")
    if tid is None or sid is None:
        raise BadRecord(f"span without {'traceId' if tid is None else 'spanId'}")
    cost = as_float(r.get("costTotalMicrocents"), "costTotalMicrocents")
    meta = _meta(r.get("metadata"))
    status = (as_str(r.get("statusCode"), "statusCode") or "").lower()
    inp = r.get("inputMessages") or r.get("toolInput")
    out = r.get("outputMessages") or r.get("toolOutput")
    attrs = {k: r[k] for k in ("serviceName", "kind", "provider", "operation", "statusMessage", "errorType",
                               "finishReasons", "costIsEstimated", "timeToFirstTokenNs", "toolName")
             if r.get(k) not in (None, "", [])}
    return {
        "span_id": sid, "trace_id": tid, "parent_id": as_str(r.get("parentSpanId"), "parentSpanId") or None,
        "kind": as_str(r.get("operation"), "operation"), "name": as_str(r.get("name"), "name"),
        "start": as_str(r.get("startTime"), "startTime"), "end": as_str(r.get("endTime"), "endTime"),
        "model": as_str(r.get("responseModel") or r.get("model"), "model"),
        "input": text_of(inp, "input") if inp else None, "output": text_of(out, "output") if out else None,
        "input_tokens": as_int(r.get("tokensInput"), "tokensInput"),
        "output_tokens": as_int(r.get("tokensOutput"), "tokensOutput"),
        "status": None if status in ("", "unset") else status, "attributes": jdump(attrs) if attrs else None,
        "session_id": as_str(r.get("sessionId"), "sessionId"), "user_id": as_str(r.get("userId"), "userId"),
        "prompt_version": _prompt_version(meta), "tags": _split(r.get("tags")) or None,
        "cost": None if cost is None else cost / MICROCENTS_PER_USD,
    }


def annotation(r: dict) -> dict:
    """A v2 ``Annotation`` -> a feedback row."""
    tid = as_str(r.get("traceId"), "traceId")
    sid = as_str(r.get("spanId"), "spanId")
    if tid is None and sid is None:
        raise BadRecord("annotation has no traceId/spanId")
    src = as_str(r.get("sourceId"), "sourceId")
    kind = {"UI": "human", "API": "user", "SYSTEM": "llm"}.get(src or "", "human" if src else None)
    meta = _meta(r.get("metadata"))
    passed = r.get("passed")
    if isinstance(passed, str):  # a CSV cell
        passed = {"true": True, "false": False, "1": True, "0": False, "": None}.get(passed.strip().lower(), passed)
    extra = {**meta, **({"draft": True} if r.get("draftedAt") else {}),
             **({"sourceId": src} if src not in (None, "UI", "API", "SYSTEM") else {})}
    return {"trace_id": tid, "span_id": sid, "name": "annotation", "value": as_float(r.get("value"), "value"),
            "label": None if passed is None else ("pass" if passed is True else "fail"),
            "comment": as_str(r.get("feedback"), "feedback"), "annotator_kind": kind,
            "annotator": as_str(r.get("annotatorId"), "annotatorId"),
            "timestamp": as_str(r.get("createdAt"), "createdAt"), "metadata": jdump(extra) if extra else None}


def _v1_span(cols: set[str], r: dict) -> dict:
    """A row of a v1 span CSV (one prompt run; a trace may hold several) -> a span row."""
    sid, tid = as_str(r.get("span_id"), "span_id"), as_str(r.get("trace_id"), "trace_id")
    if sid is None or tid is None:
        raise BadRecord(f"missing {'span_id' if sid is None else 'trace_id'}")
    known = {"input", "output", "span_id", "trace_id", "tokens", "tokens_prompt", "tokens_cached",
             "tokens_reasoning", "tokens_completion", "model", "cost ($)", "_line"}
    params = {k: v for k, v in r.items() if k not in known}
    attrs = {k: r.get(k) for k in ("tokens", "tokens_cached", "tokens_reasoning") if r.get(k) is not None}
    return {"span_id": sid, "trace_id": tid, "kind": "llm", "model": r.get("model"),
            "input": r.get("input") if "input" in cols else (jdump(params) if params else None),
            "output": r.get("output"), "cost": as_float(r.get("cost ($)"), "cost ($)"),
            "input_tokens": as_int(r.get("tokens_prompt"), "tokens_prompt"),
            "output_tokens": as_int(r.get("tokens_completion"), "tokens_completion"),
            "attributes": jdump(attrs) if attrs else None}


def _csv_row(cols: set[str], r: dict) -> dict:
    if "traceId" in cols:
        return v2_trace(r)
    if "documentLogUuid" in cols:
        cost = as_float(r.get("costInMillicents"), "costInMillicents")
        params = _meta(r.get("parameters"))
        return {"trace_id": as_str(r.get("documentLogUuid"), "documentLogUuid"),
                "prompt_version": r.get("versionUuid"), "timestamp": r.get("timestamp"),
                "latency_ms": as_float(r.get("duration"), "duration"),
                "input": text_of(r.get("messages"), "input"), "output": r.get("response"),
                "cost": None if cost is None else cost / MILLICENTS_PER_USD,
                "metadata": jdump({"parameters": params, "tokens": as_int(r.get("tokens"), "tokens"),
                                   "finishReason": r.get("finishReason")})}
    if "trace_id" in cols and "span_id" in cols:
        return _v1_span(cols, r)
    if {"input", "output", "metadata"} <= cols:  # dataset CSV built from traces
        meta = _meta(r.get("metadata"))
        row = v2_trace({**meta, "metadata": meta.get("traceMetadata"), "inputMessages": None,
                        "outputMessages": None, "startTime": None})
        row.update(input=text_of(r.get("input"), "input"), output=text_of(r.get("output"), "output"))
        return row
    raise BadRecord("CSV columns are not a Latitude export")


def read(paths: list[Path], **options: Any) -> dict[str, Any]:
    """Read Latitude exports (any mix of the files above); see the module docstring."""
    rejects = Rejects(NAME)
    refs: list[Any] = []
    traces: list[dict] = []
    spans: list[dict] = []
    feedback: list[dict] = []
    for path in map(Path, paths):
        parquet = is_parquet(path)  # API records saved as a frame (``pd.DataFrame(items).to_parquet``)
        data = b"" if parquet else open_bytes(path)
        if parquet or data.lstrip()[:1] in (b"{", b"["):
            for p, line, raw, rec in ((f, n, r, denormalize(rec)) for f, n, r, rec in
                                      table_records(path, rejects, json_fields=frozenset())) if parquet else \
                    json_records([path], rejects, envelopes=("items", "data"), nest=True):
                refs.append(rec)
                book = {"_file": str(p), "_line": line, "_ref": len(refs) - 1}
                try:
                    if "passed" in rec or rec.get("source") == "annotation" or "annotatorId" in rec:
                        feedback.append({**annotation(rec), **book})
                    elif is_span(rec):
                        spans.append({**v2_span(rec), **book})
                    else:
                        traces.append({**v2_trace(rec), **book})
                except (BadRecord, RecursionError) as exc:
                    rejects.add(p, line, str(exc) if isinstance(exc, BadRecord) else "nested too deeply", raw or rec)
            continue
        df = csv_rows(path, data, rejects)
        cols = {c.split(".")[0] for c in df.columns}  # pandas.json_normalize columns: "metadata.promptVersion"
        for r in df.iter_rows(named=True):
            line = r.pop("_line")
            r = denormalize(r, decode=True)
            try:
                if {"traceId", "passed"} <= cols:  # annotations saved as CSV
                    feedback.append({**annotation(r), "_file": str(path), "_line": line, "_ref": None})
                    continue
                row = v2_span(r) if "traceId" in cols and is_span(r) else _csv_row(cols, r)
                if row.get("trace_id") is None:
                    raise BadRecord("missing trace id")
            except BadRecord as exc:
                rejects.add(path, line, str(exc), jdump(r))
                continue
            (spans if "span_id" in row else traces).append({**row, "_file": str(path), "_line": line, "_ref": None})
    out = assemble_traces(NAME, traces, feedback, rejects, refs, merge=True)
    if spans:  # span exports: the spans, and the traces of their trees (trace rows read too win)
        tree = assemble(NAME, spans, [], rejects, refs)
        out["spans"] = tree["spans"]
        out["traces"] = fill_from_spans(out["traces"], tree["traces"], NAME)
    return out


def sniff(path: Path, head: bytes) -> float:
    """Confidence that ``path`` is a Latitude export."""
    if head[:4] == b"PAR1":  # API records saved as Parquet: the column names are in the footer
        cols = set(parquet_columns(path) or ())
        if "traceId" in cols and (cols & {"costTotalMicrocents", "inputMessages", "conversation", "durationNs"}
                                  or {"passed", "sourceId"} <= cols):
            return 0.9
        return 0.0
    first = head.split(b"\n", 1)[0]
    if b"traceId" in first and b"durationNs" in first and b"costTotalMicrocents" in first:
        return 0.95
    if first.startswith(b"documentLogUuid,") or (b"costInMillicents" in first and b"documentLogUuid" in first):
        return 0.95
    if b"span_id" in first and b"trace_id" in first and (b"tokens_prompt" in first or b"cost ($)" in first):
        return 0.9
    if first.rstrip(b"\r").endswith(b",output,span_id,trace_id,tokens"):
        return 0.85
    if first.strip() == b"input,output,metadata" and b"costTotalMicrocents" in head:
        return 0.85
    if b'"traceId"' in head and (b'"costTotalMicrocents"' in head or b'"inputMessages"' in head):
        return 0.9
    if b'"traceId"' in head and b'"passed"' in head and b'"sourceId"' in head:
        return 0.9
    cols = {c.strip(b' "\r') for c in first.split(b",")}  # API records saved as CSV (pandas' to_csv)
    if {b"traceId", b"passed", b"sourceId"} <= cols or {b"traceId", b"spanId", b"costTotalMicrocents"} <= cols:
        return 0.9
    return 0.0


FORMAT = Format(
    name=NAME,
    description="Latitude: v2 traces CSV (cost in microcents), trace-detail/annotation JSON; "
    "v1 span and document-log CSVs",
    sniff=sniff,
    read=read,
    extensions=(".csv", ".json", ".jsonl", ".parquet", ".gz"),
    reads_together=True,
)
