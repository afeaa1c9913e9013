"""Pair LLM-judge and human labels of the same traces (the input of ``fl.agreement``)."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._frame import like_input, to_pandas
from feedback_lab._validation import did_you_mean, require_columns

__all__ = ["pair_judge_human"]


def pair_judge_human(
    feedback: Any,
    *,
    name: str | None = None,
    judge_kind: str = "llm",
    human_kind: str = "human",
    value: str = "auto",
) -> Any:
    """One row per trace rated by both the judge and at least one human, for one feedback name.

    Parameters
    ----------
    feedback : pandas or polars DataFrame
        Canonical feedback rows (``trace_id, name, value, label, annotator_kind, annotator, timestamp``).
    name : str, optional
        The feedback name to pair (e.g. ``"verdict"``). Default: the name with most traces
        rated by both kinds; a ValueError lists the candidates when none is shared.
    judge_kind, human_kind : str
        ``annotator_kind`` values of the two sides.
    value : {"auto", "label", "value"}
        Compare labels or numeric values; ``"auto"`` uses labels when every paired row has one.

    Returns
    -------
    Same kind as ``feedback``, with columns ``trace_id, judge, human, n_humans, human_agreement,
    judge_score``: ``human`` is the majority of the humans (ties: the latest label), numeric values
    are averaged; ``human_agreement`` is the share of humans agreeing with that majority;
    ``judge_score`` is the judge's numeric value when it gave one (for audit ordering).
    A judge that rated a trace several times counts with its latest entry.

    Examples
    --------
    >>> fb = pd.DataFrame({"trace_id": ["a", "a", "a", "b", "b"], "name": "verdict",
    ...     "label": ["pass", "pass", "fail", "fail", "fail"], "value": np.nan,
    ...     "annotator_kind": ["llm", "human", "human", "llm", "human"],
    ...     "annotator": ["judge", "ann1", "ann2", "judge", "ann1"],
    ...     "timestamp": pd.to_datetime(["2026-01-01", "2026-01-02", "2026-01-03", "2026-01-01", "2026-01-02"])})
    >>> pair_judge_human(fb)[["trace_id", "judge", "human", "n_humans"]].values.tolist()
    [['a', 'pass', 'fail', 2], ['b', 'fail', 'fail', 1]]
    """
    func = "pair_judge_human"
    fb = to_pandas(feedback)
    require_columns(fb, ["trace_id", "name", "annotator_kind"], func=func, frame="feedback")
    for col in ("value", "label", "annotator", "timestamp"):
        if col not in fb.columns:
            fb[col] = np.nan
    j = fb[fb["annotator_kind"] == judge_kind]
    h = fb[fb["annotator_kind"] == human_kind]
    if name is None:
        both = pd.merge(j[["trace_id", "name"]].drop_duplicates(), h[["trace_id", "name"]].drop_duplicates())
        labelled = set(j.loc[j["label"].notna(), "name"]) & set(h.loc[h["label"].notna(), "name"])
        # most traces first; among equals, a name with labels (pass/fail) before a numeric score
        shared = both.groupby("name").size().rename("n").reset_index()
        shared["labelled"] = shared["name"].isin(labelled)
        shared = shared.sort_values(["n", "labelled", "name"], ascending=[False, False, True]).set_index("name")["n"]
        if shared.empty:
            msg = (
                f"{func}: no feedback name is rated by both annotator_kind={judge_kind!r} and "
                f"{human_kind!r} on the same trace. Judge names: {sorted(j['name'].dropna().unique())}; "
                f"human names: {sorted(h['name'].dropna().unique())}."
            )
            raise ValueError(msg)
        name = str(shared.index[0])
    elif name not in set(fb["name"].dropna()):
        msg = f"{func}: no feedback named {name!r}.{did_you_mean(name, fb['name'].dropna().unique())}"
        raise ValueError(msg)
    j = j[j["name"] == name].sort_values("timestamp", kind="stable")
    h = h[h["name"] == name].sort_values("timestamp", kind="stable")
    use_label = value == "label" or (
        value == "auto" and j["label"].notna().all() and h["label"].notna().all() and len(j) > 0
    )
    col = "label" if use_label else "value"
    j_last = j.dropna(subset=[col]).groupby("trace_id", sort=False).last()
    # one vote per human annotator (their latest)
    h = h.dropna(subset=[col])
    h_last = h.groupby(["trace_id", "annotator"], sort=False, dropna=False)[[col, "timestamp"]].last().reset_index()
    rows = []
    for tid, grp in h_last.groupby("trace_id", sort=False):
        if tid not in j_last.index:
            continue
        if use_label:
            counts = grp[col].astype(str).value_counts()
            top = counts[counts == counts.max()].index
            maj = top[0] if len(top) == 1 else grp.sort_values("timestamp")[col].astype(str).iloc[-1]
            agree = float((grp[col].astype(str) == maj).mean())
        else:
            maj = float(grp[col].astype(float).mean())
            agree = np.nan
        jrow = j_last.loc[tid]
        rows.append(
            {
                "trace_id": tid,
                "judge": str(jrow[col]) if use_label else float(jrow[col]),
                "human": maj,
                "n_humans": len(grp),
                "human_agreement": agree,
                "judge_score": float(jrow["value"]) if pd.notna(jrow["value"]) else np.nan,
            }
        )
    out = pd.DataFrame(rows, columns=["trace_id", "judge", "human", "n_humans", "human_agreement", "judge_score"])
    out.attrs["name"] = name
    return like_input(out, feedback)
