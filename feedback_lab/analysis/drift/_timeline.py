"""``drift_timeline`` (one drift test per time window) and ``compare_windows`` (two groups)."""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd

from feedback_lab._frame import like_input, to_pandas
from feedback_lab._random import seed_int
from feedback_lab._validation import check_number, did_you_mean, require_columns
from feedback_lab.analysis.drift._result import DriftResult, as_matrix
from feedback_lab.analysis.drift._tests import embedding_drift

__all__ = ["compare_windows", "drift_timeline"]

TIMELINE_COLUMNS = [
    "window_start", "window_end", "n", "reference_start", "reference_end", "n_reference", "method",
    "statistic", "p_value", "threshold", "drifted", "effect_size", "skipped_reason",
]
_UNITS = {"h": "h", "d": "D", "w": "W", "mo": "MS"}


def _parse_freq(freq: str, func: str) -> tuple[int, str]:
    m = re.fullmatch(r"\s*(\d*)\s*(mo|[hdw])\s*", str(freq).lower())
    if not m:
        msg = (f"{func}: freq must look like '12h', '1d', '1w' or '1mo' (a count and a unit); "
               f"got {freq!r}.")
        raise ValueError(msg)
    return int(m.group(1) or 1), m.group(2)


def _window_edges(ts: pd.Series, freq: str, func: str) -> list[pd.Timestamp]:
    """Window boundaries covering ``ts``: aligned to the hour, the day, Monday 00:00 or the 1st."""
    count, unit = _parse_freq(freq, func)
    lo, hi = ts.min(), ts.max()
    if unit == "h":
        start, step = lo.floor("h"), pd.Timedelta(hours=count)
    elif unit == "d":
        start, step = lo.floor("D"), pd.Timedelta(days=count)
    elif unit == "w":
        day = lo.floor("D")
        start, step = day - pd.Timedelta(days=day.day_of_week), pd.Timedelta(weeks=count)
    else:
        start, step = lo.floor("D").replace(day=1), pd.DateOffset(months=count)
    edges = [start]
    while edges[-1] <= hi:
        edges.append(edges[-1] + step)
    return edges


def _embeddings_for(pdf: pd.DataFrame, embeddings, text_col: str, model, func: str) -> np.ndarray:
    if embeddings is None:
        require_columns(pdf, [text_col], func=func, frame="traces")
        from feedback_lab.analysis.embed import (
            embed,  # the layer below; only when no embeddings given
        )

        texts = pdf[text_col].fillna("").astype(str).tolist()
        embeddings = embed(texts, model=model)
    emb = as_matrix(embeddings, name="embeddings", func=func, min_rows=0)
    if len(emb) != len(pdf):
        msg = (f"{func}: embeddings has {len(emb)} rows but traces has {len(pdf)}; pass one embedding "
               "per trace, in the order of the traces frame.")
        raise ValueError(msg)
    return emb


def _timestamps(pdf: pd.DataFrame, time_col: str, func: str) -> pd.Series:
    require_columns(pdf, [time_col], func=func, frame="traces")
    ts = pd.to_datetime(pdf[time_col], utc=True)
    if ts.isna().any():
        ids = pdf.loc[ts.isna(), "trace_id"].head(5).tolist() if "trace_id" in pdf else ts[ts.isna()].index[:5].tolist()
        warnings.warn(f"{func}: {int(ts.isna().sum())} trace(s) have no {time_col} and are in no window "
                      f"(first: {ids}).", UserWarning, stacklevel=3)
    return ts


def _rows(res: DriftResult, base: dict) -> list[dict]:
    out = []
    for r in res.results or (res,):
        out.append({**base, "method": r.method, "statistic": r.statistic, "p_value": r.p_value,
                    "threshold": r.threshold, "drifted": r.drifted, "effect_size": r.effect_size,
                    "skipped_reason": None})
    return out


