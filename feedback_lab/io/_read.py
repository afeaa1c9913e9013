"""``read_traces`` / ``read_feedback``: any export (file, list, directory or glob) -> TraceSet.

Accounting (the invariant tests check): every record of every input file ends up in exactly
one place: a row of ``traces``, ``spans``, ``feedback`` or ``events`` (the frame its format
maps it to), or a row of ``rejects`` with file, line, reason and raw text. For the canonical
format, a record is a JSONL line, a JSON array element or a CSV/Parquet row, and
``records == len(traces) + len(spans) + len(feedback) + len(events) + len(rejects)`` (a CSV row
that carries both trace text and a feedback value counts once in each of traces and feedback).
Platform formats document what one of their records yields (e.g. one Langfuse trace object
-> one traces row, its observations -> spans, its scores -> feedback).

Duplicate trace ids: the first row wins; later rows go to ``rejects`` with reason
``duplicate trace_id``. Rows a reader derived from spans (marked ``_derived``) are not
duplicates of an explicit trace row: they fill its empty columns instead (a Langfuse
``traces.jsonl`` + ``observations.jsonl`` pair loads as one row per trace).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Literal

from feedback_lab.exceptions import FeedbackLabError, FormatError, UnreadableFileError
from feedback_lab.io._paths import expand_paths
from feedback_lab.schema import FRAMES, TraceSet, conform

__all__ = ["expand_paths", "read_feedback", "read_traces"]



def read_traces(
    path_or_paths: str | Path | Iterable[str | Path],
    *,
    format: str = "auto",
    column_map: Mapping[str, str] | None = None,
    backend: Literal["polars", "pandas"] = "polars",
    recursive: bool = False,
    show_progress: bool | None = None,
    **options: Any,
) -> TraceSet:
    """Read trace exports into a canonical :class:`~feedback_lab.schema.TraceSet`.

    Parameters
    ----------
    path_or_paths : str, Path or list of them
        Files, directories or glob patterns (``"exports/*.jsonl"``, ``"data/**/*.json"``). A
        directory contributes the files directly inside it whose suffix is one of
        ``.jsonl .ndjson .json .csv .tsv .parquet .binpb .pb`` (optionally ``.gz`` or ``.zst``), and the
        ``.zip`` archives holding such files (a zip without one is skipped with a warning); other files
        (``README.md``), an export tool's record of its run (``bt sync pull``'s ``spec.json``,
        ``state.json``, ``manifest.json``; a Langfuse blob export's ``manifests/<time>.json``, whose
        listed files are checked to be present) and sub-folders (``exports/``, unless
        ``recursive=True``) are skipped.
        A zip, tar or tar.gz archive holding several files reads like the folder it was made
        from; rejects name its files ``<archive>/<member>``.
        A file named explicitly is read whatever its suffix (its content decides the format).
    format : str, default "auto"
        ``"auto"`` recognises each file's format from its content (``fl.list_formats()``
        lists them); or one format name for every file.
    column_map : dict, optional
        ``{your_column: canonical_role}`` for canonical-format files whose columns have other
        names, e.g. ``{"question": "input", "answer": "output"}``.
    backend : {"polars", "pandas"}, default "polars"
    recursive : bool, default False
        Also read files in sub-folders of a directory.
    show_progress : bool, optional
        A ``tqdm.auto`` bar over the bytes of the files read (the record-by-record readers move
        it as they go, a file polars reads in one go when it is done). None: on when the files
        hold at least 32 MB and a notebook or terminal is watching.
    **options
        Passed to the readers that take them: ``exact_schema=True`` (canonical and Phoenix JSONL:
        find the columns in every line of a file over 64 MB, not in 2,000 sampled ones),
        ``annotator_kinds`` (Helicone). An option that no format of the call takes raises
        ``TypeError``.

    Returns
    -------
    TraceSet
        ``traces``, ``spans``, ``feedback``, ``events`` with canonical columns and UTC
        timestamps, and ``rejects``: every record that could not be read (file, line,
        format, reason, raw). See the module docstring for the accounting rule.

    Raises
    ------
    UnreadableFileError
        A path is missing, empty, binary, a corrupt gzip, or in no known format.
    FormatError
        A file's content does not fit the format it was read as (e.g. a canonical file
        without ``trace_id``).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> d = pathlib.Path(tempfile.mkdtemp())
    >>> _ = (d / "t.jsonl").write_text('{"trace_id": "a", "input": "hi", "timestamp": 1735689600}\\n{oops\\n')
    >>> ts = read_traces(d)
    >>> len(ts.traces), ts.rejects["line"].to_list(), str(ts.traces["timestamp"][0])
    (1, [2], '2025-01-01 00:00:00+00:00')
    """
    ts = _read(path_or_paths, format=format, column_map=column_map, recursive=recursive,
               options=options, frame=None, show_progress=show_progress)
    return ts.to_pandas() if backend == "pandas" else ts


def read_feedback(
    path_or_paths: str | Path | Iterable[str | Path],
    *,
    format: str = "auto",
    column_map: Mapping[str, str] | None = None,
    backend: Literal["polars", "pandas"] = "polars",
    recursive: bool = False,
    show_progress: bool | None = None,
    **options: Any,
):
    """Read feedback (scores, labels, comments) kept apart from the traces.

    Canonical files are read as long-format feedback (``trace_id, name, value | label,
    comment, annotator_kind, annotator, timestamp``) whatever their columns; platform
    formats give their feedback frame. Records that cannot be read raise a warning with
    their count (use :func:`read_traces` to get them as ``rejects``). The parameters are those
    of :func:`read_traces`.

    Returns
    -------
    polars.DataFrame or pandas.DataFrame
        The canonical ``feedback`` frame.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> p = pathlib.Path(tempfile.mkdtemp()) / "fb.csv"
    >>> _ = p.write_text("trace_id,name,value,annotator_kind\\nt1,thumbs,1,user\\nt2,thumbs,0,user\\n")
    >>> read_feedback(p)["value"].to_list()
    [1.0, 0.0]
    """
    import warnings

    ts = _read(path_or_paths, format=format, column_map=column_map, recursive=recursive,
               options=options, frame="feedback", show_progress=show_progress)
    if len(ts.rejects):
        reasons = ts.rejects["reason"].value_counts(sort=True).head(3).rows()
        warnings.warn(
            f"read_feedback: {len(ts.rejects)} record(s) could not be read (e.g. {reasons}); "
            "call fl.read_traces(...) on the same paths to get them as .rejects with file and line.",
            stacklevel=2,
        )
    fb = ts.feedback
    return fb.to_pandas() if backend == "pandas" else fb


# ---------------------------------------------------------------- reading
def _read(path_or_paths, *, format, column_map, recursive, options, frame, show_progress=None) -> TraceSet:
    from feedback_lab._progress import load_progress
    from feedback_lab.io._archives import unpacked

    files = expand_paths(path_or_paths, recursive=recursive)
    with unpacked(files) as (files, rename), load_progress(files, show_progress):
        # (archives holding several files read like their folder)
        try:
            return _read_files(files, format=format, column_map=column_map, options=options, frame=frame,
                               rename=rename)
        except FeedbackLabError as exc:
            msg = rename(str(exc))
            if msg == str(exc):
                raise
            raise type(exc)(msg) from exc


def _read_files(files: list[Path], *, format, column_map, options, frame, rename) -> TraceSet:
    import polars as pl

    from feedback_lab._progress import file_ticker
    from feedback_lab.io._common import polars_failures
    from feedback_lab.io._registry import get_format, sniff_format

    collected: dict[str, list] = {name: [] for name in FRAMES}
    line_of: dict[str, Any] = {}  # file -> callable(rows) -> lines, for readers that report rows lazily
    groups: list[tuple[object, list[Path]]] = []  # (format, files) in first-seen order
    unique_traces: list[bool] = []  # per traces frame: its reader guarantees one row per trace_id
    together: dict[str, int] = {}
    for path in files:
        fmt = get_format(sniff_format(path) if format == "auto" else format)
        if fmt.name != "canonical" and column_map:
            msg = (f"{path}: column_map applies to canonical CSV/JSONL/Parquet files, but this file is a "
                   f"{fmt.name!r} export whose fields are mapped by its loader. Drop column_map, or read "
                   "this file in a separate call.")
            raise FormatError(msg)
        if path.stat().st_size == 0:
            raise UnreadableFileError(f"{path}: the file is empty. Expected a {fmt.name} export.")
        if fmt.reads_together and fmt.name in together:
            groups[together[fmt.name]][1].append(path)
            continue
        if fmt.reads_together:
            together[fmt.name] = len(groups)
        groups.append((fmt, [path]))
    _check_options(options, [fmt for fmt, _ in groups])
    for order, (fmt, paths) in enumerate(groups):
        opts = {k: v for k, v in options.items() if k in reader_options(fmt)}  # each reader its own
        if fmt.name == "canonical":
            opts.update(column_map=column_map, frame=frame)
        where = paths[0] if len(paths) == 1 else f"{paths[0]} (and {len(paths) - 1} more {fmt.name} file(s))"
        try:
            raw = fmt.read(paths, **opts)
            for p in paths:  # the progress bar, where one is open: these files are read
                if (tick := file_ticker(p)) is not None:
                    tick(1.0)
        except FeedbackLabError:
            raise
        except (RecursionError, MemoryError) as exc:
            raise FormatError(f"{where}: could not be read as {fmt.name} ({type(exc).__name__}).") from exc
        except polars_failures() as exc:  # incl. a polars panic (a BaseException)
            msg = (f"{where}: could not be read as format {fmt.name!r}: {type(exc).__name__}: {str(exc)[:300]}. "
                   "If the format was guessed wrongly, pass format=... explicitly.")
            raise FormatError(msg) from exc
        for name in FRAMES:
            df = (raw or {}).get(name)
            if df is None or len(df) == 0:
                continue
            df = df if isinstance(df, pl.DataFrame) else pl.from_pandas(df)
            if name != "rejects":
                if "_file" not in df.columns:
                    df = df.with_columns(_file=pl.lit(str(paths[0])))
                df = df.with_columns(_order=pl.lit(order))
                if "_row" in df.columns and "_line" not in df.columns:
                    for p in paths:
                        line_of[str(p)] = (raw or {}).get("line_of")
            collected[name].append(df)
            if name == "traces":
                unique_traces.append(fmt.unique_traces)
    frames = {name: (pl.concat(dfs, how="diagonal_relaxed") if dfs else None) for name, dfs in collected.items()}
    extra = []
    if frames["traces"] is not None and unique_traces != [True]:
        frames["traces"], rej = _dedupe_traces(frames["traces"], line_of)
        extra.append(rej)
    for name, keys, what in (("spans", ["trace_id", "span_id"], "duplicate span_id"),
                             ("feedback", None, "duplicate feedback row (identical to an earlier one)")):
        if frames[name] is not None and len(collected[name]) > 1:
            frames[name], rej = _dedupe_rows(conform(frames[name], name), keys, what, line_of)
            extra.append(rej)
    extra = [x for x in extra if x is not None]
    if extra:
        frames["rejects"] = pl.concat([x for x in (frames["rejects"], *extra) if x is not None],
                                      how="diagonal_relaxed")
    if frames["rejects"] is not None:  # a file unpacked from an archive is named <archive>/<member>
        frames["rejects"] = frames["rejects"].with_columns(
            pl.col("file").map_elements(rename, return_dtype=pl.String, skip_nulls=True))
    out = {}
    for name, df in frames.items():
        df = conform(df, name)
        out[name] = df.drop([c for c in df.columns if c.startswith("_")])
    return TraceSet(**out)


def reader_options(fmt) -> set[str]:
    """Names of the keyword options ``fmt.read`` takes (``exact_schema``, ``annotator_kinds``...).

    Examples
    --------
    >>> from feedback_lab.io._registry import get_format
    >>> sorted(reader_options(get_format("phoenix")))
    ['exact_schema']
    """
    import inspect

    params = inspect.signature(fmt.read).parameters.values()
    return {p.name for p in params if p.kind is inspect.Parameter.KEYWORD_ONLY} - {"column_map", "frame"}


def _check_options(options: Mapping[str, Any], formats) -> None:
    """Options go to the readers that take them; one that no reader of this call takes is an error."""
    unknown = [k for k in options if not any(k in reader_options(f) for f in formats)]
    if unknown:
        known = {f.name: sorted(reader_options(f)) for f in dict.fromkeys(formats)}
        msg = (f"read_traces: no format read here takes option(s) {sorted(unknown)}; the formats of these files "
               f"and their options: {known}. See fl.list_formats() for every format.")
        raise TypeError(msg)


def _line(row: dict, line_of: dict) -> int | None:
    """Input line of a row: ``_line`` from the reader, else resolved from ``_row`` by the reader's ``line_of``."""
    if row.get("_line") is not None:
        return row["_line"]
    resolve = line_of.get(row.get("_file"))
    if resolve is not None and row.get("_row") is not None:
        return resolve([row["_row"]])[0]
    return None


