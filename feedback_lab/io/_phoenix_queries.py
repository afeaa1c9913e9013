"""Frames of Phoenix's span queries and RAG helpers -> the spans dataframe's columns, for
:mod:`feedback_lab.io._phoenix`.

``client.spans.get_spans_dataframe(query=SpanQuery()...select(...))`` names each selected attribute
without the ``attributes.`` prefix (``input.value``, ``llm.model_name``) or as ``.rename(...)`` says,
and the helpers of ``phoenix.client.helpers.spans`` that Phoenix's docs give for RAG evaluation
rename them further:

- ``get_input_output_context`` (formerly ``get_qa_with_reference``): one row per root span,
  ``context.span_id`` (the index), ``context.trace_id, input, output, metadata`` and ``context`` (the
  retrieved documents' text joined);
- ``get_retrieved_documents``: one row per retrieved document, indexed by ``context.span_id`` and
  ``document_position``, with ``context.trace_id, input, document, document_score,
  document_metadata``.

Such a frame has no ``attributes.*`` column, and a column a query names (``input``,
``input.value``, ``llm.*``...). :func:`query_frame` gives it the spans dataframe's
names (``input`` -> ``attributes.input.value``, ``input.value`` -> ``attributes.input.value``, any
other column -> ``attributes.<name>``, so that it is kept in the span's attributes), puts the
document rows of one span back into one span (``attributes.retrieval.documents``, a list of
``document.content``/``document.score``/``document.metadata`` objects, as OpenInference records
them), and, when the query selected no trace id, reads each span as its own trace, with a
warning that says how to select it (a query indexed by trace id, ``.with_index("trace_id")``,
has no span ids: each row is its trace's one span, with a warning too).
"""

from __future__ import annotations

import warnings
from pathlib import Path

__all__ = ["query_frame"]

#: columns that are the span's own fields in the spans dataframe (not attributes), with the other
#: id columns the reader takes and an empty ``attributes`` object (no ``attributes.*`` column)
_FIELDS = frozenset({"context.span_id", "context.trace_id", "parent_id", "name", "span_kind", "start_time",
                     "end_time", "status_code", "status_message", "events", "document_position", "span_id",
                     "trace_id", "parent_span_id", "attributes", "context"})
#: how the attribute keys a query selects start (OpenInference semantic conventions)
_KEYS = ("input.", "output.", "llm.", "retrieval.", "session.", "user.", "tag.", "metadata", "embedding.",
         "tool.", "reranker.", "document.", "openinference.", "exception.", "prompt.")
#: the helpers' renamed texts
_RENAMED = {"input": "attributes.input.value", "output": "attributes.output.value"}
#: ``get_retrieved_documents``' columns -> the keys of an OpenInference document
_DOCUMENT = {"document": "document.content", "document_score": "document.score",
             "document_metadata": "document.metadata", "document_id": "document.id"}


def is_query_frame(columns: list[str]) -> bool:
    """Whether a flat Phoenix frame is a span query's projection: span ids, but no ``attributes.*``
    column and something besides the span's own fields.

    Examples
    --------
    >>> is_query_frame(["context.trace_id", "input", "output", "context", "context.span_id", "_line"])
    True
    >>> is_query_frame(["context.span_id", "context.trace_id", "attributes.input.value", "_line"])
    False
    """
    data = [c for c in columns if not c.startswith("_")]
    return (("context.span_id" in data or "context.trace_id" in data) and not any(c.startswith("attributes.") for c in data)
            and any(c in _RENAMED or c == "document_position" or c.startswith(_KEYS) for c in data))


def query_frame(frame, path: Path):
    """A span query's frame (a DataFrame or LazyFrame of :func:`._phoenix_load.load_flat`) with the
    spans dataframe's column names (see the module docstring); other frames are returned as they are.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"context.trace_id": ["t", "t"], "input": ["q", "q"], "document": ["a", "b"],
    ...                    "document_score": [0.9, 0.4], "context.span_id": ["s", "s"],
    ...                    "document_position": [0, 1], "_line": [1, 2]})
    >>> out = query_frame(df, Path("docs.parquet"))
    >>> out.columns
    ['context.span_id', 'context.trace_id', 'attributes.input.value', '_line', 'attributes.retrieval.documents']
    >>> out["attributes.retrieval.documents"].to_list()
    [[{'document.content': 'a', 'document.score': 0.9}, {'document.content': 'b', 'document.score': 0.4}]]
    """
    import polars as pl

    from feedback_lab.io._phoenix_load import frame_schema

    names = frame_schema(frame).names()
    if not is_query_frame(names):
        return frame
    if "context.span_id" not in names:  # .with_index("trace_id"): the rows are keyed by their trace
        warnings.warn(f"{path}: a span query indexed by trace id (no 'context.span_id' column): each row is read "
                      "as its trace's one span. Keep the span ids (the default index) to read several spans of "
                      "a trace.", UserWarning, stacklevel=4)
        frame = frame.with_columns(pl.col("context.trace_id").alias("context.span_id"))
        names = frame_schema(frame).names()
    docs = [c for c in names if c in _DOCUMENT] if "document_position" in names else []
    if docs:  # get_retrieved_documents: a row per document -> a row per retriever span
        rest = [c for c in names if c not in docs and c not in ("context.span_id", "document_position")]
        order = pl.col("document_position").cast(pl.Int64, strict=False)  # text in a CSV: "10" after "9"
        frame = frame.sort(pl.col("context.span_id"), order, maintain_order=True).group_by(
            "context.span_id", maintain_order=True).agg(
            *[pl.col(c).first() for c in rest],
            pl.struct(pl.col(c).alias(_DOCUMENT[c]) for c in docs).alias("retrieval.documents"))
        names = frame_schema(frame).names()
    keep = {"context"} if "context" in names and frame_schema(frame)["context"] == pl.String else set()  # joined docs
    frame = frame.rename({c: _RENAMED.get(c, f"attributes.{c}") for c in names
                          if not c.startswith("_") and (c not in _FIELDS or c in keep)}).drop(
        [c for c in ("document_position",) if c in names])
    if "context.trace_id" not in names:
        warnings.warn(f"{path}: a span query without trace ids (no 'context.trace_id' column): each span is read "
                      "as its own trace. Select it to keep the spans of a trace together: "
                      "SpanQuery().select('trace_id', ...).", UserWarning, stacklevel=4)
        frame = frame.with_columns(pl.col("context.span_id").alias("context.trace_id"))
    return frame
