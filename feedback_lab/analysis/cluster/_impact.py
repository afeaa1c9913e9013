"""Per-trace feedback signals, per-cluster impact, c-TF-IDF keywords and representative examples."""

from __future__ import annotations

import numpy as np
import pandas as pd

from feedback_lab._frame import to_pandas
from feedback_lab._validation import require_columns

__all__ = ["FAILING_LABELS", "class_keywords", "representatives", "trace_signals"]

#: labels counted as negative feedback (CONTRIBUTING.md convention)
FAILING_LABELS = frozenset({"fail", "bad", "thumbs_down", "negative", "incorrect", "no"})
#: implicit events that signal a bad answer
NEGATIVE_EVENTS = frozenset({"regenerate", "edit", "abandon"})


def _scale_bounds(fb: pd.DataFrame) -> pd.DataFrame:
    """Per feedback name: the scale's bounds, inferred from the values seen.

    Values within {0, 1} are a 0-1 scale; integers within 1..5 (or 1..10) a 1-5 (1-10) rating;
    anything else the observed min-max range.
    """
    rows = []
    for name, vals in fb.dropna(subset=["value"]).groupby("name")["value"]:
        lo, hi = float(vals.min()), float(vals.max())
        ints = bool(np.all(np.isclose(vals, np.round(vals))))
        if lo >= 0 and hi <= 1:
            lo, hi = 0.0, 1.0
        elif ints and lo >= 1 and hi <= 5:
            lo, hi = 1.0, 5.0
        elif ints and lo >= 1 and hi <= 10:
            lo, hi = 1.0, 10.0
        rows.append((name, lo, hi))
    return pd.DataFrame(rows, columns=["name", "_lo", "_hi"])


def trace_signals(feedback, events) -> pd.DataFrame:
    """One row per trace with ``negative``, ``judge_fail``, ``rating`` and ``implicit_negative``.

    ``negative``: among user/human (and unlabelled-kind) feedback rows, any row whose value is
    below the midpoint of its scale or whose label is a failing label; NaN when the trace has no
    such row. ``judge_fail``: the same over ``annotator_kind == "llm"`` rows. ``rating``: mean of
    the user/human values rescaled to [0, 1] by their scale. ``implicit_negative``: 1 when an
    event ``regenerate``, ``edit`` or ``abandon`` refers to the trace, else 0.
    """
    parts = []
    if feedback is not None:
        fb = to_pandas(feedback)
        require_columns(fb, ["trace_id"], func="cluster_failures", frame="feedback")
        for c in ("name", "value", "label", "annotator_kind"):
            if c not in fb.columns:
                fb[c] = None
        fb = fb[fb["trace_id"].notna()].copy()
        fb["name"] = fb["name"].fillna("")
        fb["value"] = pd.to_numeric(fb["value"], errors="coerce")
        fb = fb.merge(_scale_bounds(fb), on="name", how="left")
        mid = (fb["_lo"] + fb["_hi"]) / 2
        with np.errstate(invalid="ignore"):
            bad_val = pd.Series(fb["value"].to_numpy(float) < mid.to_numpy(float), index=fb.index)
        bad_lab = fb["label"].astype("string").str.strip().str.lower().isin(FAILING_LABELS).fillna(False)
        has = fb["value"].notna() | fb["label"].notna()
        fb["_neg"] = np.where(has, (bad_val.fillna(False) | bad_lab).astype(float), np.nan)
        span = (fb["_hi"] - fb["_lo"]).replace(0, np.nan)
        fb["_rating"] = (fb["value"] - fb["_lo"]) / span
        is_llm = fb["annotator_kind"].astype("string").str.lower().eq("llm").fillna(False)
        human = fb[~is_llm]
        judge = fb[is_llm]
        parts.append(human.groupby("trace_id")["_neg"].max().rename("negative"))
        parts.append(judge.groupby("trace_id")["_neg"].max().rename("judge_fail"))
        parts.append(human.groupby("trace_id")["_rating"].mean().rename("rating"))
    if events is not None:
        ev = to_pandas(events)
        require_columns(ev, ["trace_id", "event"], func="cluster_failures", frame="events")
        ev = ev[ev["trace_id"].notna()]
        neg = ev["event"].astype("string").str.lower().isin(NEGATIVE_EVENTS).fillna(False)
        parts.append(ev[neg].groupby("trace_id").size().gt(0).astype(float).rename("implicit_negative"))
    if not parts:
        return pd.DataFrame(columns=["negative", "judge_fail", "rating", "implicit_negative"])
    out = pd.concat(parts, axis=1)
    out.index = out.index.astype(str)
    return out


def class_keywords(texts: list[str], labels: np.ndarray, *, top_n: int = 10) -> dict[int, list[str]]:
    """Top words per cluster by class-based TF-IDF (BERTopic's c-TF-IDF).

    Each cluster's documents are joined into one; term frequency is L1-normalised per class and
    weighted by ``log(1 + A / f_t)``, with ``A`` the average number of words per class and ``f_t``
    the frequency of term ``t`` over all classes. Noise (-1) is a class of its own.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    ids = sorted(set(labels.tolist()))
    labels = np.asarray(labels)
    if len(labels) != len(texts):
        raise ValueError(f"class_keywords: {len(texts)} texts but {len(labels)} labels")
    order = np.argsort(labels, kind="stable")  # each class's texts in their original order
    bounds = [*np.searchsorted(labels[order], ids, side="left").tolist(), len(order)]
    docs = [" ".join(texts[i] for i in order[bounds[k]:bounds[k + 1]]) for k in range(len(ids))]
    try:
        cv = CountVectorizer(stop_words="english", ngram_range=(1, 1), token_pattern=r"(?u)\b[a-zA-Z][a-zA-Z0-9_'-]+\b")
        tf = cv.fit_transform(docs).toarray().astype(float)
    except ValueError:  # only stop words
        return {c: [] for c in ids}
    vocab = np.array(cv.get_feature_names_out())
    rows = tf.sum(1, keepdims=True)
    tfn = tf / np.where(rows == 0, 1, rows)
    avg = tf.sum() / max(len(ids), 1)
    idf = np.log(1 + avg / np.maximum(tf.sum(0), 1))
    score = tfn * idf
    out = {}
    for i, c in enumerate(ids):
        order = np.argsort(-score[i], kind="stable")[:top_n]
        out[c] = [str(vocab[j]) for j in order if score[i, j] > 0]
    return out


def representatives(emb: np.ndarray, labels: np.ndarray, *, k: int = 5) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """Unit centroids per cluster (noise excluded) and the indices of the ``k`` members nearest each."""
    cents, reps = {}, {}
    for c in sorted(set(labels.tolist()) - {-1}):
        idx = np.flatnonzero(labels == c)
        m = emb[idx].mean(0)
        nrm = np.linalg.norm(m)
        m = m / nrm if nrm > 0 else m
        cents[c] = m.astype(np.float32)
        sims = emb[idx] @ m
        reps[c] = idx[np.argsort(-sims, kind="stable")[:k]]
    return cents, reps
