"""``fl.scale.drift_statistics``: stratified samples of two windows drawn in Ray, then ``fl.embedding_drift``."""

from __future__ import annotations

import hashlib
import html
import math
import os
import warnings
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab.scale._common import as_dataset, connect, require_columns

__all__ = ["ScaleDriftResult", "drift_statistics", "row_priority"]

_FUNC = "drift_statistics"
_ALL = "(all)"


def row_priority(ids, seed: int) -> np.ndarray:
    """Uniform [0, 1) priority of each row: the first 8 bytes of ``sha256(f"{seed}:{id}")``.

    A stratum's sample is its ``k`` rows of lowest priority: a uniform sample without
    replacement that does not depend on how the rows are split into blocks or machines.

    Examples
    --------
    >>> row_priority(["t1", "t2"], 0).round(3).tolist()
    [0.088, 0.121]
    """
    out = np.empty(len(ids), dtype=np.float64)
    for i, v in enumerate(ids):
        h = hashlib.sha256(f"{seed}:{v}".encode()).digest()
        out[i] = int.from_bytes(h[:8], "big") / 2.0**64
    return out


@dataclass(frozen=True)
class ScaleDriftResult:
    """:func:`drift_statistics`: the drift test on stratified samples, and the sample sizes.

    Attributes
    ----------
    drift : DriftResult
        What :func:`feedback_lab.embedding_drift` returned on the two samples.
    n_reference, n_current : int
        Rows in each window with a non-empty text, or a non-zero embedding (fl.embed's
        zero vectors of empty texts are left out).
    sample_reference, sample_current : int
        Rows sampled from each window.
    strata : pandas.DataFrame
        One row per stratum: ``stratum``, ``n_reference``, ``sample_reference``,
        ``n_current``, ``sample_current``.
    reference_ids, current_ids : ndarray
        Ids of the sampled rows.
    params : dict
        ``sample_size``, ``by``, ``method``, ``random_state`` and the drift parameters.
    """

    drift: Any
    n_reference: int
    n_current: int
    sample_reference: int
    sample_current: int
    strata: pd.DataFrame = field(repr=False)
    reference_ids: np.ndarray = field(repr=False)
    current_ids: np.ndarray = field(repr=False)
    params: dict = field(repr=False)

    @property
    def drifted(self) -> bool:
        """Whether the drift test fired (``drift.drifted``)."""
        return bool(self.drift.drifted)

    def to_frame(self) -> pd.DataFrame:
        """The drift test's table with the sample sizes added."""
        frame = self.drift.to_frame().copy()
        frame["n_reference"], frame["n_current"] = self.n_reference, self.n_current
        frame["sample_reference"], frame["sample_current"] = self.sample_reference, self.sample_current
        return frame

    def _repr_html_(self) -> str:
        return (f"<b>ScaleDriftResult</b>: drifted={self.drifted}; samples {self.sample_reference} of "
                f"{self.n_reference} (reference) and {self.sample_current} of {self.n_current} (current), "
                f"{len(self.strata)} strata by {html.escape(str(self.params.get('by')))}")


def _allocate(counts: dict, total: int) -> dict:
    """Proportional allocation (largest remainder) of ``total`` rows over strata of ``counts``."""
    n = sum(counts.values())
    if n <= total:
        return dict(counts)
    raw = {k: total * c / n for k, c in counts.items()}
    alloc = {k: math.floor(v) for k, v in raw.items()}
    for k in sorted(raw, key=lambda k: (-(raw[k] - alloc[k]), str(k)))[: total - sum(alloc.values())]:
        alloc[k] += 1
    return alloc


def _stratum(frame: pd.DataFrame, by: str | None) -> pd.Series:
    if by is None:
        return pd.Series(_ALL, index=frame.index)
    return frame[by].astype(object).where(frame[by].notna(), None).map(lambda v: "(missing)" if v is None else str(v))


def _usable(frame: pd.DataFrame, col: str, is_text: bool) -> np.ndarray:
    vals = frame[col]
    if is_text:
        return np.array([isinstance(t, str) and bool(t.strip()) for t in vals], dtype=bool)
    ok = vals.notna().to_numpy().copy()
    # fl.embed gives empty texts a zero vector: they carry no information about drift
    ok[ok] = [bool(np.any(np.asarray(v, dtype=np.float32))) for v in vals[ok]]
    return ok


