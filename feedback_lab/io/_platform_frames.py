"""Frames for the platform loaders: span/trace/feedback rows -> the reader's result.

Each loader turns records into *span rows* or *trace rows* (plain dicts with canonical keys plus
``_file``/``_line``/``_ref`` bookkeeping) and calls :func:`assemble` (span-grain formats) or
:func:`assemble_traces` (trace-grain formats), which build typed polars frames, parse timestamps
(a record with an unparseable timestamp becomes a reject), move duplicate ids to ``rejects`` and
reduce span trees to ``traces`` with :func:`feedback_lab.io._spans.traces_from_spans`.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

from feedback_lab.io._common import Rejects, csv_source, polars_failures
from feedback_lab.io._platform_common import jdump

__all__ = ["assemble", "assemble_traces", "csv_rows", "decimal_commas", "parse_ts_columns", "python_repr_cells", "rows_frame"]

#: extra per-trace columns a span row may carry (taken from the root span first, see
#: :func:`feedback_lab.io._spans.traces_from_spans`)
TRACE_EXTRAS = ("session_id", "user_id", "prompt_version", "task", "reference", "tags", "metadata",
                "cost", "source")

#: span kinds the platforms use that :data:`feedback_lab.io._spans.KIND_ALIASES` lacks
EXTRA_KINDS = {"invoke_workflow": "chain", "eval": "chain", "score": "evaluator", "review": "evaluator",
               "automation": "chain", "facet": "evaluator", "classifier": "evaluator",
               "preprocessor": "chain"}


def _raw_of(refs: list[Any], i: int | None, row: dict | None = None) -> str:
    if i is None or i >= len(refs):
        if row is None:
            return ""
        return jdump({k: v for k, v in row.items() if not k.startswith("_")}) or ""
    return jdump(refs[i]) or ""


def _schema():
    import polars as pl

    s = pl.String
    return {
        "span_id": s, "trace_id": s, "parent_id": s, "kind": s, "name": s, "start": s, "end": s,
        "model": s, "input": s, "output": s, "input_tokens": pl.Int64, "output_tokens": pl.Int64,
        "status": s, "attributes": s, "session_id": s, "user_id": s, "prompt_version": s, "task": s,
        "reference": s, "tags": pl.List(s), "metadata": s, "cost": pl.Float64, "source": s,
        "_file": s, "_line": pl.Int64, "_ref": pl.Int64,
    }


def _feedback_schema():
    import polars as pl

    s = pl.String
    return {"trace_id": s, "span_id": s, "name": s, "value": pl.Float64, "label": s, "comment": s,
            "annotator_kind": s, "annotator": s, "timestamp": s, "metadata": s,
            "_file": s, "_line": pl.Int64, "_ref": pl.Int64}


def rows_frame(rows: list[dict], kind: str = "spans"):
    """A polars frame of span (or ``kind="feedback"``) rows with fixed dtypes."""
    import polars as pl

    schema = _schema() if kind == "spans" else _feedback_schema()
    if not rows:
        return pl.DataFrame(schema=schema)
    return pl.DataFrame(rows, schema=schema, strict=False)


def parse_ts_columns(df, cols: tuple[str, ...], rejects: Rejects, refs: list[Any]):
    """Parse timestamp columns in place; rows with an unparseable value go to ``rejects``."""
    import polars as pl

    from feedback_lab.io._common import parse_timestamps

    reasons: dict[int, str] = {}
    bad_masks, new_cols = [], []
    # RFC 3339 text (what almost every export writes) parses in one select, the columns in parallel
    text = [c for c in cols if c in df.columns and df.schema[c] == pl.String]
    fast = df.select(pl.col(text).str.to_datetime("%+", strict=False, time_unit="us", cache=False)
                     .dt.convert_time_zone("UTC"))  # cache=False: 20% less CPU on distinct times
    left = fast.select((pl.col(c).is_null() & df[c].is_not_null()).any() for c in text).row(0) if text else ()
    done = {c for c, todo in zip(text, left, strict=True) if not todo}
    for c in cols:
        if c not in df.columns:
            continue
        if c in done:
            new_cols.append(fast[c])
            continue
        parsed, bad = parse_timestamps(df[c])
        bad = bad.cast(pl.Boolean)  # an empty input gives a Null-typed mask
        for i in bad.arg_true().to_list():
            reasons.setdefault(i, f"{c}: unparseable timestamp {str(df[c][i])[:60]!r}")
        bad_masks.append(bad)
        new_cols.append(parsed.alias(c))
    for i, why in sorted(reasons.items()):  # the raw record as read, before parsing
        row = df.row(i, named=True)
        rejects.add(row["_file"], row["_line"], why, _raw_of(refs, row["_ref"], row))
    if new_cols:
        df = df.with_columns(new_cols)
    if reasons:
        df = df.filter(~pl.any_horizontal(bad_masks))
    return df


def drop_duplicate_ids(df, keys: list[str], rejects: Rejects, refs: list[Any], what: str):
    """Keep the first row per ``keys``; later duplicates go to ``rejects`` naming the first one."""
    import polars as pl

    if len(df) == 0 or df[keys[-1]].n_unique() == len(df):  # the usual case, a fifth of the cost
        return df
    if df.select(pl.struct(keys).is_unique().all()).item():
        return df
    df = df.with_row_index("_pos")
    first = df.group_by(keys, maintain_order=True).agg(pl.col("_pos").first().alias("_first"),
                                                       pl.col("_line").first().alias("_first_line"),
                                                       pl.col("_file").first().alias("_first_file"))
    df = df.join(first, on=keys, how="left", nulls_equal=True)
    dup = df.filter(pl.col("_pos") != pl.col("_first"))
    for row in dup.iter_rows(named=True):
        rejects.add(row["_file"], row["_line"],
                    f"duplicate {what} {row[keys[-1]]!r} (first seen at "
                    f"{_where(row['_file'], row['_first_file'], rejects.line(row['_first_file'], row['_first_line']))}"
                    "); kept the first",
                    _raw_of(refs, row["_ref"], row))
    return df.filter(pl.col("_pos") == pl.col("_first")).drop("_pos", "_first", "_first_line", "_first_file")


def _where(file: str, first_file: str, line: int | None) -> str:
    """``line N``, naming the first file too when the duplicate is in another one."""
    return f"line {line}" if first_file == file else f"{first_file} line {line}"


def assemble(fmt: str, span_rows, feedback_rows, rejects: Rejects, refs: list[Any],
             *, events=None, traces_override=None) -> dict[str, Any]:
    """Build the reader's result from span rows (list of dicts or a frame) and feedback rows."""
    import polars as pl

    from feedback_lab.io._spans import KIND_ALIASES, traces_from_spans
    from feedback_lab.schema import SPANS, conform

    spans = span_rows if isinstance(span_rows, pl.DataFrame) else rows_frame(span_rows)
    # the few distinct kinds are normalised in Python, then mapped in one pass
    kinds = spans["kind"].unique().drop_nulls().to_list()
    aliases = {**KIND_ALIASES, **EXTRA_KINDS}
    spans = spans.with_columns(pl.col("kind").replace(
        {k: aliases.get(k.strip().lower(), k.strip().lower()) for k in kinds}))
    spans = parse_ts_columns(spans, ("start", "end"), rejects, refs)
    spans = drop_duplicate_ids(spans, ["trace_id", "span_id"], rejects, refs, "span_id")
    traces = None
    if len(spans) or traces_override is not None:  # an override may add traces without spans
        traces = readable_texts(traces_from_spans(spans, TRACE_EXTRAS))
        if traces_override is not None:
            traces = traces_override(traces)
        traces = conform(traces, "traces") if len(traces) else None
    fb = feedback_rows if isinstance(feedback_rows, pl.DataFrame) else rows_frame(feedback_rows, "feedback")
    fb = parse_ts_columns(fb, ("timestamp",), rejects, refs)
    if len(fb):
        fb = resolve_span_feedback(fb, spans, fmt)
    fb = fb.drop([c for c in fb.columns if c.startswith("_")])
    spans_out = conform(spans.select([c for c in SPANS if c in spans.columns]), "spans") if len(spans) else None
    return {
        "traces": traces,
        "spans": spans_out,
        "feedback": conform(fb, "feedback") if len(fb) else None,
        "events": events,
        "rejects": rejects.frame(),
    }


