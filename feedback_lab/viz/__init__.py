"""Plotly figures from *Result objects and frames (plotly imported lazily; figures are never shown)."""

from feedback_lab._lazy import lazy_getattr

_EXPORTS = {
    "plot_clusters": "feedback_lab.viz._clusters",
    "plot_cluster_impact": "feedback_lab.viz._clusters",
    "plot_cluster_trends": "feedback_lab.viz._clusters",
    "plot_drift_timeline": "feedback_lab.viz._drift",
    "plot_drift_map": "feedback_lab.viz._drift",
    "plot_similarity_distribution": "feedback_lab.viz._drift",
    "plot_confusion": "feedback_lab.viz._agreement",
    "plot_agreement_by_segment": "feedback_lab.viz._agreement",
    "plot_rater_matrix": "feedback_lab.viz._agreement",
    "plot_feedback_trends": "feedback_lab.viz._trends",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
