"""Helpers shared by the transforms (private)."""

from __future__ import annotations

import warnings
from collections.abc import Iterable, Sequence
from typing import Any

import pandas as pd

from feedback_lab._frame import backend_of, like_input, to_pandas
from feedback_lab._validation import require_columns
from feedback_lab.exceptions import SchemaError

__all__ = ["as_list", "ensure_utc", "exclude_ids", "isin", "output", "pandas_input", "warn"]


def pandas_input(df: Any, columns: Sequence[str], *, func: str, frame: str) -> pd.DataFrame:
    """Check ``df`` is a pandas/polars frame with ``columns``; return a pandas copy."""
    if df is None:
        msg = f"{func}: {frame} is None; pass a pandas or polars DataFrame."
        raise TypeError(msg)
    backend_of(df)
    require_columns(df, list(columns), func=func, frame=frame)
    return to_pandas(df).copy()


def output(pdf: pd.DataFrame, like: Any) -> Any:
    """Return ``pdf`` with a fresh index, as the same kind of frame as ``like``."""
    return like_input(pdf.reset_index(drop=True), like)


def as_list(by: str | Iterable[str] | None) -> list[str]:
    if by is None:
        return []
    if isinstance(by, str):
        return [by]
    return list(by)


def ensure_utc(s: pd.Series, *, func: str, column: str) -> pd.Series:
    """Timestamps as tz-aware UTC (naive ones are taken as UTC); raise if not datetimes."""
    if not pd.api.types.is_datetime64_any_dtype(s):
        if s.isna().all():
            return pd.to_datetime(s, utc=True)
        msg = (f"{func}: column '{column}' must hold datetimes, got {s.dtype}. "
               "Parse it first, e.g. pd.to_datetime(df['timestamp'], utc=True).")
        raise SchemaError(msg)
    if getattr(s.dt, "tz", None) is None:
        return s.dt.tz_localize("UTC")
    return s.dt.tz_convert("UTC")


def exclude_ids(exclude: Any) -> set[str]:
    """Trace ids from an iterable of ids or a frame with a ``trace_id`` column."""
    if exclude is None:
        return set()
    if hasattr(exclude, "columns"):
        require_columns(exclude, ["trace_id"], func="exclude", frame="exclude")
        return {str(v) for v in to_pandas(exclude)["trace_id"].dropna()}
    if isinstance(exclude, str):
        return {exclude}
    return {str(v) for v in exclude}


def warn(msg: str) -> None:
    warnings.warn(msg, UserWarning, stacklevel=3)


def isin(values: pd.Series, pool: Any) -> pd.Series:
    """``values.isin(pool)`` through an object hash table (pandas' Arrow-string ``isin`` loops in Python)."""
    idx = pd.Index(pd.unique(pd.Series(pool).to_numpy(dtype=object)))
    return pd.Series(idx.get_indexer(values.to_numpy(dtype=object)) >= 0, index=values.index)
