"""Version comparison (ordered by semantic version) and pairwise win rates."""

from __future__ import annotations

import re
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from feedback_lab._validation import check_in, check_number
from feedback_lab.transforms._common import as_list, output, pandas_input, warn
from feedback_lab.transforms._stats import wilson_interval
from feedback_lab.transforms._trends import group_stats, prepare_feedback

__all__ = ["compare_versions", "version_key", "win_rate"]


def version_key(v: Any) -> tuple:
    """Sort key: PEP 440 / semantic versions first (``v1.10.0`` after ``v1.9.2``), then other
    strings in natural order (numbers compared as numbers), then nulls.

    Examples
    --------
    >>> sorted(["v1.10.0", "v1.9.2", "prod", "1.2.0rc1", "1.2.0", "prompt-3", "prompt-12"], key=version_key)
    ['1.2.0rc1', '1.2.0', 'v1.9.2', 'v1.10.0', 'prod', 'prompt-3', 'prompt-12']
    """
    from packaging.version import InvalidVersion, Version

    if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
        return (2, (), "")
    s = str(v).strip()
    try:
        return (0, Version(s), s)
    except InvalidVersion:
        parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower()) for p in re.findall(r"\d+|\D+", s))
        return (1, parts, s)


def compare_versions(traces: Any, feedback: Any, *, by: str = "prompt_version", name: str | list[str] | None = None,
                     annotator_kind: str | list[str] | None = None, scales: dict | None = None) -> Any:
    """Per-version feedback metrics, ordered by semantic version, with deltas to the previous version.

    Parameters
    ----------
    traces : DataFrame
        Needs ``trace_id`` and ``by``; ``latency_ms``, ``cost`` and ``output_tokens`` are averaged when present.
    feedback : DataFrame
        Canonical feedback (negative rule of CONTRIBUTING.md).
    by : str
        Version column (``prompt_version``, ``model``...).
    name, annotator_kind : str or list, optional
        Keep feedback with these names / annotator kinds only.
    scales : dict, optional
        ``{feedback name: (lo, hi)}`` for the negative rule.

    Returns
    -------
    same kind as ``traces``
        One row per version in :func:`version_key` order: ``<by>, n_traces, n_feedback, n_negative,
        negative_rate, negative_rate_low, negative_rate_high, mean_rating, coverage``, the
        ``mean_<metric>`` columns, and ``delta_negative_rate``, ``delta_mean_rating`` (change from the
        previous row; NaN on the first). Versions that are not PEP 440 / semver sort after
        those that are, in natural order, with a warning; traces without a version come last.

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> tr = pd.DataFrame({"trace_id": ["a", "b", "c", "d"], "prompt_version": ["v1.10.0", "v1.9.0", "v1.9.0", "v1.10.0"]})
    >>> fb = pd.DataFrame({"trace_id": ["a", "b", "c", "d"], "name": "thumb", "value": [1.0, 0.0, 1.0, 1.0]})
    >>> v = fl.compare_versions(tr, fb)
    >>> v["prompt_version"].tolist(), v["negative_rate"].tolist(), v["delta_negative_rate"].tolist()
    (['v1.9.0', 'v1.10.0'], [0.5, 0.0], [nan, -0.5])
    """
    tr = pandas_input(traces, ["trace_id", by], func="compare_versions", frame="traces")
    fb = pandas_input(feedback, ["trace_id", "name"], func="compare_versions", frame="feedback")
    for col, wanted in (("name", name), ("annotator_kind", annotator_kind)):
        if wanted is not None:
            pandas_input(feedback, [col], func="compare_versions", frame="feedback")
            fb = fb[fb[col].isin(as_list(wanted))]
    tr = tr[~tr["trace_id"].astype(str).duplicated()].copy()
    tr["_v"] = tr[by].map(lambda v: None if pd.isna(v) else str(v)).astype(object)
    fb = prepare_feedback(fb, tr, ["_v"], scales, func="compare_versions")
    res = group_stats(tr, fb, ["_v"])
    extra = [c for c in ("latency_ms", "cost", "output_tokens") if c in tr.columns]
    for c in extra:
        means = pd.to_numeric(tr[c], errors="coerce").groupby(tr["_v"], dropna=False).mean()
        res[f"mean_{c}"] = res["_v"].map(means).astype(float)
    keys = [version_key(v) for v in res["_v"]]
    odd = sorted({str(v) for v, k in zip(res["_v"], keys, strict=True) if k[0] == 1})
    if odd:
        warn(f"compare_versions: {odd} are not semantic versions; they are ordered after the others, naturally.")
    res = res.iloc[sorted(range(len(res)), key=lambda i: keys[i])].reset_index(drop=True)
    orig = dict(zip(tr["_v"], tr[by], strict=False))
    res.insert(0, by, res.pop("_v").map(lambda v: orig.get(v, v)))
    res["delta_negative_rate"] = res["negative_rate"].diff()
    res["delta_mean_rating"] = res["mean_rating"].diff()
    return output(res, traces)


