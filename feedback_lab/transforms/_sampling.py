"""sample_for_review: pick the traces a human should look at next, with the reason for each."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._random import check_random_state
from feedback_lab._validation import check_in, check_number
from feedback_lab.transforms._common import as_list, exclude_ids, output, pandas_input, warn
from feedback_lab.transforms._negative import infer_scale, negative_mask, rated_mask

__all__ = ["sample_for_review"]

STRATEGIES = ("stratified", "anomaly", "uncertainty", "disagreement", "mixed")
DEFAULT_METRICS = ("latency_ms", "output_tokens", "cost")


def _robust_z(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=float)
    ok = ~np.isnan(x)
    z = np.zeros_like(x)
    if ok.sum() < 2:
        return z
    med = np.median(x[ok])
    mad = 1.4826 * np.median(np.abs(x[ok] - med))
    if mad == 0:
        mad = 1.2533 * np.mean(np.abs(x[ok] - med))
    if mad > 0:
        z[ok] = (x[ok] - med) / mad
    return z


def _knn_distance(emb: np.ndarray, k: int = 10, chunk: int = 2048) -> np.ndarray:
    """Mean cosine distance to the k nearest neighbours (chunked, O(n^2) time, O(n*chunk) memory)."""
    x = np.asarray(emb, dtype=np.float64)
    x = x / np.clip(np.linalg.norm(x, axis=1, keepdims=True), 1e-12, None)
    n = len(x)
    k = min(k, n - 1)
    out = np.zeros(n)
    if k < 1:
        return out
    for s in range(0, n, chunk):
        d = 1 - x[s:s + chunk] @ x.T
        rows = np.arange(d.shape[0])
        d[rows, s + rows] = np.inf
        out[s:s + chunk] = np.partition(d, k - 1, axis=1)[:, :k].mean(axis=1)
    return out


def _per_trace_judgements(fb: pd.DataFrame, kinds: tuple[str, ...], name: str | None) -> pd.DataFrame:
    sub = fb[fb["annotator_kind"].isin(kinds)] if "annotator_kind" in fb.columns else fb.iloc[0:0]
    if name is not None:
        sub = sub[sub["name"] == name]
    sub = sub[rated_mask(sub)]
    sub = sub.assign(_neg=negative_mask(sub))
    return sub.groupby(sub["trace_id"].astype(str)).agg(neg=("_neg", "mean"), value=("value", "mean")) \
        if "value" in sub.columns else sub.groupby(sub["trace_id"].astype(str)).agg(neg=("_neg", "mean"))


def _stratified(pool: pd.DataFrame, k: int, by: list[str], rng) -> list[tuple[int, str]]:
    if k <= 0 or not len(pool):
        return []
    if not by:
        take = rng.permutation(len(pool))[:k]
        return [(pool.index[i], f"stratified: random ({min(k, len(pool))} of {len(pool)})") for i in take]
    keys = pool[by].astype("string").fillna("<null>").agg(" | ".join, axis=1) if len(by) > 1 \
        else pool[by[0]].astype("string").fillna("<null>")
    sizes = keys.value_counts(sort=False).sort_index()
    quota = sizes / sizes.sum() * min(k, len(pool))
    alloc = np.floor(quota).astype(int)
    rest = min(k, len(pool)) - int(alloc.sum())
    order = np.lexsort((rng.random(len(quota)), -(quota - alloc).to_numpy()))
    for i in order[:rest]:
        alloc.iloc[i] += 1
    label = " | ".join(by)
    out = []
    for key, m in alloc.items():
        if m <= 0:
            continue
        idx = keys.index[keys.to_numpy() == key]
        take = rng.permutation(len(idx))[:m]
        out += [(idx[i], f"stratified: {label}={key} ({m} of {sizes[key]})") for i in take]
    return out


def sample_for_review(traces: Any, *, n: int | None = None, frac: float | None = None,
                      strategy: str = "stratified", by: str | list[str] | None = None, exclude: Any = None,
                      random_state: Any = None, feedback: Any = None, embeddings: Any = None,
                      metrics: list[str] | None = None, score_col: str | None = None,
                      threshold: float | None = None, judge_name: str | None = None) -> Any:
    """Choose traces for human review; never the same trace twice, with a ``reason`` per row.

    Parameters
    ----------
    traces : pandas or polars DataFrame
        Needs ``trace_id``; duplicated ids are sampled at most once (first row kept).
    n, frac : int or float, optional
        Sample size, or share of the eligible traces (``round(frac * eligible)``, as
        ``DataFrame.sample``). Neither: ``frac=0.05``. A strategy with fewer candidates
        than asked returns what it has, with a warning.
    strategy : {"stratified", "anomaly", "uncertainty", "disagreement", "mixed"}
        ``stratified``: proportional to the size of each ``by`` group (largest remainder),
        random within groups (plain random without ``by``). ``anomaly``: highest robust
        z-score (median/MAD) over ``metrics`` (default ``latency_ms``, ``output_tokens``, ``cost``
        and the output length), the count of negative feedback, and, given ``embeddings``, the
        mean cosine distance to the 10 nearest neighbours. ``uncertainty``: judge score closest to
        ``threshold``. ``disagreement``: the LLM judge and human/user feedback disagree (negative
        rule of CONTRIBUTING.md). ``mixed``: a quarter each from anomaly, uncertainty and
        disagreement (where the data allows), the rest stratified.
    by : str or list of str, optional
        Trace columns to stratify over.
    exclude : iterable of trace ids or frame with ``trace_id``, optional
        Already reviewed traces.
    random_state : int, Generator or None
    feedback : DataFrame, optional
        Canonical feedback; needed for ``disagreement``, and for ``uncertainty`` without ``score_col``
        (judge score = mean ``value`` of ``annotator_kind == "llm"`` rows, of ``judge_name`` if given).
    embeddings : array of shape (len(traces), d), optional
        Rows aligned with ``traces`` (e.g. from ``fl.embed``), for ``anomaly``.
    metrics : list of str, optional
        Numeric trace columns for ``anomaly``.
    score_col : str, optional
        Trace column holding a judge score, for ``uncertainty``.
    threshold : float, optional
        Decision threshold of the judge; default 0.5 for scores in [0, 1], else the scale midpoint.
    judge_name : str, optional
        Feedback name of the judge score.

    Returns
    -------
    same kind as ``traces``
        The chosen trace rows, in order of selection, with a ``reason`` column.

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> tr = pd.DataFrame({"trace_id": [f"t{i}" for i in range(20)], "latency_ms": [100.0] * 19 + [9000.0]})
    >>> s = fl.sample_for_review(tr, n=1, strategy="anomaly", random_state=0)
    >>> s["trace_id"].tolist(), s["reason"].str.startswith("anomaly: latency_ms").tolist()
    (['t19'], [True])
    """
    check_in(strategy, STRATEGIES, name="strategy", func="sample_for_review")
    by_cols = as_list(by)
    extra = [c for c in [score_col, *(metrics or [])] if c]
    tr = pandas_input(traces, ["trace_id", *by_cols, *extra], func="sample_for_review", frame="traces")
    if n is not None and frac is not None:
        msg = "sample_for_review: pass n or frac, not both."
        raise ValueError(msg)
    if n is not None:
        check_number(n, name="n", func="sample_for_review", low=0, integer=True)
    else:
        frac = 0.05 if frac is None else frac
        check_number(frac, name="frac", func="sample_for_review", low=0, high=1)
    emb = None
    if embeddings is not None:
        emb = np.asarray(embeddings, dtype=float)
        if emb.ndim != 2 or emb.shape[0] != len(tr):
            msg = (f"sample_for_review: embeddings must have one row per trace, shape ({len(tr)}, d); "
                   f"got {emb.shape}. Embed the traces in the same row order.")
            raise ValueError(msg)
    rng = check_random_state(random_state)
    tr.index = pd.RangeIndex(len(tr))
    skip = exclude_ids(exclude)
    tid = tr["trace_id"].astype(str)
    pool = tr[~tid.isin(skip) & ~tid.duplicated() & tr["trace_id"].notna()]
    k = n if n is not None else round(frac * len(pool))
    fb = None
    if feedback is not None:
        fb = pandas_input(feedback, ["trace_id", "name"], func="sample_for_review", frame="feedback")
    chosen: list[tuple[int, str]] = []
    taken: set[int] = set()

    def add(picks: list[tuple[int, str]]) -> None:
        for i, r in picks:
            if i not in taken and len(chosen) < k:
                taken.add(i)
                chosen.append((i, r))

    def remaining() -> pd.DataFrame:
        return pool[~pool.index.isin(taken)]

    plan = [(strategy, k)] if strategy != "mixed" else [
        ("anomaly", k // 4), ("uncertainty", k // 4), ("disagreement", k // 4), ("stratified", k)]
    for strat, m in plan:
        target = min(k, len(chosen) + m)
        if strat == "stratified":
            picks = _stratified(remaining(), target - len(chosen), by_cols, rng)
        else:
            picks = _ranked(strat, remaining(), tr, fb, emb, metrics, score_col, threshold, judge_name,
                            strategy == "mixed", rng)
        add(picks[: max(0, target - len(chosen))])
    if len(chosen) < k:
        warn(f"sample_for_review: asked for {k} trace(s), found {len(chosen)} eligible for strategy "
             f"{strategy!r} ({len(skip)} excluded id(s), {len(pool)} eligible trace(s)).")
    idx = [i for i, _ in chosen]
    out = tr.loc[idx].copy()
    out["reason"] = pd.Series([r for _, r in chosen], index=out.index, dtype=object)
    return output(out, traces)


def _ranked(strat, pool, tr, fb, emb, metrics, score_col, threshold, judge_name, lenient, rng):
    """Candidates of one non-stratified strategy, best first, as (row index, reason)."""
    if not len(pool):
        return []
    tie = rng.random(len(pool))
    if strat == "anomaly":
        feats: dict[str, np.ndarray] = {}
        cols = metrics if metrics is not None else [c for c in DEFAULT_METRICS if c in tr.columns]
        for c in cols:
            feats[c] = np.abs(_robust_z(pd.to_numeric(tr[c], errors="coerce").to_numpy(dtype=float)))
        if metrics is None and "output" in tr.columns:
            feats["output length"] = np.abs(_robust_z(tr["output"].astype("string").str.len().to_numpy(dtype=float, na_value=np.nan)))
        if fb is not None:
            neg = fb.assign(_neg=negative_mask(fb)).groupby(fb["trace_id"].astype(str))["_neg"].sum()
            counts = tr["trace_id"].astype(str).map(neg).fillna(0).to_numpy(dtype=float)
            feats["negative feedback"] = np.clip(_robust_z(counts), 0, None)  # only many negatives are odd
        if emb is not None:
            feats["embedding"] = np.clip(_robust_z(_knn_distance(emb)), 0, None)
        if not feats:
            if lenient:
                return []
            msg = ("sample_for_review(strategy='anomaly'): no signal to score. Pass embeddings=, metrics=[...], "
                   f"feedback=, or traces with {list(DEFAULT_METRICS)} or 'output'. Available: {list(tr.columns)}.")
            raise ValueError(msg)
        names = list(feats)
        mat = np.column_stack([feats[c] for c in names])[pool.index]
        best = mat.argmax(axis=1)
        score = mat.max(axis=1)
        order = np.lexsort((tie, -score))
        return [(pool.index[i], f"anomaly: {names[best[i]]} robust z={score[i]:.1f}") for i in order]
    if strat == "uncertainty":
        if score_col is not None:
            s = pd.to_numeric(tr[score_col], errors="coerce")
        else:
            if fb is None:
                if lenient:
                    return []
                msg = "sample_for_review(strategy='uncertainty') needs score_col= or feedback= with LLM judge rows."
                raise ValueError(msg)
            j = _per_trace_judgements(fb, ("llm",), judge_name)
            s = tr["trace_id"].astype(str).map(j["value"]) if "value" in j.columns else pd.Series(np.nan, index=tr.index)
        s = s.astype(float)
        thr = threshold
        if thr is None:
            lo, hi = infer_scale(s.dropna())
            thr = 0.5 if (lo, hi) == (0.0, 1.0) else (lo + hi) / 2
        vals = s.loc[pool.index].to_numpy()
        ok = ~np.isnan(vals)
        dist = np.abs(vals - thr)
        order = [i for i in np.lexsort((tie, dist)) if ok[i]]
        return [(pool.index[i], f"uncertainty: judge score {vals[i]:.3g} near threshold {thr:.3g}") for i in order]
    # disagreement
    if fb is None:
        if lenient:
            return []
        msg = "sample_for_review(strategy='disagreement') needs feedback= with LLM judge and human/user rows."
        raise ValueError(msg)
    j = _per_trace_judgements(fb, ("llm",), judge_name)["neg"]
    h = _per_trace_judgements(fb, ("human", "user"), None)["neg"]
    ids = pool["trace_id"].astype(str)
    jn, hn = ids.map(j), ids.map(h)
    both = (jn.notna() & hn.notna() & (jn != 0.5) & (hn != 0.5)).to_numpy()
    dis = both & ((jn > 0.5) != (hn > 0.5)).to_numpy()
    gap = np.abs((jn - hn).to_numpy(dtype=float))
    order = [i for i in np.lexsort((tie, -np.nan_to_num(gap))) if dis[i]]

    def word(x: float) -> str:
        return "negative" if x > 0.5 else "positive"

    return [(pool.index[i], f"disagreement: judge {word(jn.iloc[i])}, human {word(hn.iloc[i])}") for i in order]
