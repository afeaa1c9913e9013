"""Dataframes saved with pandas' ``DataFrame.to_json`` in its whole-document orients, as rows.

``df.to_json("spans.json")`` writes the default orient, ``"columns"``: ``{column: {index label:
value}}``. The other whole-document orients are ``"index"`` (``{index label: {column: value}}``),
``"split"`` (``{"columns": [...], "index": [...], "data": [[...], ...]}``) and ``"table"``
(``{"schema": {...}, "data": [{...}, ...]}``, the index a column of its own). ``"records"``
(``[{...}, ...]``, or JSONL with ``lines=True``) is already a list of rows and is not handled here.

The index labels of ``"columns"``, ``"index"`` and ``"split"`` become an ``_index`` column (their
name is not saved): a Phoenix spans dataframe's index is its span ids, an annotations
dataframe's the span ids annotated, and the readers take ``_index`` as the span id where no id
column is present.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

__all__ = ["pandas_json_rows"]


def _same_keys(values: list) -> bool:
    """Every value a non-empty dict, all with the same keys."""
    if not values or not all(isinstance(v, dict) and v for v in values):
        return False
    first = values[0].keys()
    return all(v.keys() == first for v in values)


def pandas_json_rows(doc: Any, is_column: Callable[[str], bool]) -> list[dict] | None:
    """The rows of a dataframe ``doc`` that ``DataFrame.to_json`` wrote in the ``"columns"``,
    ``"index"``, ``"split"`` or ``"table"`` orient, else ``None``. ``is_column(name)`` tells the
    reader's column names from index labels (``"columns"`` and ``"index"`` orients look alike).

    Examples
    --------
    >>> known = {"name", "span_kind"}.__contains__
    >>> pandas_json_rows({"name": {"s1": "chat", "s2": "tool"}, "span_kind": {"s1": "LLM", "s2": None}}, known)
    [{'name': 'chat', 'span_kind': 'LLM', '_index': 's1'}, {'name': 'tool', 'span_kind': None, '_index': 's2'}]
    >>> pandas_json_rows({"s1": {"name": "chat", "span_kind": "LLM"}}, known)
    [{'name': 'chat', 'span_kind': 'LLM', '_index': 's1'}]
    >>> pandas_json_rows({"columns": ["name"], "index": ["s1"], "data": [["chat"]]}, known)
    [{'name': 'chat', '_index': 's1'}]
    >>> pandas_json_rows({"name": "chat", "span_kind": "LLM"}, known) is None  # one record
    True
    """
    if not isinstance(doc, dict) or not doc:
        return None
    if isinstance(doc.get("schema"), dict) and "fields" in doc["schema"] and isinstance(doc.get("data"), list):
        rows = doc["data"]  # "table": records, the index among the columns
        return rows if all(isinstance(r, dict) for r in rows) else None
    cols, data = doc.get("columns"), doc.get("data")
    if set(doc) <= {"columns", "index", "data"} and isinstance(cols, list) and isinstance(data, list):
        index = doc.get("index")
        if not all(isinstance(r, list) and len(r) == len(cols) for r in data) or (
                index is not None and (not isinstance(index, list) or len(index) != len(data))):
            return None
        rows = [dict(zip(cols, r, strict=True)) for r in data]
        if index is not None and "_index" not in cols:
            for row, label in zip(rows, index, strict=True):
                row["_index"] = label
        return rows
    values = list(doc.values())
    if not _same_keys(values):
        return None
    outer, inner = list(doc), list(values[0])
    if any(is_column(c) for c in outer):  # "columns": {column: {label: value}}
        return [{**{c: doc[c][label] for c in outer}, "_index": label} for label in inner]
    if any(is_column(c) for c in inner):  # "index": {label: {column: value}}
        return [{**row, "_index": label} for label, row in doc.items()]
    return None
