"""``fl.scale.ray_embedder``: an ``embedder`` callable for the review that embeds on Ray."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from typing import Any

import numpy as np

__all__ = ["ray_embedder"]


def ray_embedder(*, model: str | os.PathLike | None = None, ray_address: str | None = None,
                 **embed_kwargs: Any) -> Callable[[list], np.ndarray]:
    """A function ``texts -> embeddings`` that runs :func:`embed_dataset` on Ray.

    It gives the same array as ``fl.embed(texts, model=model)`` (rows aligned with ``texts``,
    zero rows for empty texts), computed by Ray workers; :func:`run_review` and the CLI
    (``feedback-lab review --engine ray``) take it as their ``embedder``. Connecting happens
    here, so a wrong ``ray_address`` fails before any data is read.

    Parameters
    ----------
    model, ray_address : optional
        As :func:`embed_dataset`.
    **embed_kwargs
        Further :func:`embed_dataset` arguments (``num_gpus_per_worker``, ``concurrency``,
        ``batch_size``, ``cache``...).

    Examples
    --------
    >>> embedder = ray_embedder(ray_address="auto")      # doctest: +SKIP
    >>> fl.run_review("exports/", embedder=embedder)      # doctest: +SKIP
    """
    from feedback_lab.scale._common import connect
    from feedback_lab.scale._embed import embed_dataset, read_embeddings

    connect(ray_address, feature="ray_embedder")

    def embed_on_ray(texts) -> np.ndarray:
        import pyarrow as pa

        items = list(texts)
        table = pa.table({"row": pa.array(np.arange(len(items), dtype=np.int64)),
                          "text": pa.array([t if isinstance(t, str) else None for t in items], pa.string())})
        with tempfile.TemporaryDirectory(prefix="feedback_lab_ray_") as tmp:
            res = embed_dataset(table, text_col="text", id_col="row", model=model, output=os.path.join(tmp, "emb"),
                                ray_address=ray_address, **embed_kwargs)
            return read_embeddings(res.output, np.arange(len(items)).tolist(), id_col="row")

    return embed_on_ray
