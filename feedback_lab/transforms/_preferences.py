"""Preference pairs for DPO-style tuning, and TRL's JSONL formats."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._validation import check_in, check_number
from feedback_lab.transforms._common import output, pandas_input
from feedback_lab.transforms._implicit import REGENERATE_EVENTS, edited_text
from feedback_lab.transforms._negative import negative_mask, rated_mask
from feedback_lab.transforms._stats import normalized_edit_distance

__all__ = ["preference_pairs", "write_preference_jsonl"]

PAIR_COLUMNS = ["prompt", "chosen", "rejected", "source", "trace_id_chosen", "trace_id_rejected", "edit_distance"]
SOURCE_ORDER = {"user_edit": 0, "rating": 1, "regenerate": 2}


def _norm(s: Any) -> str | None:
    if s is None or (isinstance(s, float) and np.isnan(s)) or s is pd.NA:
        return None
    return " ".join(str(s).split())


def preference_pairs(traces: Any, events: Any = None, feedback: Any = None, *, min_edit_distance: float = 0.05,
                     max_pairs_per_prompt: int = 4, scales: dict | None = None) -> Any:
    """Build (prompt, chosen, rejected) pairs from edits, ratings and regenerations.

    Parameters
    ----------
    traces : DataFrame
        Needs ``trace_id``, ``input`` and ``output``; ``session_id`` and ``timestamp`` for
        regenerate pairs.
    events : DataFrame, optional
        Canonical events: ``edit`` (payload = edited text) and ``regenerate``/``retry``, ``copy``, ``abandon``.
    feedback : DataFrame, optional
        Canonical feedback; a trace is rated negative when most of its rated rows are negative
        (CONTRIBUTING.md rule) and positive when none is.
    min_edit_distance : float
        Pairs whose chosen and rejected texts are closer than this (normalised Levenshtein) are
        dropped, as are identical ones (after collapsing whitespace).
    max_pairs_per_prompt : int
        Cap on rating pairs per prompt (best-rated outputs paired with worst-rated first).
    scales : dict, optional
        ``{feedback name: (lo, hi)}`` for the negative rule.

    Returns
    -------
    same kind as ``traces``
        ``prompt, chosen, rejected, source, trace_id_chosen, trace_id_rejected, edit_distance``.
        Sources: ``user_edit`` (chosen = the user's edited text, rejected = the output);
        ``rating`` (two traces with the same prompt, one rated positive, one negative);
        ``regenerate`` (a regenerated trace is rejected, the next trace of the same session with
        the same prompt is chosen when it was accepted: copied or rated positive, and neither
        regenerated nor abandoned). Duplicate (prompt, chosen, rejected) triples are kept once,
        preferring user_edit, then rating, then regenerate.

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> tr = pd.DataFrame({"trace_id": ["t1"], "input": ["Capital of France?"], "output": ["Lyon."]})
    >>> ev = pd.DataFrame({"trace_id": ["t1"], "event": ["edit"], "payload": ["Paris."]})
    >>> fl.preference_pairs(tr, ev)[["chosen", "rejected", "source"]].values.tolist()
    [['Paris.', 'Lyon.', 'user_edit']]
    """
    check_number(min_edit_distance, name="min_edit_distance", func="preference_pairs", low=0, high=1)
    check_number(max_pairs_per_prompt, name="max_pairs_per_prompt", func="preference_pairs", low=1, integer=True)
    tr = pandas_input(traces, ["trace_id", "input", "output"], func="preference_pairs", frame="traces")
    tr = tr[~tr["trace_id"].astype(str).duplicated()].copy()
    tr["_tid"] = tr["trace_id"].astype(str)
    tr["_ord"] = np.arange(len(tr))
    rows: list[dict] = []
    ev = None
    if events is not None:
        ev = pandas_input(events, ["trace_id", "event"], func="preference_pairs", frame="events")
        ev["_kind"] = ev["event"].astype("string").str.strip().str.lower().replace({k: "regenerate" for k in REGENERATE_EVENTS})
        ev["_tid"] = ev["trace_id"].astype(str)
        if "timestamp" in ev.columns:
            ev = ev.sort_values("timestamp", kind="stable")
        info = tr.set_index("_tid")
        edits = ev[ev["_kind"] == "edit"].groupby("_tid")["payload" if "payload" in ev.columns else "event"].last()
        if "payload" not in ev.columns:
            edits = edits.iloc[0:0]
        for tid, payload in edits.items():
            if tid in info.index:
                rows.append({"prompt": info.at[tid, "input"], "chosen": edited_text(payload),
                             "rejected": info.at[tid, "output"], "source": "user_edit",
                             "trace_id_chosen": tid, "trace_id_rejected": tid})
    polarity = pd.Series(dtype=object)
    if feedback is not None:
        fb = pandas_input(feedback, ["trace_id"], func="preference_pairs", frame="feedback")
        fb = fb[rated_mask(fb)]
        fb = fb.assign(_neg=negative_mask(fb, scales=scales), _tid=fb["trace_id"].astype(str))
        share = fb.groupby("_tid")["_neg"].mean()
        value = pd.to_numeric(fb["value"], errors="coerce").groupby(fb["_tid"]).mean() if "value" in fb.columns \
            else pd.Series(dtype=float)
        polarity = pd.Series(np.where(share > 0.5, "negative", np.where(share == 0, "positive", None)), index=share.index)
        rated = tr.assign(_pol=tr["_tid"].map(polarity), _val=tr["_tid"].map(value).astype(float),
                          _prompt=tr["input"].map(_norm))
        rated = rated[rated["_pol"].notna() & rated["_prompt"].notna()]
        for _, g in rated.groupby("_prompt", sort=False):
            pos = g[g["_pol"] == "positive"].sort_values(["_val", "_ord"], ascending=[False, True], na_position="last")
            neg = g[g["_pol"] == "negative"].sort_values(["_val", "_ord"], ascending=[True, True], na_position="last")
            pairs = [(p, q) for p in range(len(pos)) for q in range(len(neg))]
            pairs.sort(key=lambda pq: (pq[0] + pq[1], pq))
            for p, q in pairs[:max_pairs_per_prompt]:
                a, b = pos.iloc[p], neg.iloc[q]
                rows.append({"prompt": a["input"], "chosen": a["output"], "rejected": b["output"], "source": "rating",
                             "trace_id_chosen": a["_tid"], "trace_id_rejected": b["_tid"]})
    if ev is not None and "session_id" in tr.columns and "timestamp" in tr.columns:
        kinds = {t: set(g.dropna()) for t, g in ev.groupby("_tid")["_kind"]}
        regen = {t for t, k in kinds.items() if "regenerate" in k}
        st = tr[tr["session_id"].notna()].sort_values(["timestamp", "_ord"], kind="stable")
        st = st.assign(_prompt=st["input"].map(_norm))
        for _, g in st.groupby("session_id", sort=False):
            recs = g.to_dict("records")
            for i, a in enumerate(recs):
                if a["_tid"] not in regen:
                    continue
                nxt = next((b for b in recs[i + 1:] if b["_prompt"] == a["_prompt"]), None)
                if nxt is None:
                    continue
                k = kinds.get(nxt["_tid"], set())
                accepted = ("copy" in k or polarity.get(nxt["_tid"]) == "positive") and not ({"regenerate", "abandon"} & k)
                if accepted:
                    rows.append({"prompt": a["input"], "chosen": nxt["output"], "rejected": a["output"],
                                 "source": "regenerate", "trace_id_chosen": nxt["_tid"], "trace_id_rejected": a["_tid"]})
    res = pd.DataFrame(rows, columns=PAIR_COLUMNS[:-1])
    res = res[res["prompt"].notna() & res["chosen"].notna() & res["rejected"].notna()]
    dist = [normalized_edit_distance(_norm(c), _norm(r)) for c, r in zip(res["chosen"], res["rejected"], strict=False)]
    res = res.assign(edit_distance=pd.Series(dist, index=res.index, dtype=float))
    res = res[(res["edit_distance"] > 0) & (res["edit_distance"] >= min_edit_distance)]
    key = pd.DataFrame({c: res[c].map(_norm) for c in ("prompt", "chosen", "rejected")})
    res = res.assign(_src=res["source"].map(SOURCE_ORDER), _i=np.arange(len(res)))
    res = res.loc[res.sort_values(["_src", "_i"]).index]
    res = res[~key.loc[res.index].duplicated()].sort_values(["_src", "_i"])
    return output(res[PAIR_COLUMNS].astype({"edit_distance": float}), traces)


def write_preference_jsonl(pairs: Any, path: str | Path, *, style: str = "standard",
                           system_prompt: str | None = None) -> Path:
    """Write pairs in the JSONL format TRL's ``DPOTrainer`` reads.

    Parameters
    ----------
    pairs : DataFrame
        ``prompt``, ``chosen``, ``rejected`` (strings), e.g. from :func:`preference_pairs`.
    path : str or Path
        Output ``.jsonl`` file (UTF-8, one JSON object per line).
    style : {"standard", "conversational"}
        ``standard``: ``{"prompt": str, "chosen": str, "rejected": str}`` (TRL's explicit-prompt
        preference format). ``conversational``: ``prompt`` is a list of messages
        (``[{"role": "user", "content": ...}]``, after an optional system message), ``chosen`` and
        ``rejected`` are ``[{"role": "assistant", "content": ...}]``.
    system_prompt : str, optional
        A system message prepended to every conversational prompt.

    Returns
    -------
    Path

    Examples
    --------
    >>> import pandas as pd, tempfile, os, json, feedback_lab as fl
    >>> pairs = pd.DataFrame({"prompt": ["2+2?"], "chosen": ["4"], "rejected": ["5"]})
    >>> p = fl.write_preference_jsonl(pairs, os.path.join(tempfile.mkdtemp(), "dpo.jsonl"), style="conversational")
    >>> json.loads(open(p).readline())["chosen"]
    [{'role': 'assistant', 'content': '4'}]
    """
    check_in(style, ["standard", "conversational"], name="style", func="write_preference_jsonl")
    if system_prompt is not None and style != "conversational":
        msg = "write_preference_jsonl: system_prompt applies to style='conversational' only."
        raise ValueError(msg)
    pdf = pandas_input(pairs, ["prompt", "chosen", "rejected"], func="write_preference_jsonl", frame="pairs")
    for c in ("prompt", "chosen", "rejected"):
        bad = pdf.index[pdf[c].isna().to_numpy() | ~pdf[c].map(lambda v: isinstance(v, str)).to_numpy()]
        if len(bad):
            msg = (f"write_preference_jsonl: column {c!r} must hold strings; row(s) {list(bad[:5])} are null or "
                   "not text. Drop or fill them first.")
            raise ValueError(msg)
    path = Path(path)
    with path.open("w", encoding="utf-8") as fh:
        for p, c, r in zip(pdf["prompt"], pdf["chosen"], pdf["rejected"], strict=False):
            if style == "standard":
                rec = {"prompt": p, "chosen": c, "rejected": r}
            else:
                prompt = [{"role": "system", "content": system_prompt}] if system_prompt else []
                prompt.append({"role": "user", "content": p})
                rec = {"prompt": prompt, "chosen": [{"role": "assistant", "content": c}],
                       "rejected": [{"role": "assistant", "content": r}]}
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    return path
