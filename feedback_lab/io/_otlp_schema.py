"""The OTLP messages feedback_lab decodes (traces and logs requests), declared for ``protobuf``.

Field names, numbers and types are those of the OTLP schema (``opentelemetry/proto/{common,
resource,trace,logs}/v1/*.proto`` and ``collector/{trace,logs}/v1/*_service.proto`` in
open-telemetry/opentelemetry-proto); enums are declared as the ``int32`` they are on the wire, so
they decode to their numbers, as OTLP/JSON writes them. Fields a newer OTLP adds are kept by
protobuf as unknown fields and skipped.

Why not the ``opentelemetry-proto`` package, which generates these classes: it installs an
``opentelemetry`` namespace package without ``opentelemetry-api``, and Ray's dashboard agent then
fails to start (it imports ``opentelemetry.metrics`` when ``opentelemetry`` is importable, and
only an absent module is handled), which breaks :mod:`feedback_lab.scale`. ``protobuf`` itself
decodes; only the schema is written here. ``tests/io/test_real_exports_otel.py`` checks it
against files the OpenTelemetry SDK encoded with the official classes.
"""

from __future__ import annotations

from functools import cache

__all__ = ["request_classes"]

# (message, [(field, number, type, repeated, message type)]); types as descriptor_pb2 names them
_I32, _U32, _I64, _F32, _F64, _DBL = "int32", "uint32", "int64", "fixed32", "fixed64", "double"
_STR, _BYTES, _BOOL, _MSG = "string", "bytes", "bool", "message"
_SCHEMA = {
    "AnyValue": [("string_value", 1, _STR, False, None), ("bool_value", 2, _BOOL, False, None),
                 ("int_value", 3, _I64, False, None), ("double_value", 4, _DBL, False, None),
                 ("array_value", 5, _MSG, False, "ArrayValue"), ("kvlist_value", 6, _MSG, False, "KeyValueList"),
                 ("bytes_value", 7, _BYTES, False, None)],
    "ArrayValue": [("values", 1, _MSG, True, "AnyValue")],
    "KeyValueList": [("values", 1, _MSG, True, "KeyValue")],
    "KeyValue": [("key", 1, _STR, False, None), ("value", 2, _MSG, False, "AnyValue")],
    "InstrumentationScope": [("name", 1, _STR, False, None), ("version", 2, _STR, False, None),
                             ("attributes", 3, _MSG, True, "KeyValue"), ("dropped_attributes_count", 4, _U32, False, None)],
    "Resource": [("attributes", 1, _MSG, True, "KeyValue"), ("dropped_attributes_count", 2, _U32, False, None)],
    "ExportTraceServiceRequest": [("resource_spans", 1, _MSG, True, "ResourceSpans")],
    "ResourceSpans": [("resource", 1, _MSG, False, "Resource"), ("scope_spans", 2, _MSG, True, "ScopeSpans"),
                      ("schema_url", 3, _STR, False, None)],
    "ScopeSpans": [("scope", 1, _MSG, False, "InstrumentationScope"), ("spans", 2, _MSG, True, "Span"),
                   ("schema_url", 3, _STR, False, None)],
    "Span": [("trace_id", 1, _BYTES, False, None), ("span_id", 2, _BYTES, False, None),
             ("trace_state", 3, _STR, False, None), ("parent_span_id", 4, _BYTES, False, None),
             ("flags", 16, _F32, False, None), ("name", 5, _STR, False, None), ("kind", 6, _I32, False, None),
             ("start_time_unix_nano", 7, _F64, False, None), ("end_time_unix_nano", 8, _F64, False, None),
             ("attributes", 9, _MSG, True, "KeyValue"), ("dropped_attributes_count", 10, _U32, False, None),
             ("events", 11, _MSG, True, "Event"), ("dropped_events_count", 12, _U32, False, None),
             ("links", 13, _MSG, True, "Link"), ("dropped_links_count", 14, _U32, False, None),
             ("status", 15, _MSG, False, "Status")],
    "Event": [("time_unix_nano", 1, _F64, False, None), ("name", 2, _STR, False, None),
              ("attributes", 3, _MSG, True, "KeyValue"), ("dropped_attributes_count", 4, _U32, False, None)],
    "Link": [("trace_id", 1, _BYTES, False, None), ("span_id", 2, _BYTES, False, None),
             ("trace_state", 3, _STR, False, None), ("attributes", 4, _MSG, True, "KeyValue"),
             ("dropped_attributes_count", 5, _U32, False, None), ("flags", 6, _F32, False, None)],
    "Status": [("message", 2, _STR, False, None), ("code", 3, _I32, False, None)],
    "ExportLogsServiceRequest": [("resource_logs", 1, _MSG, True, "ResourceLogs")],
    "ResourceLogs": [("resource", 1, _MSG, False, "Resource"), ("scope_logs", 2, _MSG, True, "ScopeLogs"),
                     ("schema_url", 3, _STR, False, None)],
    "ScopeLogs": [("scope", 1, _MSG, False, "InstrumentationScope"), ("log_records", 2, _MSG, True, "LogRecord"),
                  ("schema_url", 3, _STR, False, None)],
    "LogRecord": [("time_unix_nano", 1, _F64, False, None), ("observed_time_unix_nano", 11, _F64, False, None),
                  ("severity_number", 2, _I32, False, None), ("severity_text", 3, _STR, False, None),
                  ("body", 5, _MSG, False, "AnyValue"), ("attributes", 6, _MSG, True, "KeyValue"),
                  ("dropped_attributes_count", 7, _U32, False, None), ("flags", 8, _F32, False, None),
                  ("trace_id", 9, _BYTES, False, None), ("span_id", 10, _BYTES, False, None),
                  ("event_name", 12, _STR, False, None)],
}
_PACKAGE = "feedback_lab.otlp"


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(w[:1].upper() + w[1:] for w in rest)


