"""``fl.corrected_pass_rate``: the Rogan–Gladen estimate of the true pass rate."""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._frame import backend_of, is_dataframe
from feedback_lab._random import check_random_state, seed_int
from feedback_lab._validation import check_number, require_columns
from feedback_lab.analysis.agreement._boot import percentile_interval, warn
from feedback_lab.analysis.agreement._common import encode_labels, fmt, infer_failing, out_frame

__all__ = ["CorrectedPassRateResult", "corrected_pass_rate"]


@dataclasses.dataclass(frozen=True)
class CorrectedPassRateResult:
    """Judge pass rate corrected for the judge's errors measured against humans.

    Attributes
    ----------
    estimate, ci_low, ci_high : float
        Corrected pass rate and its bootstrap interval (NaN with ``reason`` when undefined).
    observed_pass_rate : float
        Share of ``pass`` verdicts among the unlabelled judge verdicts.
    tpr, tnr : float
        The judge's recall of human *failures* and of human *passes* on the labelled subset.
    clipped : bool
        The raw estimate fell outside [0, 1] and was clipped.
    table : DataFrame
        ``quantity, estimate, ci_low, ci_high`` for corrected and observed pass rate, TPR, TNR.
    reason : str
    params : dict
    """

    estimate: float
    ci_low: float
    ci_high: float
    observed_pass_rate: float
    tpr: float
    tnr: float
    n_unlabeled: int
    n_labeled: int
    clipped: bool
    reason: str
    table: Any
    params: dict

    def to_frame(self):
        return self.table

    def _repr_html_(self) -> str:
        note = f"<br><i>{self.reason}</i>" if self.reason else ""
        return (
            f"<div><b>Corrected pass rate</b> {fmt(self.estimate)} [{fmt(self.ci_low)}, {fmt(self.ci_high)}] "
            f"(observed {fmt(self.observed_pass_rate)}; judge TPR {fmt(self.tpr)}, TNR {fmt(self.tnr)}; "
            f"{self.n_unlabeled} unlabelled, {self.n_labeled} labelled){note}</div>"
        )


def _rogan_gladen(obs_pass, tpr, tnr):
    j = tpr + tnr - 1
    with np.errstate(divide="ignore", invalid="ignore"):
        raw = (obs_pass - 1 + tpr) / j
    return np.where(j > 0, raw, np.nan), j


