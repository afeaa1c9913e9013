"""Arize Phoenix / OpenInference: spans dataframes and annotation/evaluation frames.

Reads what Phoenix users save:

- the spans dataframe of ``px.Client().get_spans_dataframe()`` / ``client.spans.get_spans_dataframe()``
  written to Parquet, CSV or JSONL (``context.span_id``, ``context.trace_id``, ``parent_id``,
  ``span_kind``, ``start_time``, ``end_time``, ``status_code``, flattened ``attributes.*``
  columns; CSV cells holding Python reprs of lists are decoded);
- span records with nested ``context``/``attributes`` objects (the REST ``GET /v1/projects/{p}/spans``
  response ``{"data": [...]}``, the UI's JSONL span download and its pretty-printed single-span
  download), attributes nested or with dotted keys (the REST API writes ``metadata`` as
  ``metadata.<key>`` attributes: they are nested back into one object);
- annotation frames (``client.spans.get_span_annotations_dataframe()``: ``span_id``,
  ``annotation_name``, ``annotator_kind``, ``result.label``, ``result.score``,
  ``result.explanation``, ``metadata``, ``source``, ``created_at``), the REST
  ``GET /v1/projects/{p}/span_annotations`` and ``.../trace_annotations`` responses (a trace
  annotation is feedback on its trace, ``span_id`` null), and legacy evaluation frames
  (``SpanEvaluations``: ``context.span_id``, ``label``, ``score``, ``explanation``; the eval name
  comes from a ``name`` column, the Parquet metadata Phoenix writes, or the file name);
- the traces API's trace lists (``client.traces.get_traces(...)``, ``GET /v1/projects/{p}/traces``):
  span summaries without attributes, see :mod:`feedback_lab.io._phoenix_traces`;
- the sessions API (``client.sessions``: a conversation's turns with their root spans, session lists,
  session annotations, the sessions dataframe), see :mod:`feedback_lab.io._phoenix_sessions`;
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

JSONL is scanned by polars and the span columns computed in one query (polars' in-memory engine:
with polars 2.1 it is 12-14% faster than the streaming engine here, and keeps less memory); a line
polars cannot parse sends the whole file through the per-line reader, which gives that line its
reject. The columns are those of every line up to 64 MB, else of 2,000 lines
spread through the file (``read_traces(..., exact_schema=True)``: every line), see
:mod:`feedback_lab.io._jsonl`. Polars skips blank lines; rejects still name the right line.

This module builds the spans; files become flat frames in :mod:`feedback_lab.io._phoenix_load`,
annotations and feedback attributes become feedback in :mod:`feedback_lab.io._phoenix_annotations`.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feedback_lab.io._common import Rejects, parquet_columns
from feedback_lab.io._genai_attrs import ALIASES
from feedback_lab.io._phoenix_annotations import (
    attribute_feedback_frame,
    feedback_frame,
    is_annotation_frame,
)
from feedback_lab.io._phoenix_evals import eval_scores
from feedback_lab.io._phoenix_load import (
    BulkReadFailed,
    cell_value,
    collect_frame,
    column,
    frame_schema,
    load_flat,
    meta_json,
)
from feedback_lab.io._phoenix_queries import query_frame
from feedback_lab.io._phoenix_sessions import (
    SESSIONS_FRAME_REASON,
    is_sessions_frame,
    is_sessions_head,
    session_parts,
    session_records,
)
from feedback_lab.io._phoenix_traces import (
    is_trace_list_head,
    trace_list,
    trace_list_parts,
    with_trace_lists,
)
from feedback_lab.io._platform_common import messages_text, nest_dotted
from feedback_lab.io._platform_frames import assemble, parse_ts_columns
from feedback_lab.io._registry import Format

__all__ = ["FORMAT", "read"]

NAME = "phoenix"


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
    return column(schema, names)


def _attr(schema, field: str, how: str = "str"):
    return column(schema, [f"attributes.{k}" for k in ALIASES[field]], how)


def spans_frame(df, rejects: Rejects, path: Path | None = None):
    """Flat Phoenix frame (or the LazyFrame of :func:`load_flat`) -> span rows frame (canonical
    columns + trace extras)."""
    import polars as pl

    sch = frame_schema(df)
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
        kind=column(sch, ["span_kind", *[f"attributes.{k}" for k in ALIASES["kind"]]]),
        name=column(sch, ["name"]),
        start=column(sch, ["start_time"], "raw") if "start_time" in sch else pl.lit(None, pl.String),
        end=column(sch, ["end_time"], "raw") if "end_time" in sch else pl.lit(None, pl.String),
        model=_attr(sch, "model"), input=_attr(sch, "input"), output=_attr(sch, "output"),
        **nums,
        **{f"_raw_{k}": v for k, v in raws.items()},
        status=column(sch, ["status_code", "status.status_code"]).str.to_lowercase()
        .replace({"unset": None, "statuscode.unset": None, "statuscode.ok": "ok", "statuscode.error": "error"}),
        session_id=_attr(sch, "session_id"), user_id=_attr(sch, "user_id"),
        prompt_version=_attr(sch, "prompt_version"), task=_attr(sch, "task"), reference=_attr(sch, "reference"),
        metadata=_metadata(sch), _tags=_attr(sch, "tags", "raw") if any(
            f"attributes.{k}" in sch for k in ALIASES["tags"]) else pl.lit(None, pl.String),
        # keyed by the attribute names (llm.model_name), as the OpenTelemetry reader writes them: the
        # "attributes." prefix is the spans dataframe's flattening, not part of the name
        attributes=pl.struct(pl.col(c).alias(c.removeprefix("attributes.")) for c in attr_cols).struct.json_encode()
        if attr_cols else pl.lit(None, pl.String),
        _file=pl.col("_file"), _line=pl.col("_line"), _ref=pl.col("_ref"),
        **fast_ts, **msgs, **({"_typed": pl.col("_typed")} if "_typed" in sch else {}),
    )
    out = collect_frame(out, path)
    if "_typed" in out.columns:  # read record by record: the attributes that were not text, typed again
        rows = out["_typed"].is_not_null().arg_true()
        if len(rows):
            fixed = [_retyped(a, t) for a, t in zip(out["attributes"].gather(rows).to_list(),
                                                    out["_typed"].gather(rows).to_list(), strict=True)]
            out = out.with_columns(attributes=out["attributes"].scatter(rows, pl.Series(fixed, dtype=pl.String)))
        out = out.drop("_typed")
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
            texts = [messages_text(cell_value(v), side) for v in out[col].gather(missing).to_list()]
            fill = pl.Series([None] * len(out), dtype=pl.String).scatter(missing, pl.Series(texts, dtype=pl.String))
            out = out.with_columns(pl.coalesce(pl.col(side), fill).alias(side))
    out = out.drop(*msgs)
    if out.schema["_tags"] == pl.List(pl.String):
        out = out.rename({"_tags": "tags"})
    else:  # text (CSV), or no tags at all (a Null column): only the rows with a value go through Python
        has = out["_tags"].is_not_null()
        tags = pl.Series([_tags(v) for v in out["_tags"].filter(has).to_list()], dtype=pl.List(pl.String))
        at = pl.select(pl.when(has).then(has.cast(pl.UInt32).cum_sum() - 1)).to_series()  # row -> its tags
        out = out.with_columns(tags=tags.gather(at)).drop("_tags")
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


def _metadata(schema):
    """The ``metadata`` attribute as JSON text: the object (a Parquet/JSONL struct loses the keys
    other rows filled, i.e. null fields go), else the ``metadata.<key>`` attributes Phoenix's REST
    API and span downloads flatten it into (nested again at the dots). Encoded by polars (null
    fields dropped by :data:`_NULL_FIELDS`) where the values are JSON types, else row by row."""
    import polars as pl

    whole = "attributes.metadata"
    expr = None
    if isinstance(schema.get(whole), pl.Struct):
        expr = (_struct_json(pl.col(whole)) if _json_native(schema[whole])
                else pl.col(whole).map_elements(meta_json, return_dtype=pl.String))
    elif whole in schema:
        expr = _attr(schema, "metadata")
    dotted = [c for c in schema if c.startswith(whole + ".")]
    if dotted:
        names = [c.removeprefix(whole + ".") for c in dotted]
        nested = _nested_struct(dotted, names) if all(_json_native(schema[c]) for c in dotted) else None
        if nested is not None:
            flat = _struct_json(nested)
        else:
            flat = pl.struct(pl.col(c).alias(n) for c, n in zip(dotted, names, strict=True))
            flat = flat.map_elements(lambda d: meta_json(nest_dotted(d)), return_dtype=pl.String)
        expr = flat if expr is None else pl.coalesce(expr, flat)
    return expr if expr is not None else pl.lit(None, pl.String)


#: a key whose value is null, with the comma that joins it to its neighbour, in polars' compact JSON;
#: every other string is matched whole and kept (``$1``), so that no match starts inside a string
_STRING = r'"(?:[^"\\]|\\.)*"'
_NULL_FIELDS = rf",{_STRING}:null|{_STRING}:null,?|({_STRING})"


def _struct_json(expr):
    """A struct column as compact JSON without its null fields (at any depth); ``{}`` and a null
    struct give null, as :func:`meta_json` does."""
    import polars as pl

    text = expr.struct.json_encode().str.replace_all(_NULL_FIELDS, "$1")
    return pl.when(expr.is_not_null() & (text != "{}")).then(text)


def _json_native(dtype) -> bool:
    """Values polars encodes as JSON as ``json.dumps`` would (text, numbers, booleans, lists, objects)."""
    import polars as pl

    if isinstance(dtype, pl.Struct):
        return all(_json_native(f.dtype) for f in dtype.fields)
    if isinstance(dtype, (pl.List, pl.Array)):
        return _json_native(dtype.inner)
    return dtype in (pl.String, pl.Boolean, pl.Null) or (dtype.is_numeric() and not dtype == pl.Decimal)


def _nested_struct(columns: list[str], names: list[str]):
    """``columns`` as one struct nested at the dots of their ``names`` (``a.b`` -> ``{a: {b}}``), as
    :func:`nest_dotted` nests a record; ``None`` when a name is also the prefix of another (which
    :func:`nest_dotted` keeps dotted)."""
    import polars as pl

    if any(n == "" or any(m.startswith(n + ".") for m in names) for n in names):
        return None
    tree: dict = {}
    for c, n in zip(columns, names, strict=True):
        *head, last = n.split(".")
        node = tree
        for h in head:
            node = node.setdefault(h, {})
        node[last] = c

    def build(node: dict):
        return pl.struct(build(v).alias(k) if isinstance(v, dict) else pl.col(v).alias(k) for k, v in node.items())

    return build(tree)


def _retyped(attributes: str | None, typed: str) -> str | None:
    """The attributes JSON of a span read record by record (every value text) with the values in
    ``typed`` (its numbers, booleans, lists and objects) put back, in the bulk read's compact form."""
    if attributes is None:
        return None
    d = json.loads(attributes)
    d.update((name, v) for k, v in json.loads(typed).items() if (name := k.removeprefix("attributes.")) in d)
    return json.dumps(d, ensure_ascii=False, separators=(",", ":"))


