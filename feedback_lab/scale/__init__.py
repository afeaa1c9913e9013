"""Scale-out on Ray Data (optional extra ``feedback_lab[ray]``): ``fl.scale.embed_dataset`` etc.

Nothing here imports Ray until a function is called; a missing Ray raises
:class:`~feedback_lab.exceptions.MissingDependencyError` naming ``pip install "feedback_lab[ray]"``.
"""

from feedback_lab._lazy import lazy_getattr

_EXPORTS = {
    "embed_dataset": "feedback_lab.scale._embed",
    "EmbedDatasetResult": "feedback_lab.scale._embed",
    "read_embeddings": "feedback_lab.scale._embed",
    "ray_embedder": "feedback_lab.scale._embedder",
    "assign_clusters": "feedback_lab.scale._assign",
    "drift_statistics": "feedback_lab.scale._drift",
    "ScaleDriftResult": "feedback_lab.scale._drift",
    "connect": "feedback_lab.scale._common",
    "RayConnectionError": "feedback_lab.scale._common",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