def drift_timeline(
    traces,
    embeddings=None,
    *,
    time_col: str = "timestamp",
    freq: str = "1w",
    reference="first",
    method: str = "mmd",
    min_size: int = 20,
    text_col: str = "input",
    model=None,
    alpha: float = 0.05,
    n_permutations: int = 100,
    random_state=None,
    **test_options,
):
    """Test every time window against a reference window.

    Parameters
    ----------
    traces : pandas or polars DataFrame
        One row per trace with ``time_col``.
    embeddings : array of shape (len(traces), d), optional
        One embedding per row of ``traces``; when None, ``traces[text_col]`` is embedded
        with :func:`feedback_lab.embed` (``model=`` passed on).
    freq : str
        Window length: ``"12h"``, ``"1d"``, ``"1w"`` (weeks start Monday 00:00 UTC), ``"1mo"``.
    reference : "first", "previous" or (start, end)
        ``"first"``: the first window with at least ``min_size`` rows; ``"previous"``: the
        latest earlier window with at least ``min_size`` rows; a ``(start, end)`` pair: the
        traces with ``start <= time < end`` (an error if fewer than ``min_size``).
    method : {"mmd", "classifier", "centroid", "all"}
        Passed to :func:`embedding_drift` (``"all"`` gives one row per method and window).
    min_size : int
        Windows with fewer rows are not tested: their row says why in ``skipped_reason``.
    alpha, n_permutations, random_state, **test_options
        Passed to :func:`embedding_drift` (window ``i`` uses seed ``seed + i``). Each window
        is tested at ``alpha``: over ``k`` windows without drift expect about ``alpha * k``
        false alarms.

    Returns
    -------
    DataFrame (same kind as ``traces``)
        One row per window (per method): ``window_start, window_end, n, reference_start,
        reference_end, n_reference, method, statistic, p_value, threshold, drifted,
        effect_size, skipped_reason`` (None when the window was tested).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> traces = pd.DataFrame({"timestamp": pd.date_range("2024-01-01", periods=90, freq="D", tz="UTC")})
    >>> emb = rng.normal(size=(90, 4))
    >>> tl = drift_timeline(traces, emb, freq="4w", random_state=0)
    >>> tl[["n", "skipped_reason"]].values.tolist()
    [[28, 'reference window'], [28, None], [28, None], [6, 'only 6 rows (min_size=20)']]
    """
    func = "drift_timeline"
    check_number(min_size, name="min_size", func=func, low=2, integer=True)
    pdf = to_pandas(traces).reset_index(drop=True)
    emb = _embeddings_for(pdf, embeddings, text_col, model, func)
    ts = _timestamps(pdf, time_col, func)
    seed = seed_int(random_state)
    opts = {"method": method, "alpha": alpha, "n_permutations": n_permutations, **test_options}
    rows: list[dict] = []
    if len(pdf) == 0 or ts.notna().sum() == 0:
        warnings.warn(f"{func}: no traces with a {time_col}; the timeline is empty.", UserWarning, stacklevel=2)
        return like_input(pd.DataFrame(columns=TIMELINE_COLUMNS), traces)
    edges = _window_edges(ts.dropna(), freq, func)
    windows = [(edges[i], edges[i + 1], np.flatnonzero(((ts >= edges[i]) & (ts < edges[i + 1])).to_numpy()))
               for i in range(len(edges) - 1)]
    fixed = None
    if isinstance(reference, tuple | list) and len(reference) == 2:
        start, end = (pd.Timestamp(t) for t in reference)
        start = start.tz_localize("UTC") if start.tzinfo is None else start
        end = end.tz_localize("UTC") if end.tzinfo is None else end
        idx = np.flatnonzero(((ts >= start) & (ts < end)).to_numpy())
        if len(idx) < min_size:
            msg = (f"{func}: the reference period [{start}, {end}) has {len(idx)} traces; at least "
                   f"min_size={min_size} are needed. Widen it or lower min_size.")
            raise ValueError(msg)
        fixed = (start, end, idx)
    elif reference not in ("first", "previous"):
        msg = (f"{func}: reference must be 'first', 'previous' or a (start, end) pair; got {reference!r}."
               f"{did_you_mean(str(reference), ['first', 'previous'])}")
        raise ValueError(msg)
    ref = fixed
    for i, (lo, hi, idx) in enumerate(windows):
        base = {"window_start": lo, "window_end": hi, "n": len(idx), "reference_start": None,
                "reference_end": None, "n_reference": None, "method": method}
        if reference == "first" and ref is None and len(idx) >= min_size:
            ref = (lo, hi, idx)
            rows.append({**base, "skipped_reason": "reference window"})
            continue
        reason = None
        if len(idx) == 0:
            reason = "empty window"
        elif len(idx) < min_size:
            reason = f"only {len(idx)} rows (min_size={min_size})"
        elif ref is None:
            reason = "no earlier window to compare with" if reference == "previous" else "no reference window yet"
        if ref is not None:
            base.update({"reference_start": ref[0], "reference_end": ref[1], "n_reference": len(ref[2])})
        if reason is not None:
            rows.append({**base, "skipped_reason": reason})
        else:
            res = embedding_drift(emb[ref[2]], emb[idx], random_state=seed + i, **opts)
            rows.extend(_rows(res, base))
        if reference == "previous" and len(idx) >= min_size:
            ref = (lo, hi, idx)
    out = pd.DataFrame(rows)
    for c in TIMELINE_COLUMNS:
        if c not in out:
            out[c] = None
    out["skipped_reason"] = pd.Series([r.get("skipped_reason") for r in rows], dtype=object)
    return like_input(out[TIMELINE_COLUMNS], traces)


