"""Durable storage of human annotations (the AnnotationQueue widget writes here)."""

from feedback_lab._lazy import lazy_getattr

_EXPORTS = {
    "AnnotationStore": "feedback_lab.annotations._store",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
