"""``fl.scale.assign_clusters``: apply a fitted ClusterResult and error-mode tags to every row on Ray Data."""

from __future__ import annotations

import os
import warnings
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab.scale._common import (
    as_dataset,
    check_capacity,
    connect,
    output_dir,
    require_columns,
)
from feedback_lab.scale._tagstate import TagState, apply_tags, fit_tag_state

__all__ = ["assign_clusters", "assign_local"]

_FUNC = "assign_clusters"
ASSIGN_COLUMNS = ["cluster", "similarity", "error_mode", "error_mode_confidence", "error_mode_score",
                  "error_mode_evidence"]


def _embedding_matrix(col: Any) -> np.ndarray:
    """(n, d) float32 from a list-of-floats column (Arrow or pandas/numpy)."""
    if hasattr(col, "combine_chunks"):
        col = col.combine_chunks()
    if hasattr(col, "flatten") and hasattr(col.type, "list_size"):
        flat = col.flatten().to_numpy(zero_copy_only=False)
        return flat.astype(np.float32, copy=False).reshape(len(col), -1)
    rows = col.to_pylist() if hasattr(col, "to_pylist") else list(col)
    return np.asarray([np.asarray(r, dtype=np.float32) for r in rows], dtype=np.float32).reshape(len(rows), -1)


def assign_local(frame: pd.DataFrame, emb: np.ndarray, centroids: np.ndarray, cluster_ids: list[int],
                 state: TagState, *, text_col: str, id_col: str, min_similarity: float,
                 input_col: str | None, output_col: str | None, status_col: str | None) -> pd.DataFrame:
    """The per-row assignment, in one process: what every Ray worker runs on its batch.

    ``cluster`` is :meth:`ClusterResult.assign` (nearest centroid by cosine, -1 below
    ``min_similarity``), ``similarity`` the cosine to that centroid, and the error-mode columns
    come from :func:`apply_tags` with the frozen statistics.
    """
    emb = np.asarray(emb, dtype=np.float32)
    if len(centroids):
        sims = emb @ np.asarray(centroids, dtype=np.float32).T
        best = sims.max(1)
        cluster = np.where(best >= min_similarity, np.asarray(cluster_ids)[sims.argmax(1)], -1)
    else:
        best, cluster = np.full(len(emb), np.nan), np.full(len(emb), -1)

    def col(name):
        return frame[name].tolist() if name and name in frame.columns else None

    tags = apply_tags(state, frame[text_col].tolist(), emb, inputs=col(input_col), outputs=col(output_col),
                      status=col(status_col))
    out = pd.DataFrame({id_col: frame[id_col].to_numpy(), "cluster": cluster.astype("int64"),
                        "similarity": best.astype(float)})
    for c in tags.columns:
        out[c] = tags[c].to_numpy()
    return out


class _AssignWorker:
    def __init__(self, *, shared, model, device, cache, embedding_col, opts):
        import ray

        self.shared = ray.get(shared) if isinstance(shared, ray.ObjectRef) else shared
        self.model, self.device, self.cache = model, device, cache
        self.embedding_col, self.opts = embedding_col, opts
        if embedding_col is None:
            from feedback_lab.analysis.embed._model import load_model

            load_model(model, device)  # once per actor

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        centroids, cluster_ids, state = self.shared
        if self.embedding_col is None:
            from feedback_lab.analysis.embed._embed import embed

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                emb = embed(batch[self.opts["text_col"]].tolist(), model=self.model, device=self.device,
                            cache=self.cache or False, show_progress=False)
        else:
            emb = _embedding_matrix(batch[self.embedding_col])
        return assign_local(batch, emb, centroids, cluster_ids, state, **self.opts)


def _taxonomy_from(result, taxonomy):
    from feedback_lab.analysis.cluster._modes import DEFAULT_TAXONOMY, check_taxonomy

    if taxonomy is not None:
        return check_taxonomy(taxonomy)
    names = result.params.get("taxonomy")
    if not names:
        return check_taxonomy(None)
    known = {m.name: m for m in DEFAULT_TAXONOMY}
    unknown = [nm for nm in names if nm not in known]
    if unknown:
        msg = (f"{_FUNC}: the ClusterResult was fitted with custom error modes {unknown}; pass the same "
               "taxonomy=... to assign_clusters (only the names are stored in result.params).")
        raise ValueError(msg)
    return tuple(known[nm] for nm in names)


