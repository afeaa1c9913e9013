"""Stand-ins for feedback_lab._configs (FeedbackConfig, RubricItem) until it lands on this branch.

The widgets and the store are duck-typed on these attributes; ``load()`` returns the real
classes when ``feedback_lab._configs`` exists, these otherwise.
"""

from __future__ import annotations

import dataclasses
import importlib.util

_BOOL = {"pass": 1.0, "fail": 0.0, "true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0}


@dataclasses.dataclass(frozen=True)
class RubricItem:
    config: str
    guidance: str
    positive_examples: tuple = ()
    negative_examples: tuple = ()
    edge_cases: tuple = ()
    version: str = "1"


@dataclasses.dataclass(frozen=True)
class FeedbackConfig:
    name: str
    kind: str = "numeric"
    min: float | None = None
    max: float | None = None
    labels: tuple | None = None
    max_length: int | None = None
    direction: str = "maximize"
    description: str = ""

    def validate_value(self, value=None, label=None, comment=None):
        if self.kind == "numeric":
            if value is None:
                return "wrong type: numeric feedback needs a number in 'value', got none"
            if self.min is not None and value < self.min:
                return f"out of range: {value} is below min {self.min}"
            if self.max is not None and value > self.max:
                return f"out of range: {value} is above max {self.max}"
            return None
        if self.kind == "boolean":
            if value is not None:
                return None if value in (0, 1) else f"out of range: boolean value must be 0 or 1, got {value!r}"
            if label is None or str(label).lower() not in _BOOL:
                return f"unknown label: {label!r} is not a boolean label"
            return None
        if self.kind == "categorical":
            if label not in (self.labels or ()):
                return f"unknown label: {label!r} is not one of {list(self.labels)}"
            return None
        text = comment if comment is not None else label
        if not text or not str(text).strip():
            return "empty text: text feedback needs a comment"
        if self.max_length is not None and len(text) > self.max_length:
            return f"text too long: {len(text)} characters, max_length is {self.max_length}"
        return None


def load():
    """``(FeedbackConfig, RubricItem)``: the real classes when available, else the stand-ins."""
    if importlib.util.find_spec("feedback_lab._configs") is not None:
        from feedback_lab._configs import FeedbackConfig as RealConfig
        from feedback_lab._configs import RubricItem as RealRubric

        return RealConfig, RealRubric
    return FeedbackConfig, RubricItem
