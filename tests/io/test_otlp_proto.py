"""OTLP protobuf files (feedback_lab/io/_otlp_proto.py): what goes wrong with them is said clearly.

The real files come from the OpenTelemetry Python SDK (tests/data/io/real/otel, see its SOURCE.md);
the broken ones are cut from them, or built here with the schema feedback_lab declares
(feedback_lab/io/_otlp_schema.py), which the real files check.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from _fuzz_helpers import check_loader, fuzz_examples
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import feedback_lab as fl
from feedback_lab.exceptions import UnreadableFileError
from feedback_lab.io._otlp_proto import is_otlp_proto
from feedback_lab.io._otlp_schema import request_classes

ExportTraceServiceRequest, ExportLogsServiceRequest = request_classes()

REAL = Path(__file__).resolve().parents[1] / "data" / "io" / "real" / "otel"


def _framed(*messages: bytes) -> bytes:
    return b"".join(len(m).to_bytes(4, "big") + m for m in messages)


def test_a_file_cut_inside_a_message_names_its_byte_offset(tmp_path):
    data = (REAL / "file_exporter_attrs.binpb").read_bytes()
    second = 4 + int.from_bytes(data[:4], "big")
    p = tmp_path / "traces.binpb"
    p.write_bytes(data[:-7])  # the Collector is still writing the last message
    with pytest.raises(UnreadableFileError, match=rf"traces\.binpb: .*message at byte {second} is truncated "
                                                  r"\(1 message\(s\) before it read\)"):
        fl.read_traces(p)


def test_metrics_are_refused_with_the_reason(tmp_path):
    metrics = (REAL / "file_exporter_metrics.binpb").read_bytes()[4:]  # the SDK's encode_metrics
    traces = (REAL / "otlp_attrs.binpb").read_bytes()
    p = tmp_path / "mixed.binpb"
    p.write_bytes(_framed(traces, metrics))
    assert is_otlp_proto(p.read_bytes())
    with pytest.raises(UnreadableFileError, match=rf"mixed\.binpb: the protobuf message at byte {4 + len(traces)} "
                                                  r"is neither OTLP traces nor OTLP logs \(metrics are not read"):
        fl.read_traces(p, format="otel")
    with pytest.raises(UnreadableFileError, match=r"file_exporter_metrics\.binpb: .* at byte 0 is neither"):
        fl.read_traces(REAL / "file_exporter_metrics.binpb")


def test_a_span_without_an_id_is_a_reject_on_its_message(tmp_path):
    good = (REAL / "otlp_attrs.binpb").read_bytes()
    req = ExportTraceServiceRequest()
    req.resource_spans.add().scope_spans.add().spans.add(trace_id=b"\x01" * 16, name="chat")  # no span_id
    p = tmp_path / "traces.binpb"
    p.write_bytes(_framed(good, req.SerializeToString()))
    ts = fl.read_traces(p)
    assert len(ts.spans) == 4
    assert ts.rejects.select("file", "line").rows() == [(str(p), 2)]  # the second message
    assert "span" in ts.rejects["reason"][0].lower()


@pytest.mark.parametrize("text", [b"\n\n\n\ntrace_id,input\n", b"\n5\n3\n1\n", b'\n{"resourceSpans": []}\n',
                                  b"\x00\x00\x00\x05hello"])
def test_text_and_other_bytes_are_not_taken_for_protobuf(text):
    assert not is_otlp_proto(text)


def test_every_real_protobuf_file_is_recognised():
    files = sorted(REAL.glob("*.binpb*"))
    assert len(files) >= 10
    for p in files:
        head = p.read_bytes()
        assert p.suffix == ".zst" or is_otlp_proto(head[:4096]), p.name


def test_fields_from_a_newer_otlp_schema_are_skipped(tmp_path):
    # a later OTLP version adds fields; protobuf keeps them as unknown fields, and the spans still read
    data = (REAL / "otlp_attrs.binpb").read_bytes() + bytes([15 << 3, 1])  # field 15 (varint 1) on the request
    p = tmp_path / "newer.binpb"
    p.write_bytes(data)
    ts = fl.read_traces(p)
    assert ts.rejects.is_empty()
    assert (len(ts.traces), len(ts.spans), len(ts.feedback)) == (2, 4, 3)


_text = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_scalar = st.one_of(_text.map(lambda s: {"string_value": s}), st.booleans().map(lambda b: {"bool_value": b}),
                    st.integers(-(2**63), 2**63 - 1).map(lambda i: {"int_value": i}),
                    st.floats().map(lambda f: {"double_value": f}),
                    st.binary(max_size=6).map(lambda b: {"bytes_value": b}))
_any = st.recursive(_scalar, lambda inner: st.one_of(
    st.lists(inner, max_size=3).map(lambda vs: {"array_value": {"values": vs}}),
    st.lists(st.tuples(_text, inner), max_size=3).map(
        lambda kv: {"kvlist_value": {"values": [{"key": k, "value": v} for k, v in kv]}})), max_leaves=6)
_attrs = st.lists(st.tuples(st.sampled_from(["gen_ai.operation.name", "gen_ai.request.model", "gen_ai.usage.input_tokens",
                                             "gen_ai.input.messages", "session.id", "x"]), _any), max_size=4)


@st.composite
def _request(draw):
    from google.protobuf.json_format import ParseDict

    spans = []
    for i in range(draw(st.integers(1, 4))):
        spans.append({"trace_id": bytes([1 + i % 2]) * 16, "span_id": bytes([i + 1]) * 8,
                      "parent_span_id": bytes([1]) * 8 if i > 1 else b"", "name": draw(_text),
                      "kind": draw(st.integers(0, 5)), "start_time_unix_nano": draw(st.integers(0, 2**63)),
                      "end_time_unix_nano": draw(st.integers(0, 2**63)),
                      "attributes": draw(_attrs),
                      "events": [{"name": draw(st.sampled_from(["gen_ai.evaluation.result", "e"])),
                                  "time_unix_nano": 5, "attributes": draw(_attrs)}
                                 for _ in range(draw(st.integers(0, 2)))],
                      "status": {"code": draw(st.integers(0, 2)), "message": draw(_text)}})
    req = ExportTraceServiceRequest()
    ParseDict({"resource_spans": [{"scope_spans": [{"spans": []}]}]}, req)
    for sp in spans:
        target = req.resource_spans[0].scope_spans[0].spans.add()
        sp = dict(sp)
        attrs = sp.pop("attributes")
        events = sp.pop("events")
        status = sp.pop("status")
        for k, v in sp.items():
            setattr(target, k, v)
        target.status.code, target.status.message = status["code"], status["message"]
        for k, v in attrs:
            kv = target.attributes.add(key=k)
            ParseDict(_jsonable(v), kv.value)
        for ev in events:
            e = target.events.add(name=ev["name"], time_unix_nano=ev["time_unix_nano"])
            for k, v in ev["attributes"]:
                ParseDict(_jsonable(v), e.attributes.add(key=k).value)
    return req


def _special(x: float):
    """NaN and infinities as ParseDict takes them (quoted)."""
    import math

    if math.isnan(x):
        return "NaN"
    return ("Infinity" if x > 0 else "-Infinity") if math.isinf(x) else x


def _jsonable(v):
    """An AnyValue spec as ParseDict takes it (bytes as base64, 64-bit ints as text)."""
    import base64

    if isinstance(v, dict):
        return {k: (base64.b64encode(x).decode() if k == "bytes_value" else str(x) if k == "int_value"
                    else _special(x) if k == "double_value" else _jsonable(x)) for k, x in v.items()}
    if isinstance(v, list):
        return [_jsonable(x) for x in v]
    return v


@settings(max_examples=fuzz_examples(40), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(req=_request())
def test_protobuf_reads_as_protobufs_own_json_mapping_does(req, tmp_path):
    # the reference: google.protobuf.json_format.MessageToJson, the generic encoder, read by the OTLP/JSON path
    from google.protobuf.json_format import MessageToJson

    proto, text = tmp_path / "r.binpb", tmp_path / "r.json"
    proto.write_bytes(req.SerializeToString())
    text.write_text(MessageToJson(req, indent=None))
    got, want = fl.read_traces(proto, format="otel"), fl.read_traces(text, format="otel")
    for frame in ("traces", "spans", "feedback", "events"):
        a, b = getattr(got, frame), getattr(want, frame)
        assert a.equals(b), frame
    assert got.rejects.drop("file", "raw").equals(want.rejects.drop("file", "raw"))


@st.composite
def _damaged(draw, data: bytes) -> bytes:
    """A protobuf file with bytes flipped, cut, inserted or removed: what a bad copy or disk gives."""
    kind = draw(st.sampled_from(["flip", "truncate", "insert", "delete"]))
    i = draw(st.integers(0, len(data) - 1))
    if kind == "flip":
        return data[:i] + bytes([data[i] ^ draw(st.integers(1, 255))]) + data[i + 1:]
    if kind == "truncate":
        return data[:i]
    if kind == "insert":
        return data[:i] + draw(st.binary(min_size=1, max_size=8)) + data[i:]
    return data[:i] + data[i + draw(st.integers(1, 8)):]


PROTO_SEEDS = sorted(p for p in REAL.glob("*.binpb"))


@settings(max_examples=fuzz_examples(60), deadline=None, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(d=st.data())
def test_damaged_protobuf_loads_or_fails_naming_the_file(d, tmp_path):
    seed = d.draw(st.sampled_from(PROTO_SEEDS))
    target = tmp_path / seed.name
    target.write_bytes(d.draw(_damaged(seed.read_bytes())))
    check_loader("otel", [target], target)


def _as_protobuf(json_lines: bytes, cls) -> bytes:
    """OTLP/JSON lines -> the file exporter's format: proto (protobuf's JSON mapping reads ids as
    base64, OTLP/JSON writes them in hex)."""
    import base64
    import json

    from google.protobuf.json_format import ParseDict

    def fix(o):
        if isinstance(o, dict):
            return {k: base64.b64encode(bytes.fromhex(v)).decode() if k in ("traceId", "spanId", "parentSpanId") and v
                    else fix(v) for k, v in o.items()}
        return [fix(x) for x in o] if isinstance(o, list) else o

    return _framed(*(ParseDict(fix(json.loads(line)), cls()).SerializeToString()
                     for line in json_lines.splitlines() if line.strip()))


def test_the_sample_export_reads_the_same_as_protobuf(tmp_path):
    import gzip

    sample = Path(__file__).resolve().parents[2] / "sample_data" / "exports" / "otel"
    (tmp_path / "traces.binpb").write_bytes(
        _as_protobuf(gzip.decompress((sample / "traces.jsonl.gz").read_bytes()), ExportTraceServiceRequest))
    (tmp_path / "logs.binpb").write_bytes(
        _as_protobuf(gzip.decompress((sample / "logs.jsonl.gz").read_bytes()), ExportLogsServiceRequest))
    got, want = fl.read_traces(tmp_path), fl.read_traces(sample)
    assert len(want.traces) > 100
    for frame in ("traces", "spans", "feedback", "events"):
        assert getattr(got, frame).equals(getattr(want, frame)), frame
    assert got.rejects.height == want.rejects.height == 0