def readable_texts(traces):
    """A traces frame whose ``input``/``output`` are payloads (JSON text: an OpenAI request or response
    body, a message list) made readable with :func:`feedback_lab.io._messages.to_text`, as the
    Langfuse and LangSmith readers give them; the spans keep the payloads. Only values that start
    like JSON go through Python.

    Examples
    --------
    >>> import polars as pl
    >>> t = pl.DataFrame({"input": ['{"model": "m", "messages": [{"role": "user", "content": "Hi?"}]}', "plain"],
    ...                   "output": ['{"choices": [{"message": {"role": "assistant", "content": "Hello!"}}]}', None]})
    >>> readable_texts(t).rows()
    [('Hi?', 'Hello!'), ('plain', None)]
    """
    import polars as pl

    from feedback_lab.io._messages import to_text

    sides = [c for c in ("input", "output") if traces.schema.get(c) == pl.String]
    if not sides:
        return traces
    # the first character, in one parallel pass: a payload starts with one of these (or with white
    # space, rare, which to_text then judges)
    starts = traces.select(pl.col(c).str.slice(0, 1).is_in(["{", "[", '"', " ", "\n", "\r", "\t"]).fill_null(False)
                           for c in sides)
    fixes = {}
    for side in sides:
        rows = starts[side].arg_true()
        if len(rows):
            texts = [to_text(v, side) for v in traces[side].gather(rows).to_list()]
            fixes[side] = traces[side].clone().scatter(rows, pl.Series(texts, dtype=pl.String))
    return traces.with_columns(**fixes) if fixes else traces


