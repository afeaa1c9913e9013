"""Column-wise LangSmith reader: JSONL run files parsed by polars, per-run Python only where needed.

:func:`read_fast` gives exactly what the per-record reader in :mod:`feedback_lab.io._langsmith`
gives (``tests/io/test_langsmith_fast.py``) and ``None`` (the caller then uses the per-record
reader) for files it does not take: JSON arrays, one-line files, SDK post/patch payloads, nested
``child_runs``, files mixing runs and feedback, invalid lines. Polars reads the payload fields
(``inputs``, ``outputs``, ``extra.metadata``, ``tags``) as JSON text, which equals
``json.dumps(value, ensure_ascii=False)`` except for backslash/control-character escapes,
escapes in object keys (which polars writes unescaped), integral or exponent floats and strings
holding JSON: lines with those (and non-string ids,
usage-only token counts, unparseable costs or timestamps) go through the per-record code, the
rest stays column-wise. Files holding only feedback records are read per record, as before,
against the runs loaded column-wise.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feedback_lab.io._common import Rejects, open_bytes, parse_timestamps, polars_failures
from feedback_lab.io._langsmith_fast_traces import traces_frame

__all__ = ["read_fast"]

_SCALARS = ("id", "name", "run_type", "trace_id", "parent_run_id", "dotted_order", "start_time", "end_time",
            "error", "status", "session_name", "session_id", "reference_example_id")
#: lines whose values polars would not give exactly as the per-record reader does (Rust regex, per line;
#: JSON whitespace is ASCII); those lines go through the per-record code, the others stay column-wise
_SLOW_LINE = "|".join([
    r'\\(?:[^"nu]|u00[01]|u005[cC]|u[dD][89a-fA-F])',  # escapes polars re-encodes differently (\\, \t ...)
    # an escape in an object key: polars writes keys unescaped (a\"b as a"b, \n as a newline); the other
    # escapes are \", \n and \uXXXX, so from a backslash to the end of its string, then ":" ends a key
    r'\\.(?:[^"\\]|\\.)*"[ \t]*:',
    r'"(?:inputs|outputs|extra|tags|metadata|invocation_params|child_runs)":[ \t]*"(?:[ \t]|\\[nrt])*[\[{"\\]',
    r'"(?:' + "|".join(_SCALARS) + r'|ls_model_name|model|model_name)":[ \t]*[\[{tf0-9-]',  # non-string scalars
])
#: numbers that polars writes differently from json.dumps (1e-07, 1.0, 1e+16); total_cost is formatted apart
_FLOATS = "|".join([r'[:\[,][ \t]*-?[0-9]+(?:\.[0-9]*)?[eE]', r'[:\[,][ \t]*-?[0-9]+\.0*[ \t,\]}]',
                    r'[:\[,][ \t]*-?0\.0000', r'[0-9]{17}'])
_COST = r'"total_cost":[ \t]*-?[0-9.eE+-]+'
_STR_LIST = r'^\[(?:"[^"\\]*"(?:, "[^"\\]*")*)?\]$'
_NUMERIC_TS = r"^\s*-?\d+(?:\.\d*)?\s*$"
_INT = r"^-?\d+$"


def _schema():
    import polars as pl

    s = pl.String
    return {**{c: s for c in _SCALARS}, "inputs": s, "outputs": s, "tags": s, "child_runs": s, "post": s,
            "patch": s, "prompt_tokens": s, "completion_tokens": s, "total_cost": s,
            "extra": pl.Struct({"metadata": s, "invocation_params": s}), **{c: s for c in _V2_FIELDS}}


#: fields of the v2 query API's runs (``client.runs.query_v2``) that the per-record code reads: a row
#: carrying one goes through it (``metadata`` and ``thread_id`` at the top level, ``parent_run_ids``)
_V2_FIELDS = ("metadata", "thread_id", "parent_run_ids")


def _file_frame(path: Path):
    """One JSONL file as raw columns plus ``_line``, ``_file`` and ``_slow`` (the line needs the
    per-record code), and its lines; ``None`` when the file is not JSONL polars can read."""
    import polars as pl

    data = open_bytes(path)
    if not data.startswith(b"{") or b"\r" in data:
        return None
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    lines = text.split("\n")
    if lines and lines[-1] == "":
        lines.pop()
    if len(lines) < 2 or any(not ln.strip() for ln in lines):  # one line: maybe a JSON document
        return None
    if _normalized(lines[0]):  # ``pandas.json_normalize`` columns: the per-record reader nests them back
        return None
    try:
        df = pl.read_ndjson(data, schema=_schema())
    except polars_failures():  # anything polars cannot read goes through the per-record reader
        return None
    if len(df) != len(lines):
        return None
    raw = pl.Series(lines, dtype=pl.String)
    slow = raw.str.contains(_SLOW_LINE + "|" + _FLOATS)  # one pass; the (few) hits are looked at again
    if slow.any():
        idx = slow.arg_true()
        hit = raw.gather(idx)
        slow = slow.scatter(idx, hit.str.contains(_SLOW_LINE) | hit.str.replace_all(_COST, "").str.contains(_FLOATS))
    df = df.with_columns(_line=pl.int_range(1, len(df) + 1, dtype=pl.Int64), _file=pl.lit(str(path)),
                         _slow=slow | ~row_ok().fill_null(False))
    return df, lines


def _normalized(line: str) -> bool:
    """Whether a JSONL line is a record with dotted top-level keys (``{"inputs.question": ...}``)."""
    try:
        rec = json.loads(line)
    except (ValueError, RecursionError):
        return False
    return isinstance(rec, dict) and any("." in k for k in rec)


def row_ok():
    """Rows the column-wise code takes, as an expression over the raw columns (the others are ``_slow``)."""
    import polars as pl

    ints = {c: pl.col(c).is_null() | pl.col(c).str.contains(_INT) for c in ("prompt_tokens", "completion_tokens")}
    return (pl.col("run_type").is_not_null() & pl.col("post").is_null() & pl.col("patch").is_null()
            & (pl.col("child_runs").is_null() | (pl.col("child_runs") == "[]"))
            & pl.col("id").is_not_null() & (pl.col("id") != "")
            & pl.col("trace_id").is_not_null() & (pl.col("trace_id") != "")
            & (pl.col("tags").is_null() | pl.col("tags").str.contains(_STR_LIST))
            & ints["prompt_tokens"] & ints["completion_tokens"]
            & ~pl.col("start_time").str.contains(_NUMERIC_TS).fill_null(False)
            & ~pl.col("end_time").str.contains(_NUMERIC_TS).fill_null(False)
            # v2 query API runs (top-level metadata, thread_id; a parent known only from parent_run_ids)
            & pl.col("metadata").is_null() & pl.col("thread_id").is_null()
            & ~(pl.col("parent_run_id").is_null() & pl.col("dotted_order").is_null()
                & pl.col("parent_run_ids").is_not_null()))


def _js(col: str):
    """A string column as a JSON string literal (the accepted files hold no backslashes/control chars but \\n)."""
    import polars as pl

    return pl.lit('"') + pl.col(col).str.replace_all('"', '\\"', literal=True).str.replace_all(
        "\n", "\\n", literal=True) + pl.lit('"')


def _attributes():
    """``json.dumps`` of the run's attribute dict (None values left out), as an expression."""
    import polars as pl

    def part(key: str, value, present):
        return pl.when(present).then(pl.lit(f'"{key}": ') + value)

    parts = [part("run_type", _js("run_type"), pl.col("run_type").is_not_null()),
             part("metadata", pl.col("_meta"), pl.col("_meta").is_not_null()),
             part("tags", pl.col("tags"), pl.col("tags").is_not_null() & (pl.col("tags") != "[]")),
             *(part(k, _js(k), pl.col(k).is_not_null()) for k in ("error", "session_name", "session_id",
                                                                   "reference_example_id")),
             part("total_cost", pl.col("_cost_json"), pl.col("_cost").is_not_null())]
    return pl.lit("{") + pl.concat_str(parts, separator=", ", ignore_nulls=True) + pl.lit("}")


