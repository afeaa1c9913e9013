"""What every review section reads: the data, the two windows and the shared expensive results."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["ReviewContext", "resolve_windows"]


@dataclasses.dataclass
class ReviewContext:
    """Mutable scratch space of one review run (not part of the public API)."""

    traces: pd.DataFrame  # traces of the reference and current windows, pandas, UTC timestamps
    all_traces: pd.DataFrame  # every loaded trace (trends span the whole history)
    feedback: pd.DataFrame
    events: pd.DataFrame
    spans: pd.DataFrame
    rejects: pd.DataFrame
    since: pd.Timestamp
    until: pd.Timestamp
    ref_since: pd.Timestamp
    text_col: str
    random_state: int
    show_progress: bool | None
    model: str | None = None
    embeddings: np.ndarray | None = None  # aligned with traces rows
    clusters: Any = None  # ClusterResult of the current window's failing traces
    failing: np.ndarray | None = None  # failure signal per current-window trace
    summary: dict[str, Any] = dataclasses.field(default_factory=dict)
    alerts: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    headlines: list[str] = dataclasses.field(default_factory=list)
    exports: dict[str, Any] = dataclasses.field(default_factory=dict)  # relative path -> frame

    @property
    def is_current(self) -> np.ndarray:
        ts = self.traces["timestamp"]
        return ((ts >= self.since) & (ts <= self.until)).to_numpy()

    @property
    def is_reference(self) -> np.ndarray:
        ts = self.traces["timestamp"]
        return ((ts >= self.ref_since) & (ts < self.since)).to_numpy()

    def window_label(self) -> str:
        return f"{self.since:%Y-%m-%d} to {self.until:%Y-%m-%d}"

    def alert(self, kind: str, message: str, **fields: Any) -> None:
        self.alerts.append({"alert": kind, "message": message, "window": self.window_label(), **fields})


def _to_ts(value: Any, name: str) -> pd.Timestamp:
    try:
        ts = pd.Timestamp(value)
    except (ValueError, TypeError) as exc:
        msg = f"review: {name}={value!r} is not a date or timestamp (use ISO 8601, e.g. 2026-10-19)."
        raise ValueError(msg) from exc
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def resolve_windows(
    timestamps: pd.Series, since: Any = None, until: Any = None, window_days: int = 14
) -> tuple[pd.Timestamp, pd.Timestamp, pd.Timestamp]:
    """``(ref_since, since, until)``: the current window and the equally long one before it.

    Default: the current window is the last ``window_days`` whole days (UTC) up to and
    including the day of the last timestamp; the reference window is the same length
    immediately before it. A date given as ``until`` includes that whole day.

    Examples
    --------
    >>> ts = pd.Series(pd.to_datetime(["2026-10-01T08:00Z", "2026-11-01T15:22Z"]))
    >>> [t.isoformat() for t in resolve_windows(ts)]
    ['2026-10-05T00:00:00+00:00', '2026-10-19T00:00:00+00:00', '2026-11-01T23:59:59.999999+00:00']
    """
    ts = timestamps.dropna()
    if ts.empty:
        msg = "review: no trace has a timestamp, so no review window can be chosen; pass since= and until=."
        raise ValueError(msg)
    tick = dt.timedelta(microseconds=1)
    day_end = until is None or len(str(until)) <= 10  # default or a date: the window ends with that whole day
    until_ts = _to_ts(until, "until") if until is not None else ts.max().tz_convert("UTC")
    if day_end:
        until_ts = until_ts.normalize() + dt.timedelta(days=1) - tick
    end = until_ts + tick if day_end else until_ts  # exclusive end, for whole-day arithmetic
    since_ts = _to_ts(since, "since") if since is not None else end - dt.timedelta(days=window_days)
    if since_ts >= until_ts:
        msg = f"review: since ({since_ts}) must be before until ({until_ts})."
        raise ValueError(msg)
    ref_since = since_ts - (end - since_ts)
    return ref_since, since_ts, until_ts
