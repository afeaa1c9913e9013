"""Archives holding several export files (zip, tar, tar.gz), read like the folder they were made from.

For one ``read_traces`` call the archive's export files (the suffixes a folder read takes; hidden
files and macOS ``__MACOSX/`` forks left out) are unpacked into a temporary folder, read as if
passed one by one, and removed afterwards. Rejects and error messages name a file as
``<archive>/<member>`` (``exports.zip/runs/part-0.jsonl``), never the temporary copy. An archive
holding one file is read in place by :func:`feedback_lab.io._common.open_bytes`.

Member names are cleaned before anything is written (no absolute paths, no ``..``), so an archive
cannot write outside its temporary folder.
"""

from __future__ import annotations

import contextlib
import gzip
import tarfile
import tempfile
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path, PurePosixPath

__all__ = ["data_members", "is_tar", "unpacked", "untar_single", "unzip_single", "zip_data_names"]


def is_tar(head: bytes) -> bool:
    """Whether bytes start a tar archive (POSIX ``ustar`` magic at offset 257)."""
    return head[257:262] == b"ustar"


def untar_single(path: Path, data: bytes) -> bytes:
    """The bytes of the single data file of a tar archive (also inside gzip: ``.tar.gz``)."""
    import io

    from feedback_lab.exceptions import UnreadableFileError

    try:
        with tarfile.open(fileobj=io.BytesIO(data)) as tf:
            members = [m for m in tf.getmembers() if m.isfile() and not m.name.rsplit("/", 1)[-1].startswith(".")]
            fh = tf.extractfile(members[0]) if len(members) == 1 else None
            inner = fh.read() if fh is not None else None
    except (tarfile.TarError, OSError, EOFError, ValueError) as exc:
        msg = f"{path}: tar data is corrupt or unsupported ({exc}). Extract it and pass the file inside."
        raise UnreadableFileError(msg) from exc
    if inner is None:
        names = [m.name for m in members][:10]
        msg = (f"{path}: a tar archive with {len(members)} files {names}, where one file was expected. "
               "read_traces reads such an archive like the folder it was made from; or extract it (tar xf).")
        raise UnreadableFileError(msg)
    return inner


def zip_data_names(zf) -> list[str]:
    """The data files of an open ``zipfile.ZipFile``: not folders, macOS resource forks or hidden files."""
    return [i.filename for i in zf.infolist() if not i.is_dir() and not i.filename.startswith("__MACOSX/")
            and not i.filename.rsplit("/", 1)[-1].startswith(".")]


def unzip_single(path: Path, data: bytes) -> bytes:
    """The bytes of the single data file of a zip archive (directories and ``__MACOSX/`` skipped)."""
    import io

    from feedback_lab.exceptions import UnreadableFileError

    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            names = zip_data_names(zf)
            inner = zf.read(names[0]) if len(names) == 1 else None
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        msg = f"{path}: zip data is corrupt or unsupported ({exc}). Unzip it and pass the file inside."
        raise UnreadableFileError(msg) from exc
    if inner is None:
        msg = (f"{path}: a zip archive with {len(names)} files {names[:10]}, where one file was expected. "
               "read_traces reads such an archive like the folder it was made from; or unzip it.")
        raise UnreadableFileError(excel_hint(msg, names, path))
    return inner


def excel_hint(msg: str, names: list[str], path: Path) -> str:
    """``msg``, told that the archive is an Excel workbook when it is one (an ``.xlsx`` is a zip).

    Examples
    --------
    >>> excel_hint("t.xlsx: no export file.", ["[Content_Types].xml", "xl/workbook.xml"], Path("t.xlsx"))[:60]
    't.xlsx: an Excel workbook (.xlsx), not a trace export. Save '
    """
    if "xl/workbook.xml" not in names:
        return msg
    return (f"{path}: an Excel workbook (.xlsx), not a trace export. Save the sheet as CSV (Excel: File > Save As > "
            f"CSV UTF-8; pandas: pandas.read_excel({str(path)!r}).to_csv('export.csv', index=False)) and read that.")


def _kind(path: Path) -> str | None:
    """``"zip"``, ``"tar"`` (also gzipped) or ``None``, from the first bytes."""
    try:
        with path.open("rb") as fh:
            head = fh.read(512)
        if head[:2] == b"\x1f\x8b":
            with gzip.open(path, "rb") as fh:
                head = fh.read(512)
    except (OSError, EOFError, ValueError):
        return None
    if head[:4] == b"PK\x03\x04":
        return "zip"
    return "tar" if is_tar(head) else None


def _exportable(name: str) -> bool:
    from feedback_lab.io._paths import READABLE_SUFFIXES

    base = name.rsplit("/", 1)[-1].lower()
    if not base or base.startswith((".", "_")) or name.startswith("__MACOSX/"):
        return False
    return base.removesuffix(".gz").removesuffix(".zst").endswith(READABLE_SUFFIXES)


