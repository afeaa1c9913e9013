"""Shared helpers for loaders: reading records with their line numbers, rejects, JSON, Parquet
(timestamps are in :mod:`feedback_lab.io._timestamps`, re-exported here).

Every loader must account for every input record: it becomes a row, or a row of
``rejects`` with file, line (1-based line of JSONL/CSV, or 1-based record index in a
JSON array), format, reason and the raw text (truncated to ``RAW_LIMIT`` chars).
"""

from __future__ import annotations

import gzip
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from feedback_lab.io._archives import is_tar, untar_single, unzip_single, zip_data_names
from feedback_lab.io._otlp_proto import is_otlp_proto, otlp_proto_json
from feedback_lab.io._pandas_json import range_frame_rows
from feedback_lab.io._timestamps import parse_timestamps, to_utc
from feedback_lab.io._zstd import decompress_zstd, is_zstd

__all__ = [
    "RAW_LIMIT",
    "Rejects",
    "csv_separator",
    "csv_source",
    "csv_text",
    "glued_objects",
    "iter_json_records",
    "loads_deep",
    "open_bytes",
    "parse_timestamps",
    "refuse_foreign_binary",
    "to_float",
    "to_int",
    "to_str",
    "to_utc",
]

RAW_LIMIT = 10_000


def open_bytes(path: Path, *, proto_as_json: bool = True) -> bytes:
    """The whole file as bytes, gunzipped (or zstd-decompressed, see :mod:`._zstd`) when needed; a zip
    or tar archive (``.tar.gz`` too) gives its one data file; OTLP protobuf gives OTLP/JSON lines
    (:mod:`._otlp_proto`), or stays as it is with ``proto_as_json=False``.

    Zip: exports mailed as a one-file archive (Latitude's traces export is
    ``project_traces_traces_export_<time>.zip`` holding one CSV) are read without unpacking;
    an archive with several data files raises :class:`UnreadableFileError` listing them.
    """
    path = Path(path)
    data = path.read_bytes()
    if data[:4] == b"PK\x03\x04":
        data = unzip_single(path, data)
    elif is_zstd(data[:8]):  # the OpenTelemetry Collector's file exporter with compression: zstd
        data = decompress_zstd(path, data)
    else:
        if data[:2] == b"\x1f\x8b":
            try:
                data = gzip.decompress(data)
            except Exception as exc:  # OSError, EOFError, zlib.error
                from feedback_lab.exceptions import UnreadableFileError

                msg = f"{path}: gzip data is corrupt or truncated ({exc}). Re-export or re-download the file."
                raise UnreadableFileError(msg) from exc
        if is_tar(data):
            data = untar_single(path, data)
    data = utf8_text(path, data)
    refuse_foreign_binary(path, data)
    if proto_as_json and is_otlp_proto(data[:4096]):  # the file exporter's format: proto, or an OTLP/HTTP body
        return otlp_proto_json(path, data)
    return data


_BOMS = ((b"\x00\x00\xfe\xff", "utf-32-be"), (b"\xff\xfe\x00\x00", "utf-32-le"), (b"\xfe\xff", "utf-16-be"),
         (b"\xff\xfe", "utf-16-le"))


