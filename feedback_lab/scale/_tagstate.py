"""Error-mode tagging with frozen statistics, so that every batch is tagged as the whole set would be.

:func:`feedback_lab.tag_error_modes` uses three statistics of the set it is given: the mean
embedding (centring), a reference set of neighbours with provisional tags (topic damping) and
the median/MAD of output log-lengths (verbosity detector). Tagging batch by batch would change
them from batch to batch. :func:`fit_tag_state` computes them once on a reference sample and
:func:`apply_tags` applies them to any rows; fitted on a whole set of at most ``max_ref``
(5,000) texts, ``apply_tags`` reproduces ``tag_error_modes`` on that set.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from feedback_lab.analysis.cluster import _detectors as det
from feedback_lab.analysis.cluster import _taxonomy as tx

__all__ = ["TagState", "apply_tags", "fit_tag_state"]

_MAX_REF = 5000  # as topic_residual's max_ref
_K, _BETA = 10, 0.5  # as topic_residual's defaults


@dataclass(frozen=True)
class TagState:
    """What :func:`apply_tags` needs, small enough to broadcast (a few MB)."""

    modes: tuple
    mode_emb: tuple  # one (p, d) array per mode
    pcenter: np.ndarray
    center_emb: np.ndarray  # mean embedding of the reference texts (or pcenter below 30 texts)
    center_res: np.ndarray  # mean of their topic-damped embeddings
    damp: bool  # topic damping on (reference of at least 30 texts and more than one mode)
    ref_emb: np.ndarray
    ref_lab: np.ndarray
    log_len: tuple | None  # (median, MAD) of output log-lengths, None below 20 outputs
    n_ref: int


def _sim(x: np.ndarray, state: TagState, center: np.ndarray) -> np.ndarray:
    ec = x - center
    out = []
    for p in state.mode_emb:
        s = ec @ (p - state.pcenter).T
        k = min(2, s.shape[1])
        out.append(np.sort(s, axis=1)[:, -k:].mean(1))
    return np.stack(out, 1)


def _residual(emb: np.ndarray, labels: np.ndarray, r_emb: np.ndarray, r_lab: np.ndarray, chunk: int = 2048):
    out = np.empty_like(emb)
    kk = min(_K, len(r_emb) - 1)
    for s0 in range(0, len(emb), chunk):
        sl = slice(s0, min(len(emb), s0 + chunk))
        sim = emb[sl] @ r_emb.T
        sim[labels[sl, None] == r_lab[None, :]] = -np.inf
        nn = np.argpartition(-sim, kk - 1, axis=1)[:, :kk]
        valid = np.isfinite(np.take_along_axis(sim, nn, 1))[..., None]
        topic = (r_emb[nn] * valid).sum(1) / np.maximum(valid.sum(1), 1)
        out[sl] = emb[sl] - _BETA * topic
    nrm = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.where(nrm > 0, nrm, 1)).astype(np.float32)


def _length_hits(outputs, log_len) -> np.ndarray:
    lengths = np.array([len(a) if det._s(a) else 0 for a in outputs], dtype=float)
    out = np.zeros(len(lengths), dtype=bool)
    if log_len is None or log_len[1] == 0:
        return out
    ok = lengths > 0
    z = 0.6745 * (np.log(lengths[ok]) - log_len[0]) / log_len[1]
    out[np.flatnonzero(ok)] = np.abs(z) > 4.0
    return out


def _detect(names, inputs, outputs, status, log_len):
    """:func:`detect` with the length rule's statistics frozen (None: no length outliers)."""
    n = len(outputs) if outputs is not None else (len(status) if status is not None else 0)
    ev = np.zeros((n, len(names)))
    reasons = [""] * n
    idx = {name: j for j, name in enumerate(names)}

    def mark(name, hits, why):
        if name in idx:
            for i in np.flatnonzero(hits):
                ev[i, idx[name]] = 1.0
                reasons[i] = f"{reasons[i]}; {why}" if reasons[i] else why

    if status is not None:
        mark("tool_error", np.array([isinstance(s, str) and s.strip().lower() in {"error", "failed", "failure", "timeout"}
                                     for s in status], dtype=bool), "status is error")
    if outputs is not None:
        mark("refusal", det.refusal_phrase(outputs), "refusal phrase in output")
        mark("length_verbosity", _length_hits(outputs, log_len), "output length outlier")
        if inputs is not None:
            mark("format_error", det.invalid_json(inputs, outputs), "invalid JSON (JSON was asked)")
            mark("wrong_language", det.language_mismatch(inputs, outputs), "input/output language mismatch")
    return ev, reasons


def _ok(texts) -> np.ndarray:
    return np.array([isinstance(t, str) and bool(t.strip()) for t in texts], dtype=bool)


