"""The bi-weekly review: :func:`run_review` computes, :func:`review_report` writes.

``review_report`` writes into ``out_dir``: ``report.html`` (self-contained, offline),
``summary.json`` (the figures the next review compares against), ``clusters/`` (this
review's failure modes, for ``--previous`` next time), ``review_queue.csv`` and
``exports/`` (regression set, preference pairs).
"""

from __future__ import annotations

import dataclasses
import json
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab.report._context import ReviewContext, resolve_windows
from feedback_lab.report._html import Block, Section, dumps_summary, render_html

__all__ = ["ReviewResult", "review_report", "run_review"]


@dataclasses.dataclass(frozen=True)
class ReviewResult:
    """Everything one review computed.

    Attributes
    ----------
    sections : tuple of Section
        In report order, each with a verdict (ok / attention / alert / n/a) and a headline.
    summary : dict
        JSON-ready figures (also written to ``summary.json``); ``summary["headlines"]`` and
        ``summary["alerts"]`` are the short version.
    alerts : list of dict
        What fired: kind, message, window and the figures behind it.
    clusters : ClusterResult or None
        The current window's failure modes.
    exports : dict
        Relative output path -> frame (review queue, regression set, preference pairs).
    params : dict
        Parameters actually used.
    """

    sections: tuple[Section, ...]
    summary: dict[str, Any]
    alerts: list[dict[str, Any]]
    clusters: Any
    exports: dict[str, Any]
    params: dict[str, Any]

    def to_frame(self) -> pd.DataFrame:
        """One row per section: key, title, verdict, headline."""
        return pd.DataFrame([s.to_dict() for s in self.sections])

    def section(self, key: str) -> Section:
        """The section called ``key`` (``result.to_frame()`` lists them)."""
        for s in self.sections:
            if s.key == key:
                return s
        from feedback_lab._validation import did_you_mean

        keys = [s.key for s in self.sections]
        msg = f"No section {key!r}.{did_you_mean(key, keys)} Sections: {keys}."
        raise KeyError(msg)

    def show(self, key: str) -> None:
        """Display one section in a notebook: headline, then its tables and figures."""
        from IPython.display import Markdown, display

        s = self.section(key)
        verdict = f" — **{s.verdict}**" if s.verdict else ""
        display(Markdown(f"**{s.title}**{verdict}: {s.headline}"))
        for b in s.blocks:
            if b.caption:
                display(Markdown(f"*{b.caption}*"))
            if b.kind == "list":
                print("\n".join(f"- {x}" for x in b.content))
            elif b.kind == "text":
                print(b.content)
            else:
                display(b.content)

    def _repr_html_(self) -> str:
        import html

        rows = "".join(
            f"<li><b>{html.escape(s.title)}</b>: {html.escape(s.verdict or '')} — {html.escape(s.headline)}</li>"
            for s in self.sections
        )

        return "<div><strong>ReviewResult</strong><ul>" + rows + "</ul></div>"


def windowed_mask(traces: pd.DataFrame, start, end) -> np.ndarray:
    ts = traces["timestamp"]
    return ((ts >= start) & (ts <= end)).to_numpy()


def _log(msg: str, on: bool | None) -> None:
    if on is not False:
        print(f"[feedback-lab] {msg}", file=sys.stderr, flush=True)


def _load(data: Any, fmt: str, recursive: bool = False, show_progress: bool | None = None):
    import feedback_lab as fl
    from feedback_lab.schema import TraceSet

    if isinstance(data, TraceSet):
        return data.to_pandas()
    paths = [data] if isinstance(data, (str, Path)) else list(data)
    return fl.read_traces(paths if len(paths) > 1 else paths[0], format=fmt, recursive=recursive, backend="pandas",
                          show_progress=show_progress)


