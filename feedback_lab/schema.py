"""Canonical column names, dtypes and the :class:`TraceSet` container.

Every loader returns a :class:`TraceSet` of five frames whose columns are the
constants below. Frames may carry extra columns (kept after the canonical ones).

Extensions to DESIGN.md's table: ``traces.task`` (the product task type, used by
``by=`` breakdowns), ``feedback.span_id`` / ``feedback.metadata`` (span-level
annotations), ``spans.model`` and token counts (to sum LLM-span tokens), and
``rejects.format``.
"""

from __future__ import annotations

import dataclasses
import html
import json
from typing import Any, Literal

from feedback_lab._columnmap import ColumnMap
from feedback_lab._validation import did_you_mean
from feedback_lab.exceptions import SchemaError

__all__ = [
    "ANNOTATOR_KINDS",
    "EVENTS",
    "FEEDBACK",
    "FRAMES",
    "IMPLICIT_EVENTS",
    "REJECTS",
    "SPANS",
    "TRACES",
    "ColumnMap",
    "TraceSet",
    "conform",
    "empty_frame",
]

# ---------------------------------------------------------------- column names
TRACE_ID = "trace_id"
SESSION_ID = "session_id"
USER_ID = "user_id"
TIMESTAMP = "timestamp"
MODEL = "model"
PROMPT_VERSION = "prompt_version"
TASK = "task"
INPUT = "input"
OUTPUT = "output"
REFERENCE = "reference"
LATENCY_MS = "latency_ms"
INPUT_TOKENS = "input_tokens"
OUTPUT_TOKENS = "output_tokens"
COST = "cost"
STATUS = "status"
TAGS = "tags"
METADATA = "metadata"
SOURCE = "source"

SPAN_ID = "span_id"
PARENT_ID = "parent_id"
KIND = "kind"
NAME = "name"
START = "start"
END = "end"
ATTRIBUTES = "attributes"

VALUE = "value"
LABEL = "label"
COMMENT = "comment"
ANNOTATOR_KIND = "annotator_kind"
ANNOTATOR = "annotator"

EVENT = "event"
PAYLOAD = "payload"

FILE = "file"
LINE = "line"
REASON = "reason"
RAW = "raw"
FORMAT = "format"

#: ``annotator_kind`` values: end users (thumbs, ratings), human reviewers,
#: LLM judges, and code/heuristic evaluators.
ANNOTATOR_KINDS = ("user", "human", "llm", "code")
#: Implicit signals with a documented meaning (others are kept as-is).
IMPLICIT_EVENTS = ("regenerate", "edit", "copy", "abandon", "share", "retry", "feedback_open")

# dtypes as strings so that importing this module imports neither pandas nor polars:
# "str", "float", "int", "datetime" (UTC, microseconds), "list[str]"
TRACES: dict[str, str] = {
    TRACE_ID: "str",
    SESSION_ID: "str",
    USER_ID: "str",
    TIMESTAMP: "datetime",
    MODEL: "str",
    PROMPT_VERSION: "str",
    TASK: "str",
    INPUT: "str",
    OUTPUT: "str",
    REFERENCE: "str",
    LATENCY_MS: "float",
    INPUT_TOKENS: "int",
    OUTPUT_TOKENS: "int",
    COST: "float",
    STATUS: "str",
    TAGS: "list[str]",
    METADATA: "str",
    SOURCE: "str",
}
SPANS: dict[str, str] = {
    SPAN_ID: "str",
    TRACE_ID: "str",
    PARENT_ID: "str",
    KIND: "str",
    NAME: "str",
    START: "datetime",
    END: "datetime",
    MODEL: "str",
    INPUT: "str",
    OUTPUT: "str",
    INPUT_TOKENS: "int",
    OUTPUT_TOKENS: "int",
    STATUS: "str",
    ATTRIBUTES: "str",
}
FEEDBACK: dict[str, str] = {
    TRACE_ID: "str",
    NAME: "str",
    VALUE: "float",
    LABEL: "str",
    COMMENT: "str",
    ANNOTATOR_KIND: "str",
    ANNOTATOR: "str",
    TIMESTAMP: "datetime",
    SPAN_ID: "str",
    METADATA: "str",
}
EVENTS: dict[str, str] = {
    TRACE_ID: "str",
    SESSION_ID: "str",
    EVENT: "str",
    TIMESTAMP: "datetime",
    PAYLOAD: "str",
}
REJECTS: dict[str, str] = {
    FILE: "str",
    LINE: "int",
    FORMAT: "str",
    REASON: "str",
    RAW: "str",
}
#: frame name -> schema, in TraceSet order
FRAMES: dict[str, dict[str, str]] = {
    "traces": TRACES,
    "spans": SPANS,
    "feedback": FEEDBACK,
    "events": EVENTS,
    "rejects": REJECTS,
}
#: columns that must be non-null in each frame
REQUIRED: dict[str, tuple[str, ...]] = {
    "traces": (TRACE_ID,),
    "spans": (SPAN_ID, TRACE_ID),
    "feedback": (TRACE_ID, NAME),
    "events": (EVENT,),
    "rejects": (),
}


