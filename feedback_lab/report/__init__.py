"""The bi-weekly review: analyses + figures composed into an HTML report and summary.json; metrics out."""

from feedback_lab._lazy import lazy_getattr

_EXPORTS = {
    "run_review": "feedback_lab.report._review",
    "ReviewResult": "feedback_lab.report._review",
    "review_report": "feedback_lab.report._review",
    "review_metrics": "feedback_lab.report._metrics",
    "write_metrics": "feedback_lab.report._metrics",
    "write_alerts": "feedback_lab.report._metrics",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
