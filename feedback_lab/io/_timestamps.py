"""Timestamps of every loader to timezone-aware UTC: vectorised for a column (ISO 8601 / RFC 3339
text with or without offset, epoch numbers from seconds to nanoseconds by magnitude, as numbers or
text), one by one for a record's value (:func:`to_utc`)."""

from __future__ import annotations

from typing import Any

__all__ = ["parse_timestamps", "to_utc"]


def parse_timestamps(series):
    """Parse a polars Series of timestamps to ``Datetime("us", "UTC")``.

    Accepts ISO 8601 strings with or without an offset (naive ones are taken as UTC),
    epoch seconds, milliseconds, microseconds or nanoseconds (by magnitude), and
    datetimes. Returns ``(parsed, bad)`` where ``bad`` is a boolean Series marking
    non-null inputs that could not be parsed.

    Examples
    --------
    >>> import polars as pl
    >>> s, bad = parse_timestamps(pl.Series(["2025-01-02T03:04:05+02:00", "1735787045", "nope", None]))
    >>> [str(v) for v in s.to_list()[:2]], bad.to_list()
    (['2025-01-02 01:04:05+00:00', '2025-01-02 03:04:05+00:00'], [False, False, True, False])
    """
    import polars as pl

    dtype = pl.Datetime("us", "UTC")
    name = series.name
    if isinstance(series.dtype, pl.Datetime):
        s = series
        s = s.dt.replace_time_zone("UTC") if s.dtype.time_zone is None else s.dt.convert_time_zone("UTC")
        out = s.dt.cast_time_unit("us")
        return out, pl.Series(name, [False] * len(series), dtype=pl.Boolean)
    if series.dtype == pl.Null:
        return pl.Series(name, [None] * len(series), dtype=dtype), pl.Series(name, [False] * len(series), dtype=pl.Boolean)
    if series.dtype.is_numeric():
        return _from_epoch(series.cast(pl.Float64)), pl.Series(name, [False] * len(series), dtype=pl.Boolean)
    s = series.cast(pl.String)
    # fast path: RFC 3339 / ISO 8601 with an offset or "Z" (what almost every export writes)
    fast = s.str.to_datetime("%+", strict=False, time_unit="us", cache=False)
    if fast.dtype != dtype:
        fast = fast.dt.convert_time_zone("UTC")
    todo = fast.is_null() & s.is_not_null()
    if not todo.any():
        return fast.alias(name), pl.Series(name, [False] * len(series), dtype=pl.Boolean)
    slow, bad = _parse_slow(s.filter(todo).str.strip_chars())
    out = fast.scatter(todo.arg_true(), slow)
    bad_all = pl.Series(name, [False] * len(series), dtype=pl.Boolean).scatter(todo.arg_true(), bad)
    return out.alias(name), bad_all


def _parse_slow(s):
    """Every accepted spelling (epoch numbers, naive ISO, date only, ``+0200`` offsets)."""
    import polars as pl

    dtype = pl.Datetime("us", "UTC")
    name = s.name
    numeric = s.cast(pl.Float64, strict=False)
    from_num = _from_epoch(numeric)
    iso = s.str.replace(r"^(\d{4}-\d{2}-\d{2}) ", "${1}T").str.replace(r"Z$", "+00:00")
    iso = iso.str.replace(r"([+-]\d{2})(\d{2})$", "${1}:${2}")
    # what ISO 8601 (and Python's fromisoformat, :func:`to_utc`) also allow: an offset of hours
    # only, a time without seconds
    iso = iso.str.replace(r"(T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?[+-]\d{2})$", "${1}:00")
    iso = iso.str.replace(r"T(\d{2}:\d{2})([+-]|$)", "T${1}:00${2}")
    with_tz = iso.str.strptime(dtype, "%Y-%m-%dT%H:%M:%S%.f%:z", strict=False)
    naive = iso.str.strptime(pl.Datetime("us"), "%Y-%m-%dT%H:%M:%S%.f", strict=False).dt.replace_time_zone("UTC")
    date_only = iso.str.strptime(pl.Date, "%Y-%m-%d", strict=False).cast(pl.Datetime("us")).dt.replace_time_zone("UTC")
    out = (
        pl.DataFrame({"a": from_num, "b": with_tz, "c": naive, "d": date_only})
        .select(pl.coalesce("a", "b", "c", "d"))
        .to_series()
        .alias(name)
    )
    bad = (out.is_null() & s.is_not_null() & (s != "")).alias(name)
    return out, bad


def _from_epoch(values):
    """Epoch numbers to UTC datetimes, unit chosen per value by magnitude."""
    import polars as pl

    a = values.abs()
    us = (
        pl.when(a < 1e11).then(values * 1e6)  # seconds (until year 5138)
        .when(a < 1e14).then(values * 1e3)  # milliseconds
        .when(a < 1e17).then(values)  # microseconds
        .otherwise(values / 1e3)  # nanoseconds
    )
    return (
        pl.DataFrame({"v": values})
        .select(us.round(0).cast(pl.Int64, strict=False).cast(pl.Datetime("us")).dt.replace_time_zone("UTC"))
        .to_series()
        .alias(values.name)
    )


def to_utc(value: Any):
    """One timestamp (ISO 8601 string with or without offset, epoch s/ms/us/ns, datetime) -> aware UTC datetime.

    ``None`` and ``""`` give ``None``; anything else that is not a timestamp raises ``ValueError``.
    A leap second (``:60``) is the next minute's first second, as in a column (:func:`parse_timestamps`).

    Examples
    --------
    >>> str(to_utc("2025-01-02T03:04:05+02:00")), str(to_utc(1735787045000))
    ('2025-01-02 01:04:05+00:00', '2025-01-02 03:04:05+00:00')
    """
    import datetime as dt

    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)
    if isinstance(value, bool):
        raise ValueError(f"not a timestamp: {value!r}")
    num = value
    if isinstance(value, str):
        s = value.strip()
        try:
            num = float(s)
        except ValueError:
            num = None
            iso = s[:-1] + "+00:00" if s.endswith(("Z", "z")) else s
            try:
                got = dt.datetime.fromisoformat(iso)
            except ValueError as exc:
                got = _leap_second(iso)
                if got is None:
                    raise ValueError(f"not a timestamp: {value!r}") from exc
            return got.replace(tzinfo=dt.UTC) if got.tzinfo is None else got.astimezone(dt.UTC)
    if isinstance(num, (int, float)):
        a = abs(num)
        secs = num if a < 1e11 else num / 1e3 if a < 1e14 else num / 1e6 if a < 1e17 else num / 1e9
        try:
            return dt.datetime.fromtimestamp(secs, tz=dt.UTC)
        except (OverflowError, OSError, ValueError) as exc:
            raise ValueError(f"timestamp out of range: {value!r}") from exc
    raise ValueError(f"not a timestamp: {value!r}")


def _leap_second(iso: str):
    """An RFC 3339 leap second (``23:59:60``), which Python does not read, as the next minute's
    first second, as the column parser (polars' ``%+``) reads it; ``None`` for anything else."""
    import datetime as dt

    if iso[16:19] != ":60":
        return None
    try:
        return dt.datetime.fromisoformat(iso[:17] + "59" + iso[19:]) + dt.timedelta(seconds=1)
    except ValueError:
        return None
