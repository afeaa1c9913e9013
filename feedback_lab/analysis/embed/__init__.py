"""Sentence-transformers embeddings with an on-disk cache (the lowest analysis layer)."""

from feedback_lab._lazy import lazy_getattr

_EXPORTS = {
    "embed": "feedback_lab.analysis.embed._embed",
    "EmbeddingCache": "feedback_lab.analysis.embed._cache",
    "EmbeddingResult": "feedback_lab.analysis.embed._embed",
}
__all__ = sorted(_EXPORTS)
__getattr__ = lazy_getattr(__name__, _EXPORTS)