def _tags(v: Any) -> list[str] | None:
    if isinstance(v, str) and v.startswith("['") and "' '" in v and "', '" not in v:
        v = v.replace("' '", "', '")  # numpy array repr (pandas to_csv of a Parquet round trip)
    v = cell_value(v)
    if v is None:
        return None
    if isinstance(v, list):
        return [str(x) for x in v]
    s = str(v).strip()
    if s.startswith("[") and s.endswith("]"):  # numpy array repr: ['a' 'b']
        import re

        return [a or b for a, b in re.findall(r"'((?:[^'\\]|\\.)*)'|\"((?:[^\"\\]|\\.)*)\"", s)]
    return [t.strip() for t in s.split(",") if t.strip()]


def _read_file(path: Path, rejects: Rejects, exact_schema: bool, *, bulk: bool):
    """``(spans part, feedback part, trace-list part)`` of one file; any may be ``None``."""
    listed = trace_list(path)
    if listed is not None:  # client.traces.get_traces(...): span summaries, no attributes
        _warn_client_limit(path, len(listed), "traces")
        span_part, trace_part = trace_list_parts(path, listed, rejects)
        return span_part, None, trace_part
    sessions = session_records(path, rejects)
    if sessions is not None:  # client.sessions: turns with their root spans, sessions, session annotations
        flat, trace_part = session_parts(path, sessions, rejects)
        if flat is None:
            return None, None, trace_part
        part = spans_frame(flat, rejects, path)
        fb = attribute_feedback_frame(flat, path, rejects)
        return (parse_ts_columns(part, ("start", "end"), rejects, []) if len(part) else None), fb, trace_part
    frame = load_flat(path, rejects, exact_schema=exact_schema, bulk=bulk)
    if is_sessions_frame(frame_schema(frame).names()):  # client.sessions.get_sessions_dataframe(): no trace ids
        for r in collect_frame(frame, path).iter_rows(named=True):
            rejects.add(path, r["_line"], SESSIONS_FRAME_REASON, {k: v for k, v in r.items() if not k.startswith("_")})
        return None, None, None
    if is_annotation_frame(frame_schema(frame).names()):
        df = collect_frame(frame, path)
        _warn_client_limit(path, len(df), "annotations")
        return None, (feedback_frame(df, path, rejects) if len(df) else None), None
    frame, scores = eval_scores(frame, path, rejects)  # phoenix.evals.evaluate_dataframe's score columns
    frame = query_frame(frame, path)  # a span query's projection, e.g. the RAG helpers' frames
    part = spans_frame(frame, rejects, path)
    _warn_client_limit(path, len(part), "spans")
    fb = attribute_feedback_frame(frame, path, rejects)
    if scores is not None:
        import polars as pl

        fb = scores if fb is None else pl.concat([fb, scores], how="diagonal_relaxed")
    return (parse_ts_columns(part, ("start", "end"), rejects, []) if len(part) else None), fb, None


