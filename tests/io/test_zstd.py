"""zstd-compressed exports: the OpenTelemetry Collector's file exporter with ``compression: zstd``.

The two layouts are written here as the exporter's source writes them
(``exporter/fileexporter/file_writer.go``, opentelemetry-collector-contrib): *native* (one zstd
stream of JSON lines, feature gate ``exporter.file.nativeCompression``) and *legacy* (each request
compressed on its own after a 4-byte big-endian length). Both must read exactly like the
uncompressed file the exporter writes without ``compression``.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import pytest

zstandard = pytest.importorskip("zstandard")

import feedback_lab as fl  # noqa: E402
from feedback_lab.exceptions import UnreadableFileError  # noqa: E402
from feedback_lab.io import _zstd  # noqa: E402

SAMPLE = Path(__file__).resolve().parents[2] / "sample_data"
OTEL = SAMPLE / "exports" / "otel" / "traces.jsonl.gz"
REAL_OTEL = Path(__file__).resolve().parents[1] / "data" / "io" / "real" / "otel"


def _lines() -> list[bytes]:
    return [ln for ln in gzip.decompress(OTEL.read_bytes()).split(b"\n") if ln.strip()]


def _legacy(messages: list[bytes]) -> bytes:
    out = b""
    for m in messages:
        frame = zstandard.ZstdCompressor(level=3).compress(m)
        out += len(frame).to_bytes(4, "big") + frame
    return out


def _same(a, b) -> None:
    for name in ("traces", "spans", "feedback", "events"):
        x, y = getattr(a, name), getattr(b, name)
        assert (x is None) == (y is None), name
        if x is not None:
            assert x.equals(y), name
    assert len(a.rejects) == len(b.rejects) == 0


@pytest.mark.parametrize("layout", ["native", "legacy"])
def test_collector_file_exporter_zstd_reads_like_the_plain_file(tmp_path, layout):
    lines = _lines()
    plain = tmp_path / "traces.json"
    plain.write_bytes(b"\n".join(lines) + b"\n")
    packed = tmp_path / "traces-zstd.json"
    if layout == "native":  # one stream, written in several flushes (several frames)
        half = len(lines) // 2
        c = zstandard.ZstdCompressor()
        packed.write_bytes(c.compress(b"\n".join(lines[:half]) + b"\n") + c.compress(b"\n".join(lines[half:]) + b"\n"))
    else:
        packed.write_bytes(_legacy(lines))
    assert fl.sniff_format(packed) == "otel"
    want, got = fl.read_traces(plain), fl.read_traces(packed)
    assert len(want.traces) == 2000
    _same(want, got)


def test_a_folder_reads_zst_files(tmp_path):
    raw = gzip.decompress((SAMPLE / "traces.jsonl.gz").read_bytes())
    (tmp_path / "traces.jsonl.zst").write_bytes(zstandard.ZstdCompressor().compress(raw))
    (tmp_path / "plain").mkdir()
    (tmp_path / "plain" / "traces.jsonl").write_bytes(raw)
    _same(fl.read_traces(tmp_path / "plain"), fl.read_traces(tmp_path))


def test_protobuf_in_either_layout_reads_like_the_plain_file(tmp_path):
    # format: proto: length-prefixed ExportTraceServiceRequest messages; with compression: zstd, one stream
    # (native) or each message compressed before its length (legacy, see tests/io/test_real_exports_otel.py)
    plain = REAL_OTEL / "file_exporter_attrs.binpb"
    native = tmp_path / "traces.binpb.zst"
    native.write_bytes(zstandard.ZstdCompressor().compress(plain.read_bytes()))
    assert fl.sniff_format(native) == "otel"
    _same(fl.read_traces(plain), fl.read_traces(native))


def test_binary_content_that_is_not_protobuf_is_a_clear_error(tmp_path):
    p = tmp_path / "traces.proto"
    p.write_bytes(_legacy([b"\x0a\x8c\x01\x0a\x12" + bytes(range(40))] * 2))
    with pytest.raises(UnreadableFileError, match=r"traces\.proto: zstd-compressed binary content that is neither "
                                                  r"OTLP protobuf nor Parquet"):
        fl.read_traces(p)


def test_truncated_legacy_message_names_the_byte_offset(tmp_path):
    data = _legacy(_lines()[:3])
    p = tmp_path / "traces.json"
    p.write_bytes(data[:-10])  # the Collector is still writing the last message
    first = int.from_bytes(data[:4], "big") + 4
    second = first + 4 + int.from_bytes(data[first:first + 4], "big")
    with pytest.raises(UnreadableFileError, match=rf"traces\.json: .*at byte {second} is truncated .*2 message"):
        fl.read_traces(p, format="otel")


def test_without_a_zstd_decompressor_the_error_says_what_to_install(tmp_path, monkeypatch):
    p = tmp_path / "traces.json"
    p.write_bytes(zstandard.ZstdCompressor().compress(b"\n".join(_lines()[:2])))
    monkeypatch.setattr(_zstd, "_decompressor", lambda: None)
    with pytest.raises(UnreadableFileError, match=r"traces\.json: zstd-compressed.*pip install zstandard"):
        fl.read_traces(p)
