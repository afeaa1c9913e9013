"""OTLP protobuf files: binary ``ExportTraceServiceRequest``/``ExportLogsServiceRequest`` messages,
decoded into the OTLP/JSON documents :mod:`feedback_lab.io._otel` reads.

Two layouts:

- the OpenTelemetry Collector's file exporter with ``format: proto`` (``exportMessageAsBuffer`` in
  ``exporter/fileexporter/file_writer.go``): every message after 4 bytes giving its length
  (big-endian ``uint32``). With ``compression: zstd`` each message is compressed first, or the
  whole file is one zstd stream (see :mod:`feedback_lab.io._zstd`); both come here decompressed;
- one bare message: the body an OTLP/HTTP exporter posts (``application/x-protobuf``), saved to a
  file (``.binpb`` is the usual name).

Each message becomes one OTLP/JSON document (JSON field names, ids in hex, 64-bit integers as
strings, enums as numbers, as the OTLP/JSON encoding writes them), and a reject's "line" is the
message's position in the file. Traces and logs (``gen_ai.evaluation.result`` log records) are told apart by parsing
(a parse whose ids are not 16 and 8 bytes is the wrong type; where both parse, the one with fewer
fields outside its schema wins); a message that parses as neither (metrics, a corrupt copy) raises :class:`~feedback_lab.exceptions.UnreadableFileError` naming its byte
offset. ``protobuf`` decodes, with the schema of :mod:`feedback_lab.io._otlp_schema`.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

__all__ = ["is_otlp_proto", "otlp_proto_documents", "otlp_proto_json"]


def _varint(buf: bytes, pos: int) -> tuple[int, int] | None:
    """``(value, next position)`` of the varint at ``pos``; ``None`` past the end of ``buf``."""
    value, shift = 0, 0
    while pos < len(buf) and shift < 64:
        b = buf[pos]
        value |= (b & 0x7F) << shift
        pos += 1
        if not b & 0x80:
            return value, pos
        shift += 7
    return None


def _nested(buf: bytes, pos: int, end: int) -> bool:
    """Whether ``buf[pos:end]`` starts as an OTLP request does: a length-delimited field numbered 1
    to 3 (resource spans or logs) holding another (resource, scope spans or logs) holding a field
    (an attribute, a scope, a span, a log record), each inside its parent. A level cut off by the
    end of ``buf`` (a file's head) counts as present."""
    for level in range(3):
        if pos >= len(buf):
            return True
        tag = buf[pos]
        if level == 2:  # any field of any wire type (a log record starts with its fixed64 time)
            return tag >> 3 >= 1 and tag & 7 in (0, 1, 2, 5)
        if tag not in (0x0A, 0x12, 0x1A):  # fields 1-3, wire type 2 (length-delimited)
            return False
        got = _varint(buf, pos + 1)
        if got is None:
            return True
        size, start = got
        if start + size > end or (size == 0 and level == 0):
            return False
        if size == 0:
            return True
        pos, end = start, start + size
    return True


def is_otlp_proto(head: bytes) -> bool:
    """Whether bytes start an OTLP traces or logs protobuf export: a bare message or the file
    exporter's length-prefixed messages. Text never matches: OTLP protobuf holds control bytes
    (lengths, ids, fixed-width times) and JSON/CSV do not.

    Examples
    --------
    >>> msg = bytes([0x0A, 6, 0x0A, 4, 0x0A, 2, 0x0A, 0])  # resource_spans { resource { attributes { } } }
    >>> is_otlp_proto(msg), is_otlp_proto(len(msg).to_bytes(4, "big") + msg), is_otlp_proto(b"\\n\\n\\n\\n{}")
    (True, True, False)
    """
    if len(head) < 4 or not any(b < 0x20 and b not in (9, 10, 13) for b in head[:4096]):
        return False
    if head[0] == 0x0A:  # one bare message
        return _nested(head, 0, 1 << 62)
    if head[0] >= 0x10:  # a message over 256 MB, or another format (Parquet starts "PAR1")
        return False
    size = int.from_bytes(head[:4], "big")
    return 0 < size and _nested(head, 4, 4 + size)


def _frames(path: Path, data: bytes) -> list[tuple[int, bytes]]:
    """``(byte offset, message)`` for each message of ``data``."""
    if data[:1] == b"\x0a":
        return [(0, data)]
    from feedback_lab.exceptions import UnreadableFileError

    out, pos = [], 0
    while pos < len(data):
        size = int.from_bytes(data[pos:pos + 4], "big")
        if pos + 4 > len(data) or pos + 4 + size > len(data):
            msg = (f"{path}: the length-prefixed protobuf message at byte {pos} is truncated ({len(out)} "
                   "message(s) before it read). The Collector may still be writing the file; copy it again "
                   "once the Collector has flushed or rotated it.")
            raise UnreadableFileError(msg)
        out.append((pos, data[pos + 4:pos + 4 + size]))
        pos += 4 + size
    return out


def _plausible(msg) -> bool:
    """Whether the ids of a parsed request have OTLP's sizes (16-byte trace ids, 8-byte span ids, or
    none): another message parsed as this type (metrics as traces) puts names and values there."""
    records = ([sp for rs in msg.resource_spans for ss in rs.scope_spans for sp in ss.spans]
               if hasattr(msg, "resource_spans") else
               [lr for rl in msg.resource_logs for sl in rl.scope_logs for lr in sl.log_records])
    return all(len(r.trace_id) in (0, 16) and len(r.span_id) in (0, 8) for r in records)


def _message(path: Path, offset: int, buf: bytes):
    """The message ``buf`` parsed as the OTLP request type it is (traces, then logs)."""
    from google.protobuf.message import DecodeError

    from feedback_lab.exceptions import UnreadableFileError
    from feedback_lab.io._otlp_schema import request_classes

    parsed = []
    for cls in request_classes():
        try:
            msg = cls.FromString(buf)
        except (DecodeError, RuntimeError):
            continue
        if not _plausible(msg):
            continue
        size = msg.ByteSize()
        msg.DiscardUnknownFields()
        parsed.append((size - msg.ByteSize(), len(parsed), msg))
    if parsed:  # the type it fits best: fields outside its schema are a newer OTLP, or the wrong type
        return min(parsed, key=lambda x: x[:2])[2]
    msg = (f"{path}: the protobuf message at byte {offset} is neither OTLP traces nor OTLP logs "
           "(metrics are not read; or the file is corrupt). Export the traces pipeline, or use "
           "the file exporter's 'format: json'.")
    raise UnreadableFileError(msg)


_KINDS: dict[str, tuple[str, int]] = {}


def _kind(fd) -> tuple[str, int]:
    """How a field's value becomes JSON: ``(json name, how)``, cached per field (``how`` + 8 for
    a repeated field)."""
    got = _KINDS.get(fd.full_name)
    if got is None:
        from google.protobuf.descriptor import FieldDescriptor as F

        if fd.type == F.TYPE_MESSAGE:
            how = 1
        elif fd.type == F.TYPE_BYTES:
            how = 2 if fd.name.endswith("_id") else 3  # ids in hex, as OTLP/JSON writes them; other bytes base64
        elif fd.type in (F.TYPE_INT64, F.TYPE_UINT64, F.TYPE_FIXED64, F.TYPE_SFIXED64, F.TYPE_SINT64):
            how = 5  # 64-bit integers as strings, as in OTLP/JSON
        elif fd.type in (F.TYPE_DOUBLE, F.TYPE_FLOAT):
            how = 6  # NaN and infinities as the strings JSON has for them
        else:
            how = 0
        got = _KINDS[fd.full_name] = (fd.json_name, how + (8 if fd.is_repeated else 0))
    return got


def _value(how: int, v: Any) -> Any:
    if how == 1:
        return _document(v)
    if how == 2:
        return v.hex()
    if how == 3:
        import base64

        return base64.b64encode(v).decode()
    if how == 6:
        return v if v - v == 0 else "NaN" if v != v else "Infinity" if v > 0 else "-Infinity"
    return str(v) if how == 5 else v


def _document(msg) -> dict:
    """A message as the dict of its OTLP/JSON form (the set fields only, JSON names); faster than
    ``json_format.MessageToDict``, which reads every field's options on every call."""
    out = {}
    for fd, v in msg.ListFields():
        name, how = _kind(fd)
        if how >= 8:
            how -= 8
            out[name] = [_value(how, x) for x in v] if how else list(v)
        elif how:
            out[name] = _value(how, v)
        else:
            out[name] = v
    return out


def otlp_proto_documents(path: Path, data: bytes) -> Iterator[tuple[int, dict]]:
    """``(1-based message number, OTLP/JSON document)`` for each message of ``data``, decoded as
    they are taken (a loading bar moves with them).

    Raises :class:`~feedback_lab.exceptions.UnreadableFileError` naming the file and byte offset
    for a truncated or undecodable message.

    Examples
    --------
    >>> from feedback_lab.io._otlp_schema import request_classes
    >>> req = request_classes()[0]()
    >>> span = req.resource_spans.add().scope_spans.add().spans.add(name="chat", span_id=b"\x01" * 8, kind=3)
    >>> buf = req.SerializeToString()
    >>> list(otlp_proto_documents(Path("t.binpb"), len(buf).to_bytes(4, "big") + buf))
    [(1, {'resourceSpans': [{'scopeSpans': [{'spans': [{'spanId': '0101010101010101', 'name': 'chat', 'kind': 3}]}]}]})]
    """
    from feedback_lab._progress import ticking

    frames = _frames(path, data)
    for k, (offset, buf) in enumerate(ticking(frames, path), 1):
        yield k, _document(_message(path, offset, buf))


def otlp_proto_json(path: Path, data: bytes) -> bytes:
    """The messages of :func:`otlp_proto_documents` as OTLP/JSON lines, one per message."""
    import json

    return "".join(json.dumps(d, ensure_ascii=False) + "\n" for _, d in otlp_proto_documents(path, data)).encode()