def _slow_rows(df, lines: dict):
    """Span rows of the ``_slow`` lines from the per-record code; ``None`` when one is not a plain run
    (rejected, nested children, post/patch, trace found through its parent) and the file needs that code."""
    import polars as pl

    from feedback_lab.io._langsmith import _add_run

    rows = []
    for file, line, order in df.filter("_slow").select("_file", "_line", "_order").iter_rows():
        try:
            rec = _record(lines[file], line)
        except (ValueError, RecursionError):
            return None
        if not isinstance(rec, dict) or isinstance(rec.get("post"), list) or isinstance(rec.get("patch"), list) \
                or not ("run_type" in rec or ("dotted_order" in rec and "inputs" in rec)):
            return None
        one: dict = {}
        rj = Rejects("langsmith")
        _add_run(rec, one, rj, Path(file), line, None, 0)
        if len(rj) or len(one) != 1:
            return None
        r = next(iter(one.values()))
        tags = r["_tags"]
        if tags is not None and not all(isinstance(t, str) for t in tags):
            return None
        rows.append({**{k: v for k, v in r.items() if k not in ("_in", "_out", "_meta", "_tags")}, "_file": file,
                     "_meta": json.dumps(r["_meta"], ensure_ascii=False, default=str) if r["_meta"] else None,
                     "_tags": json.dumps(tags, ensure_ascii=False) if tags is not None else None, "_order": order})
    return pl.DataFrame(rows, schema=_span_schema(), strict=False)