def utf8_text(path: Path, data: bytes, *, head: bool = False) -> bytes:
    r"""Text with a byte-order mark as plain UTF-8: the UTF-8 BOM (Excel's "CSV UTF-8", Notepad, .NET
    tools) is dropped, and UTF-16/32 with a BOM (what Windows PowerShell 5's ``>`` and ``Out-File``
    write when a CLI's output is redirected to a file) is re-encoded; other bytes are returned as
    they are. With ``head``, ``data`` is the start of a file (a character cut at its end is dropped).

    Examples
    --------
    >>> utf8_text(Path("t.json"), '{"a": "\u00e9"}'.encode("utf-16")), utf8_text(Path("t.csv"), b"\xef\xbb\xbfa,b")
    (b'{"a": "\xc3\xa9"}', b'a,b')
    >>> utf8_text(Path("t.json"), b"\xff\xfe{\x00\xd8")
    Traceback (most recent call last):
    ...
    feedback_lab.exceptions.UnreadableFileError: t.json: starts with a UTF-16-LE byte-order mark but is not valid UTF-16-LE text ...
    """
    if data[:3] == b"\xef\xbb\xbf":
        return data[3:]
    for bom, codec in _BOMS:
        if data.startswith(bom):
            body = data[len(bom):]
            try:
                text = body.decode(codec, "ignore" if head else "strict")
            except UnicodeDecodeError as exc:
                from feedback_lab.exceptions import UnreadableFileError

                msg = (f"{path}: starts with a {codec.upper()} byte-order mark but is not valid {codec.upper()} text "
                       f"({exc.reason} at byte {exc.start + len(bom)}). Save it again as UTF-8 "
                       "(PowerShell: `... | Out-File -Encoding utf8 FILE`).")
                raise UnreadableFileError(msg) from exc
            return text.encode("utf-8")
    return data


def refuse_foreign_binary(path: Path, data: bytes) -> None:
    """A clear error for binary files users save from a notebook that no reader takes: a Python
    pickle (``DataFrame.to_pickle``: unpickling runs whatever code the file holds, so it is never
    loaded), Arrow IPC / Feather (``DataFrame.to_feather``), an Excel 97-2003 workbook, and a SQLite
    database (feedback_lab's annotation store, or a platform's own, such as Phoenix's ``phoenix.db``).

    Examples
    --------
    >>> import pickle
    >>> refuse_foreign_binary(Path("spans.pkl"), pickle.dumps({"a": 1}))
    Traceback (most recent call last):
    ...
    feedback_lab.exceptions.UnreadableFileError: spans.pkl: a Python pickle (e.g. pandas DataFrame.to_pickle). ...
    """
    from feedback_lab.exceptions import UnreadableFileError

    if data[:1] == b"\x80" and data[1:2] in (b"\x02", b"\x03", b"\x04", b"\x05"):
        raise UnreadableFileError(
            f"{path}: a Python pickle (e.g. pandas DataFrame.to_pickle). feedback_lab does not unpickle files, "
            "since loading a pickle runs any code it holds. If you trust it, convert it: "
            f"pandas.read_pickle({str(path)!r}).to_parquet('export.parquet'), and read the Parquet file.")
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise UnreadableFileError(
            f"{path}: an Excel 97-2003 workbook (.xls) or another Office document, not a trace export. Save the "
            "sheet as CSV (Excel: File > Save As > CSV UTF-8) and read that.")
    if data[:16] == b"SQLite format 3\x00":
        raise UnreadableFileError(
            f"{path}: a SQLite database, not a trace export. feedback_lab's annotation store opens with "
            f"fl.AnnotationStore({str(path)!r}).to_frame(); a platform's own database (e.g. Phoenix's phoenix.db) "
            "is read through its API: export the spans (client.spans.get_spans_dataframe(...).to_parquet(...)).")
    if data[:6] == b"ARROW1":
        raise UnreadableFileError(
            f"{path}: an Arrow IPC / Feather file. Save the frame as Parquet instead (DataFrame.to_parquet, or "
            f"polars.read_ipc({str(path)!r}).write_parquet('export.parquet')) and read that.")


