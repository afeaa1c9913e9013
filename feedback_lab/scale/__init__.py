"""Scale-out on Ray Data (optional extra ``feedback_lab[ray]``): ``fl.scale.embed_dataset`` etc."""

from feedback_lab._lazy import lazy_getattr

_EXPORTS = {
    "embed_dataset": "feedback_lab.scale._ray",
    "assign_clusters": "feedback_lab.scale._ray",
    "drift_statistics": "feedback_lab.scale._ray",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
