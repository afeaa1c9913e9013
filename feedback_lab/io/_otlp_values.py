"""OTLP/JSON values: ``AnyValue`` objects, attribute lists and ids (for :mod:`feedback_lab.io._otel`).

OTLP/JSON names fields in lowerCamelCase (``stringValue``, ``traceId``); protobuf's JSON mapping
also accepts the proto field names (``string_value``, ``trace_id``), which Phoenix writes. Ids are
hex in OTLP/JSON and base64 in protobuf's JSON mapping (``MessageToJson``, Tempo).

Examples
--------
>>> attributes([{"key": "gen_ai.usage.input_tokens", "value": {"intValue": "12"}}])
{'gen_ai.usage.input_tokens': 12}
>>> otel_id("AAAAAAAAAAAAAAAAAAAAAQ==", 16, "traceId")
'00000000000000000000000000000001'
"""

from __future__ import annotations

import base64
import binascii
import re
from functools import cache
from typing import Any

from feedback_lab.io._platform_common import BadRecord, as_float, jdump

__all__ = ["any_value", "attributes", "field", "otel_id", "snake_name"]


@cache
def snake_name(key: str) -> str:
    """``traceId`` -> ``trace_id`` (the proto field name of an OTLP/JSON key)."""
    return re.sub(r"(?<!^)([A-Z])", r"_\1", key).lower()


def field(obj: dict, key: str) -> Any:
    """``obj[key]`` by its OTLP/JSON (lowerCamelCase) name, or by the proto field name
    (``trace_id`` for ``traceId``) that protobuf's JSON mapping also accepts and Phoenix writes."""
    v = obj.get(key)
    return v if v is not None else obj.get(snake_name(key))


def any_value(v: Any, depth: int = 0) -> Any:
    """Decode an OTLP/JSON ``AnyValue`` (``{"stringValue": ...}``...) to a Python value."""
    if depth > 64:
        raise BadRecord("attribute value nested too deeply")
    if not isinstance(v, dict):
        return v  # lenient: plain JSON values written by hand-rolled exporters
    if len(v) == 1:  # the usual {"stringValue": ...}: the checks below, without scanning
        k, x = next(iter(v.items()))
        if x is None:
            return None
        if k == "stringValue" and isinstance(x, str):
            return x
        if "_" in k:
            v = {_CAMEL.get(k, k): x}
    else:
        if any("_" in k for k in v):  # proto field names: string_value, int_value, ...
            v = {_CAMEL.get(k, k): x for k, x in v.items()}
        if any(x is None for x in v.values()):  # every field present, the unset ones null (Phoenix's
            v = {k: x for k, x in v.items() if x is not None}  # GET /v1/projects/{p}/spans/otlpv1)
        if not v:
            return None
    if "stringValue" in v:
        return v["stringValue"] if isinstance(v["stringValue"], str) else jdump(v["stringValue"])
    if "intValue" in v:
        try:
            return int(v["intValue"])
        except (TypeError, ValueError, OverflowError):  # OverflowError: 1e999 parses as an infinite float
            raise BadRecord(f"intValue {jdump(v['intValue'])[:40]!r} is not an integer") from None
    if "doubleValue" in v:
        d = v["doubleValue"]
        return as_float(d, "doubleValue") if not isinstance(d, str) or d not in ("NaN", "Infinity", "-Infinity") else None
    if "boolValue" in v:
        return bool(v["boolValue"])
    if "arrayValue" in v:
        vals = (v["arrayValue"] or {}).get("values") or []
        if not isinstance(vals, list):
            raise BadRecord("arrayValue.values must be a list")
        return [any_value(x, depth + 1) for x in vals]
    if "kvlistValue" in v:
        return attributes((v["kvlistValue"] or {}).get("values") or [], depth + 1)
    if "bytesValue" in v:
        return v["bytesValue"]
    raise BadRecord(f"unknown AnyValue {jdump(v)[:60]!r}")


_CAMEL = {snake_name(k): k for k in ("stringValue", "intValue", "doubleValue", "boolValue", "arrayValue",
                                   "kvlistValue", "bytesValue")}


def attributes(lst: Any, depth: int = 0) -> dict[str, Any]:
    """``[{"key": k, "value": AnyValue}, ...]`` (or a plain dict) -> ``{k: value}``."""
    if lst is None:
        return {}
    if isinstance(lst, dict):
        return dict(lst)
    if not isinstance(lst, list):
        raise BadRecord(f"attributes must be a list of key/value objects, got {type(lst).__name__}")
    out = {}
    for kv in lst:
        if not isinstance(kv, dict) or not isinstance(kv.get("key"), str):
            raise BadRecord(f"attribute entry {jdump(kv)[:60]!r} has no string 'key'")
        out[kv["key"]] = any_value(kv.get("value"), depth + 1)
    return out


_HEX = re.compile(r"[0-9a-fA-F]+")


def otel_id(v: Any, nbytes: int, what: str) -> str | None:
    """Hex (any case, optional ``0x``) or base64 OTLP ids -> lower-case hex."""
    if v is None or v == "":
        return None
    if not isinstance(v, str):
        raise BadRecord(f"{what} must be a string, got {type(v).__name__}")
    s = v.strip()
    s = s[2:] if s[:2].lower() == "0x" else s
    hexa = _HEX.fullmatch(s) is not None
    if len(s) == 2 * nbytes and hexa:
        return s.lower()
    try:
        raw = base64.b64decode(s, validate=True)
    except (binascii.Error, ValueError):
        raw = b""
    if len(raw) == nbytes:
        return raw.hex()
    if hexa and len(s) <= 2 * nbytes:
        return s.lower().rjust(2 * nbytes, "0")
    return s  # not an OTLP id, but an id all the same (hand-written exports): kept verbatim
