"""Implicit feedback signals (regenerate, edit, copy, abandon) and their agreement with thumbs."""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pandas as pd

from feedback_lab._validation import check_in, check_number
from feedback_lab.transforms._common import ensure_utc, output, pandas_input
from feedback_lab.transforms._negative import negative_mask, rated_mask
from feedback_lab.transforms._stats import normalized_edit_distance, wilson_interval

__all__ = ["implicit_signals", "reconcile"]

REGENERATE_EVENTS = ("regenerate", "retry")
_PAYLOAD_KEYS = ("edited", "edited_text", "text", "content", "output", "new_output", "value")
TRACE_COLUMNS = ["trace_id", "session_id", "n_regenerate", "regenerate_streak", "edited", "edit_distance",
                 "copied", "abandoned", "time_to_abandon_s", "n_events", "weak_label"]


def edited_text(payload: Any) -> str | None:
    """The edited text of an ``edit`` event: the payload itself, or a JSON object's text field."""
    if payload is None or (isinstance(payload, float) and np.isnan(payload)) or payload is pd.NA:
        return None
    s = str(payload)
    if s[:1] == "{":
        try:
            obj = json.loads(s)
        except ValueError:
            return s
        if isinstance(obj, dict):
            for k in _PAYLOAD_KEYS:
                if isinstance(obj.get(k), str):
                    return obj[k]
    return s


def _longest_run(flags: list[bool]) -> int:
    best = cur = 0
    for f in flags:
        cur = cur + 1 if f else 0
        best = max(best, cur)
    return best