def corrected_pass_rate(
    judge_labels_unlabeled: Any,
    judge_vs_human_labeled: Any,
    *,
    judge_col: str = "judge",
    human_col: str = "human",
    positive_label: Any = None,
    n_boot: int = 2000,
    confidence: float = 0.95,
    random_state: int | np.random.Generator | None = None,
) -> CorrectedPassRateResult:
    """Rogan–Gladen corrected pass rate with a bootstrap interval.

    ``true = (observed + TPR - 1) / (TPR + TNR - 1)`` where ``observed`` is the judge's pass
    rate on unlabelled traces, and TPR (failures caught) and TNR (passes kept) are measured
    on the human-labelled subset. The bootstrap resamples both the unlabelled verdicts and
    the labelled pairs.

    Parameters
    ----------
    judge_labels_unlabeled : sequence, Series or DataFrame
        Judge verdicts on traces without human labels (a frame uses ``judge_col``).
    judge_vs_human_labeled : DataFrame
        Traces with both ``judge_col`` and ``human_col``.
    positive_label : optional
        The *failing* label (inferred for ``fail``/``bad``/``no``/... or the lower of two numbers).
    n_boot, confidence, random_state
        Bootstrap settings.

    Returns
    -------
    CorrectedPassRateResult
        Undefined (NaN with a reason and a warning) when ``TPR + TNR - 1 <= 0``: the judge is
        no better than chance and the verdicts carry no information about the true rate.

    Examples
    --------
    >>> import pandas as pd
    >>> lab = pd.DataFrame({"judge": ["pass"] * 8 + ["fail"] * 2 + ["fail"] * 9 + ["pass"],
    ...                     "human": ["pass"] * 10 + ["fail"] * 10})
    >>> res = corrected_pass_rate(["pass"] * 70 + ["fail"] * 30, lab, n_boot=200, random_state=0)
    >>> round(res.tpr, 2), round(res.tnr, 2), round(res.estimate, 4)
    (0.9, 0.8, 0.8571)
    """
    func = "corrected_pass_rate"
    check_number(n_boot, name="n_boot", func=func, low=0, integer=True)
    require_columns(judge_vs_human_labeled, [judge_col, human_col], func=func, frame="judge_vs_human_labeled")
    kind = backend_of(judge_vs_human_labeled)
    if is_dataframe(judge_labels_unlabeled):
        require_columns(judge_labels_unlabeled, [judge_col], func=func, frame="judge_labels_unlabeled")
        unl = pd.Series(list(judge_labels_unlabeled[judge_col]))
    else:
        unl = pd.Series(list(judge_labels_unlabeled))
    lab = judge_vs_human_labeled
    lab_j, lab_h = pd.Series(list(lab[judge_col])), pd.Series(list(lab[human_col]))
    (cu, cj, ch), cats, values = encode_labels([unl, lab_j, lab_h], level="nominal", labels=None, func=func)
    fail, note = infer_failing(cats, values, positive_label, func)
    if fail is None:
        msg = f"{func}: cannot tell which label fails among {list(cats)}: pass positive_label=. {note}"
        raise ValueError(msg)
    n_drop_u, ok = int((cu < 0).sum()), (cj >= 0) & (ch >= 0)
    if n_drop_u or not ok.all():
        warn(f"{func}: left out {n_drop_u} missing unlabelled verdicts and {int((~ok).sum())} labelled rows "
             "with a missing judge or human label.")  # fmt: skip
    cu, cj, ch = cu[cu >= 0], cj[ok], ch[ok]
    n_u, n_l = len(cu), len(cj)
    pred_f, true_f = cj == fail, ch == fail
    cells = np.array([(pred_f & true_f).sum(), (~pred_f & true_f).sum(), (pred_f & ~true_f).sum(),
                      (~pred_f & ~true_f).sum()], dtype=np.int64)  # tp, fn, fp, tn  # fmt: skip
    u_pass = int((cu != fail).sum())

    def parts(c, up):
        with np.errstate(divide="ignore", invalid="ignore"):
            tpr = c[..., 0] / (c[..., 0] + c[..., 1])
            tnr = c[..., 3] / (c[..., 3] + c[..., 2])
        return up / n_u, tpr, tnr

    obs, tpr, tnr = parts(cells.astype(float), u_pass)
    raw, j = _rogan_gladen(obs, tpr, tnr)
    raw, j = float(raw), float(j)
    reason = ""
    if n_u == 0 or n_l == 0:
        reason = "no unlabelled verdicts" if n_u == 0 else "no labelled pairs"
    elif not np.isfinite(j):
        reason = "TPR or TNR undefined: the labelled subset needs both human passes and human failures"
    elif j <= 0:
        reason = f"undefined: TPR + TNR - 1 = {j:.3f} <= 0 (judge no better than chance)"
    est = float(np.clip(raw, 0, 1)) if np.isfinite(raw) else float("nan")
    clipped = bool(np.isfinite(raw) and raw != est)
    if clipped:
        reason = f"raw estimate {raw:.4f} clipped to [0, 1]"
    if reason and not clipped:
        warn(f"{func}: {reason}")
    seed = seed_int(random_state)
    rng = check_random_state(seed)
    lo = hi = float("nan")
    reps = {}
    if n_boot and n_u and n_l:
        cb = rng.multinomial(n_l, cells / n_l, size=n_boot).astype(float)
        ub = rng.binomial(n_u, u_pass / n_u, size=n_boot).astype(float)
        ob, tb, nb = parts(cb, ub)
        rb, _ = _rogan_gladen(ob, tb, nb)
        n_clip = int(np.sum((rb < 0) | (rb > 1)))
        reps = {"corrected": np.clip(rb, 0, 1), "observed": ob, "tpr": tb, "tnr": nb}
        if np.isfinite(est):
            lo, hi, n_bad = percentile_interval(reps["corrected"], confidence)
            if n_bad:
                reason = (reason + "; " if reason else "") + f"{n_bad} resamples with TPR + TNR - 1 <= 0 left out"
            if n_clip:
                reason = (reason + "; " if reason else "") + f"{n_clip} of {n_boot} resamples clipped to [0, 1]"
    rows = [("corrected_pass_rate", est, lo, hi)]
    for q, v in (("observed_pass_rate", obs), ("tpr", tpr), ("tnr", tnr)):
        key = {"observed_pass_rate": "observed"}.get(q, q)
        ql, qh, _ = percentile_interval(reps[key], confidence) if reps else (np.nan, np.nan, 0)
        rows.append((q, float(v), ql, qh))
    table = pd.DataFrame(rows, columns=["quantity", "estimate", "ci_low", "ci_high"])
    params = dict(judge_col=judge_col, human_col=human_col, positive_label=cats[fail], n_boot=n_boot,
                  confidence=confidence, random_state=seed)  # fmt: skip
    return CorrectedPassRateResult(est, lo, hi, float(obs), float(tpr), float(tnr), n_u, n_l, clipped,
                                   reason, out_frame(table, kind), params)  # fmt: skip
