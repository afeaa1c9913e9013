"""The files a read covers: a file, a list, a directory (its export files; sub-folders with
``recursive=True``) or a glob pattern, in a stable order (see :func:`feedback_lab.read_traces`)."""

from __future__ import annotations

import glob as _glob
from pathlib import Path

from feedback_lab.exceptions import UnreadableFileError

__all__ = ["READABLE_SUFFIXES", "expand_paths"]

#: suffixes a directory read picks up (``.gz`` and ``.zst`` only on top of one of the others)
READABLE_SUFFIXES = (".jsonl", ".ndjson", ".json", ".csv", ".tsv", ".parquet", ".binpb", ".pb")


def expand_paths(path_or_paths, *, recursive: bool = False) -> list[Path]:
    """Files to read, in a stable order (see :func:`read_traces` for the directory rule)."""
    items = [path_or_paths] if isinstance(path_or_paths, (str, Path)) else list(path_or_paths)
    if not items:
        raise UnreadableFileError("read_traces: no path given; pass a file, a directory or a glob pattern.")
    files: list[Path] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            found = _dir_files(p, recursive)
            if not found:
                listing = sorted(x.name for x in p.iterdir())[:20]
                msg = (f"{p}: directory has no readable export files (suffixes {', '.join(READABLE_SUFFIXES)}, "
                       f"optionally .gz or .zst, or .zip archives of them){' in it or its sub-folders' if recursive else ''}. "
                       f"Found: {listing}."
                       f"{'' if recursive else ' Pass recursive=True to read sub-folders (--recursive on the command line).'}")
                raise UnreadableFileError(msg)
            files.extend(found)
        elif p.exists():
            files.append(p)
        elif any(ch in str(item) for ch in "*?["):
            hits = sorted(Path(h) for h in _glob.glob(str(item), recursive=True))
            hits = [h for h in hits if h.is_file()]
            if not hits:
                raise UnreadableFileError(f"{item}: the glob pattern matches no file.")
            files.extend(hits)
        else:
            msg = f"{p}: no such file or directory (relative paths are resolved from {Path.cwd()})."
            raise UnreadableFileError(msg)
    seen: dict[Path, None] = {}
    for f in files:
        seen.setdefault(f, None)
    return list(seen)


def _readable(p: Path) -> bool:
    name = p.name.lower()
    if name.startswith((".", "_")):
        return False
    name = name.removesuffix(".gz").removesuffix(".zst")
    if name.endswith(".zip"):
        return bool(_zip_members(p))
    return name.endswith(READABLE_SUFFIXES) and not _bookkeeping(p)


#: the files ``bt sync pull`` (Braintrust's CLI) keeps next to its ``data/part-*.jsonl`` parts
_BT_SYNC_FILES = {"spec.json", "state.json", "manifest.json"}


def _bookkeeping(p: Path) -> bool:
    """An export tool's record of its own run, not data, so that reading the tool's folder reads
    its data files only:

    - ``bt sync pull``'s ``spec.json``, ``state.json`` and ``manifest.json``
      (``{"schema_version": 1, "spec_hash"|"object_ref"|"run_id": ...}``);
    - a Langfuse blob-storage export's run manifest, ``<project>/manifests/<time>.json``
      (``{"version", "projectId", "exportSource", "window", "files": [...]}``, written last by a
      completed run).
    """
    manifest = _in_manifests(p)
    if not manifest and p.name.lower() not in _BT_SYNC_FILES:
        return False
    try:
        with p.open("rb") as fh:
            head = fh.read(1024)
    except OSError:
        return False
    if manifest:
        return all(k in head for k in (b'"version"', b'"projectId"', b'"exportSource"'))
    return b'"schema_version"' in head and any(k in head for k in (b'"spec_hash"', b'"object_ref"', b'"run_id"'))


def _in_manifests(p: Path) -> bool:
    return p.parent.name == "manifests" and p.name.lower().endswith(".json")


def _check_langfuse_runs(d: Path, files: list[Path], manifests: list[Path]) -> None:
    """Warn when a Langfuse run manifest (``manifests``) lists a file the folder (``files``) does not
    hold (an incomplete bucket sync): matched on ``<table>/<file name>``, the end of the manifest's keys."""
    import json
    import warnings

    have = {(p.parent.name, p.name) for p in files}
    missing = []
    for m in manifests:
        try:
            listed = json.loads(m.read_text(encoding="utf-8")).get("files") or []
        except (OSError, ValueError, AttributeError):
            continue
        for f in listed:
            parts = str(f.get("key", "")).split("/") if isinstance(f, dict) else []
            if len(parts) >= 2 and (parts[-2], parts[-1]) not in have:
                missing.append(f"{parts[-2]}/{parts[-1]} (run {m.stem})")
    if missing:
        warnings.warn(f"{d}: the Langfuse export's run manifests list {len(missing)} file(s) that are not in this "
                      f"folder, so their rows are not loaded: {', '.join(missing[:10])}"
                      f"{' ...' if len(missing) > 10 else ''}. Sync the bucket again.",
                      UserWarning, stacklevel=5)


def _zip_members(p: Path) -> list[str] | None:
    from feedback_lab.io._archives import data_members

    return data_members(p) if p.name.lower().endswith(".zip") else None


def _dir_files(d: Path, recursive: bool) -> list[Path]:
    import warnings

    it = d.rglob("*") if recursive else d.iterdir()
    files = [p for p in it if p.is_file() and not any(part.startswith(".") for part in p.relative_to(d).parts)]
    zips = [p for p in files if p.name.lower().endswith(".zip") and not p.name.startswith("_")]
    skipped = [f"{p.name} ({'not a zip archive' if m is None else 'no export file'})"
               for p in zips if not (m := _zip_members(p))]
    if skipped:
        warnings.warn(f"{d}: skipped {len(skipped)} zip archive(s) holding no export file: "
                      f"{', '.join(sorted(skipped)[:10])}.", UserWarning, stacklevel=5)
    readable = [p for p in files if _readable(p)]
    kept = set(readable)
    # a .json in a manifests/ folder that _readable left out is a Langfuse run manifest
    manifests = [p for p in files if _in_manifests(p) and p not in kept]
    if manifests:
        _check_langfuse_runs(d, files, manifests)
    return sorted(readable)