def _dedupe_traces(traces, line_of):
    """Keep the first explicit row per trace_id; merge spans-derived rows into it; reject later explicit rows."""
    import polars as pl

    from feedback_lab.io._common import Rejects

    dup = traces["trace_id"].is_duplicated()
    if not dup.any():
        return traces, None
    if "_derived" not in traces.columns:
        traces = traces.with_columns(_derived=pl.lit(False))
    traces = traces.with_columns(pl.col("_derived").fill_null(False)).with_row_index("_pos")
    single = traces.filter(~dup)
    multi = traces.filter(dup)
    explicit = multi.filter(~pl.col("_derived"))
    later = explicit.filter(~pl.col("trace_id").is_first_distinct())
    rejects = Rejects("read_traces")
    if len(later):
        first = explicit.filter(pl.col("trace_id").is_first_distinct()).select(
            "trace_id", pl.col("_file").alias("_first_file"))
        later = later.join(first, on="trace_id", how="left", maintain_order="left")
        for row in later.iter_rows(named=True):
            raw = {k: v for k, v in row.items() if not k.startswith("_")}
            rejects.add(row["_file"], _line(row, line_of),
                        f"duplicate trace_id (first seen in {row['_first_file']})", raw)
    keep = multi.join(later.select("_pos"), on="_pos", how="anti")
    merged = (keep.sort(["_derived", "_pos"])
              .group_by("trace_id", maintain_order=True)
              .agg([pl.col(c).drop_nulls().first() for c in keep.columns if c not in ("trace_id",)]))
    merged = merged.select(keep.columns)
    out = pl.concat([single, merged], how="diagonal_relaxed").sort("_pos").drop("_pos")
    rej = rejects.frame()
    return out, (rej if len(rej) else None)


def _dedupe_rows(df, keys, what, line_of):
    """Rows repeating an earlier row's ``keys`` (all canonical columns when None) across files -> rejects."""
    import polars as pl

    from feedback_lab.io._common import Rejects

    cols = keys or [c for c in FRAMES["feedback"] if c in df.columns]
    # hash the key columns: list/struct columns would not group otherwise
    key = pl.concat_str([pl.col(c).cast(pl.String).fill_null("\x00") for c in cols], separator="\x1f")
    first = df.select(key.is_first_distinct()).to_series()
    if first.all():
        return df, None
    rejects = Rejects("read_traces")
    for row in df.filter(~first).iter_rows(named=True):
        rejects.add(row.get("_file"), _line(row, line_of), what, {k: v for k, v in row.items() if not k.startswith("_")})
    return df.filter(first), rejects.frame()
