"""Deterministic sample data: eight weeks of a fictional assistant product with planted truths.

"Orbit" is a fictional work-management app whose assistant answers support
questions (``support_qa``), extracts JSON from customer emails (``extraction``) and
summarises support chats (``summarization``). :func:`generate` simulates about 2,000
traces over eight weeks with two models, prompt versions 1.2.0 -> 1.3.0, sessions and
users, span trees, explicit feedback (thumbs, 1-5 ratings, comments), implicit events
(regenerate, edit, copy, abandon), three human reviewers on a subset, an LLM judge,
a JSON validator, reference answers on a golden subset, planted failure modes and
planted drift in the last two weeks. ``sample_data/README.md`` documents every
planted truth; :func:`planted_truth` returns them per trace.

The output is fully determined by ``n_traces``, ``seed`` and ``start`` (a local
:class:`numpy.random.Generator`; no global seeding, no hash-order dependence).

Examples
--------
>>> from feedback_lab import sample_data
>>> ts = sample_data.generate(n_traces=60, seed=1)
>>> len(ts.traces)
60
>>> sorted(ts.traces["task"].unique().to_list())
['extraction', 'summarization', 'support_qa']
>>> ts.traces.equals(sample_data.generate(n_traces=60, seed=1).traces)
True
"""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # pragma: no cover
    import polars as pl

    from feedback_lab.schema import TraceSet

__all__ = ["FAILURE_MODES", "PLATFORMS", "generate", "planted_truth", "write"]

#: planted failure modes (``none`` = a correct trace), named as in the error-mode taxonomy
FAILURE_MODES = ("none", "hallucination", "refusal", "format_error", "length_verbosity", "wrong_language",
                 "outdated_information", "tool_error")
#: exporter modules ``feedback_lab.sample_data._export_<platform>`` that :func:`write` calls, in order
PLATFORMS = ("langfuse", "langsmith", "phoenix", "otel", "braintrust", "latitude", "helicone")


def generate(*, n_traces: int = 2000, seed: int = 0, start: datetime | date | str | None = None) -> TraceSet:
    """Simulate the Orbit assistant's traces, spans, feedback and events.

    Parameters
    ----------
    n_traces : int, default 2000
        Number of traces (exact). Everything else scales with it.
    seed : int, default 0
        Seed of the local random generator; the same arguments give identical frames.
    start : datetime, date or ISO 8601 str, optional
        First day of the eight weeks (UTC); default 2026-09-07 (a Monday).

    Returns
    -------
    TraceSet
        Polars frames with the canonical columns of :mod:`feedback_lab.schema`
        (``rejects`` is empty). ``traces.metadata`` holds ``product_area`` and
        ``planted_failure_mode``.

    Examples
    --------
    >>> from feedback_lab import sample_data
    >>> ts = sample_data.generate(n_traces=40)
    >>> ts.traces["timestamp"].min() >= ts.traces["timestamp"].min().replace(hour=0)
    True
    >>> set(ts.feedback["annotator_kind"].unique()) <= {"user", "human", "llm", "code"}
    True
    """
    from feedback_lab.sample_data._build import build, resolve_start

    if isinstance(n_traces, bool) or not isinstance(n_traces, int) or n_traces < 1:
        msg = f"generate(n_traces={n_traces!r}): expected a positive int, e.g. 2000."
        raise ValueError(msg)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        msg = f"generate(seed={seed!r}): expected a non-negative int."
        raise ValueError(msg)
    return build(n_traces, seed, resolve_start(start))


