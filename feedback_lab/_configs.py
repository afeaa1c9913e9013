"""Feedback configuration: the organisation-wide :class:`FeedbackConfig`, the task-specific
:class:`RubricItem` attached to it (their YAML/JSON files, which a team keeps in git, are
read and written by :mod:`feedback_lab._configs_io`).

Three layers (DESIGN.md): a *config* says what a score may be (a numeric range,
pass/fail, a categorical set, free text) and which direction is better; *rubric items*
give annotators guidance and examples for one task; *feedback entries* (rows of the
canonical ``feedback`` frame) are checked against their config by
:func:`feedback_lab.validate_feedback`.
"""

from __future__ import annotations

import dataclasses
import math
import numbers
from collections.abc import Iterable, Mapping
from typing import Any, Literal

from feedback_lab._validation import did_you_mean

__all__ = ["FeedbackConfig", "RubricItem"]

KINDS = ("numeric", "boolean", "categorical", "text")
DIRECTIONS = ("maximize", "minimize")
#: labels accepted for ``kind="boolean"`` and the value each stands for
BOOLEAN_LABELS = {
    "pass": 1.0, "fail": 0.0, "true": 1.0, "false": 0.0, "yes": 1.0, "no": 0.0,
    "good": 1.0, "bad": 0.0, "thumbs_up": 1.0, "thumbs_down": 0.0, "correct": 1.0,
    "incorrect": 0.0, "positive": 1.0, "negative": 0.0, "1": 1.0, "0": 0.0,
}


def _is_missing(x: Any) -> bool:
    if x is None:
        return True
    try:
        return bool(isinstance(x, float) and math.isnan(x)) or (x != x)
    except TypeError:  # pd.NA in boolean context
        return True


def _as_tuple(x: Any, field: str, owner: str) -> tuple[str, ...]:
    if x is None:
        return ()
    if isinstance(x, str):
        return (x,)
    if not isinstance(x, Iterable):
        msg = f"{owner}: {field} must be a list of strings, got {type(x).__name__}."
        raise TypeError(msg)
    return tuple(str(v) for v in x)


@dataclasses.dataclass(frozen=True)
class RubricItem:
    """Task-specific guidance for annotators, attached to one :class:`FeedbackConfig`.

    Parameters
    ----------
    config : str or FeedbackConfig
        The config this item belongs to (stored as its name).
    guidance : str
        What to look for, in the words the team uses.
    positive_examples, negative_examples, edge_cases : list of str
        Short examples of outputs that pass, fail, or need judgement.
    version : str
        Rubric version, so labels can be traced back to the guidance in force.

    Examples
    --------
    >>> item = RubricItem("verdict", "Fail answers that cite a policy that does not exist.",
    ...                   negative_examples=["Per policy 12.4 you get a refund."])
    >>> item.config, item.version
    ('verdict', '1')
    """

    config: str
    guidance: str
    positive_examples: tuple[str, ...] = ()
    negative_examples: tuple[str, ...] = ()
    edge_cases: tuple[str, ...] = ()
    version: str = "1"

    def __post_init__(self) -> None:
        cfg = self.config
        if isinstance(cfg, FeedbackConfig):
            cfg = cfg.name
        if not isinstance(cfg, str) or not cfg.strip():
            msg = f"RubricItem: config must be a FeedbackConfig or its non-empty name, got {self.config!r}."
            raise ValueError(msg)
        object.__setattr__(self, "config", cfg)
        if not isinstance(self.guidance, str) or not self.guidance.strip():
            msg = f"RubricItem for {cfg!r}: guidance must be a non-empty string, got {self.guidance!r}."
            raise ValueError(msg)
        for f in ("positive_examples", "negative_examples", "edge_cases"):
            object.__setattr__(self, f, _as_tuple(getattr(self, f), f, f"RubricItem for {cfg!r}"))
        object.__setattr__(self, "version", str(self.version))

    def to_dict(self) -> dict[str, Any]:
        """Plain dict (lists instead of tuples), as written to YAML/JSON."""
        d = dataclasses.asdict(self)
        return {k: list(v) if isinstance(v, tuple) else v for k, v in d.items()}


