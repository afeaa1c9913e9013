"""The format registry: each export format is one module that registers a :class:`Format`.

Adding a format = one module under ``feedback_lab/io/`` that defines ``FORMAT = Format(...)``
and is listed in ``_FORMAT_MODULES``. Sniffing reads the first bytes of each file and asks
every format for a confidence in [0, 1]; the most confident format wins.
"""

from __future__ import annotations

import dataclasses
import importlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from feedback_lab.exceptions import UnreadableFileError

__all__ = ["Format", "RawFrames", "get_format", "list_formats", "register_format", "sniff_format"]

#: modules that define ``FORMAT``; imported on first use of the registry
_FORMAT_MODULES = (
    "feedback_lab.io._canonical",
    "feedback_lab.io._langfuse",
    "feedback_lab.io._langsmith",
    "feedback_lab.io._phoenix",
    "feedback_lab.io._otel",
    "feedback_lab.io._braintrust",
    "feedback_lab.io._latitude",
    "feedback_lab.io._helicone",
)

#: bytes read from the start of a file for sniffing
SNIFF_BYTES = 64 * 1024

RawFrames = dict[str, Any]
"""A reader's result: ``{"traces": pl.DataFrame | None, "spans": ..., "feedback": ..., "events": ...,
"rejects": ...}``; missing frames are allowed, columns are canonical names (conformed later)."""


@dataclasses.dataclass(frozen=True)
class Format:
    """One export format.

    Attributes
    ----------
    name : str
        Used as ``read_traces(..., format=name)``.
    description : str
        One line for ``list_formats()``.
    sniff : callable
        ``sniff(path, head) -> float``: confidence in [0, 1] that the file is in this
        format, from its path and first bytes ``head`` (already gunzipped).
    read : callable
        ``read(paths, **options) -> RawFrames``. Must account for every record:
        each one either becomes a row or a row of ``rejects`` (file, line, format,
        reason, raw).
    extensions : tuple of str
        File suffixes this format reads (``".jsonl"``, ``".csv"``...), used when a
        directory is given.
    reads_together : bool
        True when records in one file refer to records in another (Phoenix annotations
        to spans, Latitude detail files to the run list, Braintrust BTQL rows superseding
        sync rows): ``read_traces`` then passes all files of this format to one ``read``
        call, and the reader must set ``_file`` (and ``_line``) on its rows itself. False:
        one call per file, and ``read_traces`` de-duplicates across files.
    unique_traces : bool
        True when ``read`` never returns two ``traces`` rows with one ``trace_id`` (traces
        reduced from spans): when it is the only reader of a call, ``read_traces`` skips its
        duplicate check.
    """

    name: str
    description: str
    sniff: Callable[[Path, bytes], float]
    read: Callable[..., RawFrames]
    extensions: tuple[str, ...] = (".jsonl", ".json", ".csv", ".parquet", ".gz")
    reads_together: bool = False
    unique_traces: bool = False


_REGISTRY: dict[str, Format] = {}
_LOADED = False


def _load_builtin() -> None:
    global _LOADED
    if _LOADED:
        return
    _LOADED = True
    for modname in _FORMAT_MODULES:
        try:
            mod = importlib.import_module(modname)
        except ModuleNotFoundError as exc:  # a format module not written yet
            if exc.name == modname:
                continue
            raise
        fmt = getattr(mod, "FORMAT", None)
        if fmt is not None and fmt.name not in _REGISTRY:
            _REGISTRY[fmt.name] = fmt


def register_format(fmt: Format, *, replace: bool = False) -> Format:
    """Register a :class:`Format` so that ``read_traces(format=fmt.name)`` and sniffing find it.

    Examples
    --------
    >>> fmt = Format("demo", "a demo", sniff=lambda p, h: 0.0, read=lambda paths: {})
    >>> register_format(fmt, replace=True).name
    'demo'
    """
    _load_builtin()
    if fmt.name in _REGISTRY and not replace:
        msg = f"A format named {fmt.name!r} is already registered; pass replace=True to override it."
        raise ValueError(msg)
    _REGISTRY[fmt.name] = fmt
    return fmt


def get_format(name: str) -> Format:
    """The registered format called ``name`` (error lists the known ones)."""
    from feedback_lab._validation import did_you_mean

    _load_builtin()
    if name not in _REGISTRY:
        msg = (
            f"Unknown format {name!r}.{did_you_mean(name, _REGISTRY)} "
            f"Known formats: {sorted(_REGISTRY)} (or format='auto' to detect it)."
        )
        raise ValueError(msg)
    return _REGISTRY[name]