@dataclass
class Rejects:
    """Collects rejected records; ``.frame()`` gives the canonical ``rejects`` frame.

    Examples
    --------
    >>> r = Rejects("jsonl")
    >>> r.add("a.jsonl", 3, "invalid JSON: Expecting value", "{oops")
    >>> r.frame().shape
    (1, 5)
    """

    format: str
    rows: list[dict[str, Any]] = field(default_factory=list)
    #: per file, a function from the record number a reader passes as ``line`` to the line number
    line_maps: dict[str, Any] = field(default_factory=dict)

    def map_lines(self, file: str | Path, record_to_line) -> None:
        """Rows of ``file`` are reported by record number; ``record_to_line(n)`` gives the line."""
        self.line_maps[str(file)] = record_to_line

    def line(self, file: str | Path, line: int | None) -> int | None:
        """The line number of record/line ``line`` of ``file`` (see :meth:`map_lines`)."""
        resolve = self.line_maps.get(str(file))
        return resolve(line) if resolve is not None and line is not None else line

    def add(self, file: str | Path, line: int | None, reason: str, raw: Any) -> None:
        line = self.line(file, line)
        if not isinstance(raw, str):
            try:
                raw = json.dumps(raw, ensure_ascii=False, default=str)
            except (TypeError, ValueError):
                raw = repr(raw)
        self.rows.append(
            {
                "file": str(file),
                "line": None if line is None else int(line),
                "format": self.format,
                "reason": reason,
                "raw": raw[:RAW_LIMIT],
            }
        )

    def __len__(self) -> int:
        return len(self.rows)

    def frame(self):
        from feedback_lab.schema import conform, empty_frame

        if not self.rows:
            return empty_frame("rejects")
        import polars as pl

        return conform(pl.DataFrame(self.rows, schema_overrides={"line": pl.Int64}), "rejects")


def _decode(raw: bytes) -> tuple[str | None, str | None]:
    try:
        return raw.decode("utf-8"), None
    except UnicodeDecodeError as exc:
        return None, f"invalid UTF-8 at byte {exc.start}"


_TRAILING_COMMA = re.compile(r",\s*\]\s*\Z")
_SPACE = re.compile(r"\s*")


def _json_stream(text: str) -> list[tuple[int, str, Any, str | None]] | None:
    """The records of JSON documents written one after another, the first spanning several lines
    (a CLI's pretty-printed output appended to one file, ``langfuse api ... >> pages.json``): each
    object a record at the line it starts on, an array's elements each one. ``None`` when the first
    document ends on its first line (JSONL, read line by line instead) or does not parse. A
    document that does not parse ends the stream with an error naming its line.

    Examples
    --------
    >>> [(line, rec) for line, _, rec, _ in _json_stream('{\\n "a": 1\\n}\\n[{"b": 2}]\\n')]
    [(1, {'a': 1}), (4, {'b': 2})]
    """
    dec = json.JSONDecoder()
    pos = _SPACE.match(text).end()
    try:
        doc, end = dec.raw_decode(text, pos)
    except (json.JSONDecodeError, RecursionError):
        return None
    if "\n" not in text[pos:end]:
        return None
    out: list[tuple[int, str, Any, str | None]] = []
    line = text.count("\n", 0, pos) + 1
    while True:
        for rec in doc if isinstance(doc, list) else [doc]:
            out.append((line, _dump(rec), rec, None))
        nxt = _SPACE.match(text, end).end()
        line += text.count("\n", pos, nxt)
        pos = nxt
        if pos >= len(text):
            return out
        try:
            doc, end = dec.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError) as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            out.append((line, text[pos:pos + RAW_LIMIT], None, f"invalid JSON: {msg} (the document starting on this "
                                                             "line; the ones before it were read)"))
            return out


