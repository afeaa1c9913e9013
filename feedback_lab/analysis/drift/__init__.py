"""Embedding drift between windows, drift timelines, attribution and similarity alerts."""

from feedback_lab._lazy import lazy_getattr

_EXPORTS = {
    "embedding_drift": "feedback_lab.analysis.drift._tests",
    "DriftResult": "feedback_lab.analysis.drift._tests",
    "drift_timeline": "feedback_lab.analysis.drift._timeline",
    "compare_windows": "feedback_lab.analysis.drift._timeline",
    "explain_drift": "feedback_lab.analysis.drift._explain",
    "similarity_alerts": "feedback_lab.analysis.drift._similarity",
    "calibrate_threshold": "feedback_lab.analysis.drift._similarity",
    "convert_similarity": "feedback_lab.analysis.drift._similarity",
    "metric_alerts": "feedback_lab.analysis.drift._alerts",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