def _pl_dtype(kind: str):
    import polars as pl

    return {
        "str": pl.String,
        "float": pl.Float64,
        "int": pl.Int64,
        "datetime": pl.Datetime("us", "UTC"),
        "list[str]": pl.List(pl.String),
    }[kind]


def empty_frame(frame: str, backend: Literal["polars", "pandas"] = "polars"):
    """An empty frame with the canonical columns and dtypes of ``frame``.

    Examples
    --------
    >>> empty_frame("feedback").columns[:3]
    ['trace_id', 'name', 'value']
    """
    import polars as pl

    schema = FRAMES[frame]
    df = pl.DataFrame(schema={c: _pl_dtype(t) for c, t in schema.items()})
    return df.to_pandas() if backend == "pandas" else df


def conform(df, frame: str):
    """Return polars ``df`` with every canonical column of ``frame``, cast and ordered.

    Missing canonical columns are added as nulls; extra columns are kept after
    the canonical ones. Values that cannot be cast raise :class:`SchemaError`
    naming the column (loaders turn bad rows into rejects *before* calling this).

    Examples
    --------
    >>> import polars as pl
    >>> conform(pl.DataFrame({"trace_id": ["t1"], "value": [1]}), "feedback").dtypes[2]
    Float64
    """
    import polars as pl

    if frame not in FRAMES:
        msg = f"Unknown frame {frame!r}; expected one of {list(FRAMES)}.{did_you_mean(frame, FRAMES)}"
        raise ValueError(msg)
    if not isinstance(df, pl.DataFrame):
        df = pl.from_pandas(df) if df is not None else None
    schema = FRAMES[frame]
    if df is None:
        return empty_frame(frame)
    exprs = []
    for col, kind in schema.items():
        dtype = _pl_dtype(kind)
        if col not in df.columns:
            exprs.append(pl.lit(None, dtype=dtype).alias(col))
            continue
        cur = df.schema[col]
        if cur == dtype:
            exprs.append(pl.col(col))
        elif kind == "datetime":
            if isinstance(cur, pl.Datetime):
                e = pl.col(col)
                e = e.dt.replace_time_zone("UTC") if cur.time_zone is None else e.dt.convert_time_zone("UTC")
                exprs.append(e.dt.cast_time_unit("us"))
            elif cur == pl.Null:
                exprs.append(pl.col(col).cast(dtype))
            else:
                msg = (
                    f"conform({frame}): column '{col}' must hold datetimes, got {cur}. "
                    "Parse it first (feedback_lab.io parses ISO 8601 and epoch timestamps)."
                )
                raise SchemaError(msg)
        elif kind == "list[str]":
            if cur == pl.String or cur == pl.Null:
                exprs.append(
                    pl.when(pl.col(col).is_null())
                    .then(pl.lit(None, dtype=dtype))
                    .otherwise(pl.col(col).cast(pl.String).str.split(","))
                    .alias(col)
                )
            else:
                exprs.append(pl.col(col).cast(dtype))
        elif kind == "str" and (isinstance(cur, (pl.List, pl.Struct, pl.Array))):
            exprs.append(pl.col(col).map_elements(_json_dumps, return_dtype=pl.String))
        else:
            exprs.append(pl.col(col).cast(dtype, strict=True))
    try:
        out = df.with_columns(exprs) if exprs else df
    except (pl.exceptions.InvalidOperationError, pl.exceptions.ComputeError) as exc:
        msg = f"conform({frame}): a column cannot be cast to its canonical type: {exc}"
        raise SchemaError(msg) from exc
    extra = [c for c in out.columns if c not in schema]
    return out.select([*schema, *extra])


