"""LangSmith exports: runs (run trees) and feedback -> canonical frames.

Reads JSON, JSONL, CSV or Parquet holding any mix of:

* runs as ``client.list_runs()`` / the REST API give them (``id, name, run_type, start_time,
  end_time, inputs, outputs, error, parent_run_id, trace_id, dotted_order, extra, tags,
  prompt_tokens, completion_tokens, total_cost, child_runs`` ...), also nested through
  ``child_runs``, or saved API pages (``{"runs": [...]}``); and as the v2 query API gives them
  (``client.runs.query_v2``, pages ``{"items": [...]}``): upper-case ``run_type`` and ``status``,
  ``metadata`` and ``thread_id`` at the top level, ``parent_run_ids`` for the parent;
* the Parquet files of a bulk data export (``<prefix>/export_id=../tenant_id=../session_id=../
  runs/year=../month=../day=../*.parquet``; one row per run with the 29 fields of the docs'
  "Exportable fields": ``id, tenant_id, session_id, trace_id, parent_run_id, parent_run_ids,
  reference_example_id, name, run_type, start_time, end_time, status, is_root, dotted_order,
  trace_tier, inputs, outputs, error, extra, events, tags, feedback_stats, total_tokens,
  prompt_tokens, completion_tokens, total_cost, prompt_cost, completion_cost,
  first_token_time``, or the subset ``export_fields`` chose: without ``trace_id``,
  ``parent_run_id`` and ``dotted_order`` each run is its own trace). ``inputs``, ``outputs``,
  ``extra`` (and ``tags``, ``parent_run_ids``, ``events``, ``feedback_stats``) are JSON text,
  ``tags`` may also be a list column; times are timestamps without a zone (UTC, the default
  format) or with one (``format_version: "v2_beta"``). A row reads as the same run in JSONL
  would; ``line`` in ``rejects`` is the row number (from 1). ``feedback_stats`` holds
  aggregates, not feedback records: it is kept out of ``feedback`` (export feedback with
  ``client.list_feedback``);
* the SDK's ingest payloads ``{"post": [runs], "patch": [runs]}`` (a patch completes the post
  with the same ``id``, or the same ``dotted_order`` when the patch has no id);
* feedback records (``key, score, value, comment, correction, feedback_source{type, user_id,
  user_name}, run_id, trace_id, created_at``);
* what LangChain's ``langsmith-fetch`` CLI writes: a trace's (or thread's) messages, with its
  metadata and feedback (:mod:`feedback_lab.io._langsmith_fetch`).

The files of one call are read together (a trace whose runs lie in several files, e.g. two day
partitions of a bulk export, is one trace). Accounting: each run -> one ``spans`` row (a patch
merged into its post counts as that run); each trace (the runs sharing a ``trace_id``; the root
is the run without parent) -> one ``traces`` row: root input/output as readable text, model of
the main LLM run, tokens summed over LLM runs (a trace without LLM runs, e.g. a root-only export:
the root run's own counts and model, which LangSmith aggregates), end-to-end latency; each feedback record -> one
``feedback`` row, plus one row named ``correction`` (comment = the corrected output) when it
carries a correction.
``feedback_source.type``: ``model`` -> llm, ``app`` (UI, annotation queues) -> human, ``api`` -> user.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feedback_lab.exceptions import FormatError
from feedback_lab.io._common import (
    Rejects,
    is_parquet,
    loads_deep,
    parquet_columns,
    read_parquet,
    to_utc,
)
from feedback_lab.io._common import to_float as _num
from feedback_lab.io._common import to_int as _int
from feedback_lab.io._common import to_str as _str
from feedback_lab.io._langfuse_records import records_of as _records
from feedback_lab.io._langsmith_experiments import (
    experiment_columns,
    is_experiment_table,
    read_experiments,
)
from feedback_lab.io._langsmith_fast import read_fast
from feedback_lab.io._langsmith_fetch import fetch_records, sniff_fetch
from feedback_lab.io._messages import to_json_text, to_text
from feedback_lab.io._platform_common import denormalize, warn_more_pages
from feedback_lab.io._platform_frames import assemble_traces
from feedback_lab.io._registry import Format
from feedback_lab.io._spans import normalize_kind, tokens_or, traces_from_spans

__all__ = ["FORMAT", "read_langsmith"]

SOURCE_KIND = {"model": "llm", "app": "human", "api": "user", "human": "human", "user": "user",
               "llm": "llm", "code": "code", "auto_eval": "llm", "evaluator": "llm"}
_MAX_CHILD_DEPTH = 200


def _sniff(path: Path, head: bytes) -> float:
    if head[:4] == b"PAR1":  # a bulk export: the column names are in the footer
        cols = set(parquet_columns(path) or ())
        if experiment_columns(cols):  # evaluate(...).to_pandas() / get_test_results() saved as Parquet
            return 0.85
        if "run_type" not in cols:  # feedback records saved as a frame (``pd.DataFrame(fbs).to_parquet``)
            return 0.8 if {"key", "run_id"} <= cols and cols & {"score", "feedback_source"} else 0.0
        # export_fields may leave out the hierarchy (the docs' own example keeps id, name, run_type, times...)
        return 0.9 if cols & {"dotted_order", "parent_run_id", "trace_id"} else 0.7 if {"id", "name"} <= cols else 0.0
    h = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if h[:1] in (b"{", b"["):
        if fetched := sniff_fetch(path, h):
            return fetched
        if b'"run_type"' in h and (b'"dotted_order"' in h or b'"parent_run_id"' in h or b'"trace_id"' in h):
            return 0.9
        if b'"feedback_source"' in h or (b'"key"' in h and b'"run_id"' in h and b'"score"' in h):
            return 0.85
        if h.startswith(b"{") and b'"post"' in h[:40] and b'"run_type"' in h:
            return 0.9
        if b'"execution_time"' in h and b'"id"' in h and (b'"inputs.' in h or b'"input.' in h or b'"outputs.' in h):
            return 0.85  # experiment results as JSON lines
        return 0.0
    cols = {c.strip(b' "\r') for c in h.split(b"\n", 1)[0].split(b",")}
    if experiment_columns(c.decode("utf-8", "replace") for c in cols):
        return 0.85
    if b"run_type" in cols and cols & {b"dotted_order", b"parent_run_id", b"trace_id"}:
        return 0.85
    if {b"key", b"run_id"} <= cols and cols & {b"score", b"feedback_source", b"feedback_source_type"}:
        return 0.8
    return 0.0


def read_langsmith(paths, **options: Any) -> dict[str, Any]:
    """Read LangSmith runs and feedback (see module docstring); used through ``read_traces``."""
    if options:
        raise TypeError(f"format 'langsmith' takes no options, got {sorted(options)}.")
    paths = [Path(p) for p in paths]
    tables = [p for p in paths if is_experiment_table(p)]
    if tables:  # experiment results (evaluate(...).to_pandas(), get_test_results()): a trace per row
        rejects = Rejects("langsmith")
        rows, scores, refs = read_experiments(tables, rejects)
        got = assemble_traces("langsmith", rows, scores, rejects, refs)
        rest = [p for p in paths if p not in tables]
        return _combined(got, read_langsmith(rest)) if rest else got
    fast = read_fast(paths)  # JSONL run files and bulk-export Parquet: column-wise with polars
    if fast is not None:
        return fast
    rejects = Rejects("langsmith")
    runs: dict[str, dict] = {}
    feedback: list[tuple[dict, Path, int, str]] = []
    for path in paths:
        fetched = None if is_parquet(path) else fetch_records(path)
        for line, run, fbs in fetched or ():  # langsmith-fetch: a trace's messages (and metadata, feedback)
            _add_run(run, runs, rejects, path, line, None, 0)
            feedback.extend((f, path, line, json.dumps(f, ensure_ascii=False, default=str)) for f in fbs)
        for line, raw, rec, err in () if fetched is not None else _unpaged(
                _parquet_records(path) if is_parquet(path) else _records(path), path):
            if err:
                rejects.add(path, line, err, raw)
            elif not isinstance(rec, dict):
                rejects.add(path, line, f"expected a JSON object, got {type(rec).__name__}", raw)
            elif isinstance(rec.get("post"), list) or isinstance(rec.get("patch"), list):
                posts = [r for r in rec.get("post") or [] if isinstance(r, dict)]
                for patch in rec.get("patch") or []:
                    if isinstance(patch, dict):
                        _apply_patch(posts, patch)
                for r in posts:
                    _add_run(r, runs, rejects, path, line, None, 0)
            elif "run_type" in rec or ("dotted_order" in rec and "inputs" in rec):
                _add_run(rec, runs, rejects, path, line, None, 0)
            elif "key" in rec and ("run_id" in rec or "trace_id" in rec):
                feedback.append((rec, path, line, raw))
            else:
                rejects.add(path, line, f"not a LangSmith run or feedback record (keys {sorted(rec)[:12]})", raw)
    return _frames(runs, feedback, rejects)


def _combined(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    """Two reader results as one (each frame concatenated)."""
    import polars as pl

    out = {}
    for name in {*a, *b}:
        parts = [x for x in (a.get(name), b.get(name)) if x is not None and len(x)]
        out[name] = pl.concat(parts, how="diagonal_relaxed") if len(parts) > 1 else parts[0] if parts else None
    return out


def _parquet_records(path: Path):
    """``(row, raw, run, None)`` per row of a bulk-export Parquet file (row numbers from 1).

    Timestamps come as aware UTC datetimes (a column without a zone holds UTC), decimals as
    floats; the JSON text columns are decoded by the run code, as for CSV.
    """
    for row, rec in enumerate(parquet_table(path).iter_rows(named=True), start=1):
        yield row, None, denormalize(rec), None


def parquet_table(path: Path):
    """A bulk-export Parquet file (or feedback records saved as Parquet) as the frame whose rows ``_parquet_records`` gives (times as UTC, decimals
    as floats); ``UnreadableFileError`` or ``FormatError`` when it is not one."""
    import polars as pl

    df = read_parquet(path)
    if "run_type" not in df.columns and not {"key", "run_id"} <= set(df.columns):
        msg = (f"{path}: a Parquet file without a 'run_type' column (runs) or 'key' and 'run_id' columns "
               f"(feedback) is not a LangSmith export (columns {df.columns[:12]}). Read it with "
               "format='canonical' or the format it is in.")
        raise FormatError(msg)
    fix = []
    for name, dtype in df.schema.items():
        if isinstance(dtype, pl.Datetime):
            col = pl.col(name)
            fix.append((col.dt.replace_time_zone("UTC") if dtype.time_zone is None
                        else col.dt.convert_time_zone("UTC")).alias(name))
        elif isinstance(dtype, pl.Decimal):
            fix.append(pl.col(name).cast(pl.Float64))
    return df.with_columns(fix)


def _apply_patch(posts: list[dict], patch: dict) -> None:
    for r in posts:
        if (patch.get("id") and r.get("id") == patch.get("id")) or (
                not patch.get("id") and patch.get("dotted_order") and r.get("dotted_order") == patch.get("dotted_order")):
            r.update({k: v for k, v in patch.items() if v is not None})
            return
    posts.append(patch)


class _Raw(dict):
    """The run without its children, serialised only if it is rejected (Rejects.add dumps non-str raw)."""

    def __init__(self, run: dict) -> None:
        super().__init__((k, v) for k, v in run.items() if k != "child_runs")


def _split_dotted(dotted: str) -> list[str]:
    """Run ids along a dotted_order (``<timestamp>Z<uuid>`` segments joined by '.')."""
    out = []
    for seg in str(dotted).split("."):
        if "Z" in seg:
            out.append(seg.split("Z", 1)[1])
    return out


#: API pages of runs saved whole: the v2 query API's ``{"items": [...], "next_cursor"}`` and the v1
#: ``POST /runs/query`` response ``{"runs": [...], "cursors": {...}}``
_PAGES = {"items": {"items", "next_cursor"}, "runs": {"runs", "cursors", "parsed_query", "search_cursors"}}


def _unpaged(records, path: Path):
    """The records with each saved API page replaced by its runs (at the page's line); a page that
    says more follow is named in a warning."""
    for line, raw, rec, err in records:
        key = next((k for k, keys in _PAGES.items() if isinstance(rec, dict) and isinstance(rec.get(k), list)
                    and set(rec) <= keys), None)
        if key is None:
            yield line, raw, rec, err
            continue
        warn_more_pages(path, rec, len(rec[key]))
        for item in rec[key]:
            yield line, json.dumps(item, ensure_ascii=False, default=str), item, None


def _add_run(r: dict, runs: dict, rejects: Rejects, path: Path, line: int, parent: str | None, depth: int) -> None:
    raw = _Raw(r)
    rid = _str(r.get("id"))
    dotted = _split_dotted(r["dotted_order"]) if isinstance(r.get("dotted_order"), str) else []
    if rid is None and dotted:
        rid = dotted[-1]
    if rid is None:
        rejects.add(path, line, "run without id", raw)
        return
    ancestors = loads_deep(r.get("parent_run_ids"))  # the v2 query API's runs have no parent_run_id
    parent_id = _str(r.get("parent_run_id")) or parent or (dotted[-2] if len(dotted) > 1 else None) or (
        _str(ancestors[-1]) if isinstance(ancestors, list) and ancestors else None)
    if parent_id in ("None", "null", ""):
        parent_id = None
    trace_id = _str(r.get("trace_id")) or (dotted[0] if dotted else None)
    if trace_id is None:
        trace_id = runs[parent_id]["trace_id"] if parent_id in runs else (rid if parent_id is None else None)
    if trace_id is None:
        rejects.add(path, line, f"run {rid}: no trace_id and no dotted_order to find its trace", raw)
        return
    if rid in runs:
        rejects.add(path, line, f"duplicate run id {rid}", raw)
        return
    extra = loads_deep(r.get("extra")) or {}
    extra = extra if isinstance(extra, dict) else {}
    meta = extra.get("metadata") if isinstance(extra.get("metadata"), dict) else {}
    top = loads_deep(r.get("metadata"))  # the v2 query API: metadata and thread_id at the top level
    meta = meta or (top if isinstance(top, dict) else {})
    if _str(r.get("thread_id")) and not any(k in meta for k in ("session_id", "thread_id", "conversation_id")):
        meta = {**meta, "thread_id": _str(r["thread_id"])}
    inputs, outputs = loads_deep(r.get("inputs")), loads_deep(r.get("outputs"))
    try:
        start, end = to_utc(r.get("start_time")), to_utc(r.get("end_time"))
        tin, tout = _tokens(r, outputs, meta)
        cost = _num(r.get("total_cost"))
    except ValueError as exc:
        rejects.add(path, line, f"run {rid}: {exc}", raw)
        return
    error = r.get("error")
    st = str(r["status"]).lower() if r.get("status") is not None else None  # the v2 API writes SUCCESS, ERROR
    status = "error" if error not in (None, "", "None") else ("ok" if st in (None, "success") else st)
    inv = extra.get("invocation_params") if isinstance(extra.get("invocation_params"), dict) else {}
    model = (meta.get("ls_model_name") or inv.get("model") or inv.get("model_name")
             or (outputs.get("model") if isinstance(outputs, dict) else None)
             or (inputs.get("model") if isinstance(inputs, dict) else None))
    tags = loads_deep(r.get("tags"))
    attrs = {"run_type": r.get("run_type"), "metadata": meta or None, "tags": tags or None, "error": error,
             "session_name": r.get("session_name"), "session_id": r.get("session_id"),
             "reference_example_id": r.get("reference_example_id"), "total_cost": cost}
    runs[rid] = {
        "span_id": rid, "trace_id": trace_id, "parent_id": parent_id, "kind": normalize_kind(r.get("run_type")),
        "name": _str(r.get("name")), "start": start, "end": end, "model": _str(model),
        "input": to_json_text(inputs), "output": to_json_text(outputs), "input_tokens": tin, "output_tokens": tout,
        "status": status,
        "attributes": json.dumps({k: v for k, v in attrs.items() if v is not None}, ensure_ascii=False, default=str),
        "_line": line, "_file": str(path), "_cost": cost, "_meta": meta,
        "_tags": [t if isinstance(t, str) else json.dumps(t) for t in tags if t is not None] if isinstance(tags, list) else None,
        "_in": inputs, "_out": outputs,
    }
    children = loads_deep(r.get("child_runs"))
    if isinstance(children, list) and depth < _MAX_CHILD_DEPTH:
        for c in children:
            if isinstance(c, dict):
                _add_run(c, runs, rejects, path, line, rid, depth + 1)


def _tokens(r: dict, outputs: Any, meta: dict) -> tuple[int | None, int | None]:
    """Token counts: the server's ``prompt_tokens``/``completion_tokens``, else the usage the SDK sent
    (``outputs.usage_metadata``/``usage``/``llm_output.token_usage``, or ``extra.metadata.usage_metadata``,
    where ``RunTree.set(usage_metadata=...)``, ``@traceable`` and LangChain's tracer put it)."""
    tin, tout = _int(r.get("prompt_tokens")), _int(r.get("completion_tokens"))
    if tin is None and tout is None:
        outputs = outputs if isinstance(outputs, dict) else {}
        u = outputs.get("usage_metadata") or outputs.get("usage") or (
            (outputs.get("llm_output") or {}).get("token_usage") if isinstance(outputs.get("llm_output"), dict) else None
        ) or meta.get("usage_metadata")
        if isinstance(u, dict):
            tin = _int(u.get("input_tokens", u.get("prompt_tokens")))
            tout = _int(u.get("output_tokens", u.get("completion_tokens")))
    return tin, tout


def _feedback_rows(rec: dict, runs: dict) -> list[dict]:
    run_id = _str(rec.get("run_id"))
    trace_id = _str(rec.get("trace_id")) or (runs[run_id]["trace_id"] if run_id in runs else run_id)
    if trace_id is None or rec.get("key") in (None, ""):
        raise ValueError("feedback without " + ("trace_id/run_id" if trace_id is None else "key"))
    src = loads_deep(rec.get("feedback_source")) or {}
    src = src if isinstance(src, dict) else {"type": src}
    stype = str(src.get("type") or rec.get("feedback_source_type") or "").lower()
    score, value = loads_deep(rec.get("score")), loads_deep(rec.get("value"))
    num = _num(score) if not isinstance(score, (dict, list)) else None
    label = None
    if isinstance(value, (int, float)) and not isinstance(value, bool) and num is None:
        num = float(value)
    elif value is not None and not isinstance(value, (int, float)):
        label = _str(value)
    annotator = src.get("user_name") or src.get("user_id") or (
        (src.get("metadata") or {}).get("__run", {}).get("run_id") if isinstance(src.get("metadata"), dict)
        and isinstance(src["metadata"].get("__run"), dict) else None)
    ts = to_utc(rec.get("created_at") or rec.get("modified_at"))
    smeta = src.get("metadata") if isinstance(src.get("metadata"), dict) else {}
    kind = smeta.get("annotator_kind") if smeta.get("annotator_kind") in ("user", "human", "llm", "code") else SOURCE_KIND.get(stype)
    meta = {"feedback_id": rec.get("id"), "source_type": stype or None, "extra": rec.get("extra") or None}
    base = {"trace_id": trace_id, "name": str(rec["key"]), "value": num, "label": label,
            "comment": _str(rec.get("comment")), "annotator_kind": kind,
            "annotator": _str(annotator), "timestamp": ts,
            # the run it was given on (trace-level when that is the trace id); not looked up in the runs
            # read, so the result does not depend on which files are read together
            "span_id": None if run_id == trace_id else run_id}
    rows = [{**base, "metadata": json.dumps({k: v for k, v in meta.items() if v is not None}, default=str)}]
    correction = loads_deep(rec.get("correction"))
    if correction not in (None, "", {}):
        rows.append({**base, "name": "correction", "value": None, "label": None,
                     "comment": to_text(correction, "output"),
                     "metadata": json.dumps({**meta, "feedback_key": rec["key"]}, default=str)})
    return rows


def _frames(runs: dict, feedback: list, rejects: Rejects) -> dict[str, Any]:
    import polars as pl

    from feedback_lab.schema import conform

    fb_rows = []
    for rec, path, line, raw in feedback:
        try:
            fb_rows.extend({**row, "_line": line, "_file": str(path)} for row in _feedback_rows(rec, runs))
        except ValueError as exc:
            rejects.add(path, line, str(exc), raw)
    out: dict[str, Any] = {"rejects": rejects.frame(), "feedback": pl.DataFrame(fb_rows, infer_schema_length=None)
                           if fb_rows else None}
    if not runs:
        return out
    hidden = ("_cost", "_meta", "_tags", "_in", "_out")
    spans = pl.DataFrame([{k: v for k, v in r.items() if k not in hidden} for r in runs.values()],
                         infer_schema_length=None)
    traces = traces_from_spans(spans)
    roots: dict[str, dict] = {}
    for r in runs.values():  # root run per trace: no parent, or parent outside the export; earliest first
        if r["parent_id"] is None or r["parent_id"] not in runs:
            cur = roots.get(r["trace_id"])
            if cur is None or (r["start"] and cur["start"] and r["start"] < cur["start"]):
                roots[r["trace_id"]] = r
    costs: dict[str, float] = {}  # the root run's total_cost (LangSmith aggregates there), else LLM runs summed
    for r in runs.values():
        if r["_cost"] is not None and r["kind"] == "llm":
            costs[r["trace_id"]] = costs.get(r["trace_id"], 0.0) + r["_cost"]
    for tid, root in roots.items():
        if root["_cost"] is not None:
            costs[tid] = root["_cost"]
    extra = []
    for tid in traces["trace_id"].to_list():
        root = roots.get(tid) or {}
        meta = dict(root.get("_meta") or {})
        moved = {k: meta.pop(k) for k in ("session_id", "thread_id", "conversation_id", "user_id",
                                          "prompt_version", "reference", "task") if k in meta}
        sess = moved.get("session_id") or moved.get("thread_id") or moved.get("conversation_id")
        extra.append({
            "trace_id": tid, "session_id": _str(sess), "user_id": _str(moved.get("user_id")),
            "prompt_version": _str(moved.get("prompt_version")), "task": _str(moved.get("task") or root.get("name")),
            "reference": _str(moved.get("reference")), "cost": costs.get(tid), "tags": root.get("_tags"),
            "_in": to_text(root.get("_in"), "input"), "_out": to_text(root.get("_out"), "output"),
            "_tin": root.get("input_tokens"), "_tout": root.get("output_tokens"), "_model": root.get("model"),
            "metadata": json.dumps(meta, ensure_ascii=False, default=str) if meta else None,
            "source": "langsmith",
        })
    ex = pl.DataFrame(extra, infer_schema_length=None,
                      schema_overrides={"tags": pl.List(pl.String), "cost": pl.Float64, "_tin": pl.Int64,
                                        "_tout": pl.Int64, "_model": pl.String})
    # a trace without LLM runs (a root-only export, langsmith-fetch): the root's own counts, which
    # LangSmith aggregates over the trace, and its model
    traces = traces.join(ex, on="trace_id", how="left").with_columns(
        input=pl.coalesce("_in", pl.col("input").map_elements(lambda v: to_text(v, "input"), return_dtype=pl.String)),
        output=pl.coalesce("_out", pl.col("output").map_elements(lambda v: to_text(v, "output"), return_dtype=pl.String)),
        **tokens_or("_tin", "_tout"), model=pl.coalesce("model", "_model"),
    ).drop("_in", "_out", "_tin", "_tout", "_model")
    out["traces"] = conform(traces, "traces")
    out["spans"] = conform(spans, "spans")
    return out


FORMAT = Format(
    name="langsmith",
    description="LangSmith: runs / run trees (JSON, JSONL, CSV; list_runs, SDK payloads; bulk export Parquet) "
                "and feedback",
    sniff=_sniff,
    read=read_langsmith,
    extensions=(".json", ".jsonl", ".csv", ".parquet", ".gz"),
    reads_together=True,  # a trace's runs may lie in several files (bulk export partitions, paged dumps)
)
