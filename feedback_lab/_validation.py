"""Argument and column validation with messages that say how to fix things."""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from typing import Any

from feedback_lab.exceptions import ColumnNotFoundError

__all__ = ["check_in", "check_number", "did_you_mean", "repeated", "require_columns"]


def repeated(names: Iterable[str]) -> list[str]:
    """The names that appear more than once, sorted (for "names must be unique" errors).

    Examples
    --------
    >>> repeated(["a", "b", "a", "c", "b"]), repeated(["a"])
    (['a', 'b'], [])
    """
    from collections import Counter

    return sorted(n for n, k in Counter(names).items() if k > 1)


def did_you_mean(name: str, options: Iterable[str]) -> str:
    """A ``" Did you mean 'x'?"`` suffix, or ``""`` when nothing is close.

    Examples
    --------
    >>> did_you_mean("human_lable", ["human_label", "judge_label"])
    " Did you mean 'human_label'?"
    """
    opts = [str(o) for o in options]
    close = difflib.get_close_matches(str(name), opts, n=1, cutoff=0.6)
    if not close:
        lowered = {o.lower(): o for o in opts}
        if str(name).lower() in lowered:
            close = [lowered[str(name).lower()]]
    return f" Did you mean '{close[0]}'?" if close else ""


def require_columns(df: Any, columns: Sequence[str], *, func: str, frame: str = "frame") -> None:
    """Raise :class:`ColumnNotFoundError` naming each missing column and the available ones.

    Examples
    --------
    >>> import pandas as pd
    >>> require_columns(pd.DataFrame({"human_lable": [1]}), ["human_label"], func="agreement")
    Traceback (most recent call last):
    ...
    feedback_lab.exceptions.ColumnNotFoundError: agreement: column 'human_label' not found in frame. Available columns: ['human_lable']. Did you mean 'human_lable'?
    """
    available = [str(c) for c in df.columns]
    missing = [c for c in columns if c not in available]
    if not missing:
        return
    first = missing[0]
    what = f"column '{first}'" if len(missing) == 1 else f"columns {missing}"
    msg = (
        f"{func}: {what} not found in {frame}. Available columns: {available}."
        f"{did_you_mean(first, available)}"
    )
    raise ColumnNotFoundError(msg)


def check_in(value: Any, options: Iterable[Any], *, name: str, func: str) -> None:
    """Raise ValueError unless ``value`` is one of ``options``."""
    opts = list(options)
    if value not in opts:
        hint = did_you_mean(str(value), [str(o) for o in opts])
        msg = f"The {name!r} parameter of {func} must be one of {opts}. Got {value!r} instead.{hint}"
        raise ValueError(msg)


def check_number(
    value: Any,
    *,
    name: str,
    func: str,
    low: float | None = None,
    high: float | None = None,
    integer: bool = False,
    low_inclusive: bool = True,
    high_inclusive: bool = True,
) -> None:
    """Raise ValueError/TypeError unless ``value`` is a number within [low, high]."""
    import numbers

    kind = numbers.Integral if integer else numbers.Real
    if isinstance(value, bool) or not isinstance(value, kind):
        msg = f"The {name!r} parameter of {func} must be {'an int' if integer else 'a number'}. Got {value!r} instead."
        raise TypeError(msg)
    lo_ok = low is None or (value >= low if low_inclusive else value > low)
    hi_ok = high is None or (value <= high if high_inclusive else value < high)
    if not (lo_ok and hi_ok):
        lb = "[" if low_inclusive else "("
        hb = "]" if high_inclusive else ")"
        msg = (
            f"The {name!r} parameter of {func} must be in the range "
            f"{lb}{'-inf' if low is None else low}, {'inf' if high is None else high}{hb}. Got {value!r} instead."
        )
        raise ValueError(msg)
