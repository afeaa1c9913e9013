"""Exceptions raised by feedback_lab.

Every error subclasses both :class:`FeedbackLabError` and the builtin a caller
would expect (``ValueError``, ``ImportError``, ``FileNotFoundError`` ...), so
``except ValueError`` keeps working for code that does not know feedback_lab.
"""

from __future__ import annotations

__all__ = [
    "ColumnNotFoundError",
    "FeedbackLabError",
    "FormatError",
    "MissingDependencyError",
    "SchemaError",
    "UnreadableFileError",
]


class FeedbackLabError(Exception):
    """Base class of every error feedback_lab raises on purpose."""


class MissingDependencyError(FeedbackLabError, ImportError):
    """An optional dependency needed by a feature is not installed."""


class SchemaError(FeedbackLabError, ValueError):
    """A frame does not have the columns or types an operation needs."""


class ColumnNotFoundError(SchemaError, KeyError):
    """A named column is absent; the message lists the available ones."""

    def __str__(self) -> str:  # KeyError would repr() the message
        return str(self.args[0]) if self.args else ""


class UnreadableFileError(FeedbackLabError, OSError):
    """A file cannot be read at all (missing, empty, binary, unknown format)."""


class FormatError(FeedbackLabError, ValueError):
    """A file's content does not match the format it was read as."""
