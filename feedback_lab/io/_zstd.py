"""zstd-compressed exports: the OpenTelemetry Collector's ``file`` exporter with ``compression: zstd``
(the only compression it offers), and any JSONL/JSON/CSV file compressed with ``zstd``.

The exporter writes one of two layouts (``exporter/fileexporter/file_writer.go`` in
opentelemetry-collector-contrib):

- *native* (feature gate ``exporter.file.nativeCompression``): the file is one zstd stream, with
  ``format: json`` holding one OTLP/JSON request per line, as without compression;
- *legacy* (the gate off): every request is compressed on its own and written after 4 bytes giving
  its compressed length (big-endian ``uint32``); ``zstd -d`` cannot read such a file.

Both give the JSON lines back; with ``format: proto`` both give the length-prefixed protobuf
messages, which :mod:`feedback_lab.io._otlp_proto` decodes. Decompression uses the standard
library's ``compression.zstd`` (Python 3.14) or else the ``zstandard`` package.
"""

from __future__ import annotations

from pathlib import Path

from feedback_lab.io._otlp_proto import is_otlp_proto

__all__ = ["ZSTD_MAGIC", "decompress_zstd", "is_zstd", "zstd_head"]

#: the 4 bytes every zstd frame starts with
ZSTD_MAGIC = b"\x28\xb5\x2f\xfd"


def is_zstd(head: bytes) -> bool:
    """Whether a file starting with ``head`` is zstd: one stream, or length-prefixed frames.

    Examples
    --------
    >>> is_zstd(ZSTD_MAGIC + b"..."), is_zstd(b"\\x00\\x00\\x00\\x2a" + ZSTD_MAGIC), is_zstd(b'{"a": 1}')
    (True, True, False)
    """
    return head[:4] == ZSTD_MAGIC or head[4:8] == ZSTD_MAGIC


def _decompressor():
    """``(data, limit) -> bytes``: the content of a zstd stream of one or more frames (its first
    ``limit`` bytes, or all of it for ``-1``); ``None`` when no zstd decompressor is installed."""
    import io

    try:
        from compression import zstd  # Python 3.14+

        def decompress(data: bytes, limit: int = -1) -> bytes:
            with zstd.ZstdFile(io.BytesIO(data)) as r:
                return r.read(limit)

        return decompress
    except ImportError:
        pass
    try:
        import zstandard
    except ImportError:
        return None

    def decompress(data: bytes, limit: int = -1) -> bytes:
        with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(data), read_across_frames=True) as r:
            return r.read(limit)

    return decompress


def zstd_head(path: Path, n: int) -> bytes:
    """The first ``n`` bytes of the content of a zstd file (for sniffing); of a single stream (the
    usual layout) without decompressing the rest.

    Examples
    --------
    >>> import tempfile, zstandard
    >>> p = Path(tempfile.mkdtemp()) / "t.jsonl.zst"
    >>> _ = p.write_bytes(zstandard.ZstdCompressor().compress(b'{"trace_id": "a"}\\n' * 1000))
    >>> zstd_head(p, 17)
    b'{"trace_id": "a"}'
    """
    data = Path(path).read_bytes()
    # one stream: only its first n bytes are decompressed; the legacy layout's messages are read whole
    return decompress_zstd(path, data, limit=n if data[:4] == ZSTD_MAGIC else -1)[:n]


def decompress_zstd(path: Path, data: bytes, *, limit: int = -1) -> bytes:
    """The content of a zstd file in either layout; JSON requests of the legacy layout one per line.

    Raises :class:`~feedback_lab.exceptions.UnreadableFileError` naming the file (and the byte
    offset of a bad frame) for corrupt or truncated data, protobuf content, or when no zstd
    decompressor is installed.
    """
    from feedback_lab.exceptions import UnreadableFileError

    decompress = _decompressor()
    if decompress is None:
        msg = (f"{path}: zstd-compressed (e.g. the OpenTelemetry Collector's file exporter with compression: zstd). "
               "Install the 'zstandard' package (pip install zstandard), or decompress it first with `zstd -d`.")
        raise UnreadableFileError(msg)
    if data[:4] == ZSTD_MAGIC:
        try:
            out = decompress(data, limit)
        except Exception as exc:  # zstandard.ZstdError, compression.zstd.ZstdError
            msg = f"{path}: zstd data is corrupt or truncated ({exc}). Re-export or re-copy the file."
            raise UnreadableFileError(msg) from exc
    else:
        parts, pos = [], 0
        while pos < len(data):
            size = int.from_bytes(data[pos:pos + 4], "big")
            frame = data[pos + 4:pos + 4 + size]
            if len(frame) < size or frame[:4] != ZSTD_MAGIC:
                msg = (f"{path}: the length-prefixed zstd message at byte {pos} is truncated or not zstd "
                       f"({len(parts)} message(s) before it read). The Collector may still be writing the file; "
                       "copy it again once the Collector has flushed or rotated it.")
                raise UnreadableFileError(msg)
            try:
                parts.append(decompress(frame, -1))
            except Exception as exc:
                msg = f"{path}: the zstd message at byte {pos} is corrupt ({exc}). Re-export or re-copy the file."
                raise UnreadableFileError(msg) from exc
            pos += 4 + size
        if parts and is_otlp_proto(parts[0][:4096]):  # format: proto, one message per frame
            out = b"".join(len(p).to_bytes(4, "big") + p for p in parts)
        else:
            out = b"\n".join(p.rstrip(b"\n") for p in parts) + b"\n"
    head = out[:4096]
    if head[:4] == b"PAR1":  # a Parquet file compressed once more
        return out
    if is_otlp_proto(head):  # format: proto, decoded by open_bytes
        return out
    if any(b < 0x20 and b not in (9, 10, 13) for b in head):  # text has no control bytes
        msg = (f"{path}: zstd-compressed binary content that is neither OTLP protobuf nor Parquet. "
               "Decompress it with `zstd -d` and check what it holds.")
        raise UnreadableFileError(msg)
    return out
