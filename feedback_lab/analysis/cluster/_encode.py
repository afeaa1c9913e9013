"""The one place clustering reaches down to :func:`feedback_lab.analysis.embed.embed`."""

from __future__ import annotations

import numpy as np

__all__ = ["encode"]


def encode(texts, *, model=None, show_progress=None) -> np.ndarray:
    """L2-normalised float32 embeddings of ``texts`` with ``fl.embed`` (cached on disk)."""
    from feedback_lab.analysis.embed import embed

    return np.asarray(embed(list(texts), model=model, show_progress=show_progress), dtype=np.float32)
