"""The batched encoding loop: length-sorted batches, tokenisation overlapped with the model.

On an accelerator, a background thread tokenises the next batches
(``SentenceTransformer.preprocess``; the Rust tokenizer releases the GIL) while the main
thread runs the model on the current one. On CPU tokenisation runs inline: the model
already keeps every core busy. On CUDA the token tensors are pinned and copied asynchronously, the weights are
float16, outputs stay on the GPU until a whole chunk is done (one device sync per
chunk, not per batch), and a batch that runs out of GPU memory is split in two and
retried instead of failing the run.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from typing import Any

import numpy as np

from feedback_lab._deps import import_optional
from feedback_lab.analysis.embed._model import LoadedModel

__all__ = ["default_batch_size", "encode_texts"]

_PREFETCH = 3  # batches tokenised ahead of the model


def default_batch_size(device: str) -> int:
    """Texts per batch: large on accelerators (fp16, length-sorted), small on CPU.

    On CPU, length-sorted batches of 32 lose little to padding and keep activations in
    cache; on a GPU, 512 short texts per batch keep the device busy.
    """
    return 32 if device == "cpu" else 512


def _batches(texts: list[str], batch_size: int) -> tuple[np.ndarray, list[np.ndarray]]:
    """Indices sorted by decreasing length, cut into batches (longest first: OOM shows early)."""
    lengths = np.fromiter((len(t) for t in texts), dtype=np.int64, count=len(texts))
    order = np.argsort(-lengths, kind="stable")
    return order, [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def _tokeniser_thread(
    st: Any, texts: list[str], batches: list[np.ndarray], pin: bool, out: queue.Queue, stop: threading.Event
) -> None:
    try:
        for idx in batches:
            if stop.is_set():
                return
            features = st.preprocess([texts[i] for i in idx])
            if pin:
                features = {k: (v.pin_memory() if hasattr(v, "pin_memory") else v) for k, v in features.items()}
            while not stop.is_set():
                try:
                    out.put((idx, features), timeout=0.1)
                    break
                except queue.Full:
                    continue
    except BaseException as exc:  # hand the error to the main thread
        out.put((None, exc))
        return
    out.put((None, None))


def encode_texts(
    loaded: LoadedModel,
    texts: list[str],
    *,
    batch_size: int | None = None,
    on_batch: Callable[[int], None] | None = None,
    overlap: bool | None = None,
) -> np.ndarray:
    """Embed ``texts`` (all non-empty, unique) with the loaded model; float32 (n, dim), raw model output.

    ``on_batch(n_done_in_batch)`` is called after each batch (progress bars). ``overlap``:
    tokenise in a background thread (default: on for accelerators, off on CPU).
    """
    torch = import_optional("torch", feature="fl.embed")
    n = len(texts)
    out = np.empty((n, loaded.dim), dtype=np.float32)
    if n == 0:
        return out
    batch_size = int(batch_size or default_batch_size(loaded.device))
    if batch_size < 1:
        msg = f"batch_size must be a positive integer, got {batch_size}."
        raise ValueError(msg)
    st = loaded.st
    device = torch.device(loaded.device)
    on_gpu = device.type == "cuda"
    _, batches = _batches(texts, batch_size)

    q: queue.Queue = queue.Queue(maxsize=_PREFETCH)
    stop = threading.Event()
    worker = None
    if overlap is None:
        overlap = device.type != "cpu"
    if overlap:
        worker = threading.Thread(
            target=_tokeniser_thread,
            args=(st, texts, batches, on_gpu, q, stop),
            daemon=True,
            name="fl-embed-tokenise",
        )
        worker.start()
    else:
        # On CPU the model already uses every core: a tokeniser thread (and the Rust
        # tokenizer's own pool) would only preempt torch's OpenMP threads, so tokenise inline.
        q = _InlineBatches(st, texts, batches)
    pending: list[tuple[np.ndarray, Any]] = []  # GPU outputs not yet copied back

    def flush() -> None:
        if not pending:
            return
        idx = np.concatenate([i for i, _ in pending])
        vecs = torch.cat([v for _, v in pending]).float().cpu().numpy()
        out[idx] = vecs
        pending.clear()

    try:
        with torch.inference_mode():
            while True:
                idx, features = q.get()
                if idx is None:
                    if isinstance(features, BaseException):
                        raise features
                    break
                vecs = _forward(st, features, device, torch)
                if on_gpu:
                    pending.append((idx, vecs))
                    if sum(len(i) for i, _ in pending) >= 16384:
                        flush()
                else:
                    out[idx] = vecs.float().numpy()
                if on_batch is not None:
                    on_batch(len(idx))
            flush()
    finally:
        stop.set()
        if worker is not None:
            worker.join(timeout=5)
    return out


class _InlineBatches:
    """Queue-like: ``get()`` tokenises the next batch on the calling thread."""

    def __init__(self, st: Any, texts: list[str], batches: list[np.ndarray]) -> None:
        self._st, self._texts, self._it = st, texts, iter(batches)

    def get(self) -> tuple[np.ndarray | None, Any]:
        idx = next(self._it, None)
        if idx is None:
            return None, None
        return idx, self._st.preprocess([self._texts[i] for i in idx])


def _forward(st: Any, features: dict, device: Any, torch: Any) -> Any:
    """Run the model on one tokenised batch; on CUDA out-of-memory, split the batch and retry."""
    try:
        moved = {
            k: (v.to(device, non_blocking=True) if isinstance(v, torch.Tensor) else v) for k, v in features.items()
        }
        return st(moved)["sentence_embedding"]
    except torch.cuda.OutOfMemoryError:
        rows = next(v.shape[0] for v in features.values() if isinstance(v, torch.Tensor))
        if rows <= 1:
            raise
        torch.cuda.empty_cache()
        half = rows // 2
        parts = [
            {k: (v[sl] if isinstance(v, torch.Tensor) and v.shape[:1] == (rows,) else v) for k, v in features.items()}
            for sl in (slice(0, half), slice(half, rows))
        ]
        return torch.cat([_forward(st, p, device, torch) for p in parts])