def compare_windows(
    traces,
    embeddings=None,
    *,
    group_col: str = "prompt_version",
    reference=None,
    current=None,
    method: str = "mmd",
    text_col: str = "input",
    model=None,
    **test_options,
) -> DriftResult:
    """Drift test between two groups of traces, e.g. two prompt versions or two models.

    Parameters
    ----------
    traces : pandas or polars DataFrame
    embeddings : array of shape (len(traces), d), optional
        As in :func:`drift_timeline` (embedded from ``text_col`` when None).
    group_col : str
        Column naming the groups (``"prompt_version"``, ``"model"``, ...).
    reference, current : value of ``group_col``
        The two groups. When both are None and the column has exactly two values, they
        are taken in sorted order.
    method, **test_options
        Passed to :func:`embedding_drift`.

    Returns
    -------
    DriftResult
        ``params`` also records ``group_col``, ``reference_group`` and ``current_group``.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> traces = pd.DataFrame({"prompt_version": ["v1"] * 40 + ["v2"] * 40})
    >>> emb = np.vstack([rng.normal(size=(40, 3)), rng.normal(size=(40, 3)) + 2.0])
    >>> compare_windows(traces, emb, reference="v1", current="v2", random_state=0).drifted
    True
    """
    func = "compare_windows"
    pdf = to_pandas(traces).reset_index(drop=True)
    require_columns(pdf, [group_col], func=func, frame="traces")
    values = pdf[group_col]
    present = sorted(values.dropna().astype(str).unique().tolist())
    if reference is None and current is None:
        if len(present) != 2:
            msg = (f"{func}: pass reference= and current= (values of {group_col!r}); the column has "
                   f"{len(present)} distinct values: {present[:10]}.")
            raise ValueError(msg)
        reference, current = present
    for name, val in (("reference", reference), ("current", current)):
        if not (values.astype(str) == str(val)).any():
            msg = (f"{func}: {name}={val!r} does not occur in column {group_col!r}. Values present: "
                   f"{present[:10]}.{did_you_mean(str(val), present)}")
            raise ValueError(msg)
    emb = _embeddings_for(pdf, embeddings, text_col, model, func)
    ref_mask = (values.astype(str) == str(reference)).to_numpy()
    cur_mask = (values.astype(str) == str(current)).to_numpy()
    res = embedding_drift(emb[ref_mask], emb[cur_mask], method=method, **test_options)
    extra = {"group_col": group_col, "reference_group": reference, "current_group": current}
    import dataclasses

    return dataclasses.replace(res, params={**res.params, **extra})
