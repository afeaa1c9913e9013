"""The negative-feedback rule of CONTRIBUTING.md, shared by every transform.

A feedback row is **negative** when

* its ``label`` is a failing label (``fail``, ``bad``, ``thumbs_down``, ``negative``,
  ``incorrect``, ``no``; case, spaces and hyphens ignored), or
* its ``value`` is below the midpoint of its scale (above it for a config with
  ``direction="minimize"``).

The scale of a feedback ``name`` comes, in order, from ``scales={name: (lo, hi)}``, from a
numeric/boolean :class:`~feedback_lab.FeedbackConfig`, or is inferred from the values
observed for that name: ``[0, 1]`` when every value lies in it (thumbs, pass/fail,
judge probabilities); otherwise ``lo`` is 0 (if a value is below 1) or 1, and ``hi`` the
smallest of 5, 7, 10, 100 that covers the largest value (ratings 1-5: 1 and 2 are
negative, 3 is not); symmetric ``[-m, m]`` when values are negative (-1/+1 thumbs).
A row with neither value nor label is *unrated* (not negative, not counted as rated).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["FAILING_LABELS", "infer_scale", "negative_mask", "rated_mask"]

FAILING_LABELS = frozenset({"fail", "bad", "thumbs_down", "negative", "incorrect", "no"})


def normalize_label(s: pd.Series) -> pd.Series:
    return s.astype("string").str.strip().str.lower().str.replace(r"[\s\-]+", "_", regex=True)


def infer_scale(values: Any) -> tuple[float, float]:
    """Scale ``(lo, hi)`` inferred from observed values (see module docstring).

    Examples
    --------
    >>> infer_scale([0, 1, 1]), infer_scale([2, 4, 5]), infer_scale([-1, 1])
    ((0.0, 1.0), (1.0, 5.0), (-1.0, 1.0))
    """
    v = np.asarray(pd.to_numeric(pd.Series(values), errors="coerce").dropna(), dtype=float)
    if v.size == 0:
        return (0.0, 1.0)
    lo_v, hi_v = float(v.min()), float(v.max())
    if lo_v < 0:
        m = max(-lo_v, hi_v)
        return (-m, m)
    if hi_v <= 1:
        return (0.0, 1.0)
    lo = 0.0 if lo_v < 1 else 1.0
    hi = next((float(h) for h in (5, 7, 10, 100) if hi_v <= h), hi_v)
    return (lo, hi)


def _scale_for(name: Any, values: pd.Series, scales: Mapping | None, configs: Mapping | None):
    direction = "maximize"
    cfg = (configs or {}).get(name)
    if cfg is not None:
        direction = cfg.direction
    if scales and name in scales:
        lo, hi = scales[name]
        return float(lo), float(hi), direction
    if cfg is not None and cfg.kind == "boolean":
        return 0.0, 1.0, direction
    if cfg is not None and cfg.kind == "numeric" and cfg.min is not None and cfg.max is not None:
        return float(cfg.min), float(cfg.max), direction
    lo, hi = infer_scale(values)
    return lo, hi, direction


def _configs_map(configs: Any) -> dict:
    if configs is None:
        return {}
    if isinstance(configs, Mapping):
        return dict(configs)
    if hasattr(configs, "name") and hasattr(configs, "kind"):
        return {configs.name: configs}
    return {c.name: c for c in configs}


def negative_mask(feedback: pd.DataFrame, *, scales: Mapping | None = None, configs: Any = None) -> np.ndarray:
    """Boolean array: which rows of pandas ``feedback`` are negative (see module docstring).

    Examples
    --------
    >>> fb = pd.DataFrame({"name": ["thumb", "thumb", "rating", "rating", "x"],
    ...                    "value": [0, 1, 2, 3, None], "label": [None, None, None, None, "Thumbs down"]})
    >>> negative_mask(fb).tolist()
    [True, False, True, False, True]
    """
    n = len(feedback)
    out = np.zeros(n, dtype=bool)
    if n == 0:
        return out
    if "label" in feedback.columns:
        lab = normalize_label(feedback["label"])
        out |= lab.isin(FAILING_LABELS).fillna(False).to_numpy(dtype=bool)
    if "value" in feedback.columns:
        values = pd.to_numeric(feedback["value"], errors="coerce").astype(float)
        names = feedback["name"] if "name" in feedback.columns else pd.Series([None] * n, index=feedback.index)
        cfgs = _configs_map(configs)
        keys = names.astype("string").fillna("\x00<null>")
        for key, idx in keys.groupby(keys, sort=False).groups.items():
            name = None if key == "\x00<null>" else key
            v = values.loc[idx]
            lo, hi, direction = _scale_for(name, v, scales, cfgs)
            mid = (lo + hi) / 2
            neg = (v > mid) if direction == "minimize" else (v < mid)
            pos = feedback.index.get_indexer(idx)
            out[pos] |= neg.fillna(False).to_numpy(dtype=bool)
    return out


def rated_mask(feedback: pd.DataFrame) -> np.ndarray:
    """Rows carrying a value or a label (comments alone are not ratings)."""
    n = len(feedback)
    out = np.zeros(n, dtype=bool)
    for col in ("value", "label"):
        if col in feedback.columns:
            out |= feedback[col].notna().to_numpy(dtype=bool)
    return out