def list_formats() -> list[tuple[str, str]]:
    """``[(name, description), ...]`` of every registered format.

    Examples
    --------
    >>> "canonical" in dict(list_formats())
    True
    """
    _load_builtin()
    return [(f.name, f.description) for f in sorted(_REGISTRY.values(), key=lambda f: f.name)]


def read_head(path: Path, n: int = SNIFF_BYTES) -> bytes:
    """The first ``n`` bytes of ``path``, gunzipped (unpacked for a one-file zip or tar, decompressed
    for zstd); errors name the file."""
    import gzip

    path = Path(path)
    if not path.exists():
        msg = f"{path}: no such file. Check the path (relative paths are resolved from {Path.cwd()})."
        raise UnreadableFileError(msg)
    if path.is_dir():
        msg = f"{path}: is a directory; read_traces reads the files inside it, sniff_format needs one file."
        raise UnreadableFileError(msg)
    try:
        with path.open("rb") as fh:
            head = fh.read(max(n, 512))  # a tar header is 512 bytes
    except OSError as exc:
        msg = f"{path}: cannot be read ({exc})."
        raise UnreadableFileError(msg) from exc
    if head[:4] == b"PK\x03\x04":  # a one-file zip archive (see open_bytes)
        from feedback_lab.io._archives import unzip_single

        return unzip_single(path, path.read_bytes())[:n]
    from feedback_lab.io._zstd import is_zstd, zstd_head

    if is_zstd(head[:8]):
        return zstd_head(path, n)
    if head[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as fh:
                head = fh.read(max(n, 512))
        except (OSError, EOFError, ValueError) as exc:
            msg = f"{path}: gzip data is corrupt or truncated ({exc}). Re-export or re-download the file."
            raise UnreadableFileError(msg) from exc
        except Exception as exc:  # zlib.error
            msg = f"{path}: gzip data is corrupt ({exc}). Re-export or re-download the file."
            raise UnreadableFileError(msg) from exc
    from feedback_lab.io._archives import is_tar
    from feedback_lab.io._common import open_bytes

    if is_tar(head):  # a one-file tar archive, also .tar.gz (see open_bytes)
        return open_bytes(path)[:n]
    from feedback_lab.io._common import utf8_text

    if head[:2] in (b"\xff\xfe", b"\xfe\xff") and len(head) == max(n, 512):  # UTF-16/32: more bytes per character
        with path.open("rb") as fh:
            head = fh.read(4 * max(n, 512))
    return utf8_text(path, head, head=True)[:n]


def _comma_header(head: bytes, path: Path) -> bytes:
    """A CSV head whose fields are separated by ``;``, tabs or bars, with its header line rewritten
    comma-separated, so that the sniffers, which look for column names between commas, see them."""
    import csv
    import io

    from feedback_lab.io._common import csv_separator

    if head.lstrip()[:1] in (b"{", b"[", b"") or head[:4] == b"PAR1":
        return head
    sep = csv_separator(head, path)
    if sep == ",":
        return head
    first, nl, rest = head.partition(b"\n")
    try:
        fields = next(csv.reader(io.StringIO(first.decode("utf-8"), newline=""), delimiter=sep))
    except (UnicodeDecodeError, csv.Error, StopIteration):
        return head
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(fields)
    return out.getvalue().encode("utf-8") + nl + rest


def sniff_format(path: str | Path) -> str:
    """Recognise the export format of a file from its content (not only its name).

    Raises
    ------
    UnreadableFileError
        The file is missing, empty, binary (and not Parquet) or in no known format;
        the message names the file and the formats that were tried.
    """
    _load_builtin()
    path = Path(path)
    head = read_head(path)
    if not head.strip():
        msg = f"{path}: the file is empty. Expected a trace export (JSON, JSONL, CSV or Parquet)."
        raise UnreadableFileError(msg)
    head = _comma_header(head, path)
    scores = []
    for fmt in _REGISTRY.values():
        try:
            s = float(fmt.sniff(path, head))
        except Exception:
            s = 0.0
        scores.append((s, fmt.name))
    scores.sort(reverse=True)
    if not scores or scores[0][0] <= 0:
        from feedback_lab.io._common import refuse_foreign_binary

        refuse_foreign_binary(path, head)  # a pickle, Feather, Excel or SQLite file: say what it is and what to do
        is_binary = b"\x00" in head[:4096] and not head.startswith(b"PAR1")
        what = "binary content" if is_binary else f"content starting {head[:60]!r}"
        msg = (
            f"{path}: not a recognised trace export ({what}). Tried formats {sorted(_REGISTRY)}. "
            "Pass format=... explicitly, or convert the file to canonical CSV/JSONL "
            "(columns trace_id, input, output, ... ; see feedback_lab.schema.TRACES)."
        )
        raise UnreadableFileError(msg)
    return scores[0][1]
