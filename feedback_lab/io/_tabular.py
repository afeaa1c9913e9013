"""Turn a table whose columns are canonical names into canonical frames plus rejects.

Used by the canonical format (CSV, JSONL, JSON, Parquet) and by any loader whose records are
already flat. Every row of the input becomes exactly one row of one frame, or one row of
``rejects`` with the reason; nothing is dropped.

Row routing (``frame=None``): a table with an ``event`` column is ``events``; one with ``name``
and ``value``/``label`` but no ``input``/``output``/``kind``/``start`` column is ``feedback``
(it may carry ``span_id``); one with ``span_id`` is ``spans``; anything else is ``traces``, where rows that have
a ``name`` and a ``value``/``label``/``comment`` but neither ``input`` nor ``output`` are long-format
feedback rows (traces and feedback in one file). A row carrying both trace text and a feedback
value feeds both frames (one traces row and one feedback row).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from typing import Any

import polars as pl

from feedback_lab.io._common import Rejects, parse_timestamps
from feedback_lab.schema import FRAMES, REQUIRED, conform

__all__ = ["ANNOTATOR_ALIASES", "frames_from_table", "route_frame"]

#: spellings of annotator kinds seen in exports -> canonical kind
ANNOTATOR_ALIASES = {
    "user": "user", "end_user": "user", "enduser": "user", "customer": "user", "api": "user",
    "human": "human", "annotator": "human", "annotation": "human", "reviewer": "human", "expert": "human",
    "app": "user", "llm": "llm", "model": "llm", "judge": "llm", "llm_judge": "llm", "eval": "llm",
    "code": "code", "heuristic": "code", "rule": "code", "auto": "code",
}
_TYPE_WORDS = {"float": "a number", "int": "an integer", "datetime": "a timestamp (ISO 8601 or epoch)",
               "list[str]": "a list of strings", "str": "a string"}
_FEEDBACK_ONLY = ("name", "value", "label", "comment", "annotator_kind", "annotator", "span_id")


def route_frame(columns: Sequence[str]) -> str:
    """Which canonical frame a table with these columns holds (see module docstring).

    Examples
    --------
    >>> route_frame(["trace_id", "name", "value"]), route_frame(["span_id", "trace_id"])
    ('feedback', 'spans')
    """
    cols = set(columns)
    if "event" in cols:
        return "events"
    if "name" in cols and cols & {"value", "label"} and not cols & {"input", "output", "kind", "start"}:
        return "feedback"  # (feedback may carry span_id: a span-level annotation)
    if "span_id" in cols:
        return "spans"
    return "traces"


def frames_from_table(
    df: pl.DataFrame,
    *,
    file: str,
    format: str,
    line_of: Callable[[list[int]], list[int | None]],
    raw_of: Callable[[list[int]], list[str]],
    frame: str | None = None,
) -> dict[str, Any]:
    """Split, type-check and conform a table of canonical columns.

    Parameters
    ----------
    df : polars.DataFrame
        Columns named canonically (any dtype; strings are parsed) plus ``_row``, the
        0-based record index in the file.
    file, format : str
        For rejects.
    line_of, raw_of : callable
        Map ``_row`` values to line numbers and raw record text (only called for rejects).
    frame : str, optional
        Force every row into this frame (``read_feedback`` passes ``"feedback"``).

    Returns
    -------
    dict
        ``{"traces": df | None, "spans": ..., "feedback": ..., "events": ..., "rejects": df,
        "line_of": line_of}``; frames keep ``_row`` so that ``read_traces`` can report the line
        of a row it rejects later (a duplicate across files) without computing every line.
    """
    rejects = Rejects(format)
    out: dict[str, Any] = {}
    target = frame or route_frame(df.columns)
    parts: list[tuple[str, pl.DataFrame]] = []
    if target == "traces" and "name" in df.columns and {"value", "label"} & set(df.columns):
        has = [pl.col(c).is_not_null() for c in ("value", "label", "comment") if c in df.columns]
        is_fb = pl.col("name").is_not_null() & pl.any_horizontal(has)
        has_text = [pl.col(c).is_not_null() for c in ("input", "output") if c in df.columns]
        text = pl.any_horizontal(has_text) if has_text else pl.lit(False)
        fb_rows = df.filter(is_fb)
        parts.append(("feedback", fb_rows.select([c for c in df.columns if c in FRAMES["feedback"] or c == "_row"])))
        tr = df.filter(~is_fb | text).drop([c for c in _FEEDBACK_ONLY if c in df.columns and c not in FRAMES["traces"]])
        parts.append(("traces", tr))
    else:
        parts.append((target, df))
    bad_rows: list[tuple[int, str]] = []
    for name, part in parts:
        good, bad = _validate(part, name)
        bad_rows.extend(bad)
        out[name] = good
    if bad_rows:
        bad_rows.sort()
        rows = [r for r, _ in bad_rows]
        for (_, reason), line, raw in zip(bad_rows, line_of(rows), raw_of(rows), strict=True):
            rejects.add(file, line, reason, raw)
    for name, good in out.items():
        if good is None:
            continue
        out[name] = conform(good, name)  # keeps _row: read_traces resolves lines of later rejects lazily
    out["rejects"] = rejects.frame()
    out["line_of"] = line_of
    return out


def _validate(df: pl.DataFrame, frame: str) -> tuple[pl.DataFrame, list[tuple[int, str]]]:
    """Cast canonical columns; rows with a missing key, a wrong type or a duplicate id are returned as bad."""
    schema = FRAMES[frame]
    casts: dict[str, pl.Series] = {}
    reasons: list[pl.Series] = []
    n = len(df)
    for col in REQUIRED[frame]:
        if col not in df.columns:
            reasons.append(pl.Series([f"missing {col} (no '{col}' column)"] * n, dtype=pl.String))
            continue
        s = df[col]
        missing = s.is_null() | (s.cast(pl.String).str.strip_chars() == "") if s.dtype == pl.String else s.is_null()
        reasons.append(_when(missing, f"missing {col}"))
    todo = [(col, kind) for col, kind in schema.items() if col in df.columns]
    for (col, kind), (typed, bad) in zip(todo, _cast_all(df, todo), strict=True):
        casts[col] = typed
        if bad is not None and bad.any():
            shown = df[col].cast(pl.String).str.slice(0, 60)
            msg = _msg(f"wrong type: '{col}' must be {_TYPE_WORDS[kind]}, got '", shown, "'")
            reasons.append(pl.select(pl.when(bad).then(msg)).to_series())
    if frame == "feedback" and "annotator_kind" in casts:
        kinds = casts["annotator_kind"].str.strip_chars().str.to_lowercase()
        mapped = kinds.replace_strict(ANNOTATOR_ALIASES, default=None, return_dtype=pl.String)
        unknown = mapped.is_null() & kinds.is_not_null() & (kinds != "")
        casts["annotator_kind"] = mapped
        if unknown.any():
            msg = _msg("wrong value: annotator_kind must be user, human, llm or code, got '", kinds, "'")
            reasons.append(pl.select(pl.when(unknown).then(msg)).to_series())
    out = df.with_columns(**casts) if casts else df
    if frame == "feedback":
        has = [out[c].is_not_null() for c in ("value", "label", "comment") if c in out.columns]
        empty = ~pl.select(pl.any_horizontal(has)).to_series() if has else pl.Series([True] * n)
        reasons.append(_when(empty, "feedback row has no value, label or comment"))
    reason = pl.select(pl.coalesce(reasons)).to_series() if reasons else pl.Series([None] * n, dtype=pl.String)
    reason = _duplicates(out, frame, reason)
    bad_mask = reason.is_not_null()
    if not bad_mask.any():
        return out, []
    bad = list(zip(out["_row"].filter(bad_mask).to_list(), reason.filter(bad_mask).to_list(), strict=True))
    return out.filter(~bad_mask), bad


def _msg(prefix: str, s: pl.Series, suffix: str) -> pl.Series:
    return pl.DataFrame({"s": s.cast(pl.String)}).select(
        pl.concat_str(pl.lit(prefix), pl.col("s").fill_null("null"), pl.lit(suffix))).to_series()


def _when(mask: pl.Series, text: str) -> pl.Series:
    return pl.select(pl.when(mask).then(pl.lit(text)).otherwise(pl.lit(None, dtype=pl.String))).to_series()


def _duplicates(df: pl.DataFrame, frame: str, reason: pl.Series) -> pl.Series:
    """Later rows repeating a trace_id (traces) or (trace_id, span_id) (spans) of a valid row."""
    keys = {"traces": ["trace_id"], "spans": ["trace_id", "span_id"]}.get(frame)
    if not keys or not all(k in df.columns for k in keys):
        return reason
    key = pl.col(keys[0]) if len(keys) == 1 else pl.struct(keys)
    if df.select(key.n_unique()).item() == len(df):  # the usual case, checked ~3x faster than is_duplicated
        return reason
    valid = reason.is_null()
    sub = df.select(*keys, "_row").with_columns(_ok=valid)
    dup = valid & sub.select(pl.struct(keys).is_duplicated()).to_series()
    if not dup.any():
        return reason
    firsts = sub.filter("_ok").group_by(keys).agg(pl.col("_row").min().alias("_first"))
    joined = sub.join(firsts, on=keys, how="left", maintain_order="left")
    later = dup & (joined["_row"] != joined["_first"])
    label = "duplicate trace_id" if frame == "traces" else "duplicate span_id"
    msg = _msg(f"{label} '", sub[keys[-1]], "' (an earlier record of this file has it; the first one is kept)")
    return pl.select(pl.coalesce(reason, pl.when(later).then(msg))).to_series()


#: rows from which the columns are cast in parallel threads (polars releases the GIL; on 1,000,000
#: canonical records the casts take 0.40-0.46 s instead of 0.64-0.74 s on 2 cores)
PARALLEL_CAST_ROWS = 50_000


def _cast_all(df: pl.DataFrame, todo: list[tuple[str, str]]) -> list[tuple[pl.Series, pl.Series | None]]:
    """:func:`_cast` of each ``(column, kind)``, in threads for large frames, in the order given."""
    if len(df) < PARALLEL_CAST_ROWS or len(todo) < 2:
        return [_cast(df[col], kind) for col, kind in todo]
    import os
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 1)) as ex:
        return list(ex.map(lambda ck: _cast(df[ck[0]], ck[1]), todo))


def _cast(s: pl.Series, kind: str) -> tuple[pl.Series, pl.Series | None]:
    """``(typed, bad)``: bad marks non-null inputs that could not be converted."""
    if kind == "datetime":
        if s.dtype == pl.String:
            s = s.str.strip_chars()
            s = s.replace("", None)
        return parse_timestamps(s)
    if kind == "str":
        if isinstance(s.dtype, pl.Struct):
            return s.struct.json_encode(), None
        if isinstance(s.dtype, (pl.List, pl.Array)):
            return s.map_elements(lambda v: json.dumps(v.to_list(), ensure_ascii=False, default=str),
                                  return_dtype=pl.String), None
        return s.cast(pl.String), None
    if kind in ("float", "int"):
        if s.dtype == pl.String:
            f = s.cast(pl.Float64, strict=False)  # fast path: plain numbers
            if not (f.is_null() & s.is_not_null()).any():
                if kind == "float":
                    return f, None
                nonint = f.is_not_null() & ((f.round(0) != f) | (f.abs() > 9.2e18))
                if not nonint.any():
                    return f.cast(pl.Int64), None
            t = s.str.strip_chars()
            low = t.str.to_lowercase()
            t = pl.select(pl.when(low == "true").then(pl.lit("1")).when(low == "false").then(pl.lit("0"))
                          .when(t == "").then(None).otherwise(t)).to_series()
            f = t.cast(pl.Float64, strict=False)
            bad = f.is_null() & t.is_not_null()
        else:
            f = s.cast(pl.Float64, strict=False)
            bad = f.is_null() & s.is_not_null()
        if kind == "int":
            nonint = f.is_not_null() & ((f.round(0) != f) | (f.abs() > 9.2e18))
            f = pl.select(pl.when(~nonint).then(f)).to_series()
            return f.cast(pl.Int64, strict=False), bad | nonint
        return f, bad
    if kind == "list[str]":
        if isinstance(s.dtype, pl.List):
            return s.cast(pl.List(pl.String), strict=False), None
        if s.dtype != pl.String:
            s = s.cast(pl.String)
        t = s.str.strip_chars()
        if t.drop_nulls().str.starts_with("[").all():
            try:  # fast path: every value is a JSON list
                return t.str.json_decode(pl.List(pl.String)), None
            except (pl.exceptions.ComputeError, pl.exceptions.InvalidOperationError):
                pass
        vals = [_tags(v) for v in s.to_list()]
        bad = pl.Series([v is _BAD for v in vals])
        return pl.Series(s.name, [None if v is _BAD else v for v in vals], dtype=pl.List(pl.String)), bad
    raise ValueError(kind)  # pragma: no cover


_BAD = object()


def _tags(v: str | None) -> list[str] | object | None:
    if v is None or not v.strip():
        return None
    t = v.strip()
    if t.startswith("["):
        try:
            got = json.loads(t)
        except (ValueError, RecursionError):
            return _BAD
        if not isinstance(got, list) or not all(isinstance(x, (str, int, float)) for x in got):
            return _BAD
        return [str(x) for x in got]
    return [p.strip() for p in t.split(",") if p.strip()]
