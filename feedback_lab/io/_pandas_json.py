"""Dataframes saved with pandas' ``DataFrame.to_json`` in its whole-document orients, as rows.

``df.to_json("spans.json")`` writes the default orient, ``"columns"``: ``{column: {index label:
value}}``. The other whole-document orients are ``"index"`` (``{index label: {column: value}}``),
``"split"`` (``{"columns": [...], "index": [...], "data": [[...], ...]}``) and ``"table"``
(``{"schema": {...}, "data": [{...}, ...]}``, the index a column of its own). ``"records"``
(``[{...}, ...]``, or JSONL with ``lines=True``) is already a list of rows and is not handled here.

The index labels of ``"columns"``, ``"index"`` and ``"split"`` become an ``_index`` column (their
name is not saved), as does the ``"index"`` column of ``"table"`` (an index without a name). A
Phoenix spans dataframe's index is its span ids, an annotations dataframe's the span ids
annotated: the Phoenix reader takes ``_index`` as the span id where no id column is present. The
other readers take only frames with a default index (:func:`range_frame_rows`), which holds nothing.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

__all__ = ["FRAME_HEAD", "frame_json_rows", "may_be_frame_json", "pandas_json_rows", "range_frame_rows"]

#: an object whose first value is an object or an array: how a whole-document ``to_json()`` starts
FRAME_HEAD = re.compile(rb'[\xef\xbb\xbf \t\r\n]*\{\s*"(?:[^"\\]|\\.)*"\s*:\s*[\[{]')


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
        rows = doc["data"]  # "table": records, the index among the columns ("index" when it has no name)
        if not all(isinstance(r, dict) for r in rows):
            return None
        if doc["schema"].get("primaryKey") == ["index"]:
            rows = [{("_index" if k == "index" else k): v for k, v in r.items()} for r in rows]
        return rows
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


def may_be_frame_json(head: bytes) -> bool:
    """Whether a file starting with ``head`` may be a whole-document ``to_json()``: it starts as one
    does, and is not JSONL (a first line that is a JSON value of its own, with more lines after).

    Examples
    --------
    >>> may_be_frame_json(b'{"trace_id": {"0": "t1"}}'), may_be_frame_json(b'{"m": {"k": 1}}\\n{"m": {}}\\n')
    (True, False)
    """
    if not FRAME_HEAD.match(head[:4096]):
        return False
    first, _, rest = head.partition(b"\n")
    if not rest.strip():
        return True
    try:
        json.loads(first.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return True  # a document over several lines (to_json(indent=...))
    return False


def frame_json_rows(data: bytes, is_column: Callable[[str], bool]) -> list[dict] | None:
    """:func:`pandas_json_rows` of a file's bytes; ``None`` when they are not such a document
    (:func:`may_be_frame_json`) or do not parse as one JSON value (a broken file: its reader says where)."""
    if not may_be_frame_json(data[:65536]):
        return None
    try:
        doc = json.loads(data.decode("utf-8-sig"))
    except (ValueError, RecursionError):
        return None
    return pandas_json_rows(doc, is_column)


def range_frame_rows(doc: Any) -> list[dict] | None:
    """The rows of ``doc`` when it is a dataframe with a default (0, 1, 2...) index that
    ``DataFrame.to_json`` wrote in a whole-document orient, for readers that do not know the
    column names: the ``"columns"`` and ``"index"`` orients are told apart by which side holds the
    index labels, and the index, which holds nothing, is dropped. Else ``None``.

    Examples
    --------
    >>> range_frame_rows({"id": {"0": "r1", "1": "r2"}, "name": {"0": "chat", "1": None}})
    [{'id': 'r1', 'name': 'chat'}, {'id': 'r2', 'name': None}]
    >>> range_frame_rows({"r1": {"id": "r1"}, "r2": {"id": "r2"}}) is None  # keyed by id: not a frame
    True
    """
    rows = pandas_json_rows(doc, lambda c: not c.isdigit())
    if not rows or not all(isinstance(r, dict) for r in rows):
        return None
    labels = [r.get("_index", "") for r in rows]
    if [str(x) for x in labels] != [str(i) for i in range(len(rows))]:
        return None
    return [{k: v for k, v in r.items() if k != "_index"} for r in rows]
