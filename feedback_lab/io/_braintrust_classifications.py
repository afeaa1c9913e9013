"""Braintrust ``classifications`` -> feedback rows (for :mod:`feedback_lab.io._braintrust`).

Braintrust stores the labels of classifier functions as a top-level ``classifications`` field on
experiment and log events: ``{"<classifier name>": [ClassificationItem, ...]}``, an item being
``{"id": str, "label"?: str, "confidence"?: number | null, "metadata"?: {...}, "source"?:
SavedFunctionId}`` (braintrust-spec ``docs/telemetry/classifier.md`` and
``docs/features/classifiers.md``; the SDKs log it on the eval's root span, e.g. Java
``EvalSpanDecorator.toClassificationItem``, Go ``eval.go`` ``braintrust.classifications``).

One feedback row per item: ``name`` the classifier name, ``label`` the item's ``label`` (its ``id``
when absent, as the spec tells consumers), ``value`` its ``confidence`` (null when absent), on the
row's span and trace. A classifier is a function, not a person (``source``, set for online
scoring, names the saved function, which becomes ``annotator``), and the item does not say whether
an LLM ran inside it: as for scorer spans, ``annotator_kind`` is ``llm`` when the item's metadata
holds an LLM judge's ``rationale``/``choice``, else ``code``. ``metadata`` keeps the item's ``id``,
``metadata`` and ``source``.

Examples
--------
>>> row = {"trace_id": "t1", "span_id": "s1", "_created": "2025-03-01T10:00:00Z"}
>>> [(r["name"], r["label"], r["value"], r["annotator_kind"]) for r in classification_rows(
...     row, {"topic": [{"id": "billing", "label": "Billing", "confidence": 0.9}]})]
[('topic', 'Billing', 0.9, 'code')]
"""

from __future__ import annotations

from typing import Any

from feedback_lab.io._platform_common import BadRecord, as_float, jdump

__all__ = ["classification_rows", "judged_by_llm"]


def judged_by_llm(meta: Any) -> bool:
    """True when a scorer's metadata holds an LLM judge's ``rationale`` or ``choice`` (autoevals'
    LLM classifiers leave them); a scorer without them is code."""
    return isinstance(meta, dict) and any(k in meta for k in ("rationale", "choice"))


def classification_rows(row: dict, value: Any) -> list[dict]:
    """Feedback rows for the ``classifications`` field of the span row ``row``.

    Raises
    ------
    BadRecord
        When the field is not ``{name: [item, ...]}`` or an item has no ``id`` (the spec requires
        one), so that the record goes to ``rejects`` with the reason.
    """
    if value is None:
        return []
    if not isinstance(value, dict):
        raise BadRecord(f"classifications must be an object (classifier name -> list of items), got "
                        f"{type(value).__name__}")
    out = []
    for name, items in value.items():
        if not isinstance(items, list):
            raise BadRecord(f"classifications[{name!r}] must be a list of items, got {type(items).__name__}")
        for i, item in enumerate(items):
            where = f"classifications[{name!r}][{i}]"
            if not isinstance(item, dict) or not isinstance(item.get("id"), str) or not item["id"]:
                raise BadRecord(f"{where} must be an object with a non-empty string 'id', got {item!r:.80}")
            label = item.get("label")
            if label is not None and not isinstance(label, str):
                raise BadRecord(f"{where}.label must be a string, got {type(label).__name__}")
            meta = item.get("metadata")
            source = item.get("source")
            llm = judged_by_llm(meta)
            who = source.get("name", source.get("id")) if isinstance(source, dict) else None
            extra = {"classification_id": item["id"], "metadata": meta, "source": source}
            out.append({"trace_id": row["trace_id"], "span_id": row["span_id"], "name": str(name),
                        "value": as_float(item.get("confidence"), f"{where}.confidence"), "label": label or item["id"],
                        "comment": None, "annotator_kind": "llm" if llm else "code",
                        "annotator": who if isinstance(who, str) else None, "timestamp": row["_created"],
                        "metadata": jdump({k: v for k, v in extra.items() if v is not None}), "_scorer": False})
    return out