_WINNER = {"a": "a", "model_a": "a", "b": "b", "model_b": "b", "tie": "tie", "draw": "tie", "equal": "tie",
           "tie (bothbad)": "tie", "tie_bothbad": "tie", "both_bad": "tie", "both_good": "tie", "none": "tie"}
_POSITION_COLS = ("a_position", "position_a", "position", "order", "presented_first", "shown_first")
_FIRST = {"first": True, "second": False, "left": True, "right": False, "1": True, "2": False, "top": True,
          "bottom": False}


def _a_first(s: pd.Series, col: str) -> pd.Series:
    """True where option A was shown first, from 'which was first' (a/b) or 'where A was' values."""
    vals = s.map(lambda v: None if pd.isna(v) else str(v).strip().lower())
    seen = set(vals.dropna())
    if seen <= {"a", "b", "model_a", "model_b"}:
        return vals.map({"a": True, "model_a": True, "b": False, "model_b": False})
    if seen <= {"0", "1"} and "0" in seen:
        return vals.map({"0": True, "1": False})
    if seen <= set(_FIRST):
        return vals.map(_FIRST)
    msg = (f"win_rate: position column {col!r} must say which option was shown first ('a'/'b') or where A "
           f"was shown ('first'/'second', 'left'/'right', 1/2); got values {sorted(seen)[:10]}.")
    raise ValueError(msg)