def _window(ds, *, by, id_col, value_col, is_text, sample_size, seed, name):
    """Count the strata, then keep the ``k`` lowest-priority rows of each: two passes over the window."""
    keep = [c for c in dict.fromkeys((id_col, value_col, by)) if c]
    ds = ds.select_columns(keep)

    def count(batch: pd.DataFrame) -> pd.DataFrame:
        ok = _usable(batch, value_col, is_text)
        s = _stratum(batch, by)[ok].value_counts()
        return pd.DataFrame({"stratum": s.index.astype(str), "n": s.to_numpy(dtype="int64")})

    counts_frame = ds.map_batches(count, batch_format="pandas").to_pandas()
    counts = counts_frame.groupby("stratum")["n"].sum().to_dict() if len(counts_frame) else {}
    if not counts:
        msg = f"{_FUNC}: the {name} window has no row with a usable {value_col!r}; nothing to compare."
        raise ValueError(msg)
    alloc = _allocate(counts, sample_size)
    margin = 1.0
    while True:
        prob = {k: min(1.0, (a + margin * (3 * math.sqrt(a) + 10)) / counts[k]) for k, a in alloc.items()}

        def pick(batch: pd.DataFrame, prob=prob) -> pd.DataFrame:
            ok = _usable(batch, value_col, is_text)
            b = batch[ok].copy()
            b["_stratum"] = _stratum(b, by).to_numpy()
            b["_priority"] = row_priority(b[id_col].tolist(), seed)
            limit = b["_stratum"].map(prob).to_numpy(dtype=float)
            return b[b["_priority"].to_numpy() < limit]

        cand = ds.map_batches(pick, batch_format="pandas").to_pandas()
        got = cand.groupby("_stratum").size().to_dict() if len(cand) else {}
        if all(got.get(k, 0) >= a for k, a in alloc.items()):
            break
        margin *= 4  # very unlikely: fewer candidates than needed in some stratum; widen and redo
    cand = cand.sort_values(["_stratum", "_priority"], kind="stable")
    parts = [g.head(alloc[k]) for k, g in cand.groupby("_stratum", sort=True)]
    sample = pd.concat(parts, ignore_index=True) if parts else cand.iloc[:0]
    return sample, counts, alloc


def drift_statistics(
    reference: Any,
    current: Any,
    *,
    embedding_col: str = "embedding",
    text_col: str | None = None,
    id_col: str = "trace_id",
    sample_size: int = 5000,
    by: str | None = None,
    method: str = "mmd",
    model: str | os.PathLike | None = None,
    random_state: int = 0,
    ray_address: str | None = None,
    **drift_kwargs: Any,
) -> ScaleDriftResult:
    """Drift between two windows too large for one machine: stratified samples drawn in Ray.

    Each window is counted per stratum (``by``, e.g. ``"task"`` or ``"model"``) and sampled with
    proportional allocation: in each stratum the rows of lowest :func:`row_priority` (a seeded
    hash of the id), i.e. a uniform sample without replacement that does not depend on the
    partitioning. The two samples then go to :func:`feedback_lab.embedding_drift` unchanged
    (``max_samples=None``), so the test is the library's own.

    Parameters
    ----------
    reference, current : ray.data.Dataset, frame or Parquet/JSONL path(s)/glob
        The two windows, with ``id_col`` and either ``embedding_col`` (e.g. joined from
        :func:`embed_dataset`) or ``text_col`` (the sampled texts are embedded with
        :func:`feedback_lab.embed`).
    embedding_col, text_col, id_col : str
    sample_size : int, default 5000
        Rows drawn from each window (all rows when the window is smaller).
    by : str, optional
        Stratification column, present in both windows.
    method : {"mmd", "classifier", "centroid", "all"}
        As :func:`feedback_lab.embedding_drift`; further keyword arguments go to it too.
    model : str, optional
        Embedding model when ``text_col`` is used.
    random_state : int, default 0
        Seeds the sample and the test.
    ray_address : str, optional

    Returns
    -------
    ScaleDriftResult
    """
    connect(ray_address, feature=_FUNC)
    from feedback_lab._validation import check_number
    from feedback_lab.analysis.drift._tests import embedding_drift

    check_number(sample_size, name="sample_size", func=_FUNC, low=2, integer=True)
    seed = int(random_state)
    samples, meta = [], []
    for name, src in (("reference", reference), ("current", current)):
        ds = as_dataset(src, func=_FUNC)
        cols = list(ds.schema().names)
        use_text = embedding_col not in cols
        value_col = (text_col or "output") if use_text else embedding_col
        need = {id_col: "id_col, the row id", value_col: "the embeddings" if not use_text else "text_col, the text"}
        if by is not None:
            need[by] = "by, the stratification column"
        require_columns(ds, need, func=f"{_FUNC} ({name} window)")
        sample, counts, alloc = _window(ds, by=by, id_col=id_col, value_col=value_col, is_text=use_text,
                                        sample_size=int(sample_size), seed=seed, name=name)
        if use_text:
            from feedback_lab.analysis.embed._embed import embed

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                emb = embed(sample[value_col].tolist(), model=model, show_progress=False)
        else:
            from feedback_lab.scale._assign import _embedding_matrix

            emb = _embedding_matrix(sample[value_col])
        samples.append((sample, emb))
        meta.append((counts, alloc))
    (ref_s, ref_e), (cur_s, cur_e) = samples
    drift = embedding_drift(ref_e, cur_e, method=method, max_samples=None, random_state=seed, **drift_kwargs)
    keys = sorted(set(meta[0][0]) | set(meta[1][0]))
    strata = pd.DataFrame({"stratum": keys,
                           "n_reference": [meta[0][0].get(k, 0) for k in keys],
                           "sample_reference": [meta[0][1].get(k, 0) for k in keys],
                           "n_current": [meta[1][0].get(k, 0) for k in keys],
                           "sample_current": [meta[1][1].get(k, 0) for k in keys]})
    params = {"sample_size": int(sample_size), "by": by, "method": method, "random_state": seed,
              "id_col": id_col, "embedding_col": embedding_col, "text_col": text_col, **drift_kwargs}
    return ScaleDriftResult(drift=drift, n_reference=sum(meta[0][0].values()), n_current=sum(meta[1][0].values()),
                            sample_reference=len(ref_s), sample_current=len(cur_s), strata=strata,
                            reference_ids=ref_s[id_col].to_numpy(dtype=object),
                            current_ids=cur_s[id_col].to_numpy(dtype=object), params=params)
