"""One annotation entry checked and turned into the row :class:`~feedback_lab.annotations.AnnotationStore`
stores (the order of :data:`feedback_lab.annotations._store.COLUMNS` after ``id``)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

__all__ = ["entry_row"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="microseconds")


def _check_text(x: Any, what: str, *, required: bool = False) -> str | None:
    if x is None:
        if required:
            msg = f"AnnotationStore: {what} is required (a non-empty string), got None."
            raise ValueError(msg)
        return None
    if not isinstance(x, str):
        msg = f"AnnotationStore: {what} must be a string, got {type(x).__name__} {x!r}."
        raise TypeError(msg)
    if required and not x.strip():
        msg = f"AnnotationStore: {what} must be a non-empty string, got {x!r}."
        raise ValueError(msg)
    return x


def entry_row(e: Mapping[str, Any]) -> tuple:
    """The stored row of an entry (a mapping with the keyword arguments of
    :meth:`AnnotationStore.add <feedback_lab.annotations.AnnotationStore.add>`); raises
    ``TypeError``/``ValueError`` naming what is wrong, before anything is written.

    Examples
    --------
    >>> entry_row({"trace_id": "t1", "name": "verdict", "annotator": "ana", "value": True})[:6]
    ('t1', 'verdict', 1.0, None, None, 'ana')
    >>> entry_row({"trace_id": "t1", "name": "verdict", "annotator": " "})
    Traceback (most recent call last):
    ...
    ValueError: AnnotationStore: annotator must be a non-empty string, got ' '.
    """
    trace_id = _check_text(e.get("trace_id"), "trace_id", required=True)
    name = _check_text(e.get("name"), "name", required=True)
    annotator = _check_text(e.get("annotator"), "annotator", required=True)
    value, label, comment = e.get("value"), e.get("label"), e.get("comment")
    if value is not None:
        if isinstance(value, bool):
            value = float(value)
        try:
            value = float(value)
        except (TypeError, ValueError):
            msg = f"AnnotationStore: value for {trace_id!r}/{name!r} must be a number, got {value!r}; put text in label or comment."
            raise TypeError(msg) from None
    label = None if label is None else str(label)
    _check_text(comment, "comment")
    config = e.get("config")
    if config is not None:
        if getattr(config, "name", name) != name:
            msg = f"AnnotationStore: entry name {name!r} does not match config {config.name!r}."
            raise ValueError(msg)
        reason = config.validate_value(value=value, label=label, comment=comment)
        if reason:
            msg = f"Invalid {name!r} annotation for trace {trace_id!r}: {reason}. Nothing was stored."
            raise ValueError(msg)
    meta = e.get("metadata")
    if meta is not None and not isinstance(meta, str):
        meta = json.dumps(meta, ensure_ascii=False, default=str)
    rubric_version = e.get("rubric_version")
    return (
        trace_id, name, value, label, comment, annotator, _now(),
        None if rubric_version is None else str(rubric_version),
        e.get("span_id"), e.get("span_start"), e.get("span_end"), e.get("span_text"), meta,
    )
