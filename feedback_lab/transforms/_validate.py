"""validate_feedback: check feedback entries against their FeedbackConfig."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd

from feedback_lab._configs import FeedbackConfig
from feedback_lab._validation import check_in, did_you_mean
from feedback_lab.transforms._common import output, pandas_input

__all__ = ["validate_feedback"]


def _configs(configs: Any) -> dict[str, FeedbackConfig]:
    if isinstance(configs, FeedbackConfig):
        return {configs.name: configs}
    if isinstance(configs, Mapping):
        items = list(configs.values())
    elif isinstance(configs, Sequence):
        items = list(configs)
    else:
        msg = f"validate_feedback: configs must be a FeedbackConfig, a list or a dict of them; got {type(configs).__name__}."
        raise TypeError(msg)
    for c in items:
        if not isinstance(c, FeedbackConfig):
            msg = f"validate_feedback: configs must hold FeedbackConfig objects, got {type(c).__name__}."
            raise TypeError(msg)
    return {c.name: c for c in items}


def validate_feedback(feedback: Any, configs: Any, *, unknown: str = "invalid") -> tuple[Any, Any]:
    """Split feedback entries into those that fit their config and those that do not.

    Parameters
    ----------
    feedback : pandas or polars DataFrame
        Canonical feedback rows; needs ``trace_id`` and ``name``; reads ``value``,
        ``label``, ``comment``, ``annotator`` and ``span_id`` when present.
    configs : FeedbackConfig, list or dict of FeedbackConfig
        One config per feedback ``name``.
    unknown : {"invalid", "valid"}
        What to do with rows whose ``name`` has no config (default: invalid, with the reason).

    Returns
    -------
    valid, invalid : same kind as ``feedback``
        ``valid`` holds the conforming rows unchanged, in input order; ``invalid`` the others
        with an added ``reason`` column: ``out of range``, ``unknown label``, ``wrong type``,
        ``empty text``, ``text too long``, ``conflict``, ``unknown feedback name`` or
        ``duplicate`` (the same annotator rated the same trace (and span) under the same
        name more than once: the first row in input order is kept, later ones are invalid;
        rows without an annotator are never duplicates, as anonymous users cannot be told apart).
        Every input row is in exactly one of the two frames.

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> fb = pd.DataFrame({"trace_id": ["t1", "t2", "t3"], "name": ["rating"] * 3,
    ...                    "value": [4.0, 9.0, 4.0], "annotator": ["ann", "ann", "ann"]})
    >>> valid, invalid = fl.validate_feedback(fb, [fl.FeedbackConfig("rating", min=1, max=5)])
    >>> len(valid), invalid["reason"].tolist()
    (2, ['out of range: 9 is above max 5'])
    """
    check_in(unknown, ["invalid", "valid"], name="unknown", func="validate_feedback")
    cfgs = _configs(configs)
    pdf = pandas_input(feedback, ["trace_id", "name"], func="validate_feedback", frame="feedback")
    n = len(pdf)

    def col(c: str) -> list:
        return pdf[c].tolist() if c in pdf.columns else [None] * n

    values, labels, comments, names = col("value"), col("label"), col("comment"), col("name")
    reasons: list[str | None] = [None] * n
    for i in range(n):
        cfg = cfgs.get(names[i]) if isinstance(names[i], str) else None
        if cfg is None:
            if unknown == "invalid":
                reasons[i] = (f"unknown feedback name: no FeedbackConfig named {names[i]!r} "
                              f"(configs: {sorted(cfgs)}).{did_you_mean(str(names[i]), cfgs)}")
            continue
        reasons[i] = cfg.validate_value(values[i], labels[i], comments[i])
    if "annotator" in pdf.columns and n:
        keys = ["trace_id", "name", "annotator"] + (["span_id"] if "span_id" in pdf.columns else [])
        has_annotator = pdf["annotator"].notna().to_numpy()
        dup = pdf[keys].astype("string").fillna("\x00").duplicated(keep="first").to_numpy() & has_annotator
        for i in range(n):
            if dup[i] and reasons[i] is None:
                reasons[i] = (f"duplicate: annotator {pdf['annotator'].iloc[i]!r} already rated trace "
                              f"{pdf['trace_id'].iloc[i]!r} for {names[i]!r}")
    bad = pd.Series([r is not None for r in reasons], index=pdf.index, dtype=bool)
    valid = pdf.loc[~bad]
    invalid = pdf.loc[bad].copy()
    invalid["reason"] = pd.Series([r for r in reasons if r is not None], index=invalid.index, dtype=object)
    if not len(invalid):
        invalid["reason"] = pd.Series([], dtype=object)
    return output(valid, feedback), output(invalid, feedback)
