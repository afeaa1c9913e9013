"""``fl.scale.embed_dataset``: :func:`feedback_lab.embed` on every row of a Ray dataset, written to Parquet."""

from __future__ import annotations

import contextlib
import html
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from feedback_lab.scale._common import (
    as_dataset,
    check_capacity,
    connect,
    output_dir,
    require_columns,
)

__all__ = ["EmbedDatasetResult", "embed_dataset", "read_embeddings"]

_FUNC = "embed_dataset"


@dataclass(frozen=True)
class EmbedDatasetResult:
    """What :func:`embed_dataset` wrote, and what it cost.

    Attributes
    ----------
    output : str
        Directory of Parquet files: ``<id_col>``, ``embedding`` (fixed-size list of float32,
        L2-normalised) and ``missing`` (True where the text was empty: a zero vector).
    rows, n_missing : int
        Rows written; of those, empty or missing texts.
    n_unique : int
        Distinct non-empty texts in the whole dataset (64-bit prefixes of the cache key).
    n_looked_up, n_cached, n_encoded : int
        Texts looked up after deduplication within each batch (a text recurring in several
        batches counts once per batch); of those, found in the on-disk cache and encoded.
    model : str
        Model id (the cache key part, as :func:`feedback_lab.embed` uses).
    params : dict
        Parameters actually used (workers, batch sizes, device, cache path, Ray address).
    """

    output: str
    rows: int
    n_missing: int
    n_unique: int
    n_looked_up: int
    n_cached: int
    n_encoded: int
    model: str
    params: dict = field(repr=False)

    def to_frame(self):
        """One row of counts (pandas)."""
        import pandas as pd

        keys = ("output", "rows", "n_missing", "n_unique", "n_looked_up", "n_cached", "n_encoded", "model")
        return pd.DataFrame([{k: getattr(self, k) for k in keys}])

    def _repr_html_(self) -> str:
        return (
            f"<b>EmbedDatasetResult</b>: {self.rows} rows ({self.n_missing} empty) -> "
            f"<code>{html.escape(self.output)}</code>; {self.n_unique} distinct texts, "
            f"{self.n_cached} from cache, {self.n_encoded} encoded; model <code>{html.escape(self.model)}</code>"
        )


class _Tally:
    """A tiny Ray actor that adds up the workers' counts (one synchronous call per batch)."""

    def __init__(self) -> None:
        self.counts = np.zeros(5, dtype=np.int64)
        self.prefixes: list[np.ndarray] = []

    def add(self, counts: list[int], prefixes: np.ndarray) -> None:
        self.counts += np.asarray(counts, dtype=np.int64)
        self.prefixes.append(prefixes)

    def result(self) -> dict:
        allp = np.concatenate(self.prefixes) if self.prefixes else np.zeros(0, dtype=np.uint64)
        rows, missing, looked, cached, encoded = (int(v) for v in self.counts)
        return {"rows": rows, "n_missing": missing, "n_looked_up": looked, "n_cached": cached,
                "n_encoded": encoded, "n_unique": len(np.unique(allp))}


class _EmbedWorker:
    """Ray Data actor: loads the model once, then runs :func:`feedback_lab.embed` on each batch."""

    def __init__(self, *, model, device, cache, encode_batch_size, text_col, id_col, tally, num_threads):
        from feedback_lab.analysis.embed._model import load_model

        if device == "cpu" and num_threads:
            import torch

            torch.set_num_threads(max(1, round(num_threads)))
        self.loaded = load_model(model, device)  # kept by load_model for the life of the actor
        self.model, self.device, self.cache = model, device, cache
        self.encode_batch_size, self.text_col, self.id_col, self.tally = encode_batch_size, text_col, id_col, tally

    def __call__(self, batch):
        import pyarrow as pa

        from feedback_lab.analysis.embed._cache import text_key
        from feedback_lab.analysis.embed._embed import embed

        texts = batch.column(self.text_col).to_pylist()
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # EmptyTextWarning: the `missing` column says it
            res = embed(texts, model=self.model, device=self.device, cache=self.cache if self.cache else False,
                        batch_size=self.encode_batch_size, show_progress=False, return_result=True)
        distinct = {t for t in texts if isinstance(t, str) and t.strip()}
        prefixes = np.fromiter((int.from_bytes(text_key(t)[:8], "little") for t in distinct),
                               dtype=np.uint64, count=len(distinct))
        counts = [len(texts), int(res.missing.sum()), res.n_unique, res.n_cached, res.n_encoded]
        import ray

        ray.get(self.tally.add.remote(counts, prefixes))
        emb = np.ascontiguousarray(res.embeddings, dtype=np.float32)
        vec = pa.FixedSizeListArray.from_arrays(pa.array(emb.reshape(-1)), emb.shape[1])
        return pa.table({self.id_col: batch.column(self.id_col), "embedding": vec,
                         "missing": pa.array(res.missing)})