def _listing(path: Path, kind: str) -> list[str]:
    """Names of the files (not folders) an archive holds."""
    if kind == "zip":
        with zipfile.ZipFile(path) as zf:
            return [i.filename for i in zf.infolist() if not i.is_dir()]
    with tarfile.open(path) as tf:
        return [m.name for m in tf.getmembers() if m.isfile()]


def data_members(path: Path) -> list[str] | None:
    """The export files in a zip or tar archive (what a read takes from it), in archive order;
    ``None`` when ``path`` is not a readable archive.

    Examples
    --------
    >>> import io, zipfile, tempfile
    >>> p = Path(tempfile.mkdtemp()) / "export.zip"
    >>> with zipfile.ZipFile(p, "w") as zf:
    ...     for name in ("runs/part-0.jsonl", "feedback.csv", "README.md", "__MACOSX/._feedback.csv"):
    ...         zf.writestr(name, "x")
    >>> data_members(p)
    ['runs/part-0.jsonl', 'feedback.csv']
    """
    kind = _kind(Path(path))
    if kind is None:
        return None
    try:
        return [n for n in _listing(Path(path), kind) if _exportable(n)]
    except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError):
        return None


def _safe(name: str) -> PurePosixPath:
    """A member name as a relative path inside the unpack folder (no root, no ``..``)."""
    parts = [p for p in PurePosixPath(name.replace("\\", "/")).parts if p not in ("", ".", "..", "/")]
    return PurePosixPath(*parts) if parts else PurePosixPath("file")


def _unpack(path: Path, kind: str, into: Path) -> list[Path]:
    """Write the archive's export files under ``into``; the paths written, in archive order."""
    from feedback_lab.exceptions import UnreadableFileError

    out: list[Path] = []
    try:
        if kind == "zip":
            with zipfile.ZipFile(path) as zf:
                members = [(i.filename, lambda i=i: zf.read(i)) for i in zf.infolist() if not i.is_dir()]
                out = _write(members, into)
        else:
            with tarfile.open(path) as tf:
                files = [m for m in tf.getmembers() if m.isfile()]
                out = _write([(m.name, lambda m=m: tf.extractfile(m).read()) for m in files], into)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, tarfile.TarError, OSError, EOFError, ValueError,
            NotImplementedError) as exc:
        msg = f"{path}: the archive is corrupt or unsupported ({exc}). Unpack it and read the folder."
        raise UnreadableFileError(msg) from exc
    return out


def _write(members: list[tuple[str, Callable[[], bytes]]], into: Path) -> list[Path]:
    out = []
    for name, read in members:
        if not _exportable(name):
            continue
        dest = into / _safe(name)
        while dest in out:  # two names that clean to the same path
            dest = dest.with_name("_" + dest.name)
        dest.parent.mkdir(parents=True, exist_ok=True)
        dest.write_bytes(read())
        out.append(dest)
    return out


@contextlib.contextmanager
def unpacked(files: list[Path]) -> Iterator[tuple[list[Path], Callable[[str], str]]]:
    """``(files, rename)`` for one read: each archive holding several files replaced by its export
    files, unpacked into a temporary folder removed on exit; ``rename`` turns a temporary path in a
    text (a reject's file, an error message) back into ``<archive>/<member>``.

    An archive holding no export file is an :class:`~feedback_lab.exceptions.UnreadableFileError`
    listing what it holds.
    """
    from feedback_lab.exceptions import UnreadableFileError

    todo = []
    for p in files:
        kind = _kind(p)
        if kind is None:
            continue
        try:
            names = _listing(p, kind)
        except (zipfile.BadZipFile, tarfile.TarError, OSError, EOFError, ValueError):
            continue  # the reader raises the error that names the file
        real = [n for n in names if not n.startswith("__MACOSX/") and not n.rsplit("/", 1)[-1].startswith(".")]
        if len(real) > 1:
            todo.append((p, kind, names))
    if not todo:
        yield files, (lambda text: text)
        return
    with tempfile.TemporaryDirectory(prefix="feedback_lab-") as tmp:
        swap: dict[Path, list[Path]] = {}
        names_of: dict[str, str] = {}
        for i, (p, kind, names) in enumerate(todo):
            into = Path(tmp) / str(i) / p.name
            got = _unpack(p, kind, into)
            if not got:
                msg = (f"{p}: the archive holds no export file (suffixes .jsonl .ndjson .json .csv .tsv .parquet, "
                       f"optionally .gz or .zst); it holds {names[:10]}.")
                raise UnreadableFileError(excel_hint(msg, names, p))
            swap[p] = got
            names_of[str(into)] = str(p)

        def rename(text: str) -> str:
            for tmp_dir, archive in names_of.items():
                text = text.replace(tmp_dir, archive)
            return text

        yield [q for p in files for q in swap.get(p, [p])], rename