def _record(src, line: int) -> Any:
    """The record on ``line`` (from 1) of a file: a JSONL line parsed, or the Parquet row as
    ``_langsmith._parquet_records`` gives it (``src``: the file's lines, or its frame)."""
    return json.loads(src[line - 1]) if isinstance(src, list) else src.row(line - 1, named=True)


def _span_schema():
    import polars as pl

    s = pl.String
    return {"span_id": s, "trace_id": s, "parent_id": s, "kind": s, "name": s, "start": pl.Datetime("us", "UTC"),
            "end": pl.Datetime("us", "UTC"), "model": s, "input": s, "output": s, "input_tokens": pl.Int64,
            "output_tokens": pl.Int64, "status": s, "attributes": s, "_line": pl.Int64, "_file": s,
            "_cost": pl.Float64, "_meta": s, "_tags": s, "_order": pl.Int64}


def _path(texts, key: str):
    """``$.key`` of JSON object texts, parsed only where the key occurs in the text."""
    import polars as pl

    has = texts.str.contains(f'"{key}":', literal=True).fill_null(False)
    out = pl.Series(texts.name, [None] * len(texts), dtype=pl.String)
    if has.any():
        idx = has.arg_true()
        out = out.scatter(idx, texts.gather(idx).str.json_path_match(f"$.{key}"))
    return pl.lit(out)


def _spans(df, lines: dict) -> Any:
    """Raw run columns -> span rows (canonical columns + bookkeeping); ``None`` to fall back."""
    import polars as pl

    from feedback_lab.io._spans import KIND_ALIASES

    df = df.with_columns(_cost=pl.col("total_cost").cast(pl.Float64, strict=False),
                         _tin=pl.col("prompt_tokens").cast(pl.Int64, strict=False),
                         _tout=pl.col("completion_tokens").cast(pl.Int64, strict=False))
    start, bad_s = parse_timestamps(df["start_time"])
    end, bad_e = parse_timestamps(df["end_time"])
    if "_start" in df.columns:  # Parquet timestamps, already typed
        start, end = start.fill_null(df["_start"]), end.fill_null(df["_end"])
    # per-record code for: unparseable costs/timestamps, token counts only in outputs.usage* / metadata.usage_metadata
    slow = (df["_slow"] | bad_s | bad_e | (df["total_cost"].is_not_null() & df["_cost"].is_null())
            | (df["prompt_tokens"].is_not_null() & df["_tin"].is_null())
            | (df["completion_tokens"].is_not_null() & df["_tout"].is_null())
            | (df["_tin"].is_null() & df["_tout"].is_null() & (
                df["outputs"].str.contains("usage", literal=True).fill_null(False)
                | df["extra"].struct.field("metadata").str.contains("usage_metadata", literal=True).fill_null(False))))
    df = df.with_columns(_slow=slow, start=start, end=end)
    slow_rows = _slow_rows(df, lines) if slow.any() else None
    if slow.any() and slow_rows is None:
        return None
    df = df.filter(~pl.col("_slow"))
    costs = df["_cost"].unique().drop_nulls().to_list()
    cost_json = pl.Series([json.dumps(c) for c in costs], dtype=pl.String)
    df = df.with_columns(_cost_json=pl.col("_cost").replace_strict(pl.Series(costs, dtype=pl.Float64), cost_json,
                                                                   default=None, return_dtype=pl.String))
    meta = pl.col("extra").struct.field("metadata")
    inv = pl.col("extra").struct.field("invocation_params")
    meta_d = pl.when(meta.str.starts_with("{")).then(meta)
    inv_d = pl.when(inv.str.starts_with("{")).then(inv)

    def nonempty(e):
        return pl.when(e != "").then(e)

    df = df.with_columns(_m=meta_d, _i=inv_d, _o=pl.when(pl.col("outputs").str.starts_with("{")).then(pl.col("outputs")),
                         _n=pl.when(pl.col("inputs").str.starts_with("{")).then(pl.col("inputs")))
    model = pl.coalesce(*(nonempty(_path(df[c], key)) for c, key in (
        ("_m", "ls_model_name"), ("_i", "model"), ("_i", "model_name"), ("_o", "model"), ("_n", "model"))))
    segs = pl.col("dotted_order").str.split(".").list.eval(
        pl.element().filter(pl.element().str.contains("Z", literal=True)).str.splitn("Z", 2).struct.field("field_1"))
    parent = pl.coalesce(pl.when(pl.col("parent_run_id") != "").then(pl.col("parent_run_id")),
                         pl.when(segs.list.len() > 1).then(segs.list.get(-2, null_on_oob=True)))
    err = pl.col("error")
    df = df.with_columns(_meta=pl.when(meta_d != "{}").then(meta_d), _model=model,
                         _parent=pl.when(parent.is_in(["None", "null", ""])).then(None).otherwise(parent))
    df = df.select(
        span_id=pl.col("id"), trace_id=pl.col("trace_id"), parent_id=pl.col("_parent"),
        kind=pl.col("run_type").str.strip_chars().str.to_lowercase().replace(KIND_ALIASES),
        name=pl.col("name"), start=pl.col("start"), end=pl.col("end"), model=pl.col("_model"),
        input=pl.col("inputs"), output=pl.col("outputs"), input_tokens=pl.col("_tin"), output_tokens=pl.col("_tout"),
        status=pl.when(err.is_not_null() & ~err.is_in(["", "None"])).then(pl.lit("error"))
        .when(pl.col("status").is_null() | (pl.col("status").str.to_lowercase() == "success")).then(pl.lit("ok"))
        .otherwise(pl.col("status").str.to_lowercase()),
        attributes=_attributes(), _line=pl.col("_line"), _file=pl.col("_file"), _cost=pl.col("_cost"),
        _meta=pl.col("_meta"), _tags=pl.col("tags"), _order=pl.col("_order"),
    )
    if slow_rows is not None:
        df = pl.concat([df, slow_rows], how="vertical").sort("_order")
    return df.drop("_order")


