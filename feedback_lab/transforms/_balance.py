"""balance: under- or oversample label classes, reporting what was dropped or duplicated."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._random import check_random_state
from feedback_lab._validation import check_in
from feedback_lab.transforms._common import as_list, output, pandas_input

__all__ = ["balance"]

REPORT_COLUMNS = ["n_before", "n_after", "n_dropped", "n_duplicated"]


def balance(df: Any, *, label_col: str, method: str = "undersample", by: str | list[str] | None = None,
            random_state: Any = None) -> tuple[Any, Any]:
    """Equalise label classes (within each ``by`` group) by under- or oversampling.

    Parameters
    ----------
    df : pandas or polars DataFrame
    label_col : str
        Column holding the class label. Null labels raise ValueError (fill or drop them first:
        balancing must not silently drop or invent a class).
    method : {"undersample", "oversample"}
        ``undersample``: keep a random ``min class size`` rows of every class.
        ``oversample``: keep every row and add random duplicates (with replacement) of the
        smaller classes up to the largest class size.
    by : str or list of str, optional
        Balance separately within each group (e.g. per ``task``).
    random_state : int, Generator or None

    Returns
    -------
    balanced : same kind as ``df``
        Rows in input order (added duplicates follow their original), columns unchanged.
    report : same kind as ``df``
        One row per group and label: ``n_before, n_after, n_dropped, n_duplicated``.

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> df = pd.DataFrame({"x": range(5), "label": ["pass", "pass", "pass", "fail", "fail"]})
    >>> out, report = fl.balance(df, label_col="label", random_state=0)
    >>> sorted(out["label"]), report.set_index("label")["n_dropped"].to_dict()
    (['fail', 'fail', 'pass', 'pass'], {'fail': 0, 'pass': 1})
    """
    check_in(method, ["undersample", "oversample"], name="method", func="balance")
    by_cols = as_list(by)
    pdf = pandas_input(df, [label_col, *by_cols], func="balance", frame="df")
    nulls = pdf[label_col].isna()
    if nulls.any():
        where = pdf.index[nulls.to_numpy()][:5].tolist()
        msg = (f"balance: {int(nulls.sum())} row(s) have a null {label_col!r} (row positions {where}...). "
               "Fill them (e.g. 'unlabelled') or drop them before balancing.")
        raise ValueError(msg)
    rng = check_random_state(random_state)
    pdf.index = pd.RangeIndex(len(pdf))
    keys = [*by_cols, label_col]
    keep: list[np.ndarray] = []
    report = []
    groups = pdf.groupby(by_cols, sort=True, dropna=False) if by_cols else [((), pdf)]
    for gkey, g in groups:
        sizes = g.groupby(label_col, sort=True).size()
        if not len(sizes):
            continue
        target = int(sizes.min() if method == "undersample" else sizes.max())
        for lab, size in sizes.items():
            idx = g.index[(g[label_col] == lab).to_numpy()].to_numpy()
            if method == "undersample":
                sel = np.sort(rng.choice(idx, size=target, replace=False))
            else:
                extra = rng.choice(idx, size=target - size, replace=True) if target > size else np.array([], dtype=int)
                sel = np.sort(np.concatenate([idx, extra]))
            keep.append(sel)
            gk = gkey if isinstance(gkey, tuple) else (gkey,)
            report.append({**dict(zip(by_cols, gk, strict=False)), label_col: lab, "n_before": int(size),
                           "n_after": len(sel), "n_dropped": int(max(size - len(sel), 0)),
                           "n_duplicated": int(max(len(sel) - size, 0))})
    order = np.sort(np.concatenate(keep)) if keep else np.array([], dtype=int)
    out = pdf.loc[order]
    rep = pd.DataFrame(report, columns=[*keys, *REPORT_COLUMNS])
    if not len(rep):
        rep = rep.astype({c: "int64" for c in REPORT_COLUMNS})
    return output(out, df), output(rep, df)