def _cache_path(cache: Any) -> str | None:
    from feedback_lab.analysis.embed._cache import EmbeddingCache

    if cache is False or cache is None:
        return None
    if cache is True:
        return str(EmbeddingCache().path)
    if isinstance(cache, EmbeddingCache):
        return str(cache.path)
    if isinstance(cache, (str, os.PathLike)):
        return str(EmbeddingCache(cache).path)
    msg = f"{_FUNC}: cache must be True, False, a directory path or an EmbeddingCache; got {type(cache).__name__}."
    raise TypeError(msg)


@contextlib.contextmanager
def progress_bars(rd: Any, show: bool | None):
    """Turn Ray Data's progress bars on or off for the duration (None: leave as configured)."""
    ctx = rd.DataContext.get_current()
    before = ctx.enable_progress_bars
    if show is not None:
        ctx.enable_progress_bars = bool(show)
    try:
        yield
    finally:
        ctx.enable_progress_bars = before


def embed_dataset(
    source: Any,
    *,
    text_col: str,
    id_col: str = "trace_id",
    model: str | os.PathLike | None = None,
    output: str | os.PathLike,
    batch_size: int = 1024,
    encode_batch_size: int | None = None,
    num_gpus_per_worker: float = 0,
    num_cpus_per_worker: float = 1,
    concurrency: int | None = None,
    cache: bool | str | os.PathLike = True,
    ray_address: str | None = None,
    show_progress: bool | None = None,
) -> EmbedDatasetResult:
    """Embed a text column of a (possibly huge) dataset on Ray Data and write Parquet.

    Each worker is a Ray actor that loads the model once and runs :func:`feedback_lab.embed` on
    batches of rows: the same model loading (offline all-MiniLM-L6-v2 by default), float16 on
    GPU workers, L2 normalisation, zero vectors for empty texts, deduplication and the same
    on-disk cache keys ``(model id, sha256(text))``, so a local run and a cluster run share
    their results.

    Parameters
    ----------
    source : ray.data.Dataset, pandas/polars/Arrow frame, or path(s)/glob
        Parquet or JSONL (``.jsonl``, ``.ndjson``, ``.json``, optionally ``.gz``) files, a
        directory of them, a glob (``"exports/*.parquet"``) or an ``s3://``/``gs://`` prefix.
    text_col, id_col : str
        The text to embed and the row id copied to the output (default ``trace_id``).
    model : str or path, optional
        As :func:`feedback_lab.embed`; a local directory must exist on every node.
    output : str or path
        A new (or empty) directory, or a remote URI, for the Parquet files.
    batch_size : int, default 1024
        Rows handed to a worker at a time (deduplicated and cached per batch).
    encode_batch_size : int, optional
        Texts per forward pass (default 32 on CPU, 512 on GPU, as :func:`feedback_lab.embed`).
    num_gpus_per_worker : float, default 0
        1 puts each worker on its own GPU (float16); 0 runs on CPU.
    num_cpus_per_worker : float, default 1
        CPUs reserved per worker; on CPU workers also the torch threads.
    concurrency : int, optional
        Number of workers; default one per GPU, or all CPUs but one (at least 1) on CPU.
    cache : bool or path, default True
        The embedding cache (:class:`feedback_lab.EmbeddingCache`) path, resolved here and
        opened by every worker: a shared file system shares it across nodes; otherwise each node
        keeps its own. False disables it.
    ray_address : str, optional
        Cluster to connect to when Ray is not initialised yet (see :func:`connect`).
    show_progress : bool, optional
        Ray Data's progress bars (None: Ray's default).

    Returns
    -------
    EmbedDatasetResult

    Notes
    -----
    Rows come out in no particular order; join on ``id_col`` (or use :func:`read_embeddings`).
    Deduplication is per batch, and across batches through the cache: with the cache on, a text
    is encoded once per node except when two workers meet it at the same moment. Retried tasks
    may count their rows twice in the summary; the Parquet output is exact.

    Examples
    --------
    >>> res = embed_dataset("exports/*.parquet", text_col="output", output="emb/")  # doctest: +SKIP
    >>> ids, X = read_embeddings(res.output)  # doctest: +SKIP
    """
    rd_ray = connect(ray_address, feature=_FUNC)
    import ray.data as rd

    from feedback_lab._validation import check_number
    from feedback_lab.analysis.embed._model import resolve_model

    check_number(batch_size, name="batch_size", func=_FUNC, low=1, integer=True)
    check_number(num_gpus_per_worker, name="num_gpus_per_worker", func=_FUNC, low=0)
    check_number(num_cpus_per_worker, name="num_cpus_per_worker", func=_FUNC, low=0)
    ds = as_dataset(source, func=_FUNC, rows_per_block=batch_size)
    require_columns(ds, {text_col: "text_col, the text to embed", id_col: "id_col, the row id"}, func=_FUNC)
    _, model_id = resolve_model(model)
    out = output_dir(output, func=_FUNC)
    resources = rd_ray.cluster_resources()
    if concurrency is None:
        if num_gpus_per_worker:
            concurrency = max(1, int(resources.get("GPU", 0) // num_gpus_per_worker))
        else:
            concurrency = max(1, int(resources.get("CPU", 1) // max(num_cpus_per_worker, 1)) - 1)
    check_number(concurrency, name="concurrency", func=_FUNC, low=1, integer=True)
    check_capacity(resources, concurrency, num_cpus_per_worker, func=_FUNC)
    if num_gpus_per_worker and resources.get("GPU", 0) < num_gpus_per_worker:
        msg = (
            f"{_FUNC}: num_gpus_per_worker={num_gpus_per_worker} but the Ray cluster has "
            f"{resources.get('GPU', 0):g} GPUs; the workers would never start. Use num_gpus_per_worker=0 "
            "to embed on CPU, or connect to a cluster with GPUs (ray_address=...)."
        )
        raise ValueError(msg)
    device = "cuda" if num_gpus_per_worker else "cpu"
    cache_path = _cache_path(cache)
    tally = rd_ray.remote(num_cpus=0)(_Tally).remote()
    try:
        with progress_bars(rd, show_progress):
            ds.select_columns([id_col, text_col]).map_batches(
                _EmbedWorker,
                batch_size=int(batch_size),
                batch_format="pyarrow",
                compute=rd.ActorPoolStrategy(size=int(concurrency)),
                num_gpus=num_gpus_per_worker or None,
                num_cpus=num_cpus_per_worker,
                fn_constructor_kwargs={"model": model, "device": device, "cache": cache_path,
                                       "encode_batch_size": encode_batch_size, "text_col": text_col,
                                       "id_col": id_col, "tally": tally, "num_threads": num_cpus_per_worker},
            ).write_parquet(out)
        counts = rd_ray.get(tally.result.remote())
    finally:
        rd_ray.kill(tally)
    params = {"text_col": text_col, "id_col": id_col, "batch_size": int(batch_size),
              "encode_batch_size": encode_batch_size, "num_gpus_per_worker": num_gpus_per_worker,
              "num_cpus_per_worker": num_cpus_per_worker, "concurrency": int(concurrency), "device": device,
              "dtype": "float16" if device == "cuda" else "float32", "cache": cache_path,
              "ray_address": ray_address}
    return EmbedDatasetResult(output=out, model=model_id, params=params, **counts)


def read_embeddings(path: str | os.PathLike, ids: Any = None, *, id_col: str = "trace_id"):
    """Read what :func:`embed_dataset` wrote: ``(ids, embeddings)``, or the matrix aligned with ``ids``.

    Parameters
    ----------
    path : str or path
        The output directory (or one Parquet file).
    ids : sequence, optional
        Row ids; the returned matrix then has one row per id, in that order.
    id_col : str, default "trace_id"

    Returns
    -------
    (ndarray of object, ndarray of float32 (n, d)) or ndarray of float32 (len(ids), d)

    Raises
    ------
    KeyError
        Some ``ids`` are not in the output (the first ones are named).
    """
    import pyarrow.parquet as pq

    table = pq.read_table(os.fspath(path))
    if id_col not in table.column_names:
        from feedback_lab.exceptions import ColumnNotFoundError

        msg = f"read_embeddings: {path} has no column {id_col!r}; its columns are {table.column_names}."
        raise ColumnNotFoundError(msg)
    got = np.asarray(table.column(id_col).to_pylist(), dtype=object)
    col = table.column("embedding").combine_chunks()
    dim = col.type.list_size
    mat = col.flatten().to_numpy(zero_copy_only=False).astype(np.float32, copy=False).reshape(-1, dim)
    if ids is None:
        return got, mat
    where = {k: i for i, k in enumerate(got.tolist())}
    want = list(ids)
    absent = [k for k in want if k not in where]
    if absent:
        msg = (f"read_embeddings: {len(absent)} of {len(want)} ids are not in {path}, e.g. {absent[:5]}; "
               "embed them first (embed_dataset on those rows).")
        raise KeyError(msg)
    return mat[np.fromiter((where[k] for k in want), dtype=np.int64, count=len(want))]