#: the default ``limit`` of Phoenix's client calls, by what they return: a file holding exactly that
#: many was probably cut there (arize-phoenix-client 3.5)
_CLIENT_LIMITS = {"spans": {1000: "client.spans.get_spans_dataframe", 100: "client.spans.get_spans"},
                  "traces": {100: "client.traces.get_traces"},
                  "annotations": {1000: "client.spans.get_span_annotations_dataframe"}}


def _warn_client_limit(path: Path, n: int, what: str) -> None:
    """Warn when a file holds exactly as many records as a Phoenix client call returns by default."""
    import warnings

    call = _CLIENT_LIMITS[what].get(n)
    if call is not None:
        warnings.warn(f"{path}: exactly {n:,} {what}, the default limit of Phoenix's {call}(...): the export may "
                      f"have been cut there. Export again with a higher limit (e.g. limit=1_000_000) to get them all.",
                      UserWarning, stacklevel=5)


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
    span_parts, fb_parts, listed_parts = [], [], []
    for path in map(Path, paths):
        try:
            span_part, fb_part, listed = _read_file(path, rejects, exact_schema, bulk=True)
        except BulkReadFailed:  # nothing of the file was kept: read it again line by line
            rejects.line_maps.pop(str(path), None)
            span_part, fb_part, listed = _read_file(path, rejects, exact_schema, bulk=False)
        for part, parts in ((span_part, span_parts), (fb_part, fb_parts), (listed, listed_parts)):
            if part is not None:
                parts.append(part)
    spans = pl.concat(span_parts, how="diagonal_relaxed") if span_parts else []
    fb = pl.concat(fb_parts, how="diagonal_relaxed") if fb_parts else []
    listed = pl.concat(listed_parts, how="diagonal_relaxed") if listed_parts else None
    return assemble(NAME, spans, fb, rejects, [], traces_override=None if listed is None else (
        lambda traces: with_trace_lists(traces, listed)))