def _json_dumps(v: Any) -> str | None:
    if v is None:
        return None
    if hasattr(v, "to_list"):
        v = v.to_list()
    return json.dumps(v, ensure_ascii=False, default=str)


# ---------------------------------------------------------------- TraceSet
@dataclasses.dataclass(frozen=True)
class TraceSet:
    """The five canonical frames a loader returns.

    Attributes
    ----------
    traces, spans, feedback, events, rejects : polars or pandas DataFrame
        See the module constants for their columns. ``rejects`` lists every
        input record that could not be read (file, line, format, reason, raw).

    Examples
    --------
    >>> ts = TraceSet.empty()
    >>> ts.summary()["traces"]
    0
    """

    traces: Any
    spans: Any
    feedback: Any
    events: Any
    rejects: Any

    @classmethod
    def empty(cls, backend: Literal["polars", "pandas"] = "polars") -> TraceSet:
        return cls(**{name: empty_frame(name, backend) for name in FRAMES})

    @classmethod
    def from_frames(
        cls,
        traces=None,
        spans=None,
        feedback=None,
        events=None,
        rejects=None,
        *,
        backend: Literal["polars", "pandas"] = "polars",
    ) -> TraceSet:
        """Build a TraceSet from any subset of frames, conforming each to the schema."""
        frames = {"traces": traces, "spans": spans, "feedback": feedback, "events": events, "rejects": rejects}
        out = {k: conform(v, k) for k, v in frames.items()}
        ts = cls(**out)
        return ts.to_pandas() if backend == "pandas" else ts

    @property
    def backend(self) -> str:
        return "pandas" if type(self.traces).__module__.startswith("pandas") else "polars"

    def frames(self) -> dict[str, Any]:
        """``{"traces": ..., "spans": ..., ...}``."""
        return {f.name: getattr(self, f.name) for f in dataclasses.fields(self)}

    def to_pandas(self) -> TraceSet:
        """A TraceSet of pandas frames (timestamps stay timezone-aware UTC)."""
        from feedback_lab._frame import to_pandas

        return TraceSet(**{k: to_pandas(v) for k, v in self.frames().items()})

    def to_polars(self) -> TraceSet:
        from feedback_lab._frame import to_polars

        return TraceSet(**{k: to_polars(v) for k, v in self.frames().items()})

    def summary(self) -> dict[str, Any]:
        """Counts and ranges: rows per frame, time span, models, feedback names, events, reject reasons."""
        from feedback_lab._frame import to_polars

        t = to_polars(self.traces)
        f = to_polars(self.feedback)
        e = to_polars(self.events)
        r = to_polars(self.rejects)
        out: dict[str, Any] = {name: len(df) for name, df in self.frames().items()}
        ts = t[TIMESTAMP].drop_nulls() if TIMESTAMP in t.columns else []
        out["first_timestamp"] = str(ts.min()) if len(ts) else None
        out["last_timestamp"] = str(ts.max()) if len(ts) else None
        for col, key in ((MODEL, "models"), (PROMPT_VERSION, "prompt_versions"), (TASK, "tasks"), (SOURCE, "sources")):
            if col in t.columns:
                out[key] = {str(k): int(v) for k, v in t[col].drop_nulls().value_counts(sort=True).iter_rows()}
        if len(f):
            g = f.group_by([NAME, ANNOTATOR_KIND]).len().sort([NAME, ANNOTATOR_KIND], nulls_last=True)
            out["feedback_by_name"] = {f"{n} ({k})": int(c) for n, k, c in g.iter_rows()}
        if len(e):
            out["events_by_type"] = {str(k): int(v) for k, v in e[EVENT].value_counts(sort=True).iter_rows()}
        if len(r):
            out["rejects_by_reason"] = {
                str(k)[:80]: int(v) for k, v in r[REASON].value_counts(sort=True).head(10).iter_rows()
            }
        return out

    def __repr__(self) -> str:
        counts = ", ".join(f"{k}={len(v)}" for k, v in self.frames().items())
        return f"TraceSet({counts}, backend={self.backend!r})"

    def _repr_html_(self) -> str:
        s = self.summary()
        rows = "".join(
            f"<tr><th style='text-align:left'>{html.escape(str(k))}</th><td style='text-align:left'>"
            f"{html.escape(json.dumps(v, ensure_ascii=False) if isinstance(v, dict) else str(v))}</td></tr>"
            for k, v in s.items()
        )
        return f"<div><strong>TraceSet</strong> ({self.backend})<table>{rows}</table></div>"