def fit_tag_state(texts, emb, *, modes, model=None, inputs=None, outputs=None, status=None) -> TagState:
    """Freeze the tagging statistics on reference rows (texts with their L2-normalised embeddings)."""
    from feedback_lab.analysis.cluster._encode import encode

    mode_emb = tuple(encode(m.phrases(), model=model, show_progress=False) for m in modes)
    pcenter = np.vstack(mode_emb).mean(0)
    ok = _ok(texts)
    idx = np.flatnonzero(ok)
    e = np.asarray(emb, dtype=np.float32)[idx]
    n = len(idx)
    center_emb = e.mean(0) if n >= tx._CENTER_MIN_N else pcenter
    names = [m.name for m in modes]

    def sub(seq):
        return None if seq is None else [seq[i] for i in idx]

    outs = sub(outputs)
    log_len = None
    if outs is not None:
        lengths = np.array([len(a) if det._s(a) else 0 for a in outs], dtype=float)
        if (lengths > 0).sum() >= 20:
            ll = np.log(lengths[lengths > 0])
            med = float(np.median(ll))
            log_len = (med, float(np.median(np.abs(ll - med))))
    damp = n >= tx._CENTER_MIN_N and len(modes) > 1
    partial = TagState(tuple(modes), mode_emb, pcenter, center_emb, center_emb, False, e[:0], np.zeros(0, int),
                       log_len, n)
    ref_emb, ref_lab, center_res = e[:0], np.zeros(0, dtype=int), center_emb
    if damp:
        hits, _ = tx._keyword_hits([texts[i] for i in idx], modes)
        ev, _ = _detect(names, sub(inputs), outs, sub(status), log_len) if (
            outputs is not None or status is not None) else (np.zeros((n, len(modes))), None)
        labels = (_sim(e, partial, center_emb) + tx.KEYWORD_WEIGHT * np.minimum(hits, 2)
                  + tx.DETECTOR_WEIGHT * ev).argmax(1)
        ref = np.arange(n) if n <= _MAX_REF else np.linspace(0, n - 1, _MAX_REF).astype(int)
        ref_emb, ref_lab = e[ref], labels[ref]
        center_res = _residual(e, labels, ref_emb, ref_lab).mean(0)
    return TagState(tuple(modes), mode_emb, pcenter, center_emb, center_res, damp, ref_emb, ref_lab, log_len, n)


def apply_tags(state: TagState, texts, emb, *, inputs=None, outputs=None, status=None) -> pd.DataFrame:
    """``error_mode``, ``error_mode_confidence``, ``error_mode_score``, ``error_mode_evidence`` per row."""
    texts = list(texts)
    n = len(texts)
    emb = np.asarray(emb, dtype=np.float32)
    ok = _ok(texts)
    idx = np.flatnonzero(ok)
    names = np.array([m.name for m in state.modes], dtype=object)
    mode_col = np.full(n, None, dtype=object)
    conf, best = np.full(n, np.nan), np.full(n, np.nan)
    evid = np.full(n, None, dtype=object)

    def sub(seq, rows):
        return None if seq is None else [seq[i] for i in rows]

    if len(idx):
        e = emb[idx]
        hits, words = tx._keyword_hits([texts[i] for i in idx], state.modes)
        has_det = outputs is not None or status is not None
        ev, reasons = _detect(list(names), sub(inputs, idx), sub(outputs, idx), sub(status, idx), state.log_len) \
            if has_det else (np.zeros((len(idx), len(names))), [""] * len(idx))
        bonus = tx.KEYWORD_WEIGHT * np.minimum(hits, 2) + tx.DETECTOR_WEIGHT * ev
        sim = _sim(e, state, state.center_emb)
        if state.damp:
            res = _residual(e, (sim + bonus).argmax(1), state.ref_emb, state.ref_lab)
            sim = _sim(res, state, state.center_res)
        score = sim + bonus
        top = score.argmax(1)
        z = (score - score.max(1, keepdims=True)) / tx._TEMPERATURE
        prob = np.exp(z) / np.exp(z).sum(1, keepdims=True)
        mode_col[idx], conf[idx], best[idx] = names[top], prob.max(1), score.max(1)
        for r, i in enumerate(idx):
            j = top[r]
            parts = [f"detector: {reasons[r]}"] if reasons[r] else []
            if words[r][j]:
                parts.append("keywords: " + ", ".join(dict.fromkeys(w.lower() for w in words[r][j])))
            parts.append(f"similarity {sim[r, j]:.2f}")
            evid[i] = "; ".join(parts)
    rest = np.flatnonzero(~ok)
    if len(rest) and (outputs is not None or status is not None):
        ev, reasons = _detect(list(names), sub(inputs, rest), sub(outputs, rest), sub(status, rest), None)
        for r, i in enumerate(rest):
            if ev[r].any():
                j = int(ev[r].argmax())
                mode_col[i], conf[i], best[i] = names[j], 1.0 / ev[r].sum(), tx.DETECTOR_WEIGHT
                evid[i] = f"detector: {reasons[r]}"
    return pd.DataFrame({"error_mode": mode_col, "error_mode_confidence": conf,
                         "error_mode_score": best, "error_mode_evidence": evid})
