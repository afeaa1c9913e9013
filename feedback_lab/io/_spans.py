"""Reduce span trees to one ``traces`` row per interaction (shared by span-based formats).

Rule (DESIGN.md / issue 3): the root span's input and output, the model of the main LLM
call, tokens summed over LLM spans only, end-to-end latency (last end - first start), and
``status="error"`` when any span failed. All spans are kept in ``spans``.
"""

from __future__ import annotations

__all__ = ["KIND_ALIASES", "normalize_kind", "tokens_or", "traces_from_spans"]

#: canonical span kinds (lower case); platform kinds map onto them
KIND_ALIASES = {
    "llm": "llm",
    "generation": "llm",
    "chat": "llm",
    "text_completion": "llm",
    "completion": "llm",
    "generate_content": "llm",
    "chain": "chain",
    "span": "chain",
    "workflow": "chain",
    "task": "chain",
    "function": "tool",
    "tool": "tool",
    "execute_tool": "tool",
    "retriever": "retriever",
    "retrieval": "retriever",
    "embedding": "embedding",
    "embeddings": "embedding",
    "agent": "agent",
    "invoke_agent": "agent",
    "create_agent": "agent",
    "reranker": "reranker",
    "guardrail": "guardrail",
    "evaluator": "evaluator",
    "score": "evaluator",
    "event": "event",
    "prompt": "chain",
    "parser": "chain",
    "invoke_workflow": "chain",
    "eval": "chain",
    "automation": "chain",
    "preprocessor": "chain",
    "review": "evaluator",
    "classifier": "evaluator",
    "facet": "evaluator",
}


def normalize_kind(kind: str | None) -> str | None:
    """Map a platform's span kind/type to a canonical kind (unknown kinds pass through lower-cased).

    Examples
    --------
    >>> normalize_kind("GENERATION"), normalize_kind("CHAIN"), normalize_kind("custom")
    ('llm', 'chain', 'custom')
    """
    if kind is None:
        return None
    k = str(kind).strip().lower()
    return KIND_ALIASES.get(k, k)


