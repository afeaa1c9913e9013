"""The trace rows of the column-wise LangSmith reader (:mod:`feedback_lab.io._langsmith_fast`): the
spans reduced to traces, the root run of each (its input/output text, cost, tags), and the session,
user, prompt version, reference and task of its metadata: column-wise where the payload or the
metadata has the common flat shape, in Python for the other rows, as the per-record reader has them."""

from __future__ import annotations

import json
from typing import Any

__all__ = ["traces_frame"]

_MOVED = ("session_id", "thread_id", "conversation_id", "user_id", "prompt_version", "reference", "task")


def _text_expr(col: str):
    """``to_text`` of a payload column for the common shape ``{"question": "text"}``; null where Python must decide."""
    import polars as pl

    from feedback_lab.io._messages import _SOLE_KEYS, _WRAPPERS

    c = pl.col(col)
    key = c.str.extract(r'^\{"([a-z_]+)": "', 1)
    inner = c.str.slice(key.str.len_chars() + 6).str.head(-2)  # between '{"key": "' and '"}'
    bare = inner.str.replace_all('\\"', "", literal=True).str.replace_all("\\n", "", literal=True)
    val = inner.str.replace_all('\\"', '"', literal=True).str.replace_all("\\n", "\n", literal=True)
    simple = (key.is_in(sorted({*_WRAPPERS, *_SOLE_KEYS, "parts"})) & c.str.ends_with('"}')
              & ~bare.str.contains(r'["\\]') & ~val.str.contains(r'^\s*[\[{"]') & (val.str.strip_chars() != ""))
    plain = pl.when(~c.str.contains(r'^\s*[\[{"]')).then(c)  # a plain string (or number) stays as it is
    return pl.coalesce(pl.when(simple).then(val), plain)


def _decoded(text: str) -> Any:
    """The payload a span's JSON text was made from (text that is not JSON was a string)."""
    if text[:1] not in "[{":
        return text
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return text


def _python_text(df, out_col: str, src_col: str, side: str, only, *, decode: bool = True):
    """Fill ``out_col`` with ``to_text`` of ``src_col`` where ``only`` holds, in Python (``decode``: the
    column holds the JSON text of an object, which ``to_text`` gets decoded, as the per-record reader has it)."""
    import polars as pl

    from feedback_lab.io._messages import to_text

    idx = only.arg_true()
    if not len(idx):
        return df
    vals = [None if v is None else to_text(_decoded(v) if decode else v, side) for v in df[src_col].gather(idx).to_list()]
    return df.with_columns(df[out_col].scatter(idx, pl.Series(vals, dtype=pl.String)))


_JSTR = r'"(?:[^"\\]|\\["n])*"'
#: a metadata object of string/null values only (keys without escapes): its moved keys are taken out column-wise
_FLAT = r'^\{(?:"[^"\\]*": (?:' + _JSTR + r'|null)(?:, "[^"\\]*": (?:' + _JSTR + r'|null))*)?\}$'


def _root_extras(roots):
    """Per-root trace fields from the root run's metadata (the moved keys), as ``_langsmith._frames`` makes
    them: column-wise for flat string metadata, in Python for the rest."""
    import polars as pl

    from feedback_lab.io._common import to_str as _str

    meta = pl.col("_meta")
    flat = roots.filter(meta.is_null() | meta.str.contains(_FLAT))
    got = {k: meta.str.json_path_match(f"$.{k}") for k in _MOVED}

    def nonempty(e):
        return pl.when(e != "").then(e)

    rest = meta.str.replace_all(r'"(?:' + "|".join(_MOVED) + r')": (?:' + _JSTR + r'|null)(?:, )?', "")
    rest = rest.str.replace(r', \}$', "}")
    out = [flat.select("trace_id", session_id=pl.coalesce(*(nonempty(got[k]) for k in _MOVED[:3])),
                       user_id=got["user_id"], prompt_version=got["prompt_version"],
                       task=pl.coalesce(nonempty(got["task"]), pl.col("name")), reference=got["reference"],
                       metadata=pl.when(rest != "{}").then(rest))]
    cols = {k: [] for k in ("trace_id", "session_id", "user_id", "prompt_version", "task", "reference", "metadata")}
    for tid, name, m in roots.filter(meta.is_not_null() & ~meta.str.contains(_FLAT)).select(
            "trace_id", "name", "_meta").iter_rows():
        try:
            d = json.loads(m)
            text = None
        except (ValueError, RecursionError):  # nested deeper than Python's json reads: kept as its text
            d, text = {}, m
        moved = {k: d.pop(k) for k in _MOVED if k in d}
        sess = moved.get("session_id") or moved.get("thread_id") or moved.get("conversation_id")
        for k, v in (("trace_id", tid), ("session_id", _str(sess)), ("user_id", _str(moved.get("user_id"))),
                     ("prompt_version", _str(moved.get("prompt_version"))),
                     ("task", _str(moved.get("task") or name)), ("reference", _str(moved.get("reference"))),
                     ("metadata", text or (json.dumps(d, ensure_ascii=False, default=str) if d else None))):
            cols[k].append(v)
    if cols["trace_id"]:
        out.append(pl.DataFrame(cols, schema={k: pl.String for k in cols}))
    return pl.concat(out, how="vertical_relaxed")