@dataclasses.dataclass(frozen=True)
class FeedbackConfig:
    """What one kind of feedback may hold, and which direction is better.

    Parameters
    ----------
    name : str
        Feedback name, matched against ``feedback.name``.
    kind : {"numeric", "boolean", "categorical", "text"}
        ``numeric`` scores in ``[min, max]`` (either bound may be open);
        ``boolean`` pass/fail as value 0/1 or a label such as ``pass``/``fail``;
        ``categorical`` one of at least two distinct ``labels``;
        ``text`` a non-empty comment of at most ``max_length`` characters.
    min, max : float, optional
        Numeric range (inclusive). ``min > max`` raises ValueError.
    labels : list of str, optional
        Categorical labels (required for, and only for, ``categorical``).
    max_length : int, optional
        Text length limit (``text`` only).
    direction : {"maximize", "minimize"}
        Whether higher values are better (a rating) or worse (a toxicity score).
    description : str
        Free text shown to annotators.
    rubric : list of RubricItem
        Task-specific guidance attached to this config.
    step : float, optional
        Increment for numeric controls; defaults to 1 for integer bounds, else 1/100 of the range.

    Raises
    ------
    ValueError
        Invalid configuration (unknown kind, ``min > max``, fewer than two distinct labels,
        options that do not apply to the kind, non-positive ``max_length``).

    Examples
    --------
    >>> rating = FeedbackConfig(name="rating", kind="numeric", min=1, max=5)
    >>> rating.validate_value(4) is None, rating.validate_value(7)
    (True, 'out of range: 7 is above max 5')
    >>> FeedbackConfig(name="issue", kind="categorical", labels=["format"])
    Traceback (most recent call last):
    ...
    ValueError: FeedbackConfig 'issue': a categorical config needs at least two distinct labels, got ['format'].
    >>> rating.control()["widget"], rating.control()["step"]
    ('slider', 1)
    """

    name: str
    kind: Literal["numeric", "boolean", "categorical", "text"] = "numeric"
    _: dataclasses.KW_ONLY
    min: float | None = None
    max: float | None = None
    labels: tuple[str, ...] | None = None
    max_length: int | None = None
    direction: Literal["maximize", "minimize"] = "maximize"
    description: str = ""
    rubric: tuple[RubricItem, ...] = ()
    step: float | None = None

    def __post_init__(self) -> None:
        who = f"FeedbackConfig {self.name!r}"
        if not isinstance(self.name, str) or not self.name.strip():
            msg = f"FeedbackConfig: name must be a non-empty string, got {self.name!r}."
            raise ValueError(msg)
        if self.kind not in KINDS:
            msg = f"{who}: kind must be one of {list(KINDS)}, got {self.kind!r}.{did_you_mean(str(self.kind), KINDS)}"
            raise ValueError(msg)
        if self.direction not in DIRECTIONS:
            msg = f"{who}: direction must be 'maximize' or 'minimize', got {self.direction!r}."
            raise ValueError(msg)
        for bound in ("min", "max", "step"):
            v = getattr(self, bound)
            if v is not None and (isinstance(v, bool) or not isinstance(v, numbers.Real) or not math.isfinite(v)):
                msg = f"{who}: {bound} must be a finite number, got {v!r}."
                raise ValueError(msg)
        if self.kind != "numeric" and (self.min is not None or self.max is not None or self.step is not None):
            msg = f"{who}: min/max/step apply to kind='numeric' only (kind is {self.kind!r})."
            raise ValueError(msg)
        if self.min is not None and self.max is not None and self.min > self.max:
            msg = f"{who}: min ({self.min}) is greater than max ({self.max}). Swap them."
            raise ValueError(msg)
        if self.step is not None and self.step <= 0:
            msg = f"{who}: step must be positive, got {self.step}."
            raise ValueError(msg)
        if self.kind == "categorical":
            labels = _as_tuple(self.labels, "labels", who)
            if len(set(labels)) < 2:
                msg = f"{who}: a categorical config needs at least two distinct labels, got {list(labels)}."
                raise ValueError(msg)
            dupes = sorted({x for x in labels if labels.count(x) > 1})
            if dupes:
                msg = f"{who}: labels must be distinct; {dupes} appear more than once."
                raise ValueError(msg)
            object.__setattr__(self, "labels", labels)
        elif self.labels is not None:
            msg = f"{who}: labels apply to kind='categorical' only (kind is {self.kind!r})."
            raise ValueError(msg)
        if self.max_length is not None:
            if self.kind != "text":
                msg = f"{who}: max_length applies to kind='text' only (kind is {self.kind!r})."
                raise ValueError(msg)
            if isinstance(self.max_length, bool) or not isinstance(self.max_length, numbers.Integral) or self.max_length < 1:
                msg = f"{who}: max_length must be a positive integer, got {self.max_length!r}."
                raise ValueError(msg)
        rubric = []
        for item in self.rubric or ():
            if isinstance(item, Mapping):
                item = RubricItem(**{"config": self.name, **item})
            if not isinstance(item, RubricItem):
                msg = f"{who}: rubric entries must be RubricItem objects or dicts, got {type(item).__name__}."
                raise TypeError(msg)
            if item.config != self.name:
                msg = f"{who}: rubric item is attached to config {item.config!r}, not {self.name!r}."
                raise ValueError(msg)
            rubric.append(item)
        object.__setattr__(self, "rubric", tuple(rubric))

    # ------------------------------------------------------------------ widget support
    def control(self) -> dict[str, Any]:
        """What an annotation widget should draw for this config.

        Returns
        -------
        dict
            ``kind``, ``widget`` (``slider`` for bounded numbers, ``number`` for open ranges,
            ``toggle`` for boolean, ``dropdown`` for categorical, ``textarea`` for text),
            ``min``, ``max``, ``step``, ``labels``, ``max_length``, ``direction``, ``description``.
        """
        widget = {"boolean": "toggle", "categorical": "dropdown", "text": "textarea"}.get(self.kind)
        step = self.step
        if self.kind == "numeric":
            bounded = self.min is not None and self.max is not None
            widget = "slider" if bounded else "number"
            if step is None:
                ints = all(v is None or float(v).is_integer() for v in (self.min, self.max))
                step = 1 if ints or not bounded else (self.max - self.min) / 100
        labels = list(self.labels) if self.kind == "categorical" else (["pass", "fail"] if self.kind == "boolean" else None)
        return {
            "kind": self.kind, "widget": widget, "min": self.min, "max": self.max, "step": step,
            "labels": labels, "max_length": self.max_length, "direction": self.direction,
            "description": self.description,
        }

    # ------------------------------------------------------------------ validation
    def validate_value(self, value: Any = None, label: Any = None, comment: Any = None) -> str | None:
        """Why an entry does not fit this config, or ``None`` when it does.

        ``numeric`` reads ``value``; ``boolean`` reads ``value`` (0/1) or ``label``
        (``pass``/``fail``, ``true``/``false``, ...); ``categorical`` reads ``label``;
        ``text`` reads ``comment`` (or ``label`` when there is no comment).

        Examples
        --------
        >>> FeedbackConfig("verdict", "boolean").validate_value(label="maybe")
        "unknown label: 'maybe' is not a boolean label (pass/fail, true/false, yes/no, 1/0)"
        >>> FeedbackConfig("note", "text", max_length=5).validate_value(comment="too long")
        'text too long: 8 characters, max_length is 5'
        """
        value = None if _is_missing(value) else value
        label = None if _is_missing(label) else label
        comment = None if _is_missing(comment) else comment
        if self.kind == "numeric":
            if value is None:
                return "wrong type: numeric feedback needs a number in 'value', got none" + (
                    f" (label is {label!r})" if label is not None else "")
            if isinstance(value, bool) or not isinstance(value, numbers.Real):
                return f"wrong type: expected a number, got {type(value).__name__} {value!r}"
            if not math.isfinite(float(value)):
                return f"wrong type: expected a finite number, got {value!r}"
            v = float(value)
            shown = int(v) if v.is_integer() else v
            if self.min is not None and v < self.min:
                return f"out of range: {shown} is below min {self.min}"
            if self.max is not None and v > self.max:
                return f"out of range: {shown} is above max {self.max}"
            return None
        if self.kind == "boolean":
            if value is not None:
                if isinstance(value, bool):
                    value = float(value)
                if not isinstance(value, numbers.Real):
                    return f"wrong type: boolean feedback needs value 0 or 1, got {type(value).__name__} {value!r}"
                if float(value) not in (0.0, 1.0):
                    return f"out of range: boolean value must be 0 or 1, got {value!r}"
                if label is not None and str(label).strip().lower() in BOOLEAN_LABELS and (
                        BOOLEAN_LABELS[str(label).strip().lower()] != float(value)):
                    return f"conflict: value {value!r} and label {label!r} disagree"
                return None
            if label is None:
                return "wrong type: boolean feedback needs value 0/1 or a pass/fail label, got neither"
            if str(label).strip().lower().replace(" ", "_") not in BOOLEAN_LABELS:
                return f"unknown label: {label!r} is not a boolean label (pass/fail, true/false, yes/no, 1/0)"
            return None
        if self.kind == "categorical":
            if label is None:
                return f"wrong type: categorical feedback needs a label, one of {list(self.labels)}"
            if str(label) not in self.labels:
                return f"unknown label: {label!r} is not one of {list(self.labels)}.{did_you_mean(str(label), self.labels)}"
            return None
        text = comment if comment is not None else label
        if text is None or not isinstance(text, str):
            return "empty text: text feedback needs a comment" if text is None else (
                f"wrong type: text feedback needs a string, got {type(text).__name__}")
        if not text.strip():
            return "empty text: the comment is blank"
        if self.max_length is not None and len(text) > self.max_length:
            return f"text too long: {len(text)} characters, max_length is {self.max_length}"
        return None

    def is_negative(self, value: float) -> bool:
        """True when ``value`` is on the worse side of the scale midpoint (numeric/boolean)."""
        lo = 0.0 if self.kind == "boolean" else self.min
        hi = 1.0 if self.kind == "boolean" else self.max
        if lo is None or hi is None:
            msg = f"FeedbackConfig {self.name!r}: is_negative needs both min and max."
            raise ValueError(msg)
        mid = (lo + hi) / 2
        return value > mid if self.direction == "minimize" else value < mid

    # ------------------------------------------------------------------ persistence
    def to_dict(self) -> dict[str, Any]:
        """Plain dict holding only the fields that are set (as written to YAML/JSON)."""
        out: dict[str, Any] = {"name": self.name, "kind": self.kind}
        for f in ("min", "max", "step", "max_length"):
            if getattr(self, f) is not None:
                out[f] = getattr(self, f)
        if self.labels is not None:
            out["labels"] = list(self.labels)
        if self.direction != "maximize":
            out["direction"] = self.direction
        if self.description:
            out["description"] = self.description
        if self.rubric:
            out["rubric"] = [{k: v for k, v in r.to_dict().items() if k != "config"} for r in self.rubric]
        return out

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> FeedbackConfig:
        """Inverse of :meth:`to_dict`; unknown keys raise ValueError naming them."""
        fields = {f.name for f in dataclasses.fields(cls)} - {"_"}
        unknown = sorted(set(d) - fields)
        if unknown:
            msg = (f"FeedbackConfig {d.get('name')!r}: unknown key(s) {unknown}; allowed: {sorted(fields)}."
                   f"{did_you_mean(unknown[0], fields)}")
            raise ValueError(msg)
        if "name" not in d:
            msg = f"FeedbackConfig: every config needs a 'name'; got keys {sorted(d)}."
            raise ValueError(msg)
        kw = dict(d)
        name = kw.pop("name")
        kind = kw.pop("kind", "numeric")
        kw["rubric"] = tuple(RubricItem(**{"config": name, **r}) for r in kw.get("rubric") or ())
        return cls(name, kind, **kw)