def iter_json_records(path: Path, data: bytes | None = None, *,
                      progress: bool = True) -> Iterator[tuple[int, str, Any, str | None]]:
    """Yield ``(line, raw_text, parsed_or_None, error_or_None)`` for a JSON or JSONL file.

    JSONL: one record per non-blank line, ``line`` is the 1-based line number.
    JSON: a top-level array yields its elements (``line`` = 1-based index in the array), as does
    a dataframe saved with ``DataFrame.to_json()`` (any whole-document orient, default index);
    any other top-level value is yielded once with ``line`` 1; an array closed after a
    trailing comma (``[{...},\n]``) is accepted. A JSON file that does not parse as a whole
    is retried as JSONL (many ``.json`` exports are really JSONL). With ``progress`` (and a
    loading bar open, :mod:`feedback_lab._progress`) it reports its position in the file.
    """
    from feedback_lab._progress import TICK_EVERY, file_ticker, ticking

    path = Path(path)
    if data is None:
        data = open_bytes(path)
    tick = file_ticker(path) if progress else None
    stripped = data.lstrip()
    if stripped[:1] in (b"[", b"{"):
        text, err = _decode(data)
        if text is not None:
            try:
                doc = json.loads(text)
            except (json.JSONDecodeError, RecursionError):
                doc = _NOT_JSON
                # an array closed after a trailing comma (``},\n]``, early @helicone/export --format json)
                fixed = _TRAILING_COMMA.sub("]", text) if stripped[:1] == b"[" else text
                if fixed != text:
                    try:
                        doc = json.loads(fixed)
                    except (json.JSONDecodeError, RecursionError):
                        pass
            if doc is not _NOT_JSON:
                doc = range_frame_rows(doc) or doc  # DataFrame.to_json() of a whole frame: its rows
                if isinstance(doc, list):
                    for i, rec in enumerate(ticking(doc, path) if progress else doc, start=1):
                        yield i, _dump(rec), rec, None
                else:
                    yield 1, text[:RAW_LIMIT], doc, None
                return
            stream = _json_stream(text)
            if stream is not None:  # pretty-printed documents one after another (CLI output appended with >>)
                yield from stream
                return
    # JSONL
    pos = 0
    for lineno, raw in enumerate(data.split(b"\n"), start=1):
        if tick is not None:
            pos += len(raw) + 1
            if lineno % TICK_EVERY == 0:
                tick(pos / len(data))
        if not raw.strip():
            continue
        text, err = _decode(raw.rstrip(b"\r"))
        if err:
            yield lineno, raw.decode("utf-8", "replace"), None, err
            continue
        try:
            yield lineno, text, json.loads(text), None
        except json.JSONDecodeError as exc:
            glued = glued_objects(text) if exc.msg == "Extra data" else None
            if glued is None:
                yield lineno, text, None, f"invalid JSON: {exc.msg} (column {exc.colno})"
            else:  # ``cat a.jsonl b.jsonl`` where a.jsonl had no final newline: both records, on one line
                for raw_rec, rec in glued:
                    yield lineno, raw_rec, rec, None
        except RecursionError:
            yield lineno, text, None, "invalid JSON: nested too deeply"


def csv_text(path: Path | str, data: bytes) -> bytes:
    r"""A CSV file's bytes as UTF-8: a file that is not UTF-8 and has no UTF-8 character at all is
    taken as Windows-1252, what Excel's "CSV (Comma delimited)" writes on Windows, and re-encoded,
    with a warning; a UTF-8 file with a few bad bytes (a cut download) is left as it is, so that its
    rows with them are rejects.

    Examples
    --------
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     csv_text("t.csv", "input\nCafé".encode("cp1252")).decode()
    'input\nCafé'
    >>> csv_text("t.csv", "input\nCafé".encode()) == "input\nCafé".encode()
    True
    """
    import warnings

    try:
        data.decode("utf-8")
        return data
    except UnicodeDecodeError:
        pass
    text = data.decode("utf-8", "replace")
    if any(ord(ch) > 127 and ch != "\ufffd" for ch in text):  # UTF-8 after all, with some bad bytes
        return data
    try:
        fixed = data.decode("cp1252")
    except UnicodeDecodeError:
        return data
    warnings.warn(f"{path}: not UTF-8; read as Windows-1252, the encoding of Excel's \"CSV (Comma delimited)\". "
                  "Check its accented characters, or save it as \"CSV UTF-8\".", UserWarning, stacklevel=5)
    return fixed.encode("utf-8")


def csv_source(path: Path | str, data: bytes) -> tuple[bytes, str]:
    """A CSV file's bytes as UTF-8 (:func:`csv_text`) and its field separator (:func:`csv_separator`)."""
    data = csv_text(path, data)
    return data, csv_separator(data[:65536], path)


