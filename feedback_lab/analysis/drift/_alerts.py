"""``metric_alerts``: period-over-period drops beyond a tolerance that a test supports."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd

from feedback_lab._frame import like_input, to_pandas
from feedback_lab._validation import check_in, check_number, require_columns

__all__ = ["metric_alerts", "two_proportion_test"]

OUT_COLUMNS = [
    "previous_period", "previous_value", "current_value", "relative_change", "n_previous", "n_current",
    "test", "p_value", "alert", "reason",
]


def two_proportion_test(x1: float, n1: float, x2: float, n2: float, *, alternative: str = "greater") -> float:
    """One-sided pooled two-proportion z-test of ``p2 > p1`` (``"greater"``) or ``p2 < p1`` (``"less"``).

    Examples
    --------
    >>> round(two_proportion_test(10, 100, 25, 100), 4)   # z = 2.7914
    0.0026
    """
    from scipy.stats import norm

    p1, p2 = x1 / n1, x2 / n2
    pooled = (x1 + x2) / (n1 + n2)
    se = math.sqrt(pooled * (1 - pooled) * (1 / n1 + 1 / n2))
    if se == 0:
        return 1.0
    z = (p2 - p1) / se
    return float(norm.sf(z) if alternative == "greater" else norm.cdf(z))


def metric_alerts(
    trends,
    *,
    metric_col: str = "negative_rate",
    count_col: str = "n_feedback",
    period_col: str = "period",
    by=None,
    max_drop: float = 0.05,
    higher_is_better: bool = False,
    alpha: float = 0.05,
    test: str = "auto",
    std_col: str | None = None,
):
    """Compare each period with the previous one and flag statistically supported degradations.

    A period alerts when the metric got worse by more than ``max_drop`` *relative* to the
    previous period (a fall for ``higher_is_better=True``, a rise otherwise: a negative
    rate going from 0.10 to 0.106 is a 6 % relative rise) **and** a one-sided test at
    ``alpha`` supports the change:

    * ``"proportion"``: pooled two-proportion z-test on ``round(rate * count)`` successes,
      for rates in [0, 1] (``negative_rate``, ``coverage``);
    * ``"welch"``: Welch's t-test from summary statistics (needs ``std_col``), for means
      such as ``mean_rating``.

    ``"auto"`` picks ``"welch"`` when ``std_col`` is given, ``"proportion"`` otherwise.

    Parameters
    ----------
    trends : pandas or polars DataFrame
        One row per ``period`` (and ``by`` group), e.g. the output of ``fl.feedback_trends``.
    by : str or list of str, optional
        Grouping columns; periods are compared within each group.

    Returns
    -------
    DataFrame (same kind as ``trends``)
        One row per compared period: the ``by`` columns, ``period_col``, ``previous_period``,
        ``previous_value``, ``current_value``, ``relative_change``, ``n_previous``,
        ``n_current``, ``test``, ``p_value``, ``alert`` (bool), ``reason``. The first period
        of each group has nothing to compare with and has no row.

    Examples
    --------
    >>> trends = pd.DataFrame({"period": ["w1", "w2", "w3"], "negative_rate": [0.10, 0.25, 0.26],
    ...                        "n_feedback": [100, 100, 100]})
    >>> metric_alerts(trends)[["period", "alert"]].values.tolist()
    [['w2', True], ['w3', False]]
    """
    func = "metric_alerts"
    check_number(max_drop, name="max_drop", func=func, low=0)
    check_number(alpha, name="alpha", func=func, low=0, high=1, low_inclusive=False, high_inclusive=False)
    check_in(test, ["auto", "proportion", "welch"], name="test", func=func)
    by_cols = [by] if isinstance(by, str) else list(by or [])
    if test == "auto":
        test = "welch" if std_col is not None else "proportion"
    needed = [period_col, metric_col, count_col, *by_cols] + ([std_col] if test == "welch" else [])
    if test == "welch" and std_col is None:
        msg = f"{func}: test='welch' compares means and needs std_col= (the per-period standard deviation)."
        raise ValueError(msg)
    pdf = to_pandas(trends)
    require_columns(pdf, needed, func=func, frame="trends")
    if test == "proportion":
        vals = pd.to_numeric(pdf[metric_col], errors="coerce")
        outside = vals[(vals < 0) | (vals > 1)]
        if len(outside):
            msg = (f"{func}: {metric_col!r} has values outside [0, 1] (e.g. {outside.iloc[0]}), so it is not a "
                   "rate; for a mean pass std_col= (Welch test) or choose a rate column.")
            raise ValueError(msg)
    rows = []
    groups = pdf.groupby(by_cols, sort=True, dropna=False) if by_cols else [((), pdf)]
    for key, g in groups:
        key = key if isinstance(key, tuple) else (key,)
        g = g.sort_values(period_col, kind="stable")
        recs = g.to_dict("records")
        for prev, cur in itertools.pairwise(recs):
            row = dict(zip(by_cols, key, strict=False))
            row[period_col] = cur[period_col]
            row.update(_compare(prev, cur, metric_col, count_col, std_col, test, max_drop,
                                higher_is_better, alpha, period_col))
            rows.append(row)
    out = pd.DataFrame(rows, columns=[*by_cols, period_col, *OUT_COLUMNS])
    out["alert"] = out["alert"].astype(bool)
    return like_input(out, trends)


def _compare(prev, cur, metric_col, count_col, std_col, test, max_drop, higher_is_better, alpha, period_col):
    v1, v2 = prev[metric_col], cur[metric_col]
    n1, n2 = prev[count_col], cur[count_col]
    base = {"previous_period": prev[period_col], "previous_value": v1, "current_value": v2,
            "n_previous": n1, "n_current": n2, "test": test, "p_value": np.nan, "alert": False,
            "relative_change": np.nan}
    if any(pd.isna(v) for v in (v1, v2, n1, n2)) or n1 <= 0 or n2 <= 0:
        return {**base, "reason": "no data in one of the two periods"}
    if v1 == 0:
        rel = 0.0 if v2 == 0 else math.copysign(math.inf, v2)
    else:
        rel = (v2 - v1) / abs(v1)
    worse = rel < -max_drop if higher_is_better else rel > max_drop
    alternative = "less" if higher_is_better else "greater"
    if test == "proportion":
        p = two_proportion_test(round(v1 * n1), n1, round(v2 * n2), n2, alternative=alternative)
    else:
        from scipy.stats import ttest_ind_from_stats

        s1, s2 = prev[std_col], cur[std_col]
        if n1 < 2 or n2 < 2 or pd.isna(s1) or pd.isna(s2):
            return {**base, "relative_change": rel, "reason": "Welch test needs n >= 2 and a std in both periods"}
        p = float(ttest_ind_from_stats(v2, s2, n2, v1, s1, n1, equal_var=False, alternative=alternative).pvalue)
        if math.isnan(p):
            p = 1.0 if v1 == v2 else 0.0  # both std 0: a change without variance is certain
    direction = "fell" if rel < 0 else "rose"
    what = f"{metric_col} {direction} {abs(rel):.1%} ({v1:.4g} -> {v2:.4g})"
    if not worse:
        reason = f"{what}: within max_drop={max_drop:.0%} or in the good direction"
    elif p > alpha:
        reason = f"{what}: beyond max_drop but not significant (p={p:.3g} > {alpha})"
    else:
        reason = f"{what}: beyond max_drop={max_drop:.0%} and significant (p={p:.3g})"
    return {**base, "relative_change": rel, "p_value": p, "alert": bool(worse and p <= alpha), "reason": reason}