def write(out_dir: str | Path, *, n_traces: int = 2000, seed: int = 0, compress: bool = True) -> dict:
    """Generate the sample data and write it under ``out_dir``.

    Writes ``traces.jsonl``, ``spans.jsonl``, ``feedback.jsonl`` and ``events.jsonl``
    (one JSON object per line, canonical column names, ISO 8601 UTC timestamps ending
    in ``Z``, ``tags`` as lists, ``metadata``/``attributes`` as objects), then calls every
    exporter module ``feedback_lab.sample_data._export_<platform>`` that exists to write
    platform-format copies under ``out_dir/exports/<platform>/``.

    With ``compress=True`` (the default, and how ``sample_data/`` is committed) every
    text file is then gzipped deterministically (``traces.jsonl`` -> ``traces.jsonl.gz``,
    no name or time in the gzip header, so two runs give identical bytes); every reader of
    feedback_lab reads ``.gz`` files directly. Parquet files are compressed already.

    Returns
    -------
    dict
        ``{"traces": Path, "spans": Path, "feedback": Path, "events": Path,
        "exports": {platform: [Path, ...]}}``.

    Examples
    --------
    >>> import tempfile
    >>> from feedback_lab import sample_data
    >>> with tempfile.TemporaryDirectory() as d:
    ...     paths = sample_data.write(d, n_traces=30, compress=False)
    ...     print(paths["traces"].name, sum(1 for _ in paths["traces"].open()))
    traces.jsonl 30
    """
    from feedback_lab.sample_data._build import FILES, to_records, write_exports, write_jsonl

    out = Path(out_dir)
    if out.exists() and not out.is_dir():
        msg = f"write({str(out_dir)!r}): the path exists and is not a directory; pass a directory."
        raise NotADirectoryError(msg)
    out.mkdir(parents=True, exist_ok=True)
    ts = generate(n_traces=n_traces, seed=seed)
    paths: dict = {frame: write_jsonl(to_records(ts, frame), out / name) for frame, name in FILES.items()}
    paths["exports"] = write_exports(ts, out)
    if compress:
        from feedback_lab.sample_data._build import gzip_file

        for frame in FILES:
            paths[frame] = gzip_file(paths[frame])
        paths["exports"] = {k: [gzip_file(p) for p in v] for k, v in paths["exports"].items()}
    return paths


def planted_truth(ts: TraceSet | None = None, *, n_traces: int = 2000, seed: int = 0) -> pl.DataFrame:
    """The planted truth per trace, read back from a generated (or loaded) TraceSet.

    Parameters
    ----------
    ts : TraceSet, optional
        Sample data as generated or loaded from ``sample_data/``; generated from
        ``n_traces``/``seed`` when omitted.

    Returns
    -------
    polars.DataFrame
        ``trace_id, timestamp, week (1-8), task, model, prompt_version, topic,
        failure_mode, failing (bool), golden (bool), human_reviewed (bool),
        drift_window (bool: the last two weeks)``.

    Examples
    --------
    >>> from feedback_lab import sample_data
    >>> truth = sample_data.planted_truth(n_traces=50)
    >>> truth.columns[:4]
    ['trace_id', 'timestamp', 'week', 'task']
    """
    import polars as pl

    from feedback_lab._frame import to_polars
    from feedback_lab.sample_data._build import START
    from feedback_lab.sample_data._simulate import DRIFT_DAY

    if ts is None:
        ts = generate(n_traces=n_traces, seed=seed)
    t, f = to_polars(ts.traces), to_polars(ts.feedback)
    meta = t["metadata"].str.json_decode(pl.Struct({"product_area": pl.String, "planted_failure_mode": pl.String}))
    reviewed = f.filter(pl.col("annotator_kind") == "human")["trace_id"].unique()
    first = t["timestamp"].min()
    start = START if first is None or first >= START else first
    days = (pl.col("timestamp") - pl.lit(start)).dt.total_days()
    return t.select(
        "trace_id", "timestamp",
        (days // 7 + 1).cast(pl.Int64).alias("week"), "task", "model", "prompt_version",
        meta.struct.field("product_area").alias("topic"),
        meta.struct.field("planted_failure_mode").alias("failure_mode"),
        (meta.struct.field("planted_failure_mode") != "none").alias("failing"),
        pl.col("reference").is_not_null().alias("golden"),
        pl.col("trace_id").is_in(reviewed.implode()).alias("human_reviewed"),
        (days >= DRIFT_DAY).alias("drift_window"),
    )
