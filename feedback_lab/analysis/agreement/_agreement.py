"""``fl.agreement``: judge vs human agreement with bootstrap intervals, per segment."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._random import check_random_state, seed_int
from feedback_lab._validation import check_number
from feedback_lab.analysis.agreement._boot import bootstrap, percentile_interval, warn
from feedback_lab.analysis.agreement._common import (
    as_list,
    check_common,
    encode_labels,
    fmt,
    html_table,
    infer_failing,
    load_frame,
    out_frame,
)
from feedback_lab.analysis.agreement._pairs import KENDALL_MAX_PATTERNS, PairData, pair_stats

__all__ = ["STATISTICS", "AgreementResult", "agreement"]

STATISTICS = (
    "percent_agreement", "cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic",
    "krippendorff_alpha", "gwet_ac1", "gwet_ac2", "spearman", "kendall_tau_b", "pearson", "mae",
    "precision", "recall", "tnr", "f1", "mcc",
)  # fmt: skip
MAX_CONFUSION = 50  # categories above which no confusion matrix is kept


@dataclasses.dataclass(frozen=True)
class AgreementResult:
    """Agreement between a judge and human labels, overall and per segment.

    Attributes
    ----------
    table : DataFrame
        One row per segment (``"overall"`` first): ``segment``, ``n``, ``n_missing``, then for
        each statistic ``<stat>``, ``<stat>_low``, ``<stat>_high`` (bootstrap 95% interval), and
        ``notes`` (why a value is NaN). Same kind (pandas/polars) as the input frame.
    statistics : DataFrame
        Long form: ``segment, statistic, estimate, ci_low, ci_high, n, n_boot_undefined, reason``.
    confusion : dict
        ``segment -> ndarray`` (rows = judge label, columns = human label, in ``labels`` order);
        absent when there are more than 50 categories.
    labels : tuple
        The ordered categories.
    params : dict
        Parameters used, including the resolved ``random_state`` seed.
    """

    table: Any
    statistics: Any
    confusion: dict[str, np.ndarray]
    labels: tuple
    params: dict

    def to_frame(self, long: bool = False):
        """The wide ``table`` (default) or the long ``statistics`` frame."""
        return self.statistics if long else self.table

    def confusion_matrix(self, segment: str = "overall") -> pd.DataFrame:
        """Confusion matrix of one segment as a pandas frame (judge rows, human columns)."""
        if segment not in self.confusion:
            msg = f"No confusion matrix for segment {segment!r}; available: {list(self.confusion)}."
            raise KeyError(msg)
        idx = pd.Index([str(c) for c in self.labels], name="judge \\ human")
        return pd.DataFrame(self.confusion[segment], index=idx, columns=[str(c) for c in self.labels])

    def _long_pandas(self) -> pd.DataFrame:
        s = self.statistics
        return s if isinstance(s, pd.DataFrame) else s.to_pandas()

    def _repr_html_(self) -> str:
        long = self._long_pandas()
        overall = long[(long["segment"] == "overall") & long["estimate"].notna()]
        lines = [
            f"{r.statistic}: {fmt(r.estimate)} [{fmt(r.ci_low)}, {fmt(r.ci_high)}]"
            for r in overall.itertuples()
        ]
        p = self.params
        head = (
            f"<b>AgreementResult</b> — {p['judge_col']} vs {p['human_col']}, level={p['level']}, "
            f"n={int(long['n'].iloc[0]) if len(long) else 0}, {p['n_boot']} bootstrap resamples"
        )
        wide = self.table if isinstance(self.table, pd.DataFrame) else self.table.to_pandas()
        cols = [c for c in ("segment", "n", "percent_agreement", "cohen_kappa", "krippendorff_alpha",
                            "spearman", "notes") if c in wide.columns]  # fmt: skip
        return f"<div>{head}<br>{'<br>'.join(lines[:8])}{html_table(wide[cols])}</div>"


def _reason(stat: str, est: float, d: PairData, cats: list, n: int) -> str:
    if n < 2:
        return f"n={n} < 2"
    used_x, used_y = np.unique(d.xi), np.unique(d.yi)
    both = np.union1d(used_x, used_y)
    if stat in ("cohen_kappa", "cohen_kappa_linear", "cohen_kappa_quadratic"):
        if len(both) == 1:
            return f"both raters gave only the label {cats[both[0]]!r}: chance agreement is 1"
        return "expected disagreement is 0"
    if stat in ("krippendorff_alpha", "gwet_ac1", "gwet_ac2"):
        return f"only one label ({cats[both[0]]!r}) in the data: chance-corrected agreement needs two"
    if stat in ("spearman", "kendall_tau_b", "pearson"):
        who = "judge" if len(used_x) == 1 else "human"
        return f"{who} labels are constant ({cats[(used_x if who == 'judge' else used_y)[0]]!r})"
    pos = cats[d.positive] if d.positive is not None else None
    return {
        "precision": f"the judge never gave the failing label {pos!r}",
        "recall": f"the humans never gave the failing label {pos!r}",
        "tnr": f"the humans never gave a passing label (all {pos!r})",
        "f1": f"neither rater gave the failing label {pos!r}",
        "mcc": "a row or column of the 2x2 fail/pass table is empty",
    }.get(stat, "undefined for this data")


def _segment_rows(seg, codes_x, codes_y, k, values, level, positive, n_boot, rng, cats, n_missing,
                  confidence):
    d = PairData.from_codes(codes_x, codes_y, k, values, level, positive)
    n = len(codes_x)
    rows = []
    if n == 0:
        point, reps = {}, {}
    else:
        point, reps = bootstrap(d.counts, lambda w: pair_stats(d, w), n_boot, rng)
    big_kendall = len(d.counts) > KENDALL_MAX_PATTERNS
    if big_kendall and "kendall_tau_b" in point:
        from scipy.stats import kendalltau

        point["kendall_tau_b"] = float(kendalltau(codes_x, codes_y)[0])
    undefined = []
    for stat in STATISTICS:
        if stat not in point and n > 0:
            continue
        est = point.get(stat, float("nan"))
        lo, hi, n_bad = percentile_interval(reps.get(stat, np.empty(0)), confidence)
        reason = ""
        if not np.isfinite(est):
            reason = _reason(stat, est, d, cats, n) if n else "no rows"
            undefined.append(stat)
        elif stat == "kendall_tau_b" and big_kendall:
            reason = f"no interval: {len(d.counts)} distinct (judge, human) pairs > {KENDALL_MAX_PATTERNS}"
        elif n_boot and not np.isfinite(lo):
            reason = f"interval undefined in {n_bad} of {n_boot} resamples"
        rows.append((seg, stat, est, lo, hi, n, n_missing, n_bad, reason))
    if undefined:
        warn(f"agreement: segment {seg!r} (n={n}): undefined {undefined}; see the notes column.")
    return rows, d


def agreement(
    frame: Any,
    *,
    judge_col: str,
    human_col: str,
    level: str = "nominal",
    by: str | Sequence[str] | None = None,
    positive_label: Any = None,
    labels: Sequence[Any] | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    small_n: int = 30,
    random_state: int | np.random.Generator | None = None,
) -> AgreementResult:
    """Agreement between a judge's labels and human labels, with bootstrap intervals.

    Parameters
    ----------
    frame : pandas or polars DataFrame
        One row per item, with the judge's and the human's label.
    judge_col, human_col : str
        Columns holding the two ratings. Rows where either is missing are left out and counted
        in ``n_missing`` (with a warning).
    level : {"nominal", "ordinal", "interval"}
        Measurement level. Ordinal/interval add weighted kappas, AC2, Spearman, Kendall's tau-b,
        Pearson and MAE. Ordinal text labels need ``labels=`` in scale order.
    by : str or list of str, optional
        Segment column(s): one row per segment, after the ``"overall"`` row.
    positive_label : optional
        The *failing* label, for precision, recall (TPR), TNR, F1 and MCC of the judge on the
        failing class. Inferred for two labels (``fail``/``bad``/``no``/... or the lower number).
    labels : sequence, optional
        The ordered categories (defaults to the sorted union of both columns).
    n_boot : int, default 2000
        Bootstrap resamples of the items (0: no intervals).
    confidence : float, default 0.95
    small_n : int, default 30
        Segments with fewer items get a warning with their n.
    random_state : int, Generator or None

    Returns
    -------
    AgreementResult

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"judge": ["pass", "fail", "pass", "pass", "fail", "pass"],
    ...                    "human": ["pass", "fail", "fail", "pass", "fail", "pass"]})
    >>> res = agreement(df, judge_col="judge", human_col="human", n_boot=200, random_state=0)
    >>> round(float(res.table["cohen_kappa"][0]), 4), round(float(res.table["recall"][0]), 4)
    (0.6667, 0.6667)
    """
    func = "agreement"
    check_common(level, n_boot, func)
    check_number(confidence, name="confidence", func=func, low=0, high=1, low_inclusive=False,
                 high_inclusive=False)  # fmt: skip
    by_cols = as_list(by)
    pdf, kind = load_frame(frame, [judge_col, human_col, *by_cols], func=func)
    seed = seed_int(random_state)
    rng = check_random_state(seed)
    (cx, cy), cats, values = encode_labels(
        [pdf[judge_col], pdf[human_col]], level=level, labels=labels, func=func
    )
    ok = (cx >= 0) & (cy >= 0)
    n_missing = int((~ok).sum())
    if n_missing:
        warn(f"agreement: {n_missing} of {len(pdf)} rows have a missing {judge_col!r} or "
             f"{human_col!r} and were left out (counted in n_missing).")  # fmt: skip
    positive, pos_note = infer_failing(cats, values, positive_label, func)
    k = len(cats)
    segments = [("overall", np.arange(len(pdf)))]
    if by_cols:
        segments.extend(_segment_index(pdf, by_cols))
    rows, confusion = [], {}
    for seg, idx_all in segments:
        idx = idx_all[ok[idx_all]]
        if seg != "overall" and len(idx) < small_n:
            warn(f"agreement: segment {seg!r} has only n={len(idx)} items (< {small_n}); its intervals are wide.")
        seg_rows, d = _segment_rows(seg, cx[idx], cy[idx], k, values, level, positive, n_boot, rng,
                                    cats, len(idx_all) - len(idx), confidence)  # fmt: skip
        rows.extend(seg_rows)
        if k <= MAX_CONFUSION:
            m = np.zeros((k, k), dtype=np.int64)
            np.add.at(m, (d.xi, d.yi), d.counts)
            confusion[seg] = m
    long = pd.DataFrame(rows, columns=["segment", "statistic", "estimate", "ci_low", "ci_high", "n",
                                       "n_missing", "n_boot_undefined", "reason"])  # fmt: skip
    if pos_note:
        pos_note = f"binary metrics: {pos_note}"
    wide = _widen(long, pos_note)
    params = dict(judge_col=judge_col, human_col=human_col, level=level, by=by_cols or None,
                  positive_label=None if positive is None else cats[positive], labels=list(cats),
                  n_boot=n_boot, confidence=confidence, small_n=small_n, random_state=seed)  # fmt: skip
    return AgreementResult(out_frame(wide, kind), out_frame(long, kind), confusion, tuple(cats), params)


def _segment_index(pdf, by_cols):
    keys = pdf[by_cols].astype(object).where(pdf[by_cols].notna(), "<missing>")
    for key, idx in keys.groupby(by_cols, sort=True).indices.items():
        key = key if isinstance(key, tuple) else (key,)
        yield " | ".join(str(v) for v in key), idx


def _widen(long: pd.DataFrame, extra_note: str) -> pd.DataFrame:
    out = []
    for seg, g in long.groupby("segment", sort=False):
        row: dict[str, Any] = {"segment": seg, "n": int(g["n"].iloc[0]), "n_missing": int(g["n_missing"].iloc[0])}
        notes = [f"{r.statistic}: {r.reason}" for r in g.itertuples() if r.reason]
        for r in g.itertuples():
            row[r.statistic] = r.estimate
            row[f"{r.statistic}_low"] = r.ci_low
            row[f"{r.statistic}_high"] = r.ci_high
        row["notes"] = "; ".join(([extra_note] if extra_note else []) + notes)
        out.append(row)
    return pd.DataFrame(out)
