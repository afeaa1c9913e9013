"""Disagreements, audit samples and the interval-aware acceptance check ``meets``."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._frame import backend_of
from feedback_lab._random import check_random_state
from feedback_lab._validation import check_in, check_number
from feedback_lab.analysis.agreement._common import as_list, encode_labels, load_frame, out_frame

__all__ = ["audit_sample", "disagreements", "meets"]

STRATEGIES = ("random", "uncertain", "disagreement-prone")


def disagreements(
    frame: Any,
    *,
    judge_col: str,
    human_col: str,
    level: str = "nominal",
    confidence_col: str | None = None,
    labels: Sequence[Any] | None = None,
):
    """Rows where judge and human disagree, most severe first.

    Severity is the distance on the scale (1 for any nominal mismatch; the gap in scale
    positions for ordinal labels; the absolute difference for interval scores), then the
    judge's confidence (a confidently wrong judge first). Rows with a missing label are not
    disagreements and are not returned.

    Returns
    -------
    DataFrame
        The disagreeing rows (same kind as ``frame``, all columns kept) plus ``distance``.

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"j": [1, 5, 3, 2], "h": [1, 2, 4, 2]})
    >>> disagreements(df, judge_col="j", human_col="h", level="interval")["distance"].tolist()
    [3.0, 1.0]
    """
    func = "disagreements"
    check_in(level, ("nominal", "ordinal", "interval"), name="level", func=func)
    pdf, kind = load_frame(frame, [judge_col, human_col, *as_list(confidence_col)], func=func)
    (cx, cy), _cats, values = encode_labels([pdf[judge_col], pdf[human_col]], level=level, labels=labels, func=func)
    ok = (cx >= 0) & (cy >= 0) & (cx != cy)
    if level == "nominal":
        dist = np.ones(len(pdf))
    elif level == "ordinal":
        dist = np.abs(cx - cy).astype(float)
    else:
        dist = np.abs(values[np.clip(cx, 0, None)] - values[np.clip(cy, 0, None)])
    out = pdf.loc[ok].copy()
    out["distance"] = dist[ok]
    keys = ["distance"] + ([confidence_col] if confidence_col else [])
    out = out.sort_values(keys, ascending=False, kind="stable")
    return out_frame(out, kind, keep_index=True)


def audit_sample(
    frame: Any,
    *,
    frac: float = 0.10,
    strategy: str = "random",
    judge_col: str | None = None,
    human_col: str | None = None,
    confidence_col: str | None = None,
    by: str | Sequence[str] | None = None,
    random_state: int | np.random.Generator | None = None,
):
    """Pick about ``frac`` of the judge's verdicts for a human to re-check.

    Strategies
    ----------
    ``"random"``
        A uniform sample (unbiased: use it to estimate the judge's accuracy).
    ``"uncertain"``
        The verdicts with the lowest ``confidence_col`` (the judge's confidence).
    ``"disagreement-prone"``
        Rows without a human label, drawn with probability proportional to the disagreement
        rate of their group (``by``, default the judge's label) on rows that have one.

    Returns
    -------
    DataFrame
        The sampled rows (same kind as ``frame``) with ``audit_strategy`` and ``audit_score``
        (higher = picked first).

    Examples
    --------
    >>> import pandas as pd
    >>> df = pd.DataFrame({"judge": ["pass", "fail"] * 10, "conf": [i / 20 for i in range(20)]})
    >>> audit_sample(df, frac=0.1, strategy="uncertain", confidence_col="conf")["conf"].tolist()
    [0.0, 0.05]
    """
    func = "audit_sample"
    check_in(strategy, STRATEGIES, name="strategy", func=func)
    check_number(frac, name="frac", func=func, low=0, high=1, low_inclusive=False)
    need = {"uncertain": [confidence_col], "disagreement-prone": [judge_col, human_col]}.get(strategy, [])
    if any(c is None for c in need):
        names = {"uncertain": "confidence_col", "disagreement-prone": "judge_col and human_col"}[strategy]
        msg = f"{func}: strategy={strategy!r} needs {names}."
        raise TypeError(msg)
    cols = [c for c in [judge_col, human_col, confidence_col, *as_list(by)] if c is not None]
    pdf, kind = load_frame(frame, cols, func=func)
    rng = check_random_state(random_state)
    if strategy == "disagreement-prone":
        group = as_list(by) or [judge_col]
        has = pdf[human_col].notna() & pdf[judge_col].notna()
        dis = (pdf[judge_col].astype(str) != pdf[human_col].astype(str)) & has
        key = pdf[group].astype(str).agg(" | ".join, axis=1)
        rate = dis.groupby(key).sum() / has.groupby(key).sum().replace(0, np.nan)
        overall = dis.sum() / max(int(has.sum()), 1)
        pool = pdf.loc[~has].copy()
        pool_key = key[~has]
        score = pool_key.map(rate).fillna(overall).to_numpy(float)
    elif strategy == "uncertain":
        pool = pdf.copy()
        score = -pdf[confidence_col].to_numpy(float)
    else:
        pool = pdf.copy()
        score = rng.random(len(pdf))
    k = min(len(pool), max(1, round(frac * len(pdf)))) if len(pool) else 0
    if strategy == "disagreement-prone" and k:
        p = score + 1e-12
        pick = rng.choice(len(pool), size=k, replace=False, p=p / p.sum())
        pick = pick[np.argsort(-score[pick], kind="stable")]
    else:
        pick = np.argsort(-score, kind="stable")[:k]
    out = pool.iloc[pick].copy()
    out["audit_strategy"] = strategy
    out["audit_score"] = score[pick]
    return out_frame(out, kind, keep_index=True)


def meets(
    result: Any,
    *,
    min_kappa: float | None = None,
    min_corr: float | None = 0.8,
    min_agreement: float | None = None,
    min_alpha: float | None = None,
    kappa_stat: str | None = None,
    corr_stat: str | None = None,
):
    """Acceptance check with an interval-aware verdict, one row per criterion and segment.

    ``pass`` when the whole interval is at or above the bar, ``fail`` when the whole interval is
    below it, ``inconclusive`` when it straddles the bar (more data needed). Without an
    interval (``n_boot=0``) the point estimate decides. ``not applicable`` when the statistic
    does not exist for the result (e.g. a correlation on nominal labels).

    Parameters
    ----------
    result : AgreementResult or InterRaterResult
    min_kappa, min_corr, min_agreement, min_alpha : float or None
        Bars; ``None`` skips the criterion. ``min_corr`` defaults to 0.8.
    kappa_stat, corr_stat : str, optional
        Which kappa / correlation: defaults ``cohen_kappa`` (nominal) or ``cohen_kappa_quadratic``,
        and ``spearman`` (ordinal) or ``pearson`` (interval).

    Returns
    -------
    DataFrame
        ``segment, criterion, statistic, estimate, ci_low, ci_high, threshold, verdict``.
    """
    long = _long_of(result)
    level = result.params.get("level", "nominal")
    kappa_stat = kappa_stat or ("cohen_kappa" if level == "nominal" else "cohen_kappa_quadratic")
    corr_stat = corr_stat or {"ordinal": "spearman", "interval": "pearson"}.get(level, "spearman")
    if "fleiss_kappa" in set(long["statistic"]) and "cohen_kappa" not in set(long["statistic"]):
        kappa_stat = "fleiss_kappa" if kappa_stat.startswith("cohen") else kappa_stat
    crit = [("min_kappa", kappa_stat, min_kappa), ("min_corr", corr_stat, min_corr),
            ("min_agreement", "percent_agreement", min_agreement),
            ("min_alpha", "krippendorff_alpha", min_alpha)]  # fmt: skip
    rows = []
    for seg in pd.unique(long["segment"]):
        g = long[long["segment"] == seg].set_index("statistic")
        for name, stat, bar in crit:
            if bar is None:
                continue
            if stat not in g.index:
                rows.append((seg, name, stat, np.nan, np.nan, np.nan, bar, "not applicable"))
                continue
            est, lo, hi = (float(g.at[stat, c]) for c in ("estimate", "ci_low", "ci_high"))
            if not np.isfinite(est):
                verdict = "undefined"
            elif np.isfinite(lo) and np.isfinite(hi):
                verdict = "pass" if lo >= bar else "fail" if hi < bar else "inconclusive"
            else:
                verdict = "pass" if est >= bar else "fail"
            rows.append((seg, name, stat, est, lo, hi, bar, verdict))
    out = pd.DataFrame(rows, columns=["segment", "criterion", "statistic", "estimate", "ci_low", "ci_high",
                                      "threshold", "verdict"])  # fmt: skip
    return out_frame(out, _kind_of(result))


def _long_of(result) -> pd.DataFrame:
    if hasattr(result, "statistics"):
        long = result.statistics
    elif hasattr(result, "table") and "statistic" in list(result.table.columns):
        long = result.table
    else:
        msg = f"meets: expected an AgreementResult or InterRaterResult, got {type(result).__name__}."
        raise TypeError(msg)
    long = long if isinstance(long, pd.DataFrame) else long.to_pandas()
    if "segment" not in long.columns:
        long = long.assign(segment="overall")
    return long


def _kind_of(result) -> str:
    t = getattr(result, "table", None)
    return backend_of(t) if t is not None else "pandas"
