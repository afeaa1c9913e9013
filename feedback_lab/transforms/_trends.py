"""feedback_trends: per-period counts, negative rate with a Wilson interval, rating and coverage."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from feedback_lab.transforms._common import as_list, ensure_utc, isin, output, pandas_input, warn
from feedback_lab.transforms._negative import negative_mask
from feedback_lab.transforms._stats import wilson_interval

__all__ = ["feedback_trends", "period_start"]

# pandas offset aliases people type -> polars durations
_ALIASES = {"D": "1d", "W": "1w", "M": "1mo", "MS": "1mo", "ME": "1mo", "H": "1h", "h": "1h",
            "Q": "1q", "QS": "1q", "Y": "1y", "YS": "1y", "A": "1y"}
TREND_COLUMNS = ["n_traces", "n_feedback", "n_negative", "negative_rate", "negative_rate_low",
                 "negative_rate_high", "mean_rating", "coverage"]


def period_start(ts: pd.Series, freq: str) -> pd.Series:
    """Start of the period holding each UTC timestamp (``freq`` as polars durations:
    ``1d``, ``1w`` (weeks start on Monday), ``1mo``, ``1q``, ``1y``, ``6h``, ...; pandas
    aliases ``D``, ``W``, ``M``, ``H`` are accepted)."""
    import polars as pl

    every = _ALIASES.get(freq, freq)
    s = pl.from_pandas(ts.reset_index(drop=True)).cast(pl.Datetime("us", "UTC"))
    try:
        out = s.dt.truncate(every)
    except Exception as exc:
        msg = (f"feedback_trends: freq={freq!r} is not a duration. Use e.g. '1d', '1w', '2w', '1mo' "
               f"(or pandas 'D', 'W', 'M'). ({exc})")
        raise ValueError(msg) from exc
    res = out.to_pandas()
    res.index = ts.index
    return res


def prepare_feedback(fb: pd.DataFrame, tr: pd.DataFrame, keys: list[str], scales: dict | None, *,
                     func: str) -> pd.DataFrame:
    """Flag negative rows, parse values and attach the trace's group keys (string trace ids)."""
    fb = fb.assign(_neg=negative_mask(fb, scales=scales))
    fb["_value"] = pd.to_numeric(fb["value"], errors="coerce") if "value" in fb.columns else np.nan
    fb["trace_id"] = fb["trace_id"].astype(str)
    tr["trace_id"] = tr["trace_id"].astype(str)
    known = isin(fb["trace_id"], tr["trace_id"])
    if (~known).any() and len(tr):
        warn(f"{func}: {int((~known).sum())} feedback row(s) refer to trace ids absent from traces "
             "and are left out.")
    fb = fb[known].drop(columns=[k for k in keys if k in fb.columns])
    return fb.merge(tr[["trace_id", *keys]], on="trace_id", how="left")