def win_rate(pairwise: Any, *, ties: str = "half", winner_col: str = "winner", by: str | list[str] | None = None,
             position_col: str | None = None, interval: str = "wilson", confidence: float = 0.95,
             alpha: float = 0.05) -> Any:
    """Win rate of option A over B in pairwise judgments, with an interval, a sign test and a position check.

    Parameters
    ----------
    pairwise : DataFrame
        One judgment per row; ``winner_col`` holds ``a``/``b``/``tie`` (also ``model_a``, ``model_b``,
        ``draw``, ``tie (bothbad)``; case-insensitive).
    ties : {"half", "exclude"}
        ``half``: win rate = (wins_a + ties / 2) / n; ``exclude``: wins_a / (wins_a + wins_b).
    winner_col : str
    by : str or list of str, optional
        Group columns; defaults to ``["model_a", "model_b"]`` when both columns exist.
    position_col : str, optional
        Order of presentation: which option was shown first (``a``/``b``), or where A was shown
        (``first``/``second``, ``left``/``right``, 1/2, 0/1). Auto-detected from the column names
        ``a_position, position_a, position, order, presented_first, shown_first``.
    interval : {"wilson", "exact"}
        Wilson score or Clopper-Pearson exact interval (exact needs whole counts: ``ties="exclude"``
        or no ties).
    confidence : float
    alpha : float
        Level at which ``position_bias`` is flagged.

    Returns
    -------
    same kind as ``pairwise``
        Per group: ``n, wins_a, wins_b, ties, win_rate, win_rate_low, win_rate_high``, ``p_value``
        (two-sided sign test, ``scipy.stats.binomtest(wins_a, wins_a + wins_b, 0.5)``; ties never
        enter the test), and, when the position is known, ``first_win_rate`` (share of decisive
        judgments won by the option shown first), ``position_p_value`` (binomial test against 0.5)
        and ``position_bias`` (``position_p_value < alpha``); NaN/None otherwise.

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> pw = pd.DataFrame({"winner": ["a"] * 7 + ["b"] * 2 + ["tie"]})
    >>> r = fl.win_rate(pw)
    >>> float(r["win_rate"][0]), round(float(r["p_value"][0]), 4)
    (0.75, 0.1797)
    """
    check_in(ties, ["half", "exclude"], name="ties", func="win_rate")
    check_in(interval, ["wilson", "exact"], name="interval", func="win_rate")
    check_number(confidence, name="confidence", func="win_rate", low=0, high=1, low_inclusive=False, high_inclusive=False)
    cols = list(pairwise.columns) if hasattr(pairwise, "columns") else []
    by_cols = as_list(by) if by is not None else (["model_a", "model_b"] if {"model_a", "model_b"} <= set(cols) else [])
    if position_col is None:
        position_col = next((c for c in _POSITION_COLS if c in cols), None)
    pdf = pandas_input(pairwise, [winner_col, *by_cols, *([position_col] if position_col else [])],
                       func="win_rate", frame="pairwise")
    w = pdf[winner_col].map(lambda v: None if pd.isna(v) else _WINNER.get(str(v).strip().lower(), f"?{v}"))
    bad = sorted({v[1:] for v in w.dropna() if v.startswith("?")})
    if bad or w.isna().any():
        msg = (f"win_rate: column {winner_col!r} must hold a/b/tie (or model_a/model_b/draw); got "
               f"{bad[:10] + (['<null>'] if w.isna().any() else [])}. Map or drop those rows first.")
        raise ValueError(msg)
    pdf["_w"] = w
    if position_col:
        pdf["_a_first"] = _a_first(pdf[position_col], position_col)
    groups = pdf.groupby(by_cols, sort=True, dropna=False) if by_cols else [((), pdf)]
    rows = []
    for key, g in groups:
        a, b, t = int((g["_w"] == "a").sum()), int((g["_w"] == "b").sum()), int((g["_w"] == "tie").sum())
        k, n = (a + t / 2, a + b + t) if ties == "half" else (a, a + b)
        rate = k / n if n else np.nan
        if interval == "exact":
            if k != int(k):
                msg = "win_rate: interval='exact' needs whole counts; use ties='exclude' or interval='wilson'."
                raise ValueError(msg)
            lo, hi = (stats.binomtest(int(k), n).proportion_ci(confidence, method="exact") if n else (np.nan, np.nan))
        else:
            lo, hi = wilson_interval(k, n, confidence)
        p = stats.binomtest(a, a + b, 0.5).pvalue if a + b else np.nan
        row = {**dict(zip(by_cols, key if isinstance(key, tuple) else (key,), strict=False)), "n": len(g),
               "wins_a": a, "wins_b": b, "ties": t, "win_rate": rate, "win_rate_low": float(lo),
               "win_rate_high": float(hi), "p_value": float(p), "first_win_rate": np.nan,
               "position_p_value": np.nan, "position_bias": None}
        if position_col:
            d = g[g["_w"].isin(["a", "b"]) & g["_a_first"].notna()]
            if len(d):
                first_won = int(((d["_w"] == "a") == d["_a_first"].astype(bool)).sum())
                pp = stats.binomtest(first_won, len(d), 0.5).pvalue
                row.update(first_win_rate=first_won / len(d), position_p_value=float(pp), position_bias=bool(pp < alpha))
                if pp < alpha:
                    warn(f"win_rate: position bias{(' in ' + str(key)) if by_cols else ''}: the option shown first "
                         f"won {first_won} of {len(d)} decisive judgments (p={pp:.3g}). Randomise or swap the order.")
        rows.append(row)
    res = pd.DataFrame(rows, columns=[*by_cols, "n", "wins_a", "wins_b", "ties", "win_rate", "win_rate_low",
                                      "win_rate_high", "p_value", "first_win_rate", "position_p_value", "position_bias"])
    res["position_bias"] = res["position_bias"].astype(object)
    return output(res, pairwise)