def csv_separator(head: bytes, path: Path | str | None = None) -> str:
    r"""The field separator of a CSV file from its header line: a comma, else the semicolon, tab or
    bar the header holds (Excel writes ``;`` where the decimal mark is a comma, e.g. in German or
    French settings); a ``.tsv`` file is tab-separated.

    Examples
    --------
    >>> csv_separator(b"trace_id;input;output\n1;a,b;c"), csv_separator(b"trace_id,input\n"), csv_separator(b"a\tb\n")
    (';', ',', '\t')
    >>> csv_separator(b'"x;y",z\n')  # a semicolon inside quotes is text
    ','
    """
    if path is not None and Path(path).name.lower().removesuffix(".gz").removesuffix(".zst").endswith(".tsv"):
        return "\t"
    first = head.removeprefix(b"\xef\xbb\xbf").split(b"\n", 1)[0].decode("utf-8", "replace")
    counts = dict.fromkeys(",;\t|", 0)
    quoted = False
    for ch in first:
        if ch == '"':
            quoted = not quoted
        elif not quoted and ch in counts:
            counts[ch] += 1
    if counts[","]:
        return ","
    best = max(";\t|", key=counts.__getitem__)
    return best if counts[best] else ","


def glued_objects(text: str) -> list[tuple[str, Any]] | None:
    """The JSON objects of a line that holds several back to back (``{...}{...}``), else ``None``.

    Examples
    --------
    >>> [rec for _, rec in glued_objects('{"a": 1}{"b": 2} {"c": 3}')]
    [{'a': 1}, {'b': 2}, {'c': 3}]
    >>> glued_objects('{"a": 1} trailing words') is None
    True
    """
    dec = json.JSONDecoder()
    out, pos = [], _SPACE.match(text).end()
    while pos < len(text):
        try:
            rec, end = dec.raw_decode(text, pos)
        except (json.JSONDecodeError, RecursionError):
            return None
        if not isinstance(rec, dict):
            return None
        out.append((text[pos:end], rec))
        pos = _SPACE.match(text, end).end()
    return out if len(out) > 1 else None


_NOT_JSON = object()


def _dump(rec: Any) -> str:
    try:
        return json.dumps(rec, ensure_ascii=False, default=str)
    except (TypeError, ValueError, RecursionError):
        return repr(rec)[:RAW_LIMIT]


def loads_deep(value: Any, max_depth: int = 3) -> Any:
    """Decode JSON that arrived as a string, possibly encoded several times.

    Non-JSON strings are returned unchanged.

    Examples
    --------
    >>> loads_deep('"{\\\\"a\\\\": 1}"')
    {'a': 1}
    >>> loads_deep("plain text")
    'plain text'
    """
    for _ in range(max_depth):
        if not isinstance(value, str):
            return value
        s = value.strip()
        if not s or s[0] not in '[{"':
            return value
        try:
            value = json.loads(s)
        except (json.JSONDecodeError, RecursionError):
            return value
    return value


def to_str(v: Any) -> str | None:
    """``None`` stays ``None``; dicts and lists become compact JSON; anything else ``str()``."""
    if v is None:
        return None
    if isinstance(v, (dict, list)):
        return json.dumps(v, ensure_ascii=False, default=str)
    return str(v)


def to_float(v: Any) -> float | None:
    """A number (bools and numeric strings accepted, ``"true"``/``"false"`` -> 1/0); else ``ValueError``."""
    if v is None or v == "":
        return None
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)):
        return float(v)
    if isinstance(v, str):
        low = v.strip().lower()
        if low in ("true", "false"):
            return 1.0 if low == "true" else 0.0
        try:
            return float(low)
        except ValueError:
            pass
    raise ValueError(f"expected a number, got {str(v)[:60]!r}")


def to_int(v: Any) -> int | None:
    """An integral number as ``int`` (``3.0`` -> 3); else ``ValueError``."""
    f = to_float(v)
    if f is None:
        return None
    if f != f or abs(f) > 9.2e18 or f != int(f):
        raise ValueError(f"expected an integer token count, got {v!r}")
    return int(f)