def implicit_signals(events: Any, traces: Any = None, *, level: str = "trace", heavy_edit: float = 0.3,
                     regenerate_threshold: int = 2) -> Any:
    """Per-trace (or per-session) implicit signals and a derived weak label.

    Parameters
    ----------
    events : pandas or polars DataFrame
        Canonical events: ``trace_id``, ``event``, ``timestamp``; ``session_id`` and
        ``payload`` (the edited text, or JSON with a ``text``/``edited``/``content`` field) when present.
        ``retry`` counts as ``regenerate``.
    traces : DataFrame, optional
        Supplies ``output`` (for the edit distance), ``session_id`` and ``timestamp``
        (start of the time-to-abandon clock; otherwise the trace's first event).
        Traces without events are included with zero counts when given.
    level : {"trace", "session"}
    heavy_edit : float
        Normalised edit distance at or above which an edit counts as heavy.
    regenerate_threshold : int
        Regenerations at or above which a trace is implied negative.

    Returns
    -------
    same kind as ``events``
        ``level="trace"``: ``trace_id, session_id, n_regenerate, regenerate_streak`` (longest run of
        consecutive regenerate events), ``edited, edit_distance`` (normalised Levenshtein between
        output and the last edited text; NaN when unknown), ``copied, abandoned, time_to_abandon_s,
        n_events, weak_label``.
        ``level="session"``: ``session_id, n_traces, n_regenerate, regenerate_streak`` (longest run of
        consecutive regenerated traces), ``n_edited, n_copied, abandoned, n_negative, n_positive, weak_label``.

    Notes
    -----
    Weak-label rule (trace): **negative** when regenerated ``>= regenerate_threshold`` times, or
    edited with ``edit_distance >= heavy_edit``, or abandoned without being copied; otherwise
    **positive** when copied and not edited (or edited lightly) and regenerated fewer times
    than the threshold; otherwise null (no signal or a mixed one). A session is negative when
    any of its traces is, positive when at least one is positive and none negative.

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> ev = pd.DataFrame({"trace_id": ["t1", "t1", "t2"], "event": ["regenerate", "regenerate", "copy"],
    ...                    "timestamp": pd.to_datetime(["2024-01-01 10:00", "2024-01-01 10:01",
    ...                                                 "2024-01-01 10:02"], utc=True)})
    >>> fl.implicit_signals(ev)[["trace_id", "n_regenerate", "weak_label"]].values.tolist()
    [['t1', 2, 'negative'], ['t2', 0, 'positive']]
    """
    check_in(level, ["trace", "session"], name="level", func="implicit_signals")
    check_number(heavy_edit, name="heavy_edit", func="implicit_signals", low=0, high=1)
    check_number(regenerate_threshold, name="regenerate_threshold", func="implicit_signals", low=1, integer=True)
    ev = pandas_input(events, ["trace_id", "event", "timestamp"], func="implicit_signals", frame="events")
    ev["timestamp"] = ensure_utc(ev["timestamp"], func="implicit_signals", column="timestamp")
    tr = None
    if traces is not None:
        tr = pandas_input(traces, ["trace_id"], func="implicit_signals", frame="traces")
        if "timestamp" in tr.columns:
            tr["timestamp"] = ensure_utc(tr["timestamp"], func="implicit_signals", column="timestamp")
        tr = tr.drop_duplicates("trace_id")
    ev = ev[ev["trace_id"].notna()]
    ev["_ord"] = np.arange(len(ev))
    ev = ev.sort_values(["timestamp", "_ord"], kind="stable", na_position="last")
    kind = ev["event"].astype("string").str.strip().str.lower()
    ev["_kind"] = kind.replace({k: "regenerate" for k in REGENERATE_EVENTS})

    ids = list(dict.fromkeys(ev["trace_id"].astype(str)))
    if tr is not None:
        ids = list(dict.fromkeys([*tr["trace_id"].astype(str), *ids]))
    out_info = dict(zip(tr["trace_id"].astype(str), tr["output"], strict=False)) if tr is not None and "output" in tr else {}
    t0_info = dict(zip(tr["trace_id"].astype(str), tr["timestamp"], strict=False)) if tr is not None and "timestamp" in tr else {}
    sess = {}
    if tr is not None and "session_id" in tr.columns:
        sess.update({k: v for k, v in zip(tr["trace_id"].astype(str), tr["session_id"], strict=False) if pd.notna(v)})
    groups = {str(k): g for k, g in ev.groupby(ev["trace_id"].astype(str), sort=False)}
    rows = []
    for tid in ids:
        g = groups.get(tid)
        kinds = [] if g is None else g["_kind"].tolist()
        sid = sess.get(tid)
        if sid is None and g is not None and "session_id" in g.columns:
            s = g["session_id"].dropna()
            sid = s.iloc[0] if len(s) else None
        n_regen = sum(k == "regenerate" for k in kinds)
        edits = [] if g is None else [edited_text(p) for p, k in zip(g.get("payload", [None] * len(g)), kinds, strict=False) if k == "edit"]
        edited = len(edits) > 0
        dist = float("nan")
        if edited and edits[-1] is not None and tid in out_info and pd.notna(out_info[tid]):
            dist = normalized_edit_distance(str(out_info[tid]), edits[-1])
        copied = "copy" in kinds
        abandoned = "abandon" in kinds
        tta = float("nan")
        if abandoned:
            t_ab = g.loc[g["_kind"] == "abandon", "timestamp"].iloc[0]
            start = t0_info.get(tid)
            start = g["timestamp"].min() if start is None or pd.isna(start) else start
            tta = (t_ab - start).total_seconds() if pd.notna(t_ab) and pd.notna(start) else float("nan")
        heavy = edited and not np.isnan(dist) and dist >= heavy_edit
        light_or_none = (not edited) or (not np.isnan(dist) and dist < heavy_edit)
        if n_regen >= regenerate_threshold or heavy or (abandoned and not copied):
            weak = "negative"
        elif copied and light_or_none:
            weak = "positive"
        else:
            weak = None
        rows.append({"trace_id": tid, "session_id": sid, "n_regenerate": n_regen,
                     "regenerate_streak": _longest_run([k == "regenerate" for k in kinds]),
                     "edited": edited, "edit_distance": dist, "copied": copied, "abandoned": abandoned,
                     "time_to_abandon_s": tta, "n_events": len(kinds), "weak_label": weak})
    res = pd.DataFrame(rows, columns=TRACE_COLUMNS)
    res = res.astype({"n_regenerate": "int64", "regenerate_streak": "int64", "edited": bool, "copied": bool,
                      "abandoned": bool, "edit_distance": float, "time_to_abandon_s": float, "n_events": "int64"})
    res["weak_label"] = res["weak_label"].astype(object)
    if level == "trace":
        return output(res, events)
    return output(_sessions(res, tr, ev), events)


def _sessions(res: pd.DataFrame, tr: pd.DataFrame | None, ev: pd.DataFrame) -> pd.DataFrame:
    cols = ["session_id", "n_traces", "n_regenerate", "regenerate_streak", "n_edited", "n_copied",
            "abandoned", "n_negative", "n_positive", "weak_label"]
    res = res[res["session_id"].notna()].copy()
    # order traces within a session by their time (trace timestamp, else first event)
    first = ev.groupby(ev["trace_id"].astype(str))["timestamp"].min()
    if tr is not None and "timestamp" in tr.columns:
        first = pd.Series(tr["timestamp"].to_numpy(), index=tr["trace_id"].astype(str)).combine_first(first)
    res["_t"] = res["trace_id"].map(first)
    rows = []
    for sid, g in res.sort_values("_t", kind="stable").groupby("session_id", sort=False):
        n_neg = int((g["weak_label"] == "negative").sum())
        n_pos = int((g["weak_label"] == "positive").sum())
        rows.append({"session_id": sid, "n_traces": len(g), "n_regenerate": int(g["n_regenerate"].sum()),
                     "regenerate_streak": _longest_run((g["n_regenerate"] > 0).tolist()),
                     "n_edited": int(g["edited"].sum()), "n_copied": int(g["copied"].sum()),
                     "abandoned": bool(g["abandoned"].any()), "n_negative": n_neg, "n_positive": n_pos,
                     "weak_label": "negative" if n_neg else ("positive" if n_pos else None)})
    out = pd.DataFrame(rows, columns=cols)
    out["weak_label"] = out["weak_label"].astype(object)
    return out