@cache
def request_classes() -> tuple[type, type]:
    """``(ExportTraceServiceRequest, ExportLogsServiceRequest)`` message classes.

    Examples
    --------
    >>> Traces, Logs = request_classes()
    >>> req = Traces()
    >>> req.resource_spans.add().scope_spans.add().spans.add(name="chat", kind=3).name
    'chat'
    """
    from google.protobuf import descriptor_pb2, descriptor_pool, message_factory

    F = descriptor_pb2.FieldDescriptorProto
    types = {_I32: F.TYPE_INT32, _U32: F.TYPE_UINT32, _I64: F.TYPE_INT64, _F32: F.TYPE_FIXED32,
             _F64: F.TYPE_FIXED64, _DBL: F.TYPE_DOUBLE, _STR: F.TYPE_STRING, _BYTES: F.TYPE_BYTES,
             _BOOL: F.TYPE_BOOL, _MSG: F.TYPE_MESSAGE}
    file = descriptor_pb2.FileDescriptorProto(name="feedback_lab_otlp.proto", package=_PACKAGE, syntax="proto3")
    for message, fields in _SCHEMA.items():
        m = file.message_type.add(name=message)
        oneof = message == "AnyValue"
        if oneof:
            m.oneof_decl.add(name="value")
        for name, number, kind, repeated, ref in fields:
            f = m.field.add(name=name, number=number, type=types[kind], json_name=_camel(name),
                            label=F.LABEL_REPEATED if repeated else F.LABEL_OPTIONAL)
            if ref:
                f.type_name = f".{_PACKAGE}.{ref}"
            if oneof:
                f.oneof_index = 0
    pool = descriptor_pool.DescriptorPool()
    pool.Add(file)
    return tuple(message_factory.GetMessageClass(pool.FindMessageTypeByName(f"{_PACKAGE}.{n}"))
                 for n in ("ExportTraceServiceRequest", "ExportLogsServiceRequest"))