def run_review(
    data: Any,
    *,
    format: str = "auto",
    recursive: bool = False,
    since: Any = None,
    until: Any = None,
    previous: str | Path | None = None,
    text_col: str = "output",
    model: str | None = None,
    embeddings: Any = None,
    embedder: Any = None,
    window_days: int = 14,
    review_frac: float = 0.07,
    min_kappa: float = 0.6,
    max_drop: float = 0.05,
    random_state: int = 0,
    show_progress: bool | None = None,
    strict: bool = False,
) -> ReviewResult:
    """Run the bi-weekly review on an export (paths) or a :class:`TraceSet`.

    The current window is ``[since, until]`` (default: the last ``window_days`` whole days
    of data, UTC, up to the day of the last timestamp); the reference window is the equally
    long period before it.

    Parameters
    ----------
    data : TraceSet, path, or list of paths
    format, recursive
        Passed to :func:`feedback_lab.read_traces` (``recursive=True`` reads the sub-folders of a
        directory, e.g. a bucket sync of a blob-storage or bulk export).
    previous : path, optional
        Output directory of the previous review: its ``clusters/`` are matched to this
        review's (new / persisting / vanished).
    text_col : str
        The traces column that is embedded, clustered and compared (default ``"output"``).
    embeddings : ndarray, optional
        Precomputed embeddings aligned with the traces rows (skips embedding).
    embedder : callable, optional
        ``embedder(texts) -> ndarray`` used instead of :func:`feedback_lab.embed`, e.g.
        ``fl.scale.ray_embedder(model, ray_address)`` to embed on a Ray cluster.
    strict : bool
        Raise when a section fails. Default: the section is shown with verdict ``"error"``
        and its message, listed in ``summary["section_errors"]``, and the other sections
        still run (the CLI then exits with status 1).
    show_progress : bool, optional
        Progress lines on stderr and the embedding bar (None: the bar for 1,000 texts or more in a
        notebook or terminal); the loading bar shows for 32 MB of input or more in a notebook or
        terminal. False: silent.

    Returns
    -------
    ReviewResult

    Examples
    --------
    >>> import feedback_lab as fl                               # doctest: +SKIP
    >>> result = fl.run_review("sample_data/")                  # doctest: +SKIP
    >>> result.to_frame()[["title", "verdict"]]                 # doctest: +SKIP
    """
    import feedback_lab as fl
    from feedback_lab.report._sections import SECTIONS, failure_modes
    from feedback_lab.report._sections_act import SECTIONS_ACT, judge, regressions, review_queue

    t0 = time.perf_counter()
    ts = _load(data, format, recursive, False if show_progress is False else None)  # the bar: large inputs only
    traces = ts.traces.reset_index(drop=True)
    if "timestamp" not in traces.columns or traces["timestamp"].isna().all():
        msg = "run_review: no trace has a timestamp, so no review window can be chosen; load traces with timestamps."
        raise ValueError(msg)
    if text_col not in traces.columns:
        msg = f"run_review: traces have no column {text_col!r}. Available: {list(traces.columns)}."
        raise ValueError(msg)
    ref_since, since_ts, until_ts = resolve_windows(traces["timestamp"], since, until, window_days)
    windowed = traces[windowed_mask(traces, ref_since, until_ts)].reset_index(drop=True)
    ctx = ReviewContext(traces=windowed, all_traces=traces, feedback=ts.feedback, events=ts.events, spans=ts.spans, rejects=ts.rejects,
                        since=since_ts, until=until_ts, ref_since=ref_since, text_col=text_col,
                        random_state=random_state, show_progress=show_progress, model=model)
    _log(f"loaded {len(ts.traces)} traces; reviewing {int(ctx.is_current.sum())} in {ctx.window_label()}", show_progress)
    if embeddings is None:
        _log(f"embedding {len(windowed)} texts ('{text_col}')", show_progress)
        texts = windowed[text_col].fillna("").astype(str).tolist()
        embeddings = (np.asarray(embedder(texts), dtype=np.float32) if embedder is not None
                      else fl.embed(texts, model=model, show_progress=show_progress))
    elif len(embeddings) == len(traces) and len(windowed) != len(traces):
        embeddings = np.asarray(embeddings)[windowed_mask(traces, ref_since, until_ts)]
    if len(embeddings) != len(windowed):
        msg = (f"run_review: embeddings has {len(embeddings)} rows; pass one row per loaded trace "
               f"({len(traces)}) or per trace of the two review windows ({len(windowed)}).")
        raise ValueError(msg)
    ctx.embeddings = embeddings
    prev_clusters = None
    if previous is not None:
        prev_dir = Path(previous) / "clusters"
        if not prev_dir.is_dir():
            msg = f"run_review: previous={previous!s} has no clusters/ folder; pass the out_dir of an earlier review."
            raise FileNotFoundError(msg)
        prev_clusters = fl.load_clusters(prev_dir)
    sections: list[Section] = []
    errors: list[dict[str, str]] = []
    kwargs = {failure_modes: {"previous_clusters": prev_clusters}, judge: {"min_kappa": min_kappa},
              regressions: {"max_drop": max_drop}, review_queue: {"frac": review_frac}}
    for fn in (*SECTIONS, *SECTIONS_ACT):
        _log(f"section: {fn.__name__}", show_progress)
        try:
            sections.append(fn(ctx, **kwargs.get(fn, {})))
        except Exception as exc:  # one broken section must not cost the whole review
            if strict:
                raise
            import traceback

            detail = f"{type(exc).__name__}: {exc}"
            errors.append({"section": fn.__name__, "error": detail,
                           "where": traceback.extract_tb(exc.__traceback__)[-1].filename.split("feedback_lab")[-1]})
            _log(f"section {fn.__name__} failed: {detail}", show_progress)
            sections.append(Section(fn.__name__, fn.__name__.replace("_", " ").capitalize(),
                                    "This section could not be computed on this data.",
                                    (Block("text", detail),), "error", f"{fn.__name__} failed: {detail}"))
    ctx.headlines = [s.headline for s in sections if s.headline]
    params = {"since": since_ts.isoformat(), "until": until_ts.isoformat(), "reference_since": ref_since.isoformat(),
              "text_col": text_col, "model": model or "all-MiniLM-L6-v2", "random_state": random_state,
              "window_days": window_days, "review_frac": review_frac, "min_kappa": min_kappa, "max_drop": max_drop,
              "previous": str(previous) if previous else None}
    summary = {**ctx.summary, "section_errors": errors, "headlines": ctx.headlines, "alerts": ctx.alerts, "params": params,
               "verdicts": {s.key: s.verdict for s in sections}, "seconds": round(time.perf_counter() - t0, 1)}
    return ReviewResult(tuple(sections), summary, ctx.alerts, ctx.clusters, ctx.exports, params)