def traces_frame(spans):
    """The ``traces`` rows of the per-record reader, column-wise (see ``_langsmith._frames``)."""
    import polars as pl

    from feedback_lab.io._spans import tokens_or, traces_from_spans

    traces = traces_from_spans(spans)
    known = spans.select(pl.col("span_id").alias("parent_id"), _known=pl.lit(True)).unique("parent_id")
    s = spans.join(known, on="parent_id", how="left", maintain_order="left")
    cand = s.filter(pl.col("parent_id").is_null() | pl.col("_known").is_null()).select(
        "trace_id", "name", "start", "input", "output", "_cost", "_tags", "_meta", "_pos",
        _tin="input_tokens", _tout="output_tokens", _model="model")
    # root per trace: the first candidate unless a later one starts strictly earlier (nulls never replace)
    several = cand.select(pl.col("trace_id").is_duplicated()).to_series()
    roots = cand.filter(~several)
    if several.any():
        cand = cand.filter(several)
        first = cand.group_by("trace_id", maintain_order=True).first()
        best = (cand.filter(pl.col("start").is_not_null()).sort(["trace_id", "start", "_pos"])
                .group_by("trace_id", maintain_order=True).first())
        roots = pl.concat([roots, first.filter(pl.col("start").is_null()),
                           best.join(first.filter(pl.col("start").is_not_null()).select("trace_id"), on="trace_id",
                                     how="semi")])
    llm_cost = (spans.filter((pl.col("kind") == "llm") & pl.col("_cost").is_not_null())
                .group_by("trace_id").agg(_llm_cost=pl.col("_cost").sum()))
    ex = (roots.select("trace_id", "input", "output", "_cost", "_tags", "_tin", "_tout", "_model")
          .join(_root_extras(roots), on="trace_id", how="left")
          .with_columns(_in=_text_expr("input"), _out=_text_expr("output")))
    ex = _python_text(ex, "_in", "input", "input", ex["_in"].is_null() & ex["input"].is_not_null())
    ex = _python_text(ex, "_out", "output", "output", ex["_out"].is_null() & ex["output"].is_not_null())
    ex = ex.join(llm_cost, on="trace_id", how="full", coalesce=True).select(
        "trace_id", "session_id", "user_id", "prompt_version", "task", "reference",
        "_tin", "_tout", "_model",
        cost=pl.coalesce("_cost", "_llm_cost"), tags=pl.col("_tags").str.json_decode(pl.List(pl.String)),
        _in=pl.col("_in"), _out=pl.col("_out"), metadata=pl.col("metadata"))
    traces = traces.join(ex, on="trace_id", how="left", maintain_order="left")
    fill_in = traces["_in"].is_null() & traces["input"].is_not_null()
    fill_out = traces["_out"].is_null() & traces["output"].is_not_null()
    traces = _python_text(traces, "_in", "input", "input", fill_in, decode=False)
    traces = _python_text(traces, "_out", "output", "output", fill_out, decode=False)
    # a trace without LLM runs: the root's own (aggregated) counts and model, as ``_langsmith._frames``
    return traces.with_columns(
        input=pl.col("_in"), output=pl.col("_out"), source=pl.lit("langsmith"),
        **tokens_or("_tin", "_tout"), model=pl.coalesce("model", "_model"),
    ).drop("_in", "_out", "_tin", "_tout", "_model")
