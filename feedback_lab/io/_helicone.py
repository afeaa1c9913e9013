"""Helicone: request exports (``@helicone/export`` JSONL/JSON/CSV, UI JSONL/CSV) and query responses.

One record = one LLM request = one ``traces`` row (``trace_id`` = ``request_id``; the CLI CSV has
only ``response_id``). Shapes read:

- ``HeliconeRequest`` records (``POST /v1/request/query-clickhouse`` ``{"data": [...]}``, CLI
  JSONL/JSON): ``request_created_at``, ``delay_ms`` -> latency, ``prompt_tokens``/``completion_tokens``
  (ClickHouse quotes 64-bit ints: ``"812"`` is accepted), ``cost`` (USD), ``model``
  (else ``request_model``), ``request_user_id``, ``properties``/``request_properties``
  (``Helicone-Session-Id`` -> session_id, ``Helicone-Prompt-Id``/``prompt_version``), ``scores``;
- UI exports (``MappedLLMRequest``: ``heliconeMetadata``, ``schema``, ``preview``, ``raw``);
- the CLI CSV (``response_id, ..., request_body, request_properties, ...``; JSON cells). The CLI
  escapes the quotes of object cells twice (``{""k"":""v""}`` after CSV unquoting): such cells
  are un-doubled before decoding;
- the CLI ``--format json`` array; early CLI versions end it with a trailing comma (``},\n]``),
  which is accepted.

Bodies: ``request_body``/``response_body`` may be JSON objects, JSON strings, or the placeholder
``{"helicone_message": "fetching body from signed_url..."}`` Helicone returns when bodies live in
S3; placeholders and ``storage_location == "not_stored_exceeded_free"`` give a null input/output and
``metadata.body_missing`` saying why (the CLI CSV never has a response body). Input = last user
message, output = assistant text (OpenAI ``choices``, OpenAI Responses ``output``, Anthropic
``content``, Gemini ``candidates``, UI ``schema``).

Feedback: one row per ``scores`` key (``{name: int}``; legacy ``{name: {value}}``):
``helicone-score-feedback`` -> ``name="user_feedback"``, annotator_kind user, label up/down;
keys ending ``-hcone-bool`` (LLM-BOOLEAN evaluators) -> suffix stripped, llm, label true/false;
other keys: annotator kind unknown (null) unless ``annotator_kinds={"name": "llm", ...}`` is
passed. Helicone keeps no comment, annotator or score time; ``updated_at`` is kept in the feedback metadata.
Trace metadata = the custom properties (plus ``Helicone-Session-Path``/``-Name``/``-Prompt-Id``).
Duplicate ``request_id``: the newest ``updated_at`` wins (as Helicone dedupes); others are rejects.
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
    messages_text,
    text_of,
)
from feedback_lab.io._platform_frames import assemble_traces, csv_rows
from feedback_lab.io._registry import Format
from feedback_lab.io._table_records import table_records

__all__ = ["FORMAT", "read"]

NAME = "helicone"
FEEDBACK_KEY = "helicone-score-feedback"
BOOL_SUFFIX = "-hcone-bool"


def _obj(v: Any, what: str) -> dict:
    v = loads_deep(v) if isinstance(v, str) else v
    if v is None or v == "":
        return {}
    if not isinstance(v, dict):
        raise BadRecord(f"{what} must be a JSON object, got {type(v).__name__}")
    return v


def _body(v: Any) -> tuple[Any, str | None]:
    """(body, why-missing) for a request/response body cell."""
    if v is None or v == "":
        return None, "absent"
    b = loads_deep(v) if isinstance(v, str) else v
    if isinstance(b, dict) and "helicone_message" in b:
        return None, "in S3 (signed_body_url); export with --include-body"
    return b, None


def _response_text(b: Any) -> str | None:
    if b is None:
        return None
    if isinstance(b, dict):
        if isinstance(b.get("choices"), list):
            t = messages_text(b["choices"], "output")
            if t is None:
                t = "".join(c.get("text", "") for c in b["choices"] if isinstance(c, dict)) or None
            return t
        if isinstance(b.get("content"), list):  # Anthropic
            return "".join(p.get("text", "") for p in b["content"] if isinstance(p, dict)) or None
        if isinstance(b.get("output"), list):  # OpenAI Responses API: output items, text in message items
            return messages_text(b["output"], "output")
        if isinstance(b.get("candidates"), list):  # Gemini: candidates[].content {role: model, parts}
            return messages_text([c["content"] for c in b["candidates"][:1]
                                  if isinstance(c, dict) and isinstance(c.get("content"), dict)], "output")
        if isinstance(b.get("messages"), list):
            return messages_text(b["messages"], "output")
    return text_of(b, "output")


def _request_text(b: Any) -> str | None:
    if b is None:
        return None
    if isinstance(b, dict):
        for k in ("messages", "input", "contents", "prompt"):  # OpenAI/Anthropic, Responses, Gemini, legacy
            if b.get(k) is not None:
                return text_of(b[k], "input")
    return text_of(b, "input")


def _record(rec: dict, kinds: dict[str, str]) -> tuple[dict, list[dict]]:
    meta_ui = loads_deep(rec.get("heliconeMetadata"))  # JSON text in a CSV of UI records
    if isinstance(meta_ui, dict):  # UI export (MappedLLMRequest)
        schema = _obj(rec.get("schema"), "schema")
        raw = _obj(rec.get("raw"), "raw")
        preview = _obj(rec.get("preview"), "preview")
        req_s, resp_s = _obj(schema.get("request"), "schema.request"), _obj(schema.get("response"), "schema.response")
        inp = _request_text(req_s) or preview.get("request") or _request_text(raw.get("request"))
        out = _response_text(resp_s) or preview.get("response") or _response_text(raw.get("response"))
        rec = {"request_id": meta_ui.get("requestId", rec.get("id")), "request_created_at": meta_ui.get("createdAt"),
               "delay_ms": meta_ui.get("latency"), "prompt_tokens": meta_ui.get("promptTokens"),
               "completion_tokens": meta_ui.get("completionTokens"), "cost": meta_ui.get("cost"),
               "model": rec.get("model"), "request_user_id": meta_ui.get("user"),
               "properties": meta_ui.get("customProperties"), "scores": meta_ui.get("scores"),
               "provider": meta_ui.get("provider"), "prompt_version": meta_ui.get("promptVersion"),
               "response_status": (meta_ui.get("status") or {}).get("code")
               if isinstance(meta_ui.get("status"), dict) else None}
        missing = {}
    else:
        req, why_in = _body(rec.get("request_body"))
        resp, why_out = _body(rec.get("response_body"))
        if rec.get("storage_location") == "not_stored_exceeded_free":
            why_in = why_out = "not stored (free-tier limit exceeded)"
        inp, out = _request_text(req), _response_text(resp)
        missing = {k: v for k, v in (("input", why_in), ("output", why_out)) if v and v != "absent"}
        if "response_body" not in rec and "request_body" in rec:
            missing["output"] = "the CLI CSV export has no response body"
    rid = as_str(rec.get("request_id"), "request_id") or as_str(rec.get("response_id"), "response_id")
    if rid is None:
        raise BadRecord("record has no request_id (or response_id)")
    props = _obj(rec.get("properties") if rec.get("properties") is not None else rec.get("request_properties"),
                 "properties")
    meta = {k: v for k, v in props.items() if not str(k).startswith("Helicone-")}
    for k in ("Helicone-Session-Path", "Helicone-Session-Name", "Helicone-Prompt-Id"):
        if k in props:
            meta[k] = props[k]
    if missing:
        meta["body_missing"] = missing
    latency = as_float(rec.get("delay_ms", rec.get("latency")), "delay_ms")
    status = as_int(rec.get("response_status"), "response_status")
    row = {
        "trace_id": rid, "session_id": as_str(props.get("Helicone-Session-Id"), "Helicone-Session-Id"),
        "user_id": as_str(rec.get("request_user_id"), "request_user_id"),
        "timestamp": as_str(rec.get("request_created_at"), "request_created_at"),
        "model": as_str(rec.get("model") or rec.get("request_model"), "model"),
        "prompt_version": as_str(rec.get("prompt_version"), "prompt_version"),
        "input": inp, "output": out, "latency_ms": latency,
        "input_tokens": as_int(rec.get("prompt_tokens"), "prompt_tokens"),
        "output_tokens": as_int(rec.get("completion_tokens"), "completion_tokens"),
        "cost": as_float(rec.get("cost", rec.get("costUSD")), "cost"),
        "status": None if status is None else ("ok" if status < 400 else "error"),
        "metadata": jdump(meta) if meta else None, "_updated": str(rec.get("updated_at") or ""),
    }
    return row, _scores(rid, rec, kinds)


def _scores(rid: str, rec: dict, kinds: dict[str, str]) -> list[dict]:
    scores = _obj(rec.get("scores"), "scores")
    if FEEDBACK_KEY not in scores and isinstance(rec.get("feedback_rating"), bool):
        scores = {**scores, FEEDBACK_KEY: int(rec["feedback_rating"])}
    out = []
    for key, v in scores.items():
        if isinstance(v, dict):  # legacy Postgres {value, valueType}
            v = v.get("value")
        val = as_float(v, f"scores[{key!r}]")
        if val is None:
            continue
        name, label, kind = str(key), None, kinds.get(str(key))
        if name == FEEDBACK_KEY:
            name, label, kind = "user_feedback", ("up" if val >= 1 else "down"), kind or "user"
        elif name.endswith(BOOL_SUFFIX):
            name = name[: -len(BOOL_SUFFIX)]
            label, kind = ("true" if val >= 1 else "false"), kinds.get(name, kind or "llm")
        ts = rec.get("feedback_created_at") if key == FEEDBACK_KEY else None
        out.append({"trace_id": rid, "span_id": None, "name": name, "value": val, "label": label, "comment": None,
                    "annotator_kind": kind, "annotator": None, "timestamp": ts,
                    "metadata": jdump({"key": str(key), "updated_at": rec.get("updated_at")})})
    return out


def read(paths: list[Path], *, annotator_kinds: dict[str, str] | None = None, **options: Any) -> dict[str, Any]:
    """Read Helicone request exports; ``annotator_kinds`` maps score names to annotator kinds."""
    kinds = dict(annotator_kinds or {})
    rejects = Rejects(NAME)
    refs: list[Any] = []
    rows: list[dict] = []
    fbs: list[dict] = []

    def take(path, line, raw, rec):
        refs.append(rec)
        book = {"_file": str(path), "_line": line, "_ref": len(refs) - 1}
        try:
            row, fb = _record(rec, kinds)
        except (BadRecord, RecursionError) as exc:
            rejects.add(path, line, str(exc) if isinstance(exc, BadRecord) else "nested too deeply", raw or rec)
            return
        rows.append({**row, **book})
        fbs.extend({**f, **book} for f in fb)

    for path in map(Path, paths):
        if is_parquet(path):  # records saved as a frame (``pd.DataFrame(records).to_parquet``)
            for p, line, _, rec in table_records(path, rejects, json_fields=frozenset()):
                take(p, line, rec, denormalize(rec))
            continue
        data = open_bytes(path)
        if data.lstrip()[:1] in (b"{", b"["):
            for p, line, raw, rec in json_records([path], rejects, envelopes=("data",), nest=True):
                take(p, line, raw, rec)
        else:
            df = _undouble_json_cells(csv_rows(path, data, rejects))
            for r in df.iter_rows(named=True):
                line = r.pop("_line")
                take(path, line, json.dumps(r, ensure_ascii=False), denormalize(r, decode=True))
    rows, fbs = _newest(rows, fbs, rejects, refs)
    for r in rows:
        r.pop("_updated", None)
    return assemble_traces(NAME, rows, fbs, rejects, refs)


def _undouble_json_cells(df):
    """Undo the CLI CSV's second quote escaping of object cells (``{""k"":""v""}`` -> ``{"k":"v"}``).

    ``@helicone/export`` (``convertToCSVRow``) JSON-encodes an object cell, doubles its quotes, then
    doubles them again when quoting the field, so after CSV unquoting the cell still has ``""``
    for every ``"``. A JSON object or array never starts ``{""``/``[""`` otherwise (that would be
    an empty key), so only such cells are changed.
    """
    import polars as pl

    cols = [c for c in ("request_body", "request_properties", "properties", "response_body") if c in df.columns]
    return df.with_columns(
        pl.when(pl.col(c).str.contains(r'^\s*[\[{]\s*""')).then(pl.col(c).str.replace_all('""', '"', literal=True))
        .otherwise(pl.col(c)).alias(c) for c in cols)


def _newest(rows, fbs, rejects, refs):
    """Keep the newest ``updated_at`` per request id (Helicone's own dedupe); reject the others."""
    best: dict[str, dict] = {}
    for r in rows:
        cur = best.get(r["trace_id"])
        if cur is None or r["_updated"] > cur["_updated"]:
            best[r["trace_id"]] = r
    keep = {id(r) for r in best.values()}
    for r in rows:
        if id(r) not in keep:
            b = best[r["trace_id"]]
            rejects.add(r["_file"], r["_line"], f"superseded: request {r['trace_id']!r} has a newer version at "
                        f"{b['_file']}:{b['_line']}", jdump(refs[r["_ref"]]))
    kept_refs = {(b["_file"], b["_line"]) for b in best.values()}
    return [r for r in rows if id(r) in keep], [f for f in fbs if (f["_file"], f["_line"]) in kept_refs]


def sniff(path: Path, head: bytes) -> float:
    """Confidence that ``path`` is a Helicone export."""
    if head[:4] == b"PAR1":  # records saved as Parquet: the column names are in the footer
        cols = set(parquet_columns(path) or ())
        ui = "heliconeMetadata" in cols or any(c.startswith("heliconeMetadata.") for c in cols)
        return 0.9 if ui or ("request_id" in cols and cols & {"delay_ms", "request_created_at", "signed_body_url"}) else 0.0
    if b"heliconeMetadata" in head or b"helicone_message" in head or b"Helicone-Session" in head:
        return 0.95
    if b'"request_id"' in head and (b'"delay_ms"' in head or b'"signed_body_url"' in head):
        return 0.95
    first = head.split(b"\n", 1)[0]
    if first.startswith(b"response_id,response_created_at,response_status,request_created_at"):
        return 0.95
    if b"request_created_at" in first and b"request_properties" in first:
        return 0.8
    return 0.0


FORMAT = Format(
    name=NAME,
    description="Helicone: request exports (CLI JSONL/JSON/CSV, UI JSONL) and query responses; scores as feedback",
    sniff=sniff,
    read=read,
    extensions=(".jsonl", ".json", ".csv", ".parquet", ".gz"),
    reads_together=True,
)
