"""Shared helpers: input checks, label encoding, frame kinds, HTML summaries."""

from __future__ import annotations

import html
import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._frame import backend_of, from_pandas, to_pandas
from feedback_lab._validation import check_in, check_number, did_you_mean, require_columns
from feedback_lab.exceptions import SchemaError

__all__ = [
    "FAILING_LABELS",
    "LEVELS",
    "as_list",
    "encode_labels",
    "html_table",
    "infer_failing",
    "load_frame",
    "out_frame",
]

LEVELS = ("nominal", "ordinal", "interval")
FAILING_LABELS = ("fail", "failed", "bad", "thumbs_down", "negative", "incorrect", "no", "false")


def as_list(cols: str | Sequence[str] | None) -> list[str]:
    if cols is None:
        return []
    return [cols] if isinstance(cols, str) else list(cols)


def load_frame(frame: Any, columns: Sequence[str], *, func: str) -> tuple[pd.DataFrame, str]:
    """A pandas view of ``frame`` (never mutated) and its kind; checks the columns exist."""
    kind = backend_of(frame)
    require_columns(frame, [c for c in columns if c is not None], func=func)
    return to_pandas(frame), kind


def out_frame(pdf: pd.DataFrame, kind: str, keep_index: bool = False):
    """``pdf`` as ``kind``; pandas rows keep their original index labels when ``keep_index``."""
    return from_pandas(pdf if keep_index and kind == "pandas" else pdf.reset_index(drop=True), kind)


def check_common(level: str, n_boot: int, func: str, levels: Sequence[str] = LEVELS) -> None:
    check_in(level, levels, name="level", func=func)
    check_number(n_boot, name="n_boot", func=func, low=0, integer=True)


def _is_numeric(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def encode_labels(
    columns: Sequence[pd.Series],
    *,
    level: str,
    labels: Sequence[Any] | None,
    func: str,
) -> tuple[list[np.ndarray], list[Any], np.ndarray | None]:
    """Integer codes (``-1`` = missing) for each column over one shared, ordered category list.

    Returns the codes, the categories and their numeric values (None for nominal
    text labels). Ordinal text labels need ``labels=`` to give their order.
    """
    allv = pd.concat([c.reset_index(drop=True) for c in columns], ignore_index=True)
    present = allv[allv.notna()]
    numeric = all(_is_numeric(c) or c.isna().all() for c in columns) and len(present) > 0
    if labels is not None:
        cats = list(labels)
        if len(set(cats)) != len(cats):
            msg = f"{func}: labels= has duplicates: {cats}. Give each category once, in scale order."
            raise ValueError(msg)
        unknown = sorted({str(v) for v in pd.unique(present)} - {str(c) for c in cats})
        if unknown:
            msg = (
                f"{func}: the data has labels not listed in labels={cats}: {unknown[:10]}."
                f"{did_you_mean(unknown[0], [str(c) for c in cats])} Add them to labels= or fix the data."
            )
            raise ValueError(msg)
        codes = [
            _codes_text(c, [str(x) for x in cats])
            if not numeric
            else _codes_numeric(c, np.asarray(cats, float))
            for c in columns
        ]
        values = np.asarray(cats, float) if all(isinstance(c, numbers.Real) for c in cats) else None
    else:
        if numeric:
            cats_arr = np.unique(present.to_numpy(dtype=float))
            cats = cats_arr.tolist()
            codes = [_codes_numeric(c, cats_arr) for c in columns]
            values = cats_arr
        else:
            cats = sorted(pd.unique(present.astype(str)).tolist())
            codes = [_codes_text(c, cats) for c in columns]
            values = None
    if level in ("ordinal", "interval") and values is None:
        if level == "interval":
            msg = (
                f"{func}: level='interval' needs numeric labels; got text labels such as {cats[:5]}. "
                "Map them to numbers first, or use level='ordinal' with labels=[...] in scale order."
            )
            raise SchemaError(msg)
        if labels is None:
            msg = (
                f"{func}: level='ordinal' with text labels {cats[:8]} needs their order: pass "
                "labels=[lowest, ..., highest]."
            )
            raise SchemaError(msg)
        values = np.arange(len(cats), dtype=float)
    return codes, cats, values


def _codes_text(col: pd.Series, cats: list[str]) -> np.ndarray:
    s = col.astype(object)
    s = s.where(s.isna(), s.astype(str))
    return pd.Categorical(s, categories=cats).codes.astype(np.int64)


def _codes_numeric(col: pd.Series, cats: np.ndarray) -> np.ndarray:
    vals = col.to_numpy(dtype=float, na_value=np.nan)
    out = np.full(len(vals), -1, dtype=np.int64)
    ok = ~np.isnan(vals)
    pos = np.searchsorted(cats, vals[ok])
    pos = np.clip(pos, 0, len(cats) - 1)
    if len(cats) and not np.array_equal(cats[pos], vals[ok]):
        bad = vals[ok][cats[pos] != vals[ok]][:5].tolist()
        msg = f"values {bad} are not among the categories {cats.tolist()[:10]}; add them to labels=."
        raise ValueError(msg)
    out[ok] = pos
    return out


def infer_failing(cats: Sequence[Any], values: np.ndarray | None, positive_label: Any, func: str):
    """Index of the failing category, or ``(None, reason)`` when there is none."""
    if positive_label is not None:
        for i, c in enumerate(cats):
            if c == positive_label or str(c) == str(positive_label):
                return i, ""
        msg = (
            f"{func}: positive_label={positive_label!r} is not one of the labels {list(cats)[:10]}."
            f"{did_you_mean(str(positive_label), [str(c) for c in cats])}"
        )
        raise ValueError(msg)
    if len(cats) != 2:
        return None, ""
    for i, c in enumerate(cats):
        if str(c).strip().lower() in FAILING_LABELS:
            return i, ""
    if values is not None:
        return 0, ""  # numeric pass/fail: the lower value fails (0/1 -> 0)
    return None, (
        f"binary metrics need the failing label: labels {list(cats)} match none of "
        f"{list(FAILING_LABELS)}; pass positive_label="
    )


def fmt(v: float, digits: int = 3) -> str:
    return "NaN" if not np.isfinite(v) else f"{v:.{digits}f}"


def html_table(pdf: pd.DataFrame, max_rows: int = 12) -> str:
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in pdf.columns)
    rows = []
    for _, r in pdf.head(max_rows).iterrows():
        cells = "".join(
            f"<td>{fmt(v) if isinstance(v, float) else html.escape(str(v))}</td>" for v in r.tolist()
        )
        rows.append(f"<tr>{cells}</tr>")
    more = f"<p>… {len(pdf) - max_rows} more rows</p>" if len(pdf) > max_rows else ""
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table>{more}"