def fill_from_spans(traces, derived, source: str | None = None):
    """Explicit trace rows (``traces``, or ``None``) filled from the rows derived from span trees:
    explicit values win, a null takes the span tree's value; traces known only from their spans
    are added, marked ``_derived`` (``read_traces`` merges such rows into an explicit row of the same
    trace read from another file). ``source`` fills their ``source`` when given.

    Examples
    --------
    >>> import polars as pl
    >>> explicit = pl.DataFrame({"trace_id": ["a"], "input": ["typed"], "model": [None]}, schema_overrides={"model": pl.String})
    >>> derived = pl.DataFrame({"trace_id": ["a", "b"], "input": ["from spans", "q"], "model": ["m", "n"]})
    >>> fill_from_spans(explicit, derived).select("trace_id", "input", "model", "_derived").rows()
    [('a', 'typed', 'm', None), ('b', 'q', 'n', True)]
    """
    import polars as pl

    from feedback_lab.schema import conform

    derived = conform(derived, "traces")
    mark = {"_derived": pl.lit(True), **({"source": pl.lit(source)} if source else {})}
    if traces is None or len(traces) == 0:
        return derived.with_columns(**mark)
    traces = conform(traces, "traces")
    d = derived.select("trace_id", *[pl.col(c).alias(f"_d_{c}") for c in derived.columns if c != "trace_id"])
    m = traces.join(d, on="trace_id", how="left", maintain_order="left")
    fill = [c for c in derived.columns if c != "trace_id" and c in traces.columns]
    m = m.with_columns([pl.coalesce(c, f"_d_{c}").alias(c) for c in fill]).drop([c for c in m.columns if c.startswith("_d_")])
    only = derived.join(traces.select("trace_id"), on="trace_id", how="anti")
    return pl.concat([m, only.with_columns(**mark)], how="diagonal_relaxed") if len(only) else m


def resolve_span_feedback(fb, spans, fmt: str):
    """Fill ``trace_id`` of span-level feedback from the spans loaded alongside.

    Feedback whose span is not in the load keeps its ``span_id``; its ``trace_id`` is set to the
    span id (so no row is lost) with ``metadata.trace_id_from = "span_id"`` and a warning.
    """
    import warnings

    import polars as pl

    if len(spans):
        m = spans.select("span_id", pl.col("trace_id").alias("_tid")).unique("span_id", keep="first")
        fb = fb.join(m, on="span_id", how="left").with_columns(trace_id=pl.coalesce("_tid", "trace_id"))
        fb = fb.drop("_tid")
    unresolved = fb["trace_id"].is_null() & fb["span_id"].is_not_null()
    n = int(unresolved.sum())
    if n:
        meta = [_note(m) if u else m for m, u in zip(fb["metadata"].to_list(), unresolved.to_list(), strict=True)]
        fb = fb.with_columns(
            trace_id=pl.when(unresolved).then(pl.col("span_id")).otherwise(pl.col("trace_id")),
            metadata=pl.Series(meta, dtype=pl.String),
        )
        warnings.warn(
            f"{fmt}: {n} feedback row(s) name a span_id whose span is not in this load; their trace_id is "
            "set to the span_id (metadata 'trace_id_from': 'span_id'). Load the spans export in the same "
            "read_traces call (a list of paths or a folder) to attach them to their traces.",
            UserWarning, stacklevel=4)
    return fb


def _note(meta: str | None) -> str:
    try:
        d = json.loads(meta) if meta else {}
    except (ValueError, RecursionError):
        d = {"metadata": meta}
    if not isinstance(d, dict):
        d = {"metadata": d}
    d["trace_id_from"] = "span_id"
    return json.dumps(d, ensure_ascii=False)