def reconcile(explicit: Any, implicit: Any, *, annotator_kind: str | None = "user", per_trace: bool = False,
              heavy_edit: float = 0.3, scales: dict | None = None) -> Any:
    """How implicit signals agree with explicit feedback (thumbs) where both exist.

    Parameters
    ----------
    explicit : DataFrame
        Canonical feedback (``trace_id``, ``name``, ``value``/``label``); a trace is explicitly
        negative when most of its rated rows are negative (negative rule of CONTRIBUTING.md),
        positive when most are not; ties are left out.
    implicit : DataFrame
        Output of :func:`implicit_signals` (``level="trace"``).
    annotator_kind : str or None
        Keep explicit rows of this kind only (``"user"``: thumbs from end users); None keeps all.
    heavy_edit : float
        Edit distance from which an edit counts as heavy (as in :func:`implicit_signals`).
    scales : dict, optional
        ``{feedback name: (lo, hi)}`` for the negative rule.
    per_trace : bool
        Return the per-trace join (``trace_id, explicit, implicit, agree``) instead of the summary.

    Returns
    -------
    same kind as ``explicit``
        One row per signal: ``signal`` (``weak_label``, ``regenerated``, ``heavily_edited``,
        ``copied``, ``abandoned``), ``implies`` (``negative``/``positive``), ``n`` (traces with both
        the signal and an explicit label), ``n_agree``, ``agreement`` and its Wilson 95% interval
        ``agreement_low``, ``agreement_high`` (NaN when ``n == 0``).

    Examples
    --------
    >>> import pandas as pd, feedback_lab as fl
    >>> fb = pd.DataFrame({"trace_id": ["t1", "t2"], "name": "thumb", "value": [0.0, 1.0],
    ...                    "annotator_kind": "user"})
    >>> imp = pd.DataFrame({"trace_id": ["t1", "t2"], "n_regenerate": [2, 0], "edited": False,
    ...                     "edit_distance": float("nan"), "copied": [False, True], "abandoned": False,
    ...                     "weak_label": ["negative", "positive"]})
    >>> r = fl.reconcile(fb, imp).set_index("signal")
    >>> int(r.loc["weak_label", "n"]), float(r.loc["weak_label", "agreement"])
    (2, 1.0)
    """
    ex = pandas_input(explicit, ["trace_id", "name"], func="reconcile", frame="explicit")
    im = pandas_input(implicit, ["trace_id", "weak_label"], func="reconcile", frame="implicit")
    if annotator_kind is not None and "annotator_kind" in ex.columns:
        ex = ex[ex["annotator_kind"] == annotator_kind]
    ex = ex.assign(_neg=negative_mask(ex, scales=scales), _rated=rated_mask(ex))
    ex = ex[ex["_rated"]]
    agg = ex.groupby(ex["trace_id"].astype(str)).agg(neg=("_neg", "sum"), n=("_neg", "size"))
    label = pd.Series(np.where(agg["neg"] * 2 > agg["n"], "negative",
                               np.where(agg["neg"] * 2 < agg["n"], "positive", None)), index=agg.index)
    im = im.drop_duplicates("trace_id")
    im["explicit"] = im["trace_id"].astype(str).map(label)
    im = im[im["explicit"].notna()]
    if per_trace:
        pt = im[["trace_id", "explicit", "weak_label"]].rename(columns={"weak_label": "implicit"})
        pt["agree"] = (pt["explicit"] == pt["implicit"]).where(pt["implicit"].notna())
        return output(pt, explicit)
    col = im.get
    signals = [
        ("weak_label", None, im["weak_label"].notna()),
        ("regenerated", "negative", col("n_regenerate", pd.Series(0, index=im.index)).fillna(0) > 0),
        ("heavily_edited", "negative",
         (col("edit_distance", pd.Series(np.nan, index=im.index)) >= heavy_edit).fillna(False)),
        ("copied", "positive", col("copied", pd.Series(False, index=im.index)).fillna(False).astype(bool)),
        ("abandoned", "negative", col("abandoned", pd.Series(False, index=im.index)).fillna(False).astype(bool)),
    ]
    rows = []
    for name, implies, mask in signals:
        sub = im[mask.astype(bool)]
        expected = sub["weak_label"] if implies is None else pd.Series(implies, index=sub.index)
        n = len(sub)
        k = int((sub["explicit"] == expected).sum())
        lo, hi = wilson_interval(k, n)
        rows.append({"signal": name, "implies": implies or "weak_label", "n": n, "n_agree": k,
                     "agreement": k / n if n else float("nan"), "agreement_low": float(lo), "agreement_high": float(hi)})
    return output(pd.DataFrame(rows), explicit)
