"""Reduce span trees to one ``traces`` row per interaction (shared by span-based formats).

Rule (DESIGN.md / issue 3): the root span's input and output, the model of the main LLM
call, tokens summed over LLM spans only, end-to-end latency (last end - first start), and
``status="error"`` when any span failed. All spans are kept in ``spans``.
"""

from __future__ import annotations

__all__ = ["KIND_ALIASES", "normalize_kind", "traces_from_spans"]

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


def traces_from_spans(spans):
    """One row per ``trace_id`` from a canonical polars ``spans`` frame.

    Parameters
    ----------
    spans : polars.DataFrame
        Canonical span columns (``span_id, trace_id, parent_id, kind, name, start, end, model,
        input, output, input_tokens, output_tokens, status``; missing ones count as null).

    Returns
    -------
    polars.DataFrame
        Columns ``trace_id, timestamp, model, input, output, latency_ms, input_tokens,
        output_tokens, status`` (conform with ``schema.conform(..., "traces")``).

    Notes
    -----
    The root is the span with no parent, or whose parent is not in the trace (partial
    exports); with several roots the earliest wins. When the root has no input/output,
    the first LLM span's input and the last LLM span's output are used. The model is the
    one of the LLM span with most output tokens (ties: earliest).

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

    if spans is None or len(spans) == 0:
        return pl.DataFrame(
            schema={"trace_id": pl.String, "timestamp": pl.Datetime("us", "UTC"), "model": pl.String,
                    "input": pl.String, "output": pl.String, "latency_ms": pl.Float64,
                    "input_tokens": pl.Int64, "output_tokens": pl.Int64, "status": pl.String}
        )
    s = conform(spans, "spans").select(list(SPANS)).with_row_index("_order")
    ids_in_trace = s.select("trace_id", pl.col("span_id").alias("parent_id"), pl.lit(True).alias("_parent_known"))
    s = s.join(ids_in_trace, on=["trace_id", "parent_id"], how="left")
    s = s.with_columns(
        _is_root=pl.col("parent_id").is_null() | pl.col("_parent_known").is_null(),
        _is_llm=pl.col("kind") == "llm",
        _start=pl.col("start").fill_null(pl.col("end")),
    )
    roots = (
        s.filter("_is_root")
        .sort(["trace_id", "_start", "_order"], nulls_last=True)
        .group_by("trace_id", maintain_order=True)
        .first()
        .select("trace_id", pl.col("input").alias("_root_in"), pl.col("output").alias("_root_out"))
    )
    llm = s.filter("_is_llm").sort(["trace_id", "_start", "_order"], nulls_last=True)
    llm_io = llm.group_by("trace_id", maintain_order=True).agg(
        pl.col("input").drop_nulls().first().alias("_llm_in"),
        pl.col("output").drop_nulls().last().alias("_llm_out"),
        pl.col("input_tokens").sum().alias("input_tokens"),
        pl.col("output_tokens").sum().alias("output_tokens"),
        pl.col("input_tokens").is_not_null().any().alias("_has_in_tok"),
        pl.col("output_tokens").is_not_null().any().alias("_has_out_tok"),
        pl.col("model").sort_by(pl.col("output_tokens").fill_null(-1), descending=True, maintain_order=True)
        .drop_nulls().first().alias("model"),
    )
    agg = s.group_by("trace_id", maintain_order=True).agg(
        pl.col("_start").min().alias("timestamp"),
        pl.col("end").max().alias("_end"),
        (pl.col("status").str.to_lowercase().is_in(["error", "failed", "failure"])).any().alias("_err"),
        pl.col("status").drop_nulls().first().alias("_status"),
    )
    out = (
        agg.join(roots, on="trace_id", how="left")
        .join(llm_io, on="trace_id", how="left")
        .with_columns(
            input=pl.coalesce("_root_in", "_llm_in"),
            output=pl.coalesce("_root_out", "_llm_out"),
            latency_ms=(pl.col("_end") - pl.col("timestamp")).dt.total_microseconds().cast(pl.Float64) / 1000.0,
            input_tokens=pl.when(pl.col("_has_in_tok")).then(pl.col("input_tokens")),
            output_tokens=pl.when(pl.col("_has_out_tok")).then(pl.col("output_tokens")),
            status=pl.when(pl.col("_err")).then(pl.lit("error")).otherwise(pl.col("_status")),
        )
        .select("trace_id", "timestamp", "model", "input", "output", "latency_ms",
                "input_tokens", "output_tokens", "status")
    )
    return out