_TRACE_ROW = {"trace_id": "s", "session_id": "s", "user_id": "s", "timestamp": "s", "model": "s",
              "prompt_version": "s", "task": "s", "input": "s", "output": "s", "reference": "s",
              "latency_ms": "f", "input_tokens": "i", "output_tokens": "i", "cost": "f", "status": "s",
              "tags": "l", "metadata": "s", "source": "s", "_file": "s", "_line": "i", "_ref": "i"}


def assemble_traces(fmt: str, trace_rows: list[dict], feedback_rows: list[dict], rejects: Rejects,
                    refs: list[Any], *, merge: bool = False) -> dict[str, Any]:
    """Reader result for trace-grain formats (one record = one trace).

    ``merge=True`` coalesces rows sharing a ``trace_id`` (e.g. a CSV row and the trace-detail JSON
    of the same trace); otherwise later duplicates go to ``rejects``.
    """
    import polars as pl

    from feedback_lab.schema import conform

    kinds = {"s": pl.String, "f": pl.Float64, "i": pl.Int64, "l": pl.List(pl.String)}
    schema = {k: kinds[v] for k, v in _TRACE_ROW.items()}
    if merge and trace_rows:
        merged: dict[str, dict] = {}
        for r in trace_rows:
            cur = merged.setdefault(r["trace_id"], {})
            for k, v in r.items():
                if cur.get(k) is None and v is not None:
                    cur[k] = v
        trace_rows = list(merged.values())
    df = pl.DataFrame(trace_rows, schema=schema, strict=False) if trace_rows else pl.DataFrame(schema=schema)
    df = parse_ts_columns(df, ("timestamp",), rejects, refs)
    if not merge:
        df = drop_duplicate_ids(df, ["trace_id"], rejects, refs, "trace_id")
    fb = rows_frame(feedback_rows, "feedback")
    fb = parse_ts_columns(fb, ("timestamp",), rejects, refs)
    fb = fb.drop([c for c in fb.columns if c.startswith("_")])
    return {
        "traces": conform(df.drop([c for c in df.columns if c.startswith("_")]), "traces") if len(df) else None,
        "spans": None,
        "feedback": conform(fb, "feedback") if len(fb) else None,
        "events": None,
        "rejects": rejects.frame(),
    }


def csv_rows(path: Path, data: bytes, rejects: Rejects):
    """A CSV file as a polars frame of strings with a 1-based ``_line`` (data row number).

    Falls back to the ``csv`` module when polars cannot parse the file, so that rows with the
    wrong number of fields become rejects instead of failing the whole file.
    """
    import csv
    import io

    import polars as pl

    from feedback_lab.exceptions import UnreadableFileError

    if b"\x00" in data[:4096]:
        raise UnreadableFileError(f"{path}: binary content; expected CSV, JSONL, JSON or Parquet.")
    data, sep = csv_source(path, data)
    try:
        df = pl.read_csv(data, infer_schema=False, missing_utf8_is_empty_string=False, separator=sep)
        df = df.with_row_index("_line", offset=1).with_columns(pl.col("_line").cast(pl.Int64))
        return python_repr_cells(decimal_commas(df, sep))
    except polars_failures():  # the per-row reader below takes over
        pass
    text = data.decode("utf-8", "replace")
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=sep)
    try:
        header = next(reader)
    except (StopIteration, csv.Error) as exc:
        raise UnreadableFileError(f"{path}: no CSV header ({exc}).") from exc
    rows = []
    i = 0
    while True:
        i += 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            rejects.add(path, i, f"CSV parse error: {exc}", "")
            continue
        if len(row) != len(header):
            rejects.add(path, i, f"CSV row has {len(row)} fields, the header has {len(header)}", sep.join(row))
            continue
        rows.append([*(v if v != "" else None for v in row), i])
    names = [h if h not in header[:j] else f"{h}_duplicated_{j}" for j, h in enumerate(header)]
    df = pl.DataFrame(rows, schema=[*[(n, pl.String) for n in names], ("_line", pl.Int64)], orient="row")
    return python_repr_cells(decimal_commas(df, sep))


#: what the name of a numeric column holds (costs, counts, times, scores)
_NUMERIC_NAME = re.compile(r"(?i)cost|token|latency|duration|delay|score|value|price|usd|seconds|_ms$|ns$|time$"
                           r"|^feedback\.")
_DECIMAL_COMMA = r"^[+-]?\d+(?:,\d+)?(?:[eE][+-]?\d+)?$"