def group_stats(tr: pd.DataFrame, fb: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """TREND_COLUMNS per group of ``keys`` (groups are those present in ``tr``, sorted)."""
    g_tr = tr.groupby(keys, dropna=False, sort=True)
    res = g_tr.size().rename("n_traces").to_frame()
    covered = isin(tr["trace_id"], fb["trace_id"])
    res["n_covered"] = covered.groupby([tr[k] for k in keys], dropna=False).sum()
    g_fb = fb.groupby(keys, dropna=False)
    res["n_feedback"] = g_fb.size()
    res["n_negative"] = g_fb["_neg"].sum()
    res["mean_rating"] = g_fb["_value"].mean()
    res[["n_feedback", "n_negative"]] = res[["n_feedback", "n_negative"]].fillna(0)
    res = res.reset_index()
    res = res.astype({"n_traces": "int64", "n_feedback": "int64", "n_negative": "int64"})
    with np.errstate(invalid="ignore", divide="ignore"):
        res["negative_rate"] = res["n_negative"] / res["n_feedback"].where(res["n_feedback"] > 0)
        lo, hi = wilson_interval(res["n_negative"], res["n_feedback"])
        res["negative_rate_low"], res["negative_rate_high"] = lo, hi
        res["coverage"] = res["n_covered"] / res["n_traces"]
    res["negative_rate"] = res["negative_rate"].astype(float)
    res["mean_rating"] = res["mean_rating"].astype(float)
    return res[[*keys, *TREND_COLUMNS]]


def feedback_trends(traces: Any, feedback: Any, *, freq: str = "1w", by: str | list[str] | None = None,
                    events: Any = None, name: str | list[str] | None = None,
                    annotator_kind: str | list[str] | None = None, scales: dict | None = None) -> Any:
    """Feedback counts, negative rate (Wilson 95%), mean rating and coverage per period.

    Parameters
    ----------
    traces : pandas or polars DataFrame
        Needs ``trace_id`` and ``timestamp`` (datetimes; naive ones are taken as UTC) and the ``by`` columns.
    feedback : DataFrame
        Canonical feedback (``trace_id``, ``name``, ``value``/``label``). A row belongs to the
        period of its trace.
    freq : str
        Period length: ``"1d"``, ``"1w"`` (Monday start), ``"2w"``, ``"1mo"``... (pandas ``D``/``W``/``M`` too).
    by : str or list of str, optional
        Trace columns to break down by (``model``, ``prompt_version``, ``task``).
    events : DataFrame, optional
        Canonical events; adds ``implicit_negative_rate`` from :func:`implicit_signals`.
    name, annotator_kind : str or list, optional
        Keep feedback with these names / annotator kinds only (e.g. ``name="thumb"``,
        ``annotator_kind="user"``); by default every row counts, so filter when one frame mixes
        thumbs, 1-5 ratings and judge scores and ``mean_rating`` should mean one thing.
    scales : dict, optional
        ``{name: (lo, hi)}`` for the negative rule (otherwise inferred, see CONTRIBUTING.md).

    Returns
    -------
    same kind as ``traces``
        One row per ``period`` (period start, UTC datetime) and ``by`` group that has traces,
        sorted, with ``n_traces``; ``n_feedback`` (feedback rows on those traces); ``n_negative``;
        ``negative_rate = n_negative / n_feedback`` with Wilson 95% bounds ``negative_rate_low``,
        ``negative_rate_high`` (NaN when there is no feedback); ``mean_rating`` (mean ``value``);
        ``coverage`` (share of traces with any feedback row); and, with ``events``,
        ``implicit_negative_rate`` (share of traces with an implicit signal whose weak label
        is negative; NaN when none has a signal).

    Notes
    -----
    Traces with a null timestamp, and feedback on trace ids absent from ``traces``, cannot be
    placed in a period: they are left out with a warning stating how many.

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> tr = pd.DataFrame({"trace_id": ["a", "b", "c"],
    ...                    "timestamp": pd.to_datetime(["2024-01-01", "2024-01-02", "2024-01-09"], utc=True)})
    >>> fb = pd.DataFrame({"trace_id": ["a", "b"], "name": "thumb", "value": [0.0, 1.0]})
    >>> t = fl.feedback_trends(tr, fb, freq="1w")
    >>> t[["n_traces", "n_feedback", "n_negative", "negative_rate", "coverage"]].values.tolist()
    [[2.0, 2.0, 1.0, 0.5, 1.0], [1.0, 0.0, 0.0, nan, 0.0]]
    """
    by_cols = as_list(by)
    tr = pandas_input(traces, ["trace_id", "timestamp", *by_cols], func="feedback_trends", frame="traces")
    fb = pandas_input(feedback, ["trace_id", "name"], func="feedback_trends", frame="feedback")
    for col, wanted in (("name", name), ("annotator_kind", annotator_kind)):
        if wanted is not None:
            if col not in fb.columns:
                pandas_input(feedback, [col], func="feedback_trends", frame="feedback")
            fb = fb[fb[col].isin(as_list(wanted))]
    tr["timestamp"] = ensure_utc(tr["timestamp"], func="feedback_trends", column="timestamp")
    n_null = int(tr["timestamp"].isna().sum())
    if n_null:
        warn(f"feedback_trends: {n_null} trace(s) have no timestamp and are left out of every period.")
        tr = tr[tr["timestamp"].notna()]
    dup = tr["trace_id"].duplicated()
    if dup.any():
        warn(f"feedback_trends: {int(dup.sum())} duplicate trace_id row(s) in traces; the first of each is used.")
        tr = tr[~dup]
    tr["period"] = period_start(tr["timestamp"], freq)
    keys = ["period", *by_cols]
    fb = prepare_feedback(fb, tr, keys, scales, func="feedback_trends")

    res = group_stats(tr, fb, keys)
    if events is not None:
        from feedback_lab.transforms._implicit import implicit_signals

        imp = implicit_signals(events, traces)
        imp = pandas_input(imp, ["trace_id", "weak_label", "n_events"], func="feedback_trends", frame="events")
        imp = imp[imp["n_events"] > 0]
        sig = tr[["trace_id", *keys]].merge(imp[["trace_id", "weak_label"]], on="trace_id", how="inner")
        sig["_neg"] = sig["weak_label"] == "negative"
        rate = sig.groupby(keys, dropna=False)["_neg"].mean().rename("implicit_negative_rate").reset_index()
        res = res.merge(rate, on=keys, how="left")
        res["implicit_negative_rate"] = res["implicit_negative_rate"].astype(float)
    res = res.sort_values(keys, kind="stable")
    return output(res, traces)
