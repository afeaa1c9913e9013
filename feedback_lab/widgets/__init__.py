"""ipywidgets over the public functions (hold UI state only): ``fl.widgets.AnnotationQueue`` etc."""

from feedback_lab._lazy import lazy_getattr

_EXPORTS = {
    "AnnotationQueue": "feedback_lab.widgets._queue",
    "TraceViewer": "feedback_lab.widgets._viewer",
    "ClusterExplorer": "feedback_lab.widgets._explorer",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