def read_fast(paths) -> dict[str, Any] | None:
    """The reader's result for JSONL run files, or ``None`` when any file needs the per-record reader."""
    import polars as pl

    from feedback_lab.io._langsmith_parquet import file_frame as parquet_frame
    from feedback_lab.schema import conform

    parts, lines, feedback = [], {}, []
    for p in paths:
        got = parquet_frame(Path(p))
        if got is False:  # a Parquet file the column-wise code does not take
            return None
        got = got or _file_frame(Path(p))
        if got is not None and not got[0]["run_type"].is_null().all():
            parts.append(got[0])
            lines[str(Path(p))] = got[1]
        elif not _feedback_file(Path(p), feedback):
            return None
    if not parts:
        return None
    raw = pl.concat(parts, how="diagonal")
    spans = _spans(raw.with_columns(_order=pl.int_range(len(raw), dtype=pl.Int64)), lines)
    if spans is None:
        return None
    # duplicate run ids: the first is kept, later ones are rejects (as the per-record reader does)
    rejects = Rejects("langsmith")
    spans = spans.with_row_index("_pos")
    first = spans.select(pl.col("span_id").is_first_distinct()).to_series()
    if not first.all():
        for rid, file, line in spans.filter(~first).select("span_id", "_file", "_line").iter_rows():
            try:
                rec = _record(lines[file], line)
            except (ValueError, RecursionError):
                rec = {"raw": lines[file][line - 1][:2000]}
            rejects.add(file, line, f"duplicate run id {rid}", {k: v for k, v in rec.items() if k != "child_runs"})
        spans = spans.filter(first)
    traces = traces_frame(spans)
    keep = [c for c in spans.columns if not c.startswith("_") or c in ("_line", "_file")]
    fb = None
    if feedback:  # per record, against the loaded runs (as _langsmith._frames does)
        from feedback_lab.io._langsmith import _feedback_rows

        runs = {sid: {"trace_id": tid, "parent_id": par} for sid, tid, par in
                spans.select("span_id", "trace_id", "parent_id").iter_rows()}
        fb_rows = []
        for rec, path, line, raw_text in feedback:
            try:
                fb_rows.extend({**row, "_line": line, "_file": str(path)} for row in _feedback_rows(rec, runs))
            except ValueError as exc:
                rejects.add(path, line, str(exc), raw_text)
        fb = pl.DataFrame(fb_rows, infer_schema_length=None) if fb_rows else None
    return {"rejects": rejects.frame(), "feedback": fb, "traces": conform(traces, "traces"),
            "spans": conform(spans.select(keep), "spans")}


def _feedback_file(path: Path, out: list) -> bool:
    """Add the records of a file holding only LangSmith feedback records to ``out``; ``False`` (and
    nothing added) when any record is something else or does not parse."""
    from feedback_lab.io._langfuse_records import records_of as _records

    recs = []
    for line, raw, rec, err in _records(path):
        if err or not isinstance(rec, dict) or isinstance(rec.get("post"), list) or isinstance(rec.get("patch"), list) \
                or "run_type" in rec or ("dotted_order" in rec and "inputs" in rec) \
                or not ("key" in rec and ("run_id" in rec or "trace_id" in rec)):
            return False
        recs.append((rec, path, line, raw))
    out.extend(recs)
    return True
