"""Composite scores, threshold gates and regression detection between two runs."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from feedback_lab._frame import from_pandas, is_dataframe
from feedback_lab._random import check_random_state
from feedback_lab._validation import check_in, check_number, did_you_mean
from feedback_lab.transforms._common import as_list, output, pandas_input, warn

__all__ = ["check_thresholds", "composite_score", "detect_regressions"]

_DIRECTION_ALIASES = {"maximize": "maximize", "max": "maximize", "higher": "maximize",
                      "minimize": "minimize", "min": "minimize", "lower": "minimize"}


def _directions(directions: Mapping[str, str] | None, metrics: list[str], func: str) -> dict[str, str]:
    out = dict.fromkeys(metrics, "maximize")
    for m, d in (directions or {}).items():
        if m not in out:
            msg = f"{func}: directions names {m!r}, which is not a metric ({metrics}).{did_you_mean(m, metrics)}"
            raise ValueError(msg)
        if d not in _DIRECTION_ALIASES:
            msg = f"{func}: direction of {m!r} must be 'maximize' or 'minimize', got {d!r}."
            raise ValueError(msg)
        out[m] = _DIRECTION_ALIASES[d]
    return out


def composite_score(metrics: Any, weights: Mapping[str, float], directions: Mapping[str, str] | None = None, *,
                    ranges: Mapping[str, tuple[float, float]] | None = None, col: str = "composite_score") -> Any:
    """Weighted mean of metric columns, each turned so that higher is better.

    Each metric is put on [0, 1]: with ``ranges[m] = (lo, hi)`` as ``(x - lo) / (hi - lo)``
    (clipped); a metric already within [0, 1] as is; otherwise min-max over the rows (with a
    warning, since the score then depends on the rows compared). A ``minimize`` metric
    (toxicity, hallucination rate, latency) becomes ``1 - x``. The composite is
    ``sum(w * x) / sum(w)``; a row missing any weighted metric gets NaN (no silent reweighting).

    Parameters
    ----------
    metrics : DataFrame
        One row per trace, model or version; a column per metric.
    weights : dict
        ``{metric: weight}`` (non-negative, not all zero); only these metrics are used.
    directions : dict, optional
        ``{metric: "maximize" | "minimize"}``; default maximize.
    ranges : dict, optional
        ``{metric: (lo, hi)}`` known scales (e.g. ``(1, 5)`` for ratings).
    col : str
        Name of the added column.

    Returns
    -------
    same kind as ``metrics``, with ``col`` added.

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> m = pd.DataFrame({"accuracy": [0.9, 0.8], "toxicity": [0.1, 0.3]})
    >>> fl.composite_score(m, {"accuracy": 0.5, "toxicity": 0.5}, {"toxicity": "minimize"})["composite_score"].round(3).tolist()
    [0.9, 0.75]
    """
    names = list(weights)
    if not names:
        msg = "composite_score: weights is empty; give at least one {metric: weight}."
        raise ValueError(msg)
    pdf = pandas_input(metrics, names, func="composite_score", frame="metrics")
    w = np.array([float(weights[m]) for m in names])
    if (w < 0).any() or not np.isfinite(w).all() or w.sum() == 0:
        msg = f"composite_score: weights must be finite, non-negative and not all zero; got {dict(weights)}."
        raise ValueError(msg)
    dirs = _directions(directions, names, "composite_score")
    total = np.zeros(len(pdf))
    for m, wm in zip(names, w, strict=True):
        x = pd.to_numeric(pdf[m], errors="coerce").to_numpy(dtype=float)
        if ranges and m in ranges:
            lo, hi = map(float, ranges[m])
            if hi <= lo:
                msg = f"composite_score: range of {m!r} must have lo < hi, got {ranges[m]}."
                raise ValueError(msg)
            x = np.clip((x - lo) / (hi - lo), 0, 1)
        elif np.nanmin(x, initial=0) < 0 or np.nanmax(x, initial=0) > 1:
            warn(f"composite_score: {m!r} is outside [0, 1] and no range was given; it is min-max scaled "
                 f"over these {len(x)} rows. Pass ranges={{{m!r}: (lo, hi)}} for a stable score.")
            lo, hi = np.nanmin(x), np.nanmax(x)
            x = (x - lo) / (hi - lo) if hi > lo else np.where(np.isnan(x), np.nan, 0.5)
        if dirs[m] == "minimize":
            x = 1 - x
        total = total + wm * x
    out = pdf.copy()
    out[col] = total / w.sum()
    return output(out, metrics)


_OPS = {">=": np.greater_equal, ">": np.greater, "<=": np.less_equal, "<": np.less, "==": np.equal}


def _parse_threshold(metric: str, spec: Any) -> list[tuple[str, float]]:
    if isinstance(spec, bool):
        spec = None
    if isinstance(spec, int | float | np.number):
        return [(">=", float(spec))]
    if isinstance(spec, str):
        m = re.fullmatch(r"\s*(>=|<=|==|>|<)\s*([-+0-9.eE]+)\s*", spec)
        if m:
            return [(m.group(1), float(m.group(2)))]
    if isinstance(spec, tuple | list) and len(spec) == 2 and spec[0] in _OPS:
        return [(spec[0], float(spec[1]))]
    if isinstance(spec, Mapping) and spec and set(spec) <= {"min", "max"}:
        return [(">=" if k == "min" else "<=", float(v)) for k, v in spec.items()]
    msg = (f"check_thresholds: threshold for {metric!r} must be a number (minimum), '>= 0.8' / '<= 0.05', "
           f"('>=', 0.8) or {{'min': .., 'max': ..}}; got {spec!r}.")
    raise ValueError(msg)


def check_thresholds(metrics: Any, thresholds: Mapping[str, Any], *, by: str | list[str] | None = None,
                     backend: str = "polars") -> Any:
    """Pass/fail table of metrics against thresholds (a release gate).

    Parameters
    ----------
    metrics : DataFrame or dict
        ``{metric: value}``, or a frame with a column per metric: without ``by`` each metric is
        the mean of its column (one row of aggregates passes through unchanged); with ``by``,
        the mean per group.
    thresholds : dict
        ``{metric: spec}``; spec is a number (a minimum), a string ``">= 0.8"``/``"< 0.05"``,
        a tuple ``("<=", 0.05)`` or ``{"min": 0.7, "max": 0.95}``.
    by : str or list of str, optional
    backend : {"polars", "pandas"}
        Frame kind returned when ``metrics`` is a dict.

    Returns
    -------
    DataFrame
        One row per (group,) metric and condition: ``metric, value, op, threshold, passed``
        (``passed`` is False when the value is missing/NaN).

    Examples
    --------
    >>> import feedback_lab as fl
    >>> t = fl.check_thresholds({"accuracy": 0.82, "toxicity": 0.07}, {"accuracy": 0.8, "toxicity": "<= 0.05"},
    ...                         backend="pandas")
    >>> t[["metric", "passed"]].values.tolist()
    [['accuracy', True], ['toxicity', False]]
    """
    check_in(backend, ["polars", "pandas"], name="backend", func="check_thresholds")
    names = list(thresholds)
    specs = {m: _parse_threshold(m, thresholds[m]) for m in names}
    by_cols = as_list(by)
    if is_dataframe(metrics):
        pdf = pandas_input(metrics, [*names, *by_cols], func="check_thresholds", frame="metrics")
        num = pdf[names].apply(pd.to_numeric, errors="coerce")
        agg = num.groupby([pdf[c] for c in by_cols], dropna=False).mean().reset_index() if by_cols \
            else num.mean().to_frame().T
    elif isinstance(metrics, Mapping):
        if by_cols:
            msg = "check_thresholds: by= needs a frame of metrics, not a dict."
            raise ValueError(msg)
        missing = [m for m in names if m not in metrics]
        if missing:
            msg = (f"check_thresholds: metric {missing[0]!r} not found. Available metrics: {sorted(metrics)}."
                   f"{did_you_mean(missing[0], metrics)}")
            raise KeyError(msg)
        agg = pd.DataFrame([{m: float(metrics[m]) if metrics[m] is not None else np.nan for m in names}])
    else:
        msg = f"check_thresholds: metrics must be a DataFrame or a dict, got {type(metrics).__name__}."
        raise TypeError(msg)
    rows = []
    for _, r in agg.iterrows():
        for m in names:
            for op, thr in specs[m]:
                v = float(r[m])
                rows.append({**{c: r[c] for c in by_cols}, "metric": m, "value": v, "op": op, "threshold": thr,
                             "passed": bool(not np.isnan(v) and _OPS[op](v, thr))})
    res = pd.DataFrame(rows, columns=[*by_cols, "metric", "value", "op", "threshold", "passed"])
    return output(res, metrics) if is_dataframe(metrics) else from_pandas(res, backend)


def _as_float(s: pd.Series, name: str) -> np.ndarray:
    """Metric values as floats (booleans as 0/1, nulls as NaN); text raises naming the column."""
    if s.dtype == object:
        s = s.map(lambda v: float(v) if isinstance(v, bool | np.bool_) else v)
    try:
        return pd.to_numeric(s, errors="raise").astype("float64").to_numpy(dtype=float, na_value=np.nan)
    except (ValueError, TypeError) as exc:
        msg = f"detect_regressions: metric column {name!r} must hold booleans or numbers ({exc})."
        raise ValueError(msg) from exc


def detect_regressions(baseline: Any, candidate: Any, *, max_drop: float = 0.05, alpha: float = 0.05,
                       directions: Mapping[str, str] | None = None, metrics: list[str] | None = None,
                       test: str = "auto", n_resamples: int = 10_000, random_state: Any = None) -> Any:
    """Flag metrics that got worse by more than ``max_drop`` (relative) with statistical support.

    Parameters
    ----------
    baseline, candidate : DataFrame
        Per-trace metric columns (booleans / 0-1 or numbers), e.g. the last release and this one.
    max_drop : float
        Smallest relative worsening that counts (0.05 = 5% of the baseline mean).
    alpha : float
        Significance level of the one-sided test "candidate is worse".
    directions : dict, optional
        ``{metric: "minimize"}`` for metrics where lower is better (toxicity, latency).
    metrics : list of str, optional
        Columns to compare; default every numeric or boolean column present in both frames.
    test : {"auto", "welch", "bootstrap"}
        For numeric metrics: Welch's t-test (``auto``) or a percentile-bootstrap p-value on
        the difference of means. Boolean/0-1 metrics always use Fisher's exact test.
    n_resamples : int
        Bootstrap resamples.
    random_state : int, Generator or None
        Seed of the bootstrap.

    Returns
    -------
    same kind as ``baseline``
        One row per metric: ``metric, kind`` (boolean/numeric), ``direction, n_baseline,
        n_candidate, baseline, candidate`` (means, NaNs ignored), ``relative_change``
        ((candidate - baseline) / abs(baseline); inf when the baseline is 0 and the candidate is
        not), ``p_value`` (one-sided, toward worse), ``test`` and ``regressed`` = worsening
        > ``max_drop`` and ``p_value < alpha``. With fewer than 2 values on a side the p-value is
        NaN and nothing is flagged.

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> base = pd.DataFrame({"passed": [True] * 90 + [False] * 10})
    >>> cand = pd.DataFrame({"passed": [True] * 60 + [False] * 40})
    >>> r = fl.detect_regressions(base, cand)
    >>> bool(r["regressed"][0]), round(float(r["relative_change"][0]), 3)
    (True, -0.333)
    """
    check_number(max_drop, name="max_drop", func="detect_regressions", low=0)
    check_number(alpha, name="alpha", func="detect_regressions", low=0, high=1)
    check_in(test, ["auto", "welch", "bootstrap"], name="test", func="detect_regressions")
    if metrics is not None:
        b = pandas_input(baseline, metrics, func="detect_regressions", frame="baseline")
        c = pandas_input(candidate, metrics, func="detect_regressions", frame="candidate")
        names = list(metrics)
    else:
        b = pandas_input(baseline, [], func="detect_regressions", frame="baseline")
        c = pandas_input(candidate, [], func="detect_regressions", frame="candidate")

        def numeric(df: pd.DataFrame) -> list[str]:
            return [k for k in df.columns if pd.api.types.is_bool_dtype(df[k]) or
                    (pd.api.types.is_numeric_dtype(df[k]) and not pd.api.types.is_complex_dtype(df[k]))]
        nb, nc = numeric(b), numeric(c)
        names = [k for k in nb if k in nc]
        only = sorted(set(nb) ^ set(nc))
        if only:
            warn(f"detect_regressions: metric column(s) {only} are in only one of the frames and are not compared.")
        if not names:
            msg = (f"detect_regressions: no numeric or boolean column common to both frames "
                   f"(baseline: {list(b.columns)}, candidate: {list(c.columns)}).")
            raise ValueError(msg)
    dirs = _directions(directions, names, "detect_regressions")
    rng = check_random_state(random_state)
    rows = []
    for m in names:
        x, y = _as_float(b[m], m), _as_float(c[m], m)
        x, y = x[~np.isnan(x)], y[~np.isnan(y)]
        both = np.concatenate([x, y])
        binary = both.size > 0 and bool(np.isin(both, (0.0, 1.0)).all())
        bm = float(x.mean()) if x.size else np.nan
        cm = float(y.mean()) if y.size else np.nan
        worse_sign = -1.0 if dirs[m] == "maximize" else 1.0
        if np.isnan(bm) or np.isnan(cm):
            rel = np.nan
        elif bm == 0:
            rel = 0.0 if cm == 0 else np.inf * np.sign(cm)
        else:
            rel = (cm - bm) / abs(bm)
        p = np.nan
        name = "fisher_exact" if binary else ("bootstrap" if test == "bootstrap" else "welch_t")
        if x.size >= 2 and y.size >= 2:
            if binary:
                kb, kc = int(x.sum()), int(y.sum())
                table = [[kb, x.size - kb], [kc, y.size - kc]]
                # odds of "1" higher in baseline = candidate worse for a maximised metric
                p = float(stats.fisher_exact(table, alternative="greater" if dirs[m] == "maximize" else "less").pvalue)
            elif test == "bootstrap":
                p = _bootstrap_p(x, y, worse_sign, n_resamples, rng)
            elif np.var(x) == 0 and np.var(y) == 0:
                p = 1.0 if worse_sign * (cm - bm) <= 0 else 0.0
            else:
                p = float(stats.ttest_ind(y, x, equal_var=False,
                                          alternative="less" if dirs[m] == "maximize" else "greater").pvalue)
        worsening = worse_sign * rel if not np.isnan(rel) else np.nan
        regressed = bool(not np.isnan(p) and not np.isnan(worsening) and worsening > max_drop and p < alpha)
        rows.append({"metric": m, "kind": "boolean" if binary else "numeric", "direction": dirs[m],
                     "n_baseline": int(x.size), "n_candidate": int(y.size), "baseline": bm, "candidate": cm,
                     "relative_change": rel, "p_value": p, "test": name, "regressed": regressed})
    return output(pd.DataFrame(rows), baseline)


def _bootstrap_p(x: np.ndarray, y: np.ndarray, worse_sign: float, n: int, rng) -> float:
    """One-sided bootstrap p-value: share of resampled mean differences that are not worse."""
    bx = x[rng.integers(0, x.size, size=(n, x.size))].mean(axis=1)
    by = y[rng.integers(0, y.size, size=(n, y.size))].mean(axis=1)
    diff = worse_sign * (by - bx)
    return float((np.sum(diff <= 0) + 1) / (n + 1))