def _zip_magic(path: Path) -> bytes | None:
    """The first 4 bytes of the one data file of a zip archive, read from the archive without
    unpacking the rest; ``None`` when ``path`` is not such an archive."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as zf:
            names = zip_data_names(zf)
            if len(names) != 1:
                return None
            with zf.open(names[0]) as fh:
                return fh.read(4)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return None


def is_parquet(path: Path) -> bool:
    """True when ``path`` starts with Parquet's magic bytes (whatever its name), or holds a Parquet
    file compressed (gzip, zstd) or alone in a zip or tar archive."""
    from feedback_lab.exceptions import UnreadableFileError
    from feedback_lab.io._registry import read_head

    try:
        with Path(path).open("rb") as fh:
            magic = fh.read(4)
    except OSError:
        return False
    if magic == b"PAR1":
        return True
    if magic == b"PK\x03\x04":
        return _zip_magic(path) == b"PAR1"
    try:
        return read_head(path, 4) == b"PAR1"  # unpacked: gzip, zstd, tar
    except UnreadableFileError:
        return False


def parquet_source(path: Path):
    """What polars reads a Parquet file from: its path, or the unpacked bytes (see :func:`is_parquet`)."""
    import io

    with Path(path).open("rb") as fh:
        plain = fh.read(4) == b"PAR1"
    return path if plain else io.BytesIO(open_bytes(path))


def parquet_columns(path: Path) -> list[str] | None:
    """The column names in a Parquet file's footer (for sniffing); ``None`` when it cannot be read."""
    import polars as pl

    try:
        return list(pl.read_parquet_schema(parquet_source(path)))
    except (*polars_failures(), OSError):
        return None


def read_parquet(path: Path):
    """A Parquet file (or a zip archive holding one) as a polars frame; a file polars cannot read
    (it raises several types, and panics on a damaged page) is an ``UnreadableFileError`` naming it."""
    import polars as pl

    from feedback_lab.exceptions import UnreadableFileError

    src = parquet_source(path)
    try:
        df = pl.read_parquet(src)
    except polars_failures() as exc:
        raise UnreadableFileError(f"{path}: not a readable Parquet file ({str(exc)[:300]}).") from exc
    if any(t == pl.Binary for t in df.schema.values()):
        df = _uuid_text(df, src)
    return df


def _uuid_text(df, src):
    """UUID columns (Arrow's ``arrow.uuid`` extension, which pyarrow writes for a pandas column of
    ``uuid.UUID`` objects such as the ids of LangSmith's SDK models, and polars reads as 16 bytes)
    as their usual text, ``8-4-4-4-12`` hex digits.

    Examples
    --------
    >>> import io, uuid, pandas as pd, polars as pl
    >>> buf = io.BytesIO()
    >>> pd.DataFrame({"id": [uuid.UUID(int=255)]}).to_parquet(buf)
    >>> _ = buf.seek(0)
    >>> _uuid_text(pl.read_parquet(buf), buf)["id"].to_list()
    ['00000000-0000-0000-0000-0000000000ff']
    """
    import polars as pl
    import pyarrow.parquet as pq

    if hasattr(src, "seek"):
        src.seek(0)
    import pyarrow as pa

    try:
        schema = pq.read_schema(src)
    except (OSError, ValueError, pa.ArrowException):  # polars read it: without pyarrow's view the bytes stay
        return df
    uuids = [f.name for f in schema if f.name in df.columns and df.schema[f.name] == pl.Binary
             and getattr(f.type, "extension_name", None) == "arrow.uuid"]
    if not uuids:
        return df
    hexed = {c: pl.col(c).bin.encode("hex") for c in uuids}
    return df.with_columns(pl.concat_str([h.str.slice(a, n) for a, n in ((0, 8), (8, 4), (12, 4), (16, 4), (20, 12))],
                                         separator="-").alias(c) for c, h in hexed.items())


def polars_failures() -> tuple[type[BaseException], ...]:
    """What a polars reader can raise on a malformed file: its exceptions, and the Rust
    ``PanicException`` that some corrupt inputs (e.g. a damaged Parquet page) trigger, which
    derives from ``BaseException`` and escapes ``except Exception``.

    Examples
    --------
    >>> import polars as pl
    >>> issubclass(pl.exceptions.PanicException, polars_failures())
    True
    """
    from polars.exceptions import PanicException

    return (Exception, PanicException)