def review_report(
    data: Any,
    out_dir: str | Path,
    *,
    metrics_out: str | Path | None = None,
    alerts_out: str | Path | None = None,
    metrics_timestamps: bool = True,
    embedder: Any = None,
    title: str = "Bi-weekly review",
    **kwargs: Any,
) -> Path:
    """Run the review (or take a :class:`ReviewResult`) and write the report folder.

    Parameters
    ----------
    data : ReviewResult, TraceSet, path or list of paths
    out_dir : path
        Created if needed; see the module docstring for what is written.
    metrics_out, alerts_out : path, optional
        Also write the review metrics (format from the suffix: .prom, .csv, .jsonl, .parquet)
        and the alerts (JSONL).
    metrics_timestamps : bool
        Stamp Prometheus samples with the window end (see :func:`write_metrics`).
    embedder : callable, optional
        Passed to :func:`run_review` (e.g. ``fl.scale.ray_embedder(...)``).
    **kwargs
        Passed to :func:`run_review`.

    Returns
    -------
    pathlib.Path
        ``out_dir``.
    """
    import feedback_lab as fl

    result = data if isinstance(data, ReviewResult) else run_review(data, embedder=embedder, **kwargs)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    p = result.params
    subtitle = f"Current window {p['since'][:10]} to {p['until'][:10]}; reference from {p['reference_since'][:10]}."
    (out / "report.html").write_text(render_html(list(result.sections), title=title, subtitle=subtitle), encoding="utf-8")
    (out / "summary.json").write_text(dumps_summary(result.summary), encoding="utf-8")
    if result.clusters is not None:
        result.clusters.save(out / "clusters")
    for rel, frame in result.exports.items():
        path = out / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if rel.endswith("preference_pairs.jsonl"):
            fl.write_preference_jsonl(frame, path)
        else:
            fl.write_dataset(frame, path)
    if metrics_out:
        fl.write_metrics(fl.review_metrics(result.summary), metrics_out, timestamps=metrics_timestamps)
    if alerts_out:
        fl.write_alerts(result.alerts, alerts_out)
    return out


def load_summary(out_dir: str | Path) -> dict[str, Any]:
    """The ``summary.json`` of a review folder."""
    return json.loads((Path(out_dir) / "summary.json").read_text(encoding="utf-8"))