def traces_from_spans(spans, extras: tuple[str, ...] | list[str] = ()):
    """One row per ``trace_id`` from a canonical polars ``spans`` frame.

    Parameters
    ----------
    spans : polars.DataFrame
        Canonical span columns (``span_id, trace_id, parent_id, kind, name, start, end, model,
        input, output, input_tokens, output_tokens, status``; missing ones count as null).
    extras : sequence of str, optional
        Further per-span columns to carry to the trace (``session_id``, ``tags``...): the first
        non-null value among the root spans, else among all spans; ``cost`` is summed.

    Returns
    -------
    polars.DataFrame
        Columns ``trace_id, timestamp, model, input, output, latency_ms, input_tokens,
        output_tokens, status`` (conform with ``schema.conform(..., "traces")``), then the
        ``extras`` present in ``spans``; traces in the order of their first span.

    Notes
    -----
    The root is the span with no parent, or whose parent is not in the trace (partial
    exports); with several roots the earliest wins. When the root has no input/output,
    the first LLM span's input and the last LLM span's output are used. The model is the
    one of the LLM span with most output tokens (ties: earliest). "First", "earliest" and
    "last" follow span start times (a missing start counts as the span's end; spans without
    either come last, in file order). The status is ``"error"`` when any span failed, else
    the first span's non-null status.

    Examples
    --------
    >>> import polars as pl, datetime as dt
    >>> t0 = dt.datetime(2025, 1, 1, tzinfo=dt.timezone.utc)
    >>> spans = pl.DataFrame({
    ...     "span_id": ["r", "l"], "trace_id": ["t", "t"], "parent_id": [None, "r"],
    ...     "kind": ["chain", "llm"], "start": [t0, t0], "end": [t0 + dt.timedelta(seconds=2), t0],
    ...     "model": [None, "gpt-4o"], "input": ["q", "prompt"], "output": ["a", "a"],
    ...     "input_tokens": [None, 10], "output_tokens": [None, 5], "status": ["ok", "ok"]})
    >>> traces_from_spans(spans).select("trace_id", "model", "latency_ms", "input_tokens").row(0)
    ('t', 'gpt-4o', 2000.0, 10)
    """
    import polars as pl

    from feedback_lab.schema import SPANS, conform

    extras = [c for c in dict.fromkeys(extras) if spans is not None and c in spans.columns and c not in SPANS]
    if spans is None or len(spans) == 0:
        return pl.DataFrame(
            schema={"trace_id": pl.String, "timestamp": pl.Datetime("us", "UTC"), "model": pl.String,
                    "input": pl.String, "output": pl.String, "latency_ms": pl.Float64,
                    "input_tokens": pl.Int64, "output_tokens": pl.Int64, "status": pl.String,
                    **{c: spans.schema[c] for c in extras}}
        )
    s = conform(spans.select(*[c for c in SPANS if c in spans.columns], *extras), "spans")
    s = s.select(*SPANS, *extras).with_row_index("_order")
    # extras that no span carries stay null without an aggregation (often half of them)
    empty = {c: s.schema[c] for c in extras if s[c].null_count() == len(s)}
    filled = [c for c in extras if c not in empty]
    # a root has no parent, or a parent that is not a span of its trace (one hash lookup per span)
    root = pl.col("parent_id").is_null() | ~pl.struct("trace_id", "parent_id").is_in(
        pl.struct("trace_id", pl.col("span_id").alias("parent_id")).implode())
    llm = pl.col("kind") == "llm"
    row = pl.col("_order")
    # one pass over small columns in start order: every per-trace value is an aggregation of one
    # group_by, texts and other values chosen by their row number (``_order``) and gathered once
    # per trace at the end; sorting and grouping the texts themselves allocates several times the
    # memory, which costs more than the work in a fresh process
    k = s.select(
        "_order", "trace_id", "end", "status", _root=root,
        _start=pl.col("start").fill_null(pl.col("end")),
        _llm_in=pl.when(llm & pl.col("input").is_not_null()).then(row),
        _llm_out=pl.when(llm & pl.col("output").is_not_null()).then(row),
        _in_tok=pl.when(llm).then(pl.col("input_tokens")), _out_tok=pl.when(llm).then(pl.col("output_tokens")),
        _model_rank=pl.when(llm & pl.col("model").is_not_null()).then(pl.col("output_tokens").fill_null(-1)),
        **{f"_any_{c}": pl.when(pl.col(c).is_not_null()).then(row) for c in filled if c != "cost"},
        **({"cost": pl.col("cost")} if "cost" in filled else {}),
    ).with_columns(
        **{f"_root_{c}": pl.when(pl.col("_root")).then(pl.col(f"_any_{c}")) for c in filled if c != "cost"},
    ).sort("_start", nulls_last=True, maintain_order=True)
    first_root = pl.col("_root").arg_max()  # the first True: the earliest root
    aggs = [
        pl.col("_order").min().alias("_first"),
        pl.col("_start").min().alias("timestamp"),
        pl.col("end").max().alias("_end"),
        pl.col("status").str.to_lowercase().is_in(["error", "failed", "failure"]).any().alias("_err"),
        pl.col("status").drop_nulls().first().alias("_status"),
        pl.when(pl.col("_root").any()).then(pl.col("_order").get(first_root)).alias("_root_row"),
        pl.col("_llm_in").drop_nulls().first(),
        pl.col("_llm_out").drop_nulls().last(),
        pl.when(pl.col("_in_tok").is_not_null().any()).then(pl.col("_in_tok").sum()).alias("input_tokens"),
        pl.when(pl.col("_out_tok").is_not_null().any()).then(pl.col("_out_tok").sum()).alias("output_tokens"),
        # the LLM span with most output tokens; arg_max gives the first, i.e. earliest, of ties
        pl.when(pl.col("_model_rank").is_not_null().any())
        .then(pl.col("_order").get(pl.col("_model_rank").arg_max())).alias("_model_row"),
    ]
    for c in filled:
        if c == "cost":
            aggs.append(pl.when(pl.col(c).is_not_null().any()).then(pl.col(c).sum()).alias(c))
        else:
            aggs.append(pl.coalesce(pl.col(f"_root_{c}").drop_nulls().first(), pl.col(f"_any_{c}").drop_nulls().first())
                        .alias(f"_row_{c}"))
    t = k.group_by("trace_id").agg(aggs).sort("_first")

    def at(col: str, rows: str):
        return s[col].gather(t[rows])

    # the root's text when it has one (its input may be null: then the first LLM span's input)
    root_in, root_out = at("input", "_root_row"), at("output", "_root_row")
    return t.select(
        "trace_id", "timestamp",
        at("model", "_model_row").alias("model"),
        pl.coalesce(root_in, at("input", "_llm_in")).alias("input"),
        pl.coalesce(root_out, at("output", "_llm_out")).alias("output"),
        ((pl.col("_end") - pl.col("timestamp")).dt.total_microseconds().cast(pl.Float64) / 1000.0)
        .alias("latency_ms"),
        "input_tokens", "output_tokens",
        pl.when(pl.col("_err")).then(pl.lit("error")).otherwise(pl.col("_status")).alias("status"),
        *(pl.lit(None, empty[c]).alias(c) if c in empty else pl.col(c) if c == "cost"
          else at(c, f"_row_{c}").alias(c) for c in extras),
    )


def tokens_or(tin: str, tout: str) -> dict:
    """``input_tokens``/``output_tokens`` expressions for a traces frame: the counts summed over its
    LLM spans, else (both null: no LLM span counted) the columns ``tin``/``tout``, e.g. the root
    run's own counts, which LangSmith aggregates, or a platform's trace totals.

    Examples
    --------
    >>> import polars as pl
    >>> t = pl.DataFrame({"input_tokens": [5, None], "output_tokens": [2, None], "a": [9, 7], "b": [8, 6]})
    >>> t.with_columns(**tokens_or("a", "b")).select("input_tokens", "output_tokens").rows()
    [(5, 2), (7, 6)]
    """
    import polars as pl

    none = pl.col("input_tokens").is_null() & pl.col("output_tokens").is_null()
    return {"input_tokens": pl.when(none).then(pl.col(tin)).otherwise(pl.col("input_tokens")),
            "output_tokens": pl.when(none).then(pl.col(tout)).otherwise(pl.col("output_tokens"))}
