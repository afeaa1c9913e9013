"""Helpers shared by the platform exporters (``_export_<platform>.py``)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

__all__ = ["epoch_s", "hex_id", "iso", "ns", "trace_bundles"]


def hex_id(value: str, nbytes: int) -> str:
    """A deterministic lower-case hex id of ``nbytes`` bytes for ``value`` (ids that already are
    hex of the right length are kept).

    Examples
    --------
    >>> hex_id("tr-000", 16) == hex_id("tr-000", 16), len(hex_id("tr-000", 8))
    (True, 16)
    >>> hex_id("4bf92f3577b34da6a3ce929d0e0e4736", 16)
    '4bf92f3577b34da6a3ce929d0e0e4736'
    """
    v = str(value)
    if len(v) == 2 * nbytes and all(c in "0123456789abcdef" for c in v):
        return v
    return hashlib.sha256(v.encode("utf-8")).hexdigest()[: 2 * nbytes]


def ns(t: dt.datetime | None) -> str | None:
    """Nanoseconds since the epoch as a string (OTLP/JSON encodes 64-bit ints as strings)."""
    if t is None:
        return None
    return str((int(t.timestamp()) * 1_000_000 + t.microsecond) * 1000)


def epoch_s(t: dt.datetime | None) -> float | None:
    return None if t is None else int(t.timestamp()) + t.microsecond / 1e6


def iso(t: dt.datetime | None, sep: str = "T") -> str | None:
    """ISO 8601 in UTC with milliseconds or microseconds and a ``Z`` suffix."""
    if t is None:
        return None
    t = t.astimezone(dt.UTC)
    return t.strftime(f"%Y-%m-%d{sep}%H:%M:%S.%f") + "Z"


def trace_bundles(ts) -> list[dict[str, Any]]:
    """``[{"trace": row, "spans": [rows...], "feedback": [rows...], "events": [rows...]}]`` in trace order.

    When a trace has no spans, one LLM span is synthesised from the trace row.
    """
    from feedback_lab._frame import to_polars

    traces = to_polars(ts.traces).to_dicts()
    spans = to_polars(ts.spans).sort("start", nulls_last=True).to_dicts()
    fb = to_polars(ts.feedback).to_dicts()
    ev = to_polars(ts.events).to_dicts()
    out = {t["trace_id"]: {"trace": t, "spans": [], "feedback": [], "events": []} for t in traces}
    for s in spans:
        if s["trace_id"] in out:
            out[s["trace_id"]]["spans"].append(s)
    for f in fb:
        if f["trace_id"] in out:
            out[f["trace_id"]]["feedback"].append(f)
    for e in ev:
        if e["trace_id"] in out:
            out[e["trace_id"]]["events"].append(e)
    for b in out.values():
        if not b["spans"]:
            t = b["trace"]
            end = None
            if t["timestamp"] is not None and t["latency_ms"] is not None:
                end = t["timestamp"] + dt.timedelta(milliseconds=t["latency_ms"])
            b["spans"].append({"span_id": f"{t['trace_id']}-llm", "trace_id": t["trace_id"], "parent_id": None,
                               "kind": "llm", "name": "llm", "start": t["timestamp"], "end": end,
                               "model": t["model"], "input": t["input"], "output": t["output"],
                               "input_tokens": t["input_tokens"], "output_tokens": t["output_tokens"],
                               "status": t["status"], "attributes": None})
    return list(out.values())


def metadata_dict(meta: str | None) -> dict[str, Any]:
    if not meta:
        return {}
    try:
        d = json.loads(meta)
    except ValueError:
        return {"metadata": meta}
    return d if isinstance(d, dict) else {"metadata": d}


def is_root(span: dict, spans: list[dict]) -> bool:
    ids = {s["span_id"] for s in spans}
    return span["parent_id"] is None or span["parent_id"] not in ids
