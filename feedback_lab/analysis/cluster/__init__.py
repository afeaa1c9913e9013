"""Failure-mode clustering: UMAP + HDBSCAN, error-mode tags, identity across reviews."""

from feedback_lab._lazy import lazy_getattr

_EXPORTS = {
    "cluster_failures": "feedback_lab.analysis.cluster._pipeline",
    "ClusterResult": "feedback_lab.analysis.cluster._result",
    "load_clusters": "feedback_lab.analysis.cluster._result",
    "match_clusters": "feedback_lab.analysis.cluster._match",
    "tag_error_modes": "feedback_lab.analysis.cluster._taxonomy",
    "ErrorMode": "feedback_lab.analysis.cluster._taxonomy",
    "DEFAULT_TAXONOMY": "feedback_lab.analysis.cluster._taxonomy",
    "propagate_labels": "feedback_lab.analysis.cluster._propagate",
    "PropagationResult": "feedback_lab.analysis.cluster._propagate",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
