"""Phoenix annotation and evaluation frames, and the OpenInference feedback attributes of spans,
as feedback rows (for :mod:`feedback_lab.io._phoenix`; see its docstring for the shapes read).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

from feedback_lab.exceptions import FormatError
from feedback_lab.io._common import Rejects
from feedback_lab.io._genai_attrs import attribute_feedback
from feedback_lab.io._phoenix_load import cell_value, collect_frame, column, frame_schema, json_text
from feedback_lab.io._platform_frames import parse_ts_columns, rows_frame

__all__ = ["attribute_feedback_frame", "feedback_frame", "is_annotation_frame"]

_SPAN_COLS = ("span_kind", "start_time", "context.trace_id", "parent_id")
_ANN_COLS = ("result.label", "result.score", "result.explanation", "annotator_kind", "annotation_name",
             "label", "score", "explanation")


def _eval_name_from_parquet(path: Path) -> str | None:
    """The eval name Phoenix stores in the Parquet metadata of saved evaluations."""
    try:
        import pyarrow.parquet as pq

        meta = pq.read_schema(path).metadata or {}
    except Exception:
        return None
    raw = meta.get(b"arize")
    try:
        name = json.loads(raw).get("eval_name") if raw else None
    except (ValueError, AttributeError, RecursionError):
        return None
    return name if isinstance(name, str) else None


def feedback_frame(df, path: Path, rejects: Rejects):
    """Flat annotation/evaluation frame -> feedback rows frame."""
    import polars as pl

    id_cols = ("span_id", "context.span_id", "_index", "trace_id", "context.trace_id")
    if len(df) and not any(c in df.columns for c in id_cols):
        msg = (f"{path}: an annotation/evaluation file without a span_id or trace_id column (columns: "
               f"{[c for c in df.columns if not c.startswith('_')][:20]}). Phoenix's annotation frames hold the "
               "span id in the DataFrame index, which pandas to_json(orient='records') and to_csv(index=False) "
               "leave out: save them with df.reset_index().to_json(...), to_csv() or to_parquet().")
        raise FormatError(msg)
    default_name = _eval_name_from_parquet(path) or path.name.split(".")[0]
    has_kind = "annotator_kind" in df.columns
    kind = column(df.schema, ["annotator_kind"]).str.to_uppercase()
    source = column(df.schema, ["source"]).str.to_uppercase()
    ann_kind = (pl.when(kind == "LLM").then(pl.lit("llm"))
                .when(kind == "CODE").then(pl.lit("code"))
                .when((kind == "HUMAN") & (source == "API")).then(pl.lit("user"))
                .when(kind == "HUMAN").then(pl.lit("human"))
                .when(kind.is_in(["USER"])).then(pl.lit("user")))
    if not has_kind:
        ann_kind = pl.lit("llm")  # SpanEvaluations frames hold LLM evals
    meta = column(df.schema, ["metadata"])
    if df.schema.get("metadata") == pl.String:  # to_csv writes the metadata dicts as Python reprs
        meta = meta.map_elements(json_text, return_dtype=pl.String)
    raw_value = column(df.schema, ["result.score", "score"])
    out = df.select(
        span_id=column(df.schema, ["span_id", "context.span_id", "_index"]).str.strip_prefix("0x"),
        trace_id=column(df.schema, ["trace_id", "context.trace_id"]).str.strip_prefix("0x"),
        name=pl.coalesce(column(df.schema, ["annotation_name", "name", "eval_name"]), pl.lit(default_name)),
        value=column(df.schema, ["result.score", "score"], "num"), _raw_value=raw_value,
        label=column(df.schema, ["result.label", "label"]),
        comment=column(df.schema, ["result.explanation", "explanation"]),
        annotator_kind=ann_kind,
        annotator=pl.coalesce(column(df.schema, ["annotator", "user_id"]), meta.str.json_path_match("$.annotator")),
        timestamp=column(df.schema, ["created_at", "updated_at", "timestamp"], "raw")
        if any(c in df.columns for c in ("created_at", "updated_at", "timestamp")) else pl.lit(None, pl.String),
        metadata=meta, _file=pl.col("_file"), _line=pl.col("_line"), _ref=pl.col("_ref"),
    )
    bad_val = out["_raw_value"].is_not_null() & out["value"].is_null()
    no_id = out["span_id"].is_null() & out["trace_id"].is_null()
    bad = bad_val | no_id
    for r in out.filter(bad).iter_rows(named=True):
        why = "annotation has no span_id/trace_id" if r["span_id"] is None and r["trace_id"] is None \
            else f"score is not a number: {r['_raw_value'][:60]!r}"
        rejects.add(r["_file"], r["_line"], why, {k: v for k, v in r.items() if not k.startswith("_")})
    return parse_ts_columns(out.filter(~bad).drop("_raw_value"), ("timestamp",), rejects, [])


#: flat columns of OpenInference feedback attributes (or the nested lists a spans frame holds)
_FB_COL = re.compile(r"^attributes\.((?:trace\.|session\.)?annotations|evaluations)"
                     r"(?:\.\d+\.(?:annotation|evaluation)\.[a-z_]+)?$")


def attribute_feedback_frame(frame, path: Path, rejects: Rejects):
    """Feedback rows from the OpenInference feedback attributes of a spans file (``None`` when
    it has none). Only the spans that carry such attributes go through Python."""
    import polars as pl

    sch = frame_schema(frame)
    cols = [c for c in sch if _FB_COL.match(c)]
    if not cols:
        return None
    ids = {k: column(sch, names).str.strip_prefix("0x") for k, names in
           (("_sid", ["context.span_id", "span_id", "_index"]), ("_tid", ["context.trace_id", "trace_id"]))}
    df = collect_frame(frame.select(**ids, **{c: pl.col(c) for c in cols}, _file=pl.col("_file"), _line=pl.col("_line"))
                  .filter(pl.any_horizontal(pl.col(cols).is_not_null())), path)
    rows = []
    for r in df.iter_rows(named=True):
        attrs = {c.removeprefix("attributes."): cell_value(r[c]) for c in cols}
        found, errors = attribute_feedback(attrs)
        if r["_sid"] is None and r["_tid"] is None:
            errors, found = ["feedback attributes on a span without context.span_id/trace_id"], []
        for why in errors:
            rejects.add(r["_file"], r["_line"], why, json.dumps(attrs, ensure_ascii=False, default=str))
        for x in found:
            scope = x.pop("scope")
            rows.append({**x, "trace_id": r["_tid"], "span_id": None if scope in ("trace", "session") else r["_sid"],
                         "annotator": None, "timestamp": None, "_file": r["_file"], "_line": r["_line"], "_ref": None})
    if not rows:
        return None
    return parse_ts_columns(rows_frame(rows, "feedback"), ("timestamp",), rejects, [])


def is_annotation_frame(columns) -> bool:
    cols = set(columns)
    if any(c in cols for c in _SPAN_COLS) or any(c.startswith("attributes.") for c in cols):
        return False
    return any(c in cols for c in _ANN_COLS)
