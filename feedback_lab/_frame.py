"""Backend helpers: accept pandas or polars, return the kind received.

Transforms either work through narwhals directly or, where pandas/numpy code
is clearer, convert with :func:`to_pandas` and hand back with
:func:`like_input`. Both never mutate their input.
"""

from __future__ import annotations

from typing import Any, Literal

import narwhals as nw
import pandas as pd

__all__ = [
    "Backend",
    "backend_of",
    "column_names",
    "from_pandas",
    "is_dataframe",
    "like_input",
    "to_pandas",
    "to_polars",
]

Backend = Literal["pandas", "polars"]


def is_dataframe(obj: Any) -> bool:
    """True for a pandas or polars DataFrame (polars is not imported to check)."""
    mod = type(obj).__module__
    return isinstance(obj, pd.DataFrame) or (mod.startswith("polars") and type(obj).__name__ == "DataFrame")


def backend_of(df: Any) -> Backend:
    """``"pandas"`` or ``"polars"``; raises TypeError for anything else.

    Examples
    --------
    >>> backend_of(pd.DataFrame({"a": [1]}))
    'pandas'
    """
    if isinstance(df, pd.DataFrame):
        return "pandas"
    mod = type(df).__module__
    if mod.startswith("polars"):
        if type(df).__name__ == "LazyFrame":
            return "polars"
        if type(df).__name__ == "DataFrame":
            return "polars"
    msg = f"Expected a pandas or polars DataFrame, got {type(df).__module__}.{type(df).__name__}."
    raise TypeError(msg)


def column_names(df: Any) -> list[str]:
    """Column names of a pandas or polars frame."""
    return [str(c) for c in df.columns]


def to_pandas(df: Any) -> pd.DataFrame:
    """A pandas copy-safe view of ``df`` (pandas frames are copied, never mutated).

    Examples
    --------
    >>> to_pandas(pd.DataFrame({"a": [1]})).shape
    (1, 1)
    """
    if isinstance(df, pd.DataFrame):
        return df.copy(deep=False)
    if backend_of(df) == "polars":
        if type(df).__name__ == "LazyFrame":
            df = df.collect()
        return df.to_pandas()
    return nw.from_native(df, eager_only=True).to_pandas()  # pragma: no cover


def to_polars(df: Any):
    """A polars DataFrame from pandas or polars input."""
    import polars as pl

    if isinstance(df, pl.DataFrame):
        return df
    if isinstance(df, pl.LazyFrame):
        return df.collect()
    return pl.from_pandas(df)


def from_pandas(pdf: pd.DataFrame, backend: Backend):
    """Convert a pandas result to ``backend``."""
    if backend == "pandas":
        return pdf
    import polars as pl

    pdf = pdf.reset_index(drop=True)
    # object columns of mixed python types make pl.from_pandas fail: stringify those
    try:
        return pl.from_pandas(pdf)
    except Exception:
        cols = {}
        for c in pdf.columns:
            try:
                cols[c] = pl.from_pandas(pdf[[c]])[c]
            except Exception:
                cols[c] = pl.Series(c, [None if v is None else str(v) for v in pdf[c]], dtype=pl.String)
        return pl.DataFrame(cols)


def like_input(pdf: pd.DataFrame, original: Any):
    """Return pandas result ``pdf`` as the same kind of frame as ``original``."""
    return from_pandas(pdf, backend_of(original))