def sniff(path: Path, head: bytes) -> float:
    """Confidence that ``path`` is a Phoenix spans or annotations export."""
    h = head
    if h[:4] == b"PAR1":
        cols = parquet_columns(path)
        if cols is None:
            return 0.0
        h = ",".join(cols).encode()
    if b"context.span_id" in h or b"context.trace_id" in h:
        return 0.9
    if b'"span_kind"' in h and b'"context"' in h:
        return 0.9
    first = {c.strip(b' "\r') for c in h.split(b"\n", 1)[0].split(b",")}  # CSV header, or Parquet columns
    if {b"context", b"span_kind"} <= first:  # REST span records saved as a frame (pd.DataFrame(spans))
        return 0.9
    if {b"trace_id", b"project_id", b"spans", b"token_count_total"} <= first:  # a trace list saved as CSV
        return 0.9
    if b"openinference.span.kind" in h or b"attributes.llm." in h or b"attributes.input.value" in h:
        return 0.8
    if (b"result.label" in h or b"result.score" in h or b"annotation_name" in h) and b"span_id" in h:
        return 0.85
    if b"annotator_kind" in h and b"span_id" in h:
        # Phoenix nests the result ({"result": {"label", "score", "explanation"}}); a flat record with
        # canonical ``value``/``trace_id`` keys is canonical feedback (which sniffs at 0.5)
        return 0.6 if b"result" in h else 0.4
    if b"annotator_kind" in h and b'"trace_id"' in h and b'"result"' in h:
        return 0.6  # GET /v1/projects/{p}/trace_annotations
    if b"annotation_name" in h and b"annotator_kind" in h:  # an annotations frame saved without its index
        return 0.7
    if is_trace_list_head(h):  # client.traces.get_traces(...) / GET /v1/projects/{p}/traces
        return 0.85
    if is_sessions_head(h):  # client.sessions: turns, sessions, session annotations
        return 0.85
    if b"session_id" in h and b"project_id" in h and b"num_traces" in h:  # client.sessions.get_sessions_dataframe()
        return 0.9
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