def decimal_commas(df, sep: str):
    """A CSV frame read with separator ``sep``, with the numbers written with a decimal comma
    (``0,25``) given a decimal point: Excel saves a semicolon-separated CSV where the decimal mark
    is a comma. Only a ``;`` file changes, and only its columns named for numbers (cost, tokens,
    latency, score, value...) whose every value is such a number, so that text keeps its commas.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"cost": ["0,25", "1", None], "output": ["0,5", "0,75", "2"]})
    >>> decimal_commas(df, ";").rows(), decimal_commas(df, ",").equals(df)
    ([('0.25', '0,5'), ('1', '0,75'), (None, '2')], True)
    """
    import polars as pl

    cols = [c for c, t in df.schema.items() if t == pl.String and _NUMERIC_NAME.search(c)] if sep == ";" else []
    if not cols:
        return df
    check = df.select(*[(pl.col(c).is_null() | pl.col(c).str.contains(_DECIMAL_COMMA)).all().alias(c) for c in cols],
                      *[pl.col(c).str.contains(",").any().alias(f"_comma_{c}") for c in cols]).row(0, named=True)
    fix = [c for c in cols if check[c] and check[f"_comma_{c}"]]
    return df.with_columns(pl.col(c).str.replace(",", ".", literal=True) for c in fix) if fix else df


#: how a Python repr of a dict or list starts (a quote JSON never has there), and how JSON's start
_REPR_START = r"""^\s*(?:\{\s*'|\[\s*'|\[\s*\{\s*'|\[\s*\[)"""
_JSON_START = r'^\s*(?:\{\s*"|\[\s*"|\[\s*\{\s*")'


def python_repr_cells(df):
    """Text cells holding the Python repr of a dict or list -> that value as JSON text.

    ``pd.DataFrame(records).to_csv()`` writes nested fields so (``{'question': 'Hi'}``); the readers
    decode JSON text. A file with any JSON object or array cell may be a platform's own CSV export
    (they write nested fields as JSON): there only the columns that hold nothing but such reprs are
    changed (a column of dicts beside a column of JSON text, as pandas writes API records whose
    bodies are JSON strings), so that an answer that reads as a Python dict keeps its text; a cell
    that is no Python literal always does.

    Examples
    --------
    >>> import polars as pl
    >>> python_repr_cells(pl.DataFrame({"inputs": ["{'q': 'Hi', 'n': None}", "plain"]}))["inputs"].to_list()
    ['{"q": "Hi", "n": null}', 'plain']
    >>> df = pl.DataFrame({"m": ['{"a": 1}', '{"b": 2}'], "out": ["{'a': 1}", "plain"], "p": ["{'k': 'v'}", None]})
    >>> python_repr_cells(df).rows()  # a JSON cell: only the column of reprs changes
    [('{"a": 1}', "{'a': 1}", '{"k": "v"}'), ('{"b": 2}', 'plain', None)]
    """
    import polars as pl

    text = [c for c, dtype in df.schema.items() if dtype == pl.String]
    if not text:
        return df
    if df.select(pl.any_horizontal(pl.col(c).str.contains(_JSON_START).any() for c in text)).item():
        whole = df.select(pl.col(c).str.contains(_REPR_START).all() for c in text).row(0)  # .all() skips nulls
        text = [c for c, w in zip(text, whole, strict=True) if w and df[c].null_count() < len(df)]
    cols = []
    for c in text:
        hit = df[c].str.contains(_REPR_START).fill_null(False)
        if hit.any():
            idx = hit.arg_true()
            fixed = [_repr_json(v) for v in df[c].gather(idx).to_list()]
            cols.append(df[c].scatter(idx, pl.Series(fixed, dtype=pl.String)))
    return df.with_columns(cols) if cols else df


def _repr_json(v: str) -> str:
    import ast

    try:
        json.loads(v)
        return v
    except (ValueError, RecursionError):
        pass
    try:
        obj = ast.literal_eval(v.strip())
    except (ValueError, TypeError, SyntaxError, MemoryError, RecursionError):
        return v
    if not isinstance(obj, (dict, list)) or _adjacent_strings(v):
        return v  # numpy's array repr ['a' 'b'] would read as one concatenated string: not a list's repr
    return json.dumps(obj, ensure_ascii=False, default=str)


def _adjacent_strings(v: str) -> bool:
    """Whether Python source ``v`` has two string literals in a row (``'a' 'b'``, implicit concatenation)."""
    import io
    import tokenize

    last = None
    try:
        for tok in tokenize.generate_tokens(io.StringIO(v).readline):
            if tok.type in (tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER):
                continue
            if tok.type == tokenize.STRING and last == tokenize.STRING:
                return True
            last = tok.type
    except (tokenize.TokenError, SyntaxError):
        return True
    return False
