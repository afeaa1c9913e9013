"""``fl.inter_rater`` and ``fl.judge_vs_humans``: reliability among several raters."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from itertools import combinations
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._random import check_random_state, seed_int
from feedback_lab.analysis.agreement._boot import bootstrap, percentile_interval, warn
from feedback_lab.analysis.agreement._common import (
    check_common,
    encode_labels,
    html_table,
    load_frame,
    out_frame,
)
from feedback_lab.analysis.agreement._pairs import PairData, pair_stats
from feedback_lab.analysis.agreement._reliability import (
    MAX_CATEGORIES,
    UnitPatterns,
    alpha_from_coincidence,
    alpha_from_moments,
    interval_alpha_moments,
    quadratic_weights,
    unit_counts,
)

__all__ = ["InterRaterResult", "JudgeVsHumansResult", "inter_rater", "judge_vs_humans"]

_COLS = ["statistic", "estimate", "ci_low", "ci_high", "n_items", "n_raters", "n_ratings", "reason"]


@dataclasses.dataclass(frozen=True)
class InterRaterResult:
    """Reliability of several raters.

    Attributes
    ----------
    table : DataFrame
        ``statistic`` (krippendorff_alpha, fleiss_kappa, gwet_ac1, [gwet_ac2], percent_agreement),
        ``estimate, ci_low, ci_high, n_items, n_raters, n_ratings, reason``.
    pairwise : DataFrame
        ``rater_a, rater_b, n, cohen_kappa, ci_low, ci_high`` for every pair of raters.
    matrix : ndarray
        Pairwise Cohen's kappa, ``raters x raters`` (diagonal 1, NaN where undefined).
    raters, labels : tuple
    params : dict
    """

    table: Any
    pairwise: Any
    matrix: np.ndarray
    raters: tuple
    labels: tuple
    params: dict

    def to_frame(self):
        return self.table

    def _repr_html_(self) -> str:
        t = self.table if isinstance(self.table, pd.DataFrame) else self.table.to_pandas()
        return f"<div><b>InterRaterResult</b> — {len(self.raters)} raters, level={self.params['level']}{html_table(t)}</div>"


@dataclasses.dataclass(frozen=True)
class JudgeVsHumansResult:
    """Is the judge as close to the humans as they are to each other (leave one rater out)?

    Attributes
    ----------
    table : DataFrame
        One row per left-out human ``h`` plus ``"mean"``: ``human_alpha`` (alpha of the other
        humans with ``h``), ``judge_alpha`` (the other humans with the judge in place of ``h``),
        ``difference`` (judge − human), their intervals, ``n_items`` and ``verdict``.
    pairwise : DataFrame
        Cohen's kappa of every rater pair with ``kind`` = ``judge-human`` or ``human-human``.
    params : dict
    """

    table: Any
    pairwise: Any
    params: dict

    def to_frame(self):
        return self.table

    def _repr_html_(self) -> str:
        t = self.table if isinstance(self.table, pd.DataFrame) else self.table.to_pandas()
        return f"<div><b>JudgeVsHumansResult</b> — judge {self.params['judge']!r}{html_table(t)}</div>"


def _long_input(frame, item_col, rater_col, label_col, rater_cols, func):
    """(pandas long frame with item/rater/label columns, kind)."""
    if rater_cols is not None:
        cols = list(rater_cols) + ([item_col] if item_col else [])
        pdf, kind = load_frame(frame, cols, func=func)
        items = pdf[item_col] if item_col else pd.Series(np.arange(len(pdf)))
        parts = [pd.DataFrame({"item": items.to_numpy(), "rater": str(r), "label": pdf[r].to_numpy()})
                 for r in rater_cols]  # fmt: skip
        long = pd.concat(parts, ignore_index=True)
        return long[long["label"].notna()].reset_index(drop=True), kind
    if item_col is None or rater_col is None or label_col is None:
        msg = f"{func}: give item_col, rater_col and label_col (long frame) or rater_cols=[...] (wide frame)."
        raise TypeError(msg)
    pdf, kind = load_frame(frame, [item_col, rater_col, label_col], func=func)
    long = pd.DataFrame({"item": pdf[item_col].to_numpy(), "rater": pdf[rater_col].astype(str).to_numpy(),
                         "label": pdf[label_col]})  # fmt: skip
    n_null = int(long["label"].isna().sum())
    if n_null:
        warn(f"{func}: {n_null} rows with a missing {label_col!r} were left out.")
    long = long[long["label"].notna()].reset_index(drop=True)
    dup = long.duplicated(["item", "rater"], keep=False)
    if dup.any():
        ex = long.loc[dup, ["item", "rater"]].head(3).to_dict("records")
        msg = (f"{func}: {int(dup.sum())} rows rate the same (item, rater) more than once, e.g. {ex}. "
               "Keep one rating per rater and item (e.g. the latest) before calling.")  # fmt: skip
        raise ValueError(msg)
    return long, kind


class _Ratings:
    """Encoded long ratings: unit, rater and category codes."""

    def __init__(self, long: pd.DataFrame, level, labels, func):
        (self.code,), cats, self.values = encode_labels([long["label"]], level=level, labels=labels, func=func)
        self.cats = cats
        self.unit, self.items = pd.factorize(long["item"], sort=False)
        self.rater, raters = pd.factorize(long["rater"], sort=True)
        self.raters = tuple(str(r) for r in raters)
        self.k = len(cats)
        self.n_units = len(self.items)
        self.x = None if self.values is None else self.values[self.code]

    def wide(self) -> np.ndarray:
        m = np.full((self.n_units, len(self.raters)), -1, dtype=np.int64)
        m[self.unit, self.rater] = self.code
        return m


def _rows_from(point, reps, confidence, extra, reasons):
    rows = []
    for stat, est in point.items():
        lo, hi, _ = percentile_interval(reps.get(stat, np.empty(0)), confidence)
        reason = "" if np.isfinite(est) else reasons.get(stat, "undefined for this data")
        rows.append((stat, est, lo, hi, *extra, reason))
    return rows


def _pairwise(wide, raters, k, values, level, n_boot, rng, confidence):
    rows = []
    mat = np.eye(len(raters))
    for a, b in combinations(range(len(raters)), 2):
        both = (wide[:, a] >= 0) & (wide[:, b] >= 0)
        n = int(both.sum())
        est = lo = hi = np.nan
        if n:
            d = PairData.from_codes(wide[both, a], wide[both, b], k, values, "nominal", None)
            point, reps = bootstrap(d.counts, lambda w, d=d: {"k": pair_stats(d, w)["cohen_kappa"]}, n_boot, rng)
            est = point["k"]
            lo, hi, _ = percentile_interval(reps["k"], confidence)
        mat[a, b] = mat[b, a] = est
        rows.append((raters[a], raters[b], n, est, lo, hi))
    return pd.DataFrame(rows, columns=["rater_a", "rater_b", "n", "cohen_kappa", "ci_low", "ci_high"]), mat


def inter_rater(
    frame: Any,
    *,
    item_col: str | None = None,
    rater_col: str | None = None,
    label_col: str | None = None,
    rater_cols: Sequence[str] | None = None,
    level: str = "nominal",
    labels: Sequence[Any] | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = None,
) -> InterRaterResult:
    """Reliability among several raters: Krippendorff's alpha, Fleiss' kappa, Gwet's AC1, pairwise kappa.

    Parameters
    ----------
    frame : pandas or polars DataFrame
        Long (one row per rating: ``item_col``, ``rater_col``, ``label_col``) or wide (one
        column per rater: ``rater_cols``, optional ``item_col``). Missing ratings are allowed.
    level : {"nominal", "ordinal", "interval", "ratio"}
        Level of Krippendorff's alpha; ordinal/interval add Gwet's AC2 (quadratic weights).
    labels : sequence, optional
        Ordered categories (needed for ordinal text labels).
    n_boot : int, default 2000
        Bootstrap resamples of the items.

    Returns
    -------
    InterRaterResult

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"a": [1, 2, 3, 3, 2], "b": [1, 2, 3, 3, 1], "c": [1, 2, 3, 2, 2]})
    >>> res = inter_rater(wide, rater_cols=["a", "b", "c"], n_boot=0)
    >>> round(float(res.table["estimate"][0]), 4)  # Krippendorff's alpha, nominal
    0.6216
    """
    func = "inter_rater"
    check_common(level, n_boot, func, levels=("nominal", "ordinal", "interval", "ratio"))
    long, kind = _long_input(frame, item_col, rater_col, label_col, rater_cols, func)
    seed = seed_int(random_state)
    rng = check_random_state(seed)
    enc_level = "interval" if level == "ratio" else level
    r = _Ratings(long, enc_level, labels, func)
    extra = (r.n_units, len(r.raters), len(long))
    reasons = {}
    if r.k <= MAX_CATEGORIES:
        up = UnitPatterns(unit_counts(r.unit, r.code, r.n_units, r.k), r.values)
        pos = np.arange(r.k, dtype=float) if level == "ordinal" else r.values
        ac2 = quadratic_weights(pos) if level != "nominal" and r.k > 1 else None
        point, reps = bootstrap(up.counts, lambda w: up.stats(w, level, ac2), n_boot, rng)
        if r.k < 2:
            reasons = dict.fromkeys(point, f"only one label ({r.cats[0]!r}) in the data")
        elif not np.any(up.pair):
            reasons = dict.fromkeys(point, "no item has two or more ratings")
    else:
        if level != "interval":
            msg = (f"{func}: {r.k} distinct labels (> {MAX_CATEGORIES}); for level={level!r} bin the "
                   "values first, or use level='interval' for continuous scores.")  # fmt: skip
            raise ValueError(msg)
        feats = interval_alpha_moments(r.unit, r.x, r.n_units)
        point, reps = bootstrap(np.ones(r.n_units, np.int64),
                                lambda w: {"krippendorff_alpha": alpha_from_moments(w @ feats)}, n_boot, rng)  # fmt: skip
        for s in ("fleiss_kappa", "gwet_ac1", "percent_agreement"):
            point[s] = np.nan
            reasons[s] = f"{r.k} distinct labels: category statistics need discrete labels"
    order = ["krippendorff_alpha", "fleiss_kappa", "gwet_ac1", "gwet_ac2", "percent_agreement"]
    point = {s: float(point[s]) for s in order if s in point}
    rows = _rows_from(point, reps, confidence, extra, reasons)
    if any(not np.isfinite(p) for p in point.values()):
        warn(f"{func}: undefined statistics: {[s for s, p in point.items() if not np.isfinite(p)]}.")
    table = pd.DataFrame(rows, columns=_COLS)
    if r.k <= MAX_CATEGORIES:
        pw, mat = _pairwise(r.wide(), r.raters, r.k, r.values, level, n_boot, rng, confidence)
    else:
        pw, mat = pd.DataFrame(columns=["rater_a", "rater_b", "n", "cohen_kappa", "ci_low", "ci_high"]), np.full(
            (len(r.raters),) * 2, np.nan)  # fmt: skip
    params = dict(item_col=item_col, rater_col=rater_col, label_col=label_col, rater_cols=rater_cols,
                  level=level, labels=list(r.cats), n_boot=n_boot, confidence=confidence, random_state=seed)  # fmt: skip
    return InterRaterResult(out_frame(table, kind), out_frame(pw, kind), mat, r.raters, tuple(r.cats), params)


def judge_vs_humans(
    frame: Any,
    *,
    judge: str,
    item_col: str | None = None,
    rater_col: str | None = None,
    label_col: str | None = None,
    rater_cols: Sequence[str] | None = None,
    level: str = "nominal",
    labels: Sequence[Any] | None = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = None,
) -> JudgeVsHumansResult:
    """Compare judge–human agreement with human–human agreement, leaving one human out at a time.

    For each human ``h``, Krippendorff's alpha (at ``level``) of the *other* humans together
    with ``h`` is compared with alpha of the other humans together with the judge in place of
    ``h``. A judge as good as a human leaves alpha unchanged; the bootstrap (items resampled
    jointly, so the two alphas are paired) gives an interval for the difference.

    Parameters
    ----------
    judge : str
        The judge's rater name (a value of ``rater_col``, or one of ``rater_cols``).
    Other parameters as in :func:`inter_rater`.

    Returns
    -------
    JudgeVsHumansResult

    Examples
    --------
    >>> import pandas as pd
    >>> wide = pd.DataFrame({"h1": [1, 2, 3, 3, 2, 1], "h2": [1, 2, 3, 3, 1, 1],
    ...                      "llm": [1, 2, 3, 2, 2, 1]})
    >>> res = judge_vs_humans(wide, judge="llm", rater_cols=["h1", "h2", "llm"], n_boot=0)
    >>> list(res.table["left_out"])
    ['h1', 'h2', 'mean']
    """
    func = "judge_vs_humans"
    check_common(level, n_boot, func, levels=("nominal", "ordinal", "interval", "ratio"))
    long, kind = _long_input(frame, item_col, rater_col, label_col, rater_cols, func)
    seed = seed_int(random_state)
    rng = check_random_state(seed)
    r = _Ratings(long, "interval" if level == "ratio" else level, labels, func)
    if str(judge) not in r.raters:
        from feedback_lab._validation import did_you_mean

        msg = f"{func}: judge={judge!r} is not among the raters {list(r.raters)}.{did_you_mean(str(judge), r.raters)}"
        raise ValueError(msg)
    if r.k > MAX_CATEGORIES:
        msg = f"{func}: {r.k} distinct labels (> {MAX_CATEGORIES}); bin the scores first."
        raise ValueError(msg)
    wide = r.wide()
    j = r.raters.index(str(judge))
    humans = [i for i in range(len(r.raters)) if i != j]
    if len(humans) < 2:
        msg = f"{func}: needs at least two human raters besides the judge; got {[r.raters[i] for i in humans]}."
        raise ValueError(msg)
    feats = []
    for h in humans:
        others = [i for i in humans if i != h]
        for cols in ([*others, h], [*others, j]):
            sub = wide[:, cols]
            ok = sub >= 0
            unit = np.broadcast_to(np.arange(len(sub))[:, None], sub.shape)[ok]
            counts = unit_counts(unit, sub[ok], len(sub), r.k).astype(float)
            m = counts.sum(1)
            pair = (m >= 2)[:, None, None] / np.where(m >= 2, m - 1, 1)[:, None, None]
            co = (counts[:, :, None] * counts[:, None, :] - counts[:, :, None] * np.eye(r.k)) * pair
            feats.append(co.reshape(len(sub), -1))
    f = np.hstack(feats)
    keys, counts = np.unique(f, axis=0, return_counts=True)
    kk = r.k * r.k

    def stat(w):
        s = w @ keys
        out = {}
        diffs = []
        for t, h in enumerate(humans):
            oh = s[:, (2 * t) * kk:(2 * t + 1) * kk].reshape(-1, r.k, r.k)
            oj = s[:, (2 * t + 1) * kk:(2 * t + 2) * kk].reshape(-1, r.k, r.k)
            ah, aj = alpha_from_coincidence(oh, level, r.values), alpha_from_coincidence(oj, level, r.values)
            out[f"{h}:human"], out[f"{h}:judge"], out[f"{h}:diff"] = ah, aj, aj - ah
            diffs.append((ah, aj))
        out["mean:human"] = np.mean([d[0] for d in diffs], 0)
        out["mean:judge"] = np.mean([d[1] for d in diffs], 0)
        out["mean:diff"] = out["mean:judge"] - out["mean:human"]
        return out

    point, reps = bootstrap(counts, stat, n_boot, rng)
    rows = []
    for h in [*humans, "mean"]:
        row = {"left_out": r.raters[h] if h != "mean" else "mean",
               "n_items": int(((wide[:, humans] >= 0).sum(1) >= 2).sum())}  # fmt: skip
        for part, name in (("human", "human_alpha"), ("judge", "judge_alpha"), ("diff", "difference")):
            key = f"{h}:{part}"
            lo, hi, _ = percentile_interval(reps[key], confidence)
            row[name], row[f"{name}_low"], row[f"{name}_high"] = point[key], lo, hi
        lo, hi = row["difference_low"], row["difference_high"]
        row["verdict"] = ("judge agrees less than the human" if hi < 0 else
                          "judge agrees more than the human" if lo > 0 else
                          "no detectable difference" if np.isfinite(lo) else "no interval")  # fmt: skip
        rows.append(row)
    pw, _ = _pairwise(wide, r.raters, r.k, r.values, level, n_boot, rng, confidence)
    jn = r.raters[j]
    pw.insert(2, "kind", np.where((pw["rater_a"] == jn) | (pw["rater_b"] == jn), "judge-human", "human-human"))
    params = dict(judge=str(judge), item_col=item_col, rater_col=rater_col, label_col=label_col,
                  rater_cols=rater_cols, level=level, labels=list(r.cats), n_boot=n_boot,
                  confidence=confidence, random_state=seed)  # fmt: skip
    return JudgeVsHumansResult(out_frame(pd.DataFrame(rows), kind), out_frame(pw, kind), params)