def assign_clusters(
    dataset: Any,
    result: Any,
    *,
    text_col: str | None = None,
    id_col: str = "trace_id",
    embedding_col: str | None = "embedding",
    input_col: str | None = "input",
    output_col: str | None = "output",
    status_col: str | None = "status",
    taxonomy=None,
    model: str | os.PathLike | None = None,
    min_similarity: float = 0.5,
    fit_size: int = 5000,
    output: str | os.PathLike | None = None,
    batch_size: int = 1024,
    concurrency: int | None = None,
    cache: bool | str | os.PathLike = True,
    random_state: int = 0,
    ray_address: str | None = None,
):
    """Assign every row of a Ray dataset to the clusters of a fitted :class:`~feedback_lab.ClusterResult`.

    The one-machine way to scale :func:`~feedback_lab.cluster_failures` is to fit on a sample and
    assign the rest; this runs the "assign the rest" part on Ray Data. The centroids and the
    frozen error-mode statistics are put in the object store once and every batch is assigned
    with them (``map_batches``), so the result does not depend on how rows fall into batches
    and equals the same assignment run in one process.

    Parameters
    ----------
    dataset : ray.data.Dataset, frame, or Parquet/JSONL path(s)/glob
        One row per trace with ``id_col`` and ``text_col`` (and ``input``/``output``/``status``
        when present, for the exact detectors of :func:`~feedback_lab.tag_error_modes`).
    result : ClusterResult
        Fitted on a sample (``fl.cluster_failures(sample, ...)``, or :func:`~feedback_lab.load_clusters`).
    text_col : str, optional
        The clustered text; default ``result.params["text_col"]``.
    embedding_col : str or None, default "embedding"
        Column of L2-normalised embeddings (e.g. joined from :func:`embed_dataset`); when the
        dataset lacks it, the workers embed ``text_col`` (cache shared with ``fl.embed``).
    taxonomy : optional
        The error modes used for the fit; default the names in ``result.params``.
    model : str, optional
        Embedding model; default the one the result was fitted with.
    min_similarity : float, default 0.5
        As :meth:`ClusterResult.assign`: below this cosine to every centroid a row is noise (-1).
    fit_size : int, default 5000
        Rows sampled (seeded) to freeze the tagging statistics; a dataset of at most this many
        rows is used whole, which reproduces ``tag_error_modes`` on it.
    output : str or path, optional
        Also write the assignments as Parquet there.
    batch_size, concurrency, cache, ray_address
        As :func:`embed_dataset`.

    Returns
    -------
    ray.data.Dataset
        Lazy; columns ``id_col``, ``cluster``, ``similarity``, ``error_mode``,
        ``error_mode_confidence``, ``error_mode_score``, ``error_mode_evidence``
        (``.to_pandas()`` for small data; read ``output`` for large).
    """
    ray = connect(ray_address, feature=_FUNC)
    import ray.data as rd

    from feedback_lab.analysis.cluster._result import ClusterResult

    if not isinstance(result, ClusterResult):
        msg = f"{_FUNC}: result must be a ClusterResult (fl.cluster_failures or fl.load_clusters); got {type(result).__name__}."
        raise TypeError(msg)
    text_col = text_col or result.params.get("text_col") or "output"
    if model is None:
        model = result.params.get("model")
    modes = _taxonomy_from(result, taxonomy)
    ds = as_dataset(dataset, func=_FUNC, rows_per_block=batch_size)
    names = require_columns(ds, {id_col: "id_col, the row id", text_col: "text_col, the clustered text"}, func=_FUNC)
    emb_col = embedding_col if embedding_col and embedding_col in names else None
    opts = {"text_col": text_col, "id_col": id_col, "min_similarity": float(min_similarity),
            "input_col": input_col if input_col in names else None,
            "output_col": output_col if output_col in names else None,
            "status_col": status_col if status_col in names else None}
    keep = list(dict.fromkeys(c for c in (id_col, text_col, emb_col, opts["input_col"], opts["output_col"],
                                          opts["status_col"]) if c))
    ds = ds.select_columns(keep)
    sample = _reference_sample(ds, fit_size, random_state, id_col)
    if emb_col is None:
        from feedback_lab.analysis.embed._embed import embed

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            s_emb = embed(sample[text_col].tolist(), model=model, cache=cache, show_progress=False)
    else:
        s_emb = _embedding_matrix(sample[emb_col])
    if len(result.centroids) and s_emb.shape[1] != result.centroids.shape[1]:
        msg = (f"{_FUNC}: embeddings have {s_emb.shape[1]} dimensions but the ClusterResult's centroids "
               f"{result.centroids.shape[1]}; use the model the clusters were fitted with.")
        raise ValueError(msg)

    def scol(name):
        return sample[name].tolist() if name else None

    state = fit_tag_state(sample[text_col].tolist(), s_emb, modes=modes, model=model,
                          inputs=scol(opts["input_col"]), outputs=scol(opts["output_col"]),
                          status=scol(opts["status_col"]))
    shared = ray.put((np.asarray(result.centroids, dtype=np.float32), list(result.cluster_ids), state))
    from feedback_lab.scale._embed import _cache_path

    n_workers = concurrency or max(1, int(ray.cluster_resources().get("CPU", 1)) - 1)
    check_capacity(ray.cluster_resources(), n_workers, 1, func=_FUNC)
    out = ds.map_batches(
        _AssignWorker, batch_size=int(batch_size), batch_format="pandas",
        compute=rd.ActorPoolStrategy(size=int(n_workers)), num_cpus=1,
        fn_constructor_kwargs={"shared": shared, "model": model, "device": "cpu",
                               "cache": _cache_path(cache) if emb_col is None else None,
                               "embedding_col": emb_col, "opts": opts},
    )
    if output is not None:
        path = output_dir(output, func=_FUNC)
        out.write_parquet(path)
        return rd.read_parquet(path)
    return out


def _reference_sample(ds: Any, fit_size: int, seed: int, id_col: str) -> pd.DataFrame:
    """All rows when there are at most ``fit_size``, else a seeded sample of about that size; sorted by id."""
    n = ds.count()
    if n <= fit_size:
        frame = ds.to_pandas()
    else:
        frac = min(1.0, 1.2 * fit_size / n)
        frame = ds.random_sample(frac, seed=seed).limit(fit_size).to_pandas()
    return frame.sort_values(id_col, kind="stable").reset_index(drop=True)
