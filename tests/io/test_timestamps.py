"""Timestamp columns parse to the instants Python's standard library gives, whatever their neighbours.

Reference: ``datetime.fromisoformat`` (Python 3.11 reads ISO 8601 with ``T`` or a space, times
with or without seconds, 1-9 fractional digits, offsets ``+hh:mm``, ``+hhmm``, ``+hh``; ``Z`` is
written ``+00:00`` first), naive times taken as UTC, a leap second (``:60``, which RFC 3339 allows
and Python does not) as the next minute. A column is parsed in one pass (RFC 3339, polars' ``%+``)
and what that leaves is read value by value: the two ways must give the same instant for a value,
so that a value's result never depends on the other values of its column.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from feedback_lab.io._timestamps import parse_timestamps


@st.composite
def iso(draw) -> str:
    year = draw(st.integers(1971, 2099))
    month = draw(st.integers(1, 12))
    day = draw(st.integers(1, 31))  # 30 and 31 are not dates in every month: then not a timestamp
    sep = draw(st.sampled_from(["T", " "]))
    hh, mm, ss = draw(st.integers(0, 23)), draw(st.integers(0, 59)), draw(st.integers(0, 59))
    time = f"{hh:02d}:{mm:02d}"
    if draw(st.booleans()):
        time += f":{ss:02d}"
        digits = draw(st.integers(0, 9))
        if digits:
            time += "." + "".join(draw(st.lists(st.sampled_from("0123456789"), min_size=digits, max_size=digits)))
    h, m = draw(st.integers(-12, 14)), draw(st.sampled_from([0, 30, 45]))
    sign = "-" if h < 0 else "+"
    offset = draw(st.sampled_from(["Z", f"{sign}{abs(h):02d}:{m:02d}", f"{sign}{abs(h):02d}{m:02d}",
                                   f"{sign}{abs(h):02d}", ""]))
    text = f"{year:04d}-{month:02d}-{day:02d}{sep}{time}{offset}"
    return draw(st.sampled_from([text, text, text, f" {text} "]))


VALUE = iso() | st.sampled_from(["", "not a time", "2025-02-30T00:00:00Z", "2025-01-02T03:04:60Z"]) | st.none()


def reference(v: str | None) -> dt.datetime | str | None:
    """The instant of ``v`` by the standard library, ``None`` for no value, ``"bad"`` otherwise."""
    if v is None or not v.strip():
        return None
    s = v.strip()
    s = s[:-1] + "+00:00" if s.endswith("Z") else s
    leap = s[16:19] == ":60"  # RFC 3339 allows a leap second; polars reads it as the next minute
    try:
        got = dt.datetime.fromisoformat(s[:17] + "59" + s[19:] if leap else s)
    except ValueError:
        return "bad"
    got += dt.timedelta(seconds=1) if leap else dt.timedelta(0)
    return got.replace(tzinfo=dt.UTC) if got.tzinfo is None else got.astimezone(dt.UTC)


def _parsed(values: list[str | None]) -> list[dt.datetime | str | None]:
    out, bad = parse_timestamps(pl.Series("t", values, dtype=pl.String))
    assert out.dtype == pl.Datetime("us", "UTC")
    return ["bad" if b else v for v, b in zip(out.to_list(), bad.to_list(), strict=True)]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(VALUE, min_size=1, max_size=12))
def test_each_value_parses_as_the_standard_library_reads_it(values):
    assert _parsed(values) == [reference(v) for v in values]


@settings(max_examples=200, deadline=None)
@given(st.lists(iso(), min_size=1, max_size=12))
def test_a_value_parses_the_same_alone_and_among_others(values):
    together = _parsed(values)
    assert together == [_parsed([v])[0] for v in values]


@pytest.mark.parametrize("value", ["2016-12-31T23:59:60Z", "2016-12-31T23:59:60.5+01:00", "2016-12-31 23:59:60"])
def test_a_leap_second_reads_the_same_in_a_record_and_in_a_column(value):
    """RFC 3339 allows ``:60``; a record's value (``to_utc``) and a column's read it alike."""
    from feedback_lab.io._timestamps import to_utc

    assert _parsed([value]) == [to_utc(value)] == [reference(value)]
