"""Loaders: raw exports of any platform -> canonical TraceSet (one module per format)."""

from feedback_lab._lazy import lazy_getattr

_EXPORTS = {
    "read_traces": "feedback_lab.io._read",
    "read_feedback": "feedback_lab.io._read",
    "sniff_format": "feedback_lab.io._registry",
    "list_formats": "feedback_lab.io._registry",
    "register_format": "feedback_lab.io._registry",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
