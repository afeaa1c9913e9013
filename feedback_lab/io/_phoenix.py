"""Arize Phoenix / OpenInference: spans dataframes and annotation/evaluation frames.

Reads what Phoenix users save:

- the spans dataframe of ``px.Client().get_spans_dataframe()`` / ``client.spans.get_spans_dataframe()``
  written to Parquet, CSV or JSONL (``context.span_id``, ``context.trace_id``, ``parent_id``,
  ``span_kind``, ``start_time``, ``end_time``, ``status_code``, flattened ``attributes.*``
  columns; CSV cells holding Python reprs of lists are decoded);
- span records with nested ``context``/``attributes`` objects (the REST ``GET /v1/projects/{p}/spans``
  response ``{"data": [...]}``, JSONL span downloads), attributes nested or with dotted keys;
- annotation frames (``client.spans.get_span_annotations_dataframe()``: ``span_id``,
  ``annotation_name``, ``annotator_kind``, ``result.label``, ``result.score``,
  ``result.explanation``, ``metadata``, ``source``, ``created_at``) and legacy evaluation frames
  (``SpanEvaluations``: ``context.span_id``, ``label``, ``score``, ``explanation``; the eval name
  comes from a ``name`` column, the Parquet metadata Phoenix writes, or the file name);
- OpenInference feedback attributes on spans (``annotations.N.annotation.*``, ``trace.annotations.…``,
  ``evaluations.…``), which Phoenix's span download adds to each span it writes: feedback rows, see
  :func:`feedback_lab.io._genai_attrs.attribute_feedback`.

OpenInference attributes map as in :data:`feedback_lab.io._genai_attrs.ALIASES` (``input.value``,
``output.value``, ``llm.model_name``, ``llm.token_count.prompt/completion``, ``session.id``,
``user.id``, ``tag.tags``, ``metadata``, ``llm.prompt_template.version``, ``llm.cost.total``).
A span's ``attributes`` column holds its attributes as JSON, except the input and output text
that fills the ``input``/``output`` columns (the first of the attributes above present in the
file), which is not stored twice. Annotator kinds: ``LLM`` -> llm, ``CODE`` -> code, ``HUMAN`` -> human, except ``HUMAN`` logged
through the API (``source == "API"``) -> user (end-user feedback relayed by the app). Span
annotations are attached to their trace through the spans of the same load; otherwise the
span id stands in for the trace id and a warning says so.

JSONL is scanned by polars, the span columns computed chunk by chunk as it parses (streaming
engine); a line polars cannot parse sends the whole file through the per-line reader, which
gives that line its reject. The columns are those of every line up to 64 MB, else of 2,000 lines
spread through the file (``read_traces(..., exact_schema=True)``: every line), see
:mod:`feedback_lab.io._jsonl`. Polars skips blank lines; rejects still name the right line.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from feedback_lab.exceptions import FormatError, UnreadableFileError
from feedback_lab.io._common import Rejects, open_bytes, polars_failures
from feedback_lab.io._genai_attrs import ALIASES, attribute_feedback
from feedback_lab.io._jsonl import RecordLines, ndjson_schema, read_ndjson_keys
from feedback_lab.io._platform_common import flatten_dotted, json_records, messages_text
from feedback_lab.io._platform_frames import assemble, csv_rows, parse_ts_columns, rows_frame
from feedback_lab.io._registry import Format

__all__ = ["FORMAT", "read"]

NAME = "phoenix"
_SPAN_COLS = ("span_kind", "start_time", "context.trace_id", "parent_id")
_ANN_COLS = ("result.label", "result.score", "result.explanation", "annotator_kind", "annotation_name",
             "label", "score", "explanation")


#: attributes whose object value is kept whole (not flattened into columns); ``metadata`` is the
#: metadata object of an annotation record (``GET /v1/projects/{p}/span_annotations``)
_WHOLE = frozenset({"attributes.metadata", "attributes.llm.invocation_parameters", "attributes.llm.prompt_template.variables",
                    "metadata"})


def _unnest(frame):
    """Struct columns -> dotted columns, recursively (a DataFrame or a LazyFrame). A field whose
    dotted name is already a column is dropped (the column wins); the new columns come last."""
    import polars as pl

    schema = frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema
    cols = [(c, pl.col(c), t) for c, t in schema.items()]
    changed = False
    while True:
        structs = [c for c, _, t in cols if isinstance(t, pl.Struct) and c not in _WHOLE]
        if not structs:
            break
        changed = True
        for c in structs:
            _, expr, dtype = next(x for x in cols if x[0] == c)
            cols = [x for x in cols if x[0] != c]
            names = {x[0] for x in cols}
            cols += [(f"{c}.{f.name}", expr.struct.field(f.name), f.dtype) for f in dtype.fields
                     if f"{c}.{f.name}" not in names]
    return frame.select(e.alias(c) for c, e, _ in cols) if changed else frame


def _strings(rec: dict) -> dict[str, str | None]:
    out = {}
    for k, v in flatten_dotted(rec, keep=_WHOLE).items():
        if v is None or isinstance(v, str):
            out[k] = v
        elif isinstance(v, bool):
            out[k] = "true" if v else "false"
        elif isinstance(v, (int, float)):
            out[k] = repr(v)
        else:
            out[k] = json.dumps(v, ensure_ascii=False, default=str)
    return out


def load_flat(path: Path, rejects: Rejects, *, exact_schema: bool = False, bulk: bool = True):
    """One file as a flat polars frame (dotted column names) with ``_file``/``_line``/``_ref``.

    A plain JSONL file comes back as a LazyFrame over polars' scan, so that its spans frame is
    built while the file is parsed (streaming engine): collect it with :func:`_collect`, and
    read the file again with ``bulk=False`` (line by line) when that fails.
    """
    import polars as pl

    suffixes = [s.lower() for s in path.suffixes]
    data = None
    with path.open("rb") as fh:
        magic = fh.read(4)
    if ".parquet" in suffixes or magic == b"PAR1":
        try:
            df = _unnest(pl.read_parquet(path))
        except polars_failures() as exc:  # polars raises several types (and panics) for corrupt parquet
            raise UnreadableFileError(f"{path}: not a readable Parquet file ({str(exc)[:300]}).") from exc
    else:
        tried = bulk and magic[:2] != b"\x1f\x8b" and _is_jsonl(path)
        df = _scan_ndjson(path, rejects, exact_schema) if tried else None
        if df is None:
            data = open_bytes(path)
            head = data.lstrip()[:1]
            if head in (b"{", b"["):
                df = _load_json(path, data, rejects, try_polars=bulk and not tried, exact_schema=exact_schema)
            else:
                df = _load_csv(path, data, rejects)
    columns = _schema(df).names()
    if "_line" not in columns:
        df = df.with_row_index("_line", offset=1).with_columns(pl.col("_line").cast(pl.Int64))
    df = df.drop([c for c in columns if "_duplicated_" in c])
    if "__index_level_0__" in columns:
        df = df.rename({"__index_level_0__": "_index"})
    return df.with_columns(_file=pl.lit(str(path)), _ref=pl.lit(None, dtype=pl.Int64))


def _schema(frame):
    import polars as pl

    return frame.collect_schema() if isinstance(frame, pl.LazyFrame) else frame.schema


class _BulkReadFailed(Exception):
    """Polars could not parse a JSONL file it scanned (raised at collect)."""


def _collect(frame, path: Path):
    """A LazyFrame from :func:`load_flat` collected with the streaming engine (parsing and the
    spans expressions run together on every core); a DataFrame is returned as is."""
    import polars as pl

    if not isinstance(frame, pl.LazyFrame):
        return frame
    try:
        return frame.collect(engine="streaming")
    except polars_failures() as exc:  # a line polars cannot parse: the per-line reader takes over
        raise _BulkReadFailed(str(path)) from exc


def _is_jsonl(path: Path) -> bool:
    """A plain file of several lines, the first starting with ``{`` (polars reads it from the path,
    without a copy in Python)."""
    import mmap

    with path.open("rb") as fh:
        try:
            mm = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
        except ValueError:  # empty file
            return False
        with mm:
            start = re.compile(rb"[ \t\r\n]*").match(mm).end()
            end = len(mm)
            while end > start and mm[end - 1] in b" \t\r\n":
                end -= 1
            return mm[start:start + 1] == b"{" and mm.find(b"\n", start, end) >= 0


def _scan_ndjson(path: Path, rejects: Rejects, exact_schema: bool):
    """A plain JSONL file as a lazy polars scan (columns as :func:`ndjson_schema` finds them);
    ``None`` when its sampled lines do not parse. Polars skips blank lines: rejects map record
    numbers to lines."""
    import polars as pl

    try:
        schema = ndjson_schema(path, full_inference=exact_schema)
    except polars_failures():
        return None
    rejects.map_lines(path, RecordLines(path))
    return _unnest(pl.scan_ndjson(path, schema=schema))


def _read_ndjson(path: Path, source, rejects: Rejects, exact_schema: bool):
    """Clean JSONL (a path or bytes) read by polars (keys as :func:`read_ndjson_keys` finds them);
    ``None`` when polars fails. Polars skips blank lines: rejects map record numbers to lines."""
    try:
        df = _unnest(read_ndjson_keys(source, full_inference=exact_schema))
    except polars_failures():
        return None
    rejects.map_lines(path, RecordLines(source))
    return df


def _load_json(path: Path, data: bytes, rejects: Rejects, *, try_polars: bool = True, exact_schema: bool = False):
    import polars as pl

    body = data.strip()
    if try_polars and body[:1] == b"{" and b"\n" in body:  # JSONL
        df = _read_ndjson(path, data, rejects, exact_schema)
        if df is not None:
            return df
    rows = []
    for _, line, _raw, rec in json_records([path], rejects):
        r = _strings(rec)
        r["_line"] = line
        rows.append(r)
    if not rows:
        return pl.DataFrame({"_line": []}, schema={"_line": pl.Int64})
    keys = list(dict.fromkeys(k for r in rows for k in r))
    return pl.DataFrame(rows, schema={k: (pl.Int64 if k == "_line" else pl.String) for k in keys})


def _load_csv(path: Path, data: bytes, rejects: Rejects):
    import polars as pl

    df = csv_rows(path, data, rejects)
    # pandas to_csv writes the metadata dict of a spans frame as its Python repr: back to JSON
    if df.schema.get("attributes.metadata") == pl.String:
        df = df.with_columns(pl.col("attributes.metadata").map_elements(_json_text, return_dtype=pl.String))
    return df


def _col(schema, names, how: str = "str"):
    """Coalesce of the first existing columns in ``names``, converted to String or Float64."""
    import polars as pl

    exprs = []
    for n in names:
        if n not in schema:
            continue
        t = schema[n]
        if how == "num":
            exprs.append(pl.col(n).cast(pl.Float64, strict=False) if t != pl.Boolean else pl.col(n).cast(pl.Float64))
        elif how == "raw":
            exprs.append(pl.col(n))
        elif t == pl.String:
            exprs.append(pl.when(pl.col(n) != "").then(pl.col(n)))
        elif isinstance(t, (pl.List, pl.Array, pl.Struct)):
            exprs.append(pl.col(n).map_elements(lambda v: json.dumps(v.to_list() if hasattr(v, "to_list") else v,
                                                                     ensure_ascii=False, default=str),
                                                return_dtype=pl.String))
        else:
            exprs.append(pl.col(n).cast(pl.String))
    if not exprs:
        return pl.lit(None, dtype=pl.Float64 if how == "num" else pl.String)
    if how == "raw":
        return exprs[0]
    return pl.coalesce(exprs) if len(exprs) > 1 else exprs[0]


#: span id columns -> the columns that may hold them, in order of preference
_IDS = {"span_id": ("context.span_id", "span_id", "_index"), "trace_id": ("context.trace_id", "trace_id"),
        "parent_id": ("parent_id", "parent_span_id")}


def _id_col(schema, names):
    """An id column as text. With one candidate column present, its values as they are (the
    caller maps ``""`` to null and strips ``0x``); with several, the first non-empty one."""
    import polars as pl

    present = [n for n in names if n in schema]
    if len(present) == 1 and schema[present[0]] == pl.String:
        return pl.col(present[0])
    return _col(schema, names)


def _attr(schema, field: str, how: str = "str"):
    return _col(schema, [f"attributes.{k}" for k in ALIASES[field]], how)


def _py(v: Any) -> Any:
    """A cell holding JSON or a Python repr (pandas ``to_csv`` of lists) -> the value."""
    if hasattr(v, "to_list"):
        return v.to_list()
    if isinstance(v, str) and v[:1] in "[{":
        try:
            return json.loads(v)
        except (ValueError, RecursionError):
            try:
                return ast.literal_eval(v)
            except (ValueError, SyntaxError, MemoryError, RecursionError):
                return v
    return v


def spans_frame(df, rejects: Rejects, path: Path | None = None):
    """Flat Phoenix frame (or the LazyFrame of :func:`load_flat`) -> span rows frame (canonical
    columns + trace extras)."""
    import polars as pl

    sch = _schema(df)
    nums = {k: _attr(sch, k, "num") for k in ("input_tokens", "output_tokens", "cost")}
    # the text of a count, kept to name it in a reject when it is not a number (a column of
    # numbers cannot fail, so only text columns need it)
    raws = {k: _attr(sch, k) for k in nums if any(
        (t := sch.get(f"attributes.{a}")) is not None and not (t.is_numeric() or t == pl.Boolean)
        for a in ALIASES[k])}
    # the input/output text is in the input/output columns: the attributes JSON does not repeat it
    # (on text-heavy spans that copy doubled the memory and was a fifth of the load time)
    texts_in = {next((c for c in (f"attributes.{k}" for k in ALIASES[side]) if c in sch), None)
                for side in ("input", "output")} - {None}
    attr_cols = [c for c in sch if c.startswith("attributes.") and c not in texts_in]
    # RFC 3339 times parsed here already (anything else is parsed, or rejected, by the caller)
    fast_ts = {f"_{c}_rfc3339": pl.col(src).str.to_datetime("%+", strict=False, time_unit="us", cache=False)
               .dt.convert_time_zone("UTC") for c, src in (("start", "start_time"), ("end", "end_time"))
               if sch.get(src) == pl.String}
    # message lists, for inputs/outputs when input.value/output.value are absent
    msgs = {f"_msgs_{side}": pl.col(col) for side, col in (("input", "attributes.llm.input_messages"),
                                                          ("output", "attributes.llm.output_messages")) if col in sch}
    # one select: polars evaluates the expressions in parallel (the JSON encoding is the longest)
    out = df.select(
        **{k: _id_col(sch, names) for k, names in _IDS.items()},
        kind=_col(sch, ["span_kind", *[f"attributes.{k}" for k in ALIASES["kind"]]]),
        name=_col(sch, ["name"]),
        start=_col(sch, ["start_time"], "raw") if "start_time" in sch else pl.lit(None, pl.String),
        end=_col(sch, ["end_time"], "raw") if "end_time" in sch else pl.lit(None, pl.String),
        model=_attr(sch, "model"), input=_attr(sch, "input"), output=_attr(sch, "output"),
        **nums,
        **{f"_raw_{k}": v for k, v in raws.items()},
        status=_col(sch, ["status_code", "status.status_code"]).str.to_lowercase()
        .replace({"unset": None, "statuscode.unset": None, "statuscode.ok": "ok", "statuscode.error": "error"}),
        session_id=_attr(sch, "session_id"), user_id=_attr(sch, "user_id"),
        prompt_version=_attr(sch, "prompt_version"), task=_attr(sch, "task"), reference=_attr(sch, "reference"),
        metadata=_attr(sch, "metadata"), _tags=_attr(sch, "tags", "raw") if any(
            f"attributes.{k}" in sch for k in ALIASES["tags"]) else pl.lit(None, pl.String),
        attributes=pl.struct(attr_cols).struct.json_encode() if attr_cols else pl.lit(None, pl.String),
        _file=pl.col("_file"), _line=pl.col("_line"), _ref=pl.col("_ref"),
        **fast_ts, **msgs,
    )
    out = _collect(out, path)
    # ids: "" is missing and a "0x" prefix goes; checked first, as most files have neither
    todo = out.select((pl.col(k).str.starts_with("0x") | (pl.col(k) == "")).any() for k in _IDS).row(0)
    if any(todo):
        out = out.with_columns(pl.when(pl.col(k) != "").then(pl.col(k)).str.strip_prefix("0x")
                               for k, t in zip(_IDS, todo, strict=True) if t)
    if fast_ts:  # a column with a value "%+" did not parse stays text for parse_ts_columns
        target = {f: f.removeprefix("_").removesuffix("_rfc3339") for f in fast_ts}
        left = out.select((pl.col(f).is_null() & pl.col(c).is_not_null()).any() for f, c in target.items()).row(0)
        out = out.with_columns(pl.col(f).alias(target[f]) for f, todo in zip(fast_ts, left, strict=True)
                               if not todo).drop(*fast_ts)
    for side in ("input", "output"):
        col = f"_msgs_{side}"
        missing = (out[side].is_null() & out[col].is_not_null()).arg_true() if col in out.columns else []
        if len(missing):  # only the rows that need it go through Python
            texts = [messages_text(_py(v), side) for v in out[col].gather(missing).to_list()]
            fill = pl.Series([None] * len(out), dtype=pl.String).scatter(missing, pl.Series(texts, dtype=pl.String))
            out = out.with_columns(pl.coalesce(pl.col(side), fill).alias(side))
    out = out.drop(*msgs)
    if out.schema["_tags"] == pl.List(pl.String):
        out = out.rename({"_tags": "tags"})
    else:
        tags = [_tags(v) for v in out["_tags"].to_list()]
        out = out.with_columns(tags=pl.Series(tags, dtype=pl.List(pl.String))).drop("_tags")
    # rejects: missing ids, non-numeric token counts
    not_num = {k: pl.col(f"_raw_{k}").is_not_null() & pl.col(k).is_null() for k in raws}
    bad = out.select(pl.any_horizontal(pl.col("span_id").is_null(), pl.col("trace_id").is_null(),
                                       *not_num.values())).to_series()
    if bad.any():
        reasons = pl.when(pl.col("span_id").is_null()).then(pl.lit("missing context.span_id"))
        reasons = reasons.when(pl.col("trace_id").is_null()).then(pl.lit("missing context.trace_id"))
        for k, b in not_num.items():
            reasons = reasons.when(b).then(
                pl.format("{} is not a number: {}", pl.lit(k), pl.col(f"_raw_{k}").str.slice(0, 60)))
        for r in out.filter(bad).with_columns(_why=reasons.otherwise(None)).iter_rows(named=True):
            rejects.add(r["_file"], r["_line"], r["_why"], {k: v for k, v in r.items() if not k.startswith("_")})
        out = out.filter(~bad)
    out = out.drop(*[f"_raw_{k}" for k in raws])
    return out.with_columns(pl.col("input_tokens").round(0).cast(pl.Int64),
                            pl.col("output_tokens").round(0).cast(pl.Int64))


def _tags(v: Any) -> list[str] | None:
    if isinstance(v, str) and v.startswith("['") and "' '" in v and "', '" not in v:
        v = v.replace("' '", "', '")  # numpy array repr (pandas to_csv of a Parquet round trip)
    v = _py(v)
    if v is None:
        return None
    if isinstance(v, list):
        return [str(x) for x in v]
    s = str(v).strip()
    if s.startswith("[") and s.endswith("]"):  # numpy array repr: ['a' 'b']
        import re

        return [a or b for a, b in re.findall(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", s)]
    return [t.strip() for t in s.split(",") if t.strip()]


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
    kind = _col(df.schema, ["annotator_kind"]).str.to_uppercase()
    source = _col(df.schema, ["source"]).str.to_uppercase()
    ann_kind = (pl.when(kind == "LLM").then(pl.lit("llm"))
                .when(kind == "CODE").then(pl.lit("code"))
                .when((kind == "HUMAN") & (source == "API")).then(pl.lit("user"))
                .when(kind == "HUMAN").then(pl.lit("human"))
                .when(kind.is_in(["USER"])).then(pl.lit("user")))
    if not has_kind:
        ann_kind = pl.lit("llm")  # SpanEvaluations frames hold LLM evals
    meta = _col(df.schema, ["metadata"])
    if df.schema.get("metadata") == pl.String:  # to_csv writes the metadata dicts as Python reprs
        meta = meta.map_elements(_json_text, return_dtype=pl.String)
    raw_value = _col(df.schema, ["result.score", "score"])
    out = df.select(
        span_id=_col(df.schema, ["span_id", "context.span_id", "_index"]).str.strip_prefix("0x"),
        trace_id=_col(df.schema, ["trace_id", "context.trace_id"]).str.strip_prefix("0x"),
        name=pl.coalesce(_col(df.schema, ["annotation_name", "name", "eval_name"]), pl.lit(default_name)),
        value=_col(df.schema, ["result.score", "score"], "num"), _raw_value=raw_value,
        label=_col(df.schema, ["result.label", "label"]),
        comment=_col(df.schema, ["result.explanation", "explanation"]),
        annotator_kind=ann_kind,
        annotator=pl.coalesce(_col(df.schema, ["annotator", "user_id"]), meta.str.json_path_match("$.annotator")),
        timestamp=_col(df.schema, ["created_at", "updated_at", "timestamp"], "raw")
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


def _json_text(v: str) -> str:
    """A Python repr of a dict or list (pandas ``to_csv`` of an object column) as JSON text."""
    if v[:2] in ("{'", "[{", "['") or v == "{}":
        d = _py(v)
        if isinstance(d, (dict, list)):
            return json.dumps(d, ensure_ascii=False, default=str)
    return v


#: flat columns of OpenInference feedback attributes (or the nested lists a spans frame holds)
_FB_COL = re.compile(r"^attributes\.((?:trace\.|session\.)?annotations|evaluations)"
                     r"(?:\.\d+\.(?:annotation|evaluation)\.[a-z_]+)?$")


def attribute_feedback_frame(frame, path: Path, rejects: Rejects):
    """Feedback rows from the OpenInference feedback attributes of a spans file (``None`` when
    it has none). Only the spans that carry such attributes go through Python."""
    import polars as pl

    sch = _schema(frame)
    cols = [c for c in sch if _FB_COL.match(c)]
    if not cols:
        return None
    ids = {k: _col(sch, names).str.strip_prefix("0x") for k, names in
           (("_sid", ["context.span_id", "span_id", "_index"]), ("_tid", ["context.trace_id", "trace_id"]))}
    df = _collect(frame.select(**ids, **{c: pl.col(c) for c in cols}, _file=pl.col("_file"), _line=pl.col("_line"))
                  .filter(pl.any_horizontal(pl.col(cols).is_not_null())), path)
    rows = []
    for r in df.iter_rows(named=True):
        attrs = {c.removeprefix("attributes."): _py(r[c]) for c in cols}
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


def _read_file(path: Path, rejects: Rejects, exact_schema: bool, *, bulk: bool):
    """``(spans part, feedback part)`` of one file; either may be ``None``."""
    frame = load_flat(path, rejects, exact_schema=exact_schema, bulk=bulk)
    if is_annotation_frame(_schema(frame).names()):
        df = _collect(frame, path)
        return None, (feedback_frame(df, path, rejects) if len(df) else None)
    part = spans_frame(frame, rejects, path)
    fb = attribute_feedback_frame(frame, path, rejects)
    return (parse_ts_columns(part, ("start", "end"), rejects, []) if len(part) else None), fb


def read(paths: list[Path], *, exact_schema: bool = False, **options: Any) -> dict[str, Any]:
    """Read Phoenix spans and annotation files (any mix); see the module docstring.

    ``exact_schema=True`` infers the columns of a JSONL file over 64 MB from every line instead
    of from 2,000 sampled lines (see :mod:`feedback_lab.io._jsonl`): slower, and sure to keep an
    attribute that only a few late spans carry.
    """
    import polars as pl

    if options:
        raise TypeError(f"format 'phoenix' takes no option(s) {sorted(options)}; known: exact_schema.")
    rejects = Rejects(NAME)
    span_parts, fb_parts = [], []
    for path in map(Path, paths):
        try:
            span_part, fb_part = _read_file(path, rejects, exact_schema, bulk=True)
        except _BulkReadFailed:  # nothing of the file was kept: read it again line by line
            rejects.line_maps.pop(str(path), None)
            span_part, fb_part = _read_file(path, rejects, exact_schema, bulk=False)
        for part, parts in ((span_part, span_parts), (fb_part, fb_parts)):
            if part is not None:
                parts.append(part)
    spans = pl.concat(span_parts, how="diagonal_relaxed") if span_parts else []
    fb = pl.concat(fb_parts, how="diagonal_relaxed") if fb_parts else []
    return assemble(NAME, spans, fb, rejects, [])


def sniff(path: Path, head: bytes) -> float:
    """Confidence that ``path`` is a Phoenix spans or annotations export."""
    h = head
    if h[:4] == b"PAR1":
        try:
            import polars as pl

            cols = list(pl.read_parquet_schema(path))
        except polars_failures():
            return 0.0
        h = ",".join(cols).encode()
    if b"context.span_id" in h or b"context.trace_id" in h:
        return 0.9
    if b'"span_kind"' in h and b'"context"' in h:
        return 0.9
    if b"openinference.span.kind" in h or b"attributes.llm." in h or b"attributes.input.value" in h:
        return 0.8
    if (b"result.label" in h or b"result.score" in h or b"annotation_name" in h) and b"span_id" in h:
        return 0.85
    if b"annotator_kind" in h and b"span_id" in h:
        # Phoenix nests the result ({"result": {"label", "score", "explanation"}}); a flat record with
        # canonical ``value``/``trace_id`` keys is canonical feedback (which sniffs at 0.5)
        return 0.6 if b"result" in h else 0.4
    if b"annotation_name" in h and b"annotator_kind" in h:  # an annotations frame saved without its index
        return 0.7
    return 0.0


FORMAT = Format(
    name=NAME,
    description="Arize Phoenix / OpenInference spans dataframe (Parquet/CSV/JSONL), span JSON, "
    "and span annotation/evaluation frames",
    sniff=sniff,
    read=read,
    extensions=(".parquet", ".csv", ".jsonl", ".json", ".gz"),
    reads_together=True,
    unique_traces=True,  # all its files go to one assemble(), whose traces come from one group_by
)
