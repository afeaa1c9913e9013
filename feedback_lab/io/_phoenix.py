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
  comes from a ``name`` column, the Parquet metadata Phoenix writes, or the file name).

OpenInference attributes map as in :data:`feedback_lab.io._genai_attrs.ALIASES` (``input.value``,
``output.value``, ``llm.model_name``, ``llm.token_count.prompt/completion``, ``session.id``,
``user.id``, ``tag.tags``, ``metadata``, ``llm.prompt_template.version``, ``llm.cost.total``).
A span's ``attributes`` column holds its attributes as JSON, except the input and output text
that fills the ``input``/``output`` columns (the first of the attributes above present in the
file), which is not stored twice. Annotator kinds: ``LLM`` -> llm, ``CODE`` -> code, ``HUMAN`` -> human, except ``HUMAN`` logged
through the API (``source == "API"``) -> user (end-user feedback relayed by the app). Span
annotations are attached to their trace through the spans of the same load; otherwise the
span id stands in for the trace id and a warning says so.

JSONL is read by polars in one pass; its columns are those of every line up to 64 MB, else of
2,000 lines spread through the file (``read_traces(..., exact_schema=True)``: every line), see
:mod:`feedback_lab.io._jsonl`. Polars skips blank lines; rejects still name the right line.
"""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

from feedback_lab.exceptions import UnreadableFileError
from feedback_lab.io._common import Rejects, open_bytes, polars_failures
from feedback_lab.io._genai_attrs import ALIASES
from feedback_lab.io._jsonl import RecordLines, read_ndjson_keys
from feedback_lab.io._platform_common import flatten_dotted, json_records, messages_text
from feedback_lab.io._platform_frames import assemble, csv_rows, parse_ts_columns
from feedback_lab.io._registry import Format

__all__ = ["FORMAT", "read"]

NAME = "phoenix"
_SPAN_COLS = ("span_kind", "start_time", "context.trace_id", "parent_id")
_ANN_COLS = ("result.label", "result.score", "result.explanation", "annotator_kind", "annotation_name",
             "label", "score", "explanation")


#: attributes whose object value is kept whole (not flattened into columns)
_WHOLE = frozenset({"attributes.metadata", "attributes.llm.invocation_parameters", "attributes.llm.prompt_template.variables"})


def _unnest(df):
    """Struct columns -> dotted columns, recursively."""
    import polars as pl

    while True:
        structs = [c for c, t in df.schema.items() if isinstance(t, pl.Struct) and c not in _WHOLE]
        if not structs:
            return df
        for c in structs:
            fields = df[c].struct.fields
            if not fields:
                df = df.drop(c)
                continue
            new = df[c].struct.unnest().rename({f: f"{c}.{f}" for f in fields})
            new = new.drop([x for x in new.columns if x in df.columns and x != c])
            df = df.drop(c).hstack(new)


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


def load_flat(path: Path, rejects: Rejects, *, exact_schema: bool = False):
    """One file as a flat polars frame (dotted column names) with ``_file``/``_line``/``_ref``."""
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
        tried = magic[:2] != b"\x1f\x8b" and _is_jsonl(path)
        df = _read_ndjson(path, path, rejects, exact_schema) if tried else None
        if df is None:
            data = open_bytes(path)
            head = data.lstrip()[:1]
            if head in (b"{", b"["):
                df = _load_json(path, data, rejects, try_polars=not tried, exact_schema=exact_schema)
            else:
                df = _load_csv(path, data, rejects)
    if "_line" not in df.columns:
        df = df.with_row_index("_line", offset=1).with_columns(pl.col("_line").cast(pl.Int64))
    dup = [c for c in df.columns if "_duplicated_" in c]
    df = df.drop(dup)
    if "__index_level_0__" in df.columns:
        df = df.rename({"__index_level_0__": "_index"})
    return df.with_columns(_file=pl.lit(str(path)), _ref=pl.lit(None, dtype=pl.Int64))


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
    return csv_rows(path, data, rejects)


def _col(df, names, how: str = "str"):
    """Coalesce of the first existing columns in ``names``, converted to String or Float64."""
    import polars as pl

    exprs = []
    for n in names:
        if n not in df.columns:
            continue
        t = df.schema[n]
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


def _attr(df, field: str, how: str = "str"):
    return _col(df, [f"attributes.{k}" for k in ALIASES[field]], how)


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


def spans_frame(df, rejects: Rejects):
    """Flat Phoenix frame -> span rows frame (canonical columns + trace extras)."""
    import polars as pl

    nums = {k: _attr(df, k, "num") for k in ("input_tokens", "output_tokens", "cost")}
    # the text of a count, kept to name it in a reject when it is not a number (a column of
    # numbers cannot fail, so only text columns need it)
    raws = {k: _attr(df, k) for k in nums if any(
        (t := df.schema.get(f"attributes.{a}")) is not None and not (t.is_numeric() or t == pl.Boolean)
        for a in ALIASES[k])}
    # the input/output text is in the input/output columns: the attributes JSON does not repeat it
    # (on text-heavy spans that copy doubled the memory and was a fifth of the load time)
    texts_in = {next((c for c in (f"attributes.{k}" for k in ALIASES[side]) if c in df.columns), None)
                for side in ("input", "output")} - {None}
    attr_cols = [c for c in df.columns if c.startswith("attributes.") and c not in texts_in]
    # RFC 3339 times parsed here already (anything else is parsed, or rejected, by the caller)
    fast_ts = {f"_{c}_rfc3339": pl.col(src).str.to_datetime("%+", strict=False, time_unit="us")
               .dt.convert_time_zone("UTC") for c, src in (("start", "start_time"), ("end", "end_time"))
               if df.schema.get(src) == pl.String}
    # one select: polars evaluates the expressions in parallel (the JSON encoding is the longest)
    out = df.select(
        span_id=_col(df, ["context.span_id", "span_id", "_index"]).str.strip_prefix("0x"),
        trace_id=_col(df, ["context.trace_id", "trace_id"]).str.strip_prefix("0x"),
        parent_id=_col(df, ["parent_id", "parent_span_id"]).str.strip_prefix("0x"),
        kind=_col(df, ["span_kind", *[f"attributes.{k}" for k in ALIASES["kind"]]]),
        name=_col(df, ["name"]),
        start=_col(df, ["start_time"], "raw") if "start_time" in df.columns else pl.lit(None, pl.String),
        end=_col(df, ["end_time"], "raw") if "end_time" in df.columns else pl.lit(None, pl.String),
        model=_attr(df, "model"), input=_attr(df, "input"), output=_attr(df, "output"),
        **nums,
        **{f"_raw_{k}": v for k, v in raws.items()},
        status=_col(df, ["status_code", "status.status_code"]).str.to_lowercase()
        .replace({"unset": None, "statuscode.unset": None, "statuscode.ok": "ok", "statuscode.error": "error"}),
        session_id=_attr(df, "session_id"), user_id=_attr(df, "user_id"),
        prompt_version=_attr(df, "prompt_version"), task=_attr(df, "task"), reference=_attr(df, "reference"),
        metadata=_attr(df, "metadata"), _tags=_attr(df, "tags", "raw") if any(
            f"attributes.{k}" in df.columns for k in ALIASES["tags"]) else pl.lit(None, pl.String),
        attributes=pl.struct(attr_cols).struct.json_encode() if attr_cols else pl.lit(None, pl.String),
        _file=pl.col("_file"), _line=pl.col("_line"), _ref=pl.col("_ref"),
        **fast_ts,
    )
    if fast_ts:  # a column with a value "%+" did not parse stays text for parse_ts_columns
        target = {f: f.removeprefix("_").removesuffix("_rfc3339") for f in fast_ts}
        left = out.select((pl.col(f).is_null() & pl.col(c).is_not_null()).any() for f, c in target.items()).row(0)
        out = out.with_columns(pl.col(f).alias(target[f]) for f, todo in zip(fast_ts, left, strict=True)
                               if not todo).drop(*fast_ts)
    # inputs/outputs from message lists when input.value/output.value are absent
    for side, col in (("input", "attributes.llm.input_messages"), ("output", "attributes.llm.output_messages")):
        missing = (out[side].is_null() & df[col].is_not_null()).arg_true() if col in df.columns else []
        if len(missing):  # only the rows that need it go through Python
            texts = [messages_text(_py(v), side) for v in df[col].gather(missing).to_list()]
            fill = pl.Series([None] * len(out), dtype=pl.String).scatter(missing, pl.Series(texts, dtype=pl.String))
            out = out.with_columns(pl.coalesce(pl.col(side), fill).alias(side))
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

    default_name = _eval_name_from_parquet(path) or path.name.split(".")[0]
    has_kind = "annotator_kind" in df.columns
    kind = _col(df, ["annotator_kind"]).str.to_uppercase()
    source = _col(df, ["source"]).str.to_uppercase()
    ann_kind = (pl.when(kind == "LLM").then(pl.lit("llm"))
                .when(kind == "CODE").then(pl.lit("code"))
                .when((kind == "HUMAN") & (source == "API")).then(pl.lit("user"))
                .when(kind == "HUMAN").then(pl.lit("human"))
                .when(kind.is_in(["USER"])).then(pl.lit("user")))
    if not has_kind:
        ann_kind = pl.lit("llm")  # SpanEvaluations frames hold LLM evals
    meta = _col(df, ["metadata"])
    raw_value = _col(df, ["result.score", "score"])
    out = df.select(
        span_id=_col(df, ["span_id", "context.span_id", "_index"]).str.strip_prefix("0x"),
        trace_id=_col(df, ["trace_id", "context.trace_id"]).str.strip_prefix("0x"),
        name=pl.coalesce(_col(df, ["annotation_name", "name", "eval_name"]), pl.lit(default_name)),
        value=_col(df, ["result.score", "score"], "num"), _raw_value=raw_value,
        label=_col(df, ["result.label", "label"]),
        comment=_col(df, ["result.explanation", "explanation"]),
        annotator_kind=ann_kind,
        annotator=pl.coalesce(_col(df, ["annotator", "user_id"]), meta.str.json_path_match("$.annotator")),
        timestamp=_col(df, ["created_at", "updated_at", "timestamp"], "raw")
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


def is_annotation_frame(columns) -> bool:
    cols = set(columns)
    if any(c in cols for c in _SPAN_COLS) or any(c.startswith("attributes.") for c in cols):
        return False
    return any(c in cols for c in _ANN_COLS)


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
        df = load_flat(path, rejects, exact_schema=exact_schema)
        if len(df) == 0:
            continue
        if is_annotation_frame(df.columns):
            fb_parts.append(feedback_frame(df, path, rejects))
        else:
            part = spans_frame(df, rejects)
            span_parts.append(parse_ts_columns(part, ("start", "end"), rejects, []))
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
