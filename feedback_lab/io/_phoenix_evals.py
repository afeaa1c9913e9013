"""The scores of Phoenix's evals library in a span frame -> feedback rows, for :mod:`feedback_lab.io._phoenix`.

``phoenix.evals.evaluate_dataframe(dataframe, evaluators)`` returns the frame it was given (spans, or
a span query's frame such as ``get_input_output_context``'s) with, per score, a ``<name>_score``
column holding the ``Score`` (``name, score, label, explanation, metadata, kind, direction``), and,
per evaluator, a ``<evaluator>_execution_details`` column (``status, exceptions,
execution_seconds``). Saved with ``to_csv()`` the scores are Python reprs (JSON text once read),
saved as JSON lines they are objects, which the flat frame splits into ``<name>_score.<field>``
columns (``to_parquet()`` fails on such a frame: pyarrow cannot write the scores' empty
``metadata`` dicts).

:func:`eval_scores` takes the score columns out of the frame and gives a feedback row per score
on its span: ``value`` = ``score``, ``label``, ``comment`` = ``explanation``, annotator kind from
the score's ``kind`` (``llm``, ``code`` or ``human``), and the score's ``direction`` and
``metadata`` in the feedback metadata. The execution details (how the evaluator ran, not a
result) are dropped with them; an evaluator that failed on a row gives that row no score.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from feedback_lab.io._common import Rejects, loads_deep, to_float

__all__ = ["eval_scores"]

_FIELDS = ("name", "score", "label", "explanation", "metadata", "kind", "direction")
_KINDS = {"llm": "llm", "code": "code", "human": "human", "heuristic": "code"}


def _score_columns(schema) -> dict[str, list[str]]:
    """``{base: [its columns]}`` for each ``<name>_score`` column that holds a Score (a struct or
    text column of it, or its fields as ``<base>.<field>``); a plain number column such as
    ``get_retrieved_documents``' ``document_score`` is not one."""
    import polars as pl

    out: dict[str, list[str]] = {}
    for c, dtype in schema.items():
        base, _, field = c.partition(".")
        if not base.endswith("_score") or base.startswith("attributes"):
            continue
        if field and field.split(".")[0] in _FIELDS:
            out.setdefault(base, []).append(c)
        elif not field and (isinstance(dtype, pl.Struct) or dtype == pl.String):
            out.setdefault(base, []).append(c)
    return out


def _score(row: dict[str, Any], base: str, cols: list[str]) -> dict | None:
    if cols == [base]:
        v = row[base]
        v = loads_deep(v) if isinstance(v, str) else v
        return v if isinstance(v, dict) else None
    fields: dict[str, Any] = {}
    for c in cols:
        field = c[len(base) + 1:]
        head, _, rest = field.partition(".")
        if rest:  # metadata.<key>
            if row[c] is not None:
                fields.setdefault(head, {})[rest] = row[c]
        else:
            fields[head] = row[c]
    return fields if any(v is not None for v in fields.values()) else None


def eval_scores(frame, path: Path, rejects: Rejects):
    """``(frame without the evals columns, feedback rows frame or None)``; a frame without
    ``<name>_score`` columns is returned as it is, without a scan.

    Examples
    --------
    >>> import polars as pl
    >>> df = pl.DataFrame({"context.span_id": ["s1"], "context.trace_id": ["t1"], "input": ["q"],
    ...                    "correctness_score": ['{"name": "correctness", "score": 1.0, "label": "correct", '
    ...                                          '"explanation": "ok", "metadata": {}, "kind": "llm", "direction": "maximize"}'],
    ...                    "correctness_execution_details": ['{"status": "COMPLETED"}'], "_file": ["r.csv"], "_line": [1]})
    >>> rest, fb = eval_scores(df, Path("r.csv"), Rejects("phoenix"))
    >>> rest.columns, fb.select("trace_id", "span_id", "name", "value", "label", "comment", "annotator_kind").row(0)
    (['context.span_id', 'context.trace_id', 'input', '_file', '_line'], ('t1', 's1', 'correctness', 1.0, 'correct', 'ok', 'llm'))
    """
    import polars as pl

    from feedback_lab.io._phoenix_load import collect_frame, column, frame_schema
    from feedback_lab.io._platform_frames import parse_ts_columns, rows_frame

    schema = frame_schema(frame)
    scores = _score_columns(schema)
    if not scores:
        return frame, None
    used = [c for cols in scores.values() for c in cols]
    details = [c for c in schema if c.split(".")[0].endswith("_execution_details")]
    ids = {"_sid": column(schema, ["context.span_id", "span_id", "_index"]),
           "_tid": column(schema, ["context.trace_id", "trace_id"]) if ("context.trace_id" in schema or "trace_id" in schema)
           else column(schema, ["context.span_id", "span_id", "_index"])}  # a query without trace ids: a span per trace
    df = collect_frame(frame.select(*[pl.col(c) for c in used], pl.col("_file"), pl.col("_line"), **ids), path)
    rows = []
    for r in df.iter_rows(named=True):
        for base, cols in scores.items():
            s = _score(r, base, cols)
            if s is None:
                continue
            if r["_sid"] is None:
                rejects.add(r["_file"], r["_line"], f"score {base!r} on a row without context.span_id", json.dumps(
                    s, ensure_ascii=False, default=str))
                continue
            try:  # a number, or its text in a CSV of json_normalize's columns
                value = to_float(s.get("score"))
            except ValueError:
                value = None
            meta = dict(s["metadata"]) if isinstance(s.get("metadata"), dict) else {}
            meta = {k: v for k, v in {**meta, "direction": s.get("direction")}.items() if v is not None}
            rows.append({"trace_id": r["_tid"], "span_id": r["_sid"], "name": str(s.get("name") or base[:-len("_score")]),
                         "value": value,
                         "label": None if s.get("label") is None else str(s["label"]),
                         "comment": s.get("explanation"), "annotator_kind": _KINDS.get(str(s.get("kind") or "").lower()),
                         "annotator": None, "timestamp": None, "metadata": json.dumps(meta, ensure_ascii=False) if meta else None,
                         "_file": r["_file"], "_line": r["_line"], "_ref": None})
    fb = parse_ts_columns(rows_frame(rows, "feedback"), ("timestamp",), rejects, []) if rows else None
    return frame.drop(*used, *details), fb
