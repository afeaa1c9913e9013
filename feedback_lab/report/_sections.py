"""The sections of the bi-weekly review. Each takes the context and returns a :class:`Section`,
recording its figures in ``ctx.summary`` (what the next review compares against)."""

from __future__ import annotations

import numpy as np
import pandas as pd

import feedback_lab as fl
from feedback_lab.report._context import ReviewContext
from feedback_lab.report._html import Block, Section

__all__ = ["SECTIONS"]


def _pd(df) -> pd.DataFrame:
    return df if isinstance(df, pd.DataFrame) else df.to_pandas()


def _pct(x: float | None) -> str:
    return "n/a" if x is None or (isinstance(x, float) and np.isnan(x)) else f"{100 * x:.1f}%"


def loaded(ctx: ReviewContext) -> Section:
    cur, ref = int(ctx.is_current.sum()), int(ctx.is_reference.sum())
    s = {
        "traces": len(ctx.all_traces), "spans": len(ctx.spans), "feedback": len(ctx.feedback),
        "events": len(ctx.events), "rejects": len(ctx.rejects), "current_traces": cur, "reference_traces": ref,
        "since": ctx.since.isoformat(), "until": ctx.until.isoformat(), "reference_since": ctx.ref_since.isoformat(),
    }
    ctx.summary["loaded"] = s
    blocks = [Block("table", pd.DataFrame([s]).T.reset_index().rename(columns={"index": "what", 0: "count"}))]
    if len(ctx.rejects):
        blocks.append(Block("table", ctx.rejects[["file", "line", "reason"]].head(20), "Rejected records (first 20)"))
    return Section(
        "loaded", "What was loaded",
        "Check the window and the counts; rejected records are listed with file, line and reason.",
        tuple(blocks), verdict="attention" if len(ctx.rejects) else "ok",
        headline=f"{cur} traces in the current window ({ctx.window_label()}), {ref} in the reference window; "
        f"{len(ctx.rejects)} record(s) rejected.",
    )


def trends(ctx: ReviewContext) -> Section:
    tr = fl.feedback_trends(ctx.all_traces, ctx.feedback, freq="1w", events=ctx.events if len(ctx.events) else None)
    alerts = fl.metric_alerts(tr, metric_col="negative_rate", count_col="n_feedback", higher_is_better=False)
    fired = alerts[alerts["alert"]] if len(alerts) and "alert" in alerts.columns else alerts.iloc[0:0]
    if len(fired) and "period" in fired.columns:  # only what happened in the current window is news
        period = pd.to_datetime(fired["period"], utc=True)
        fired = fired[(period + pd.Timedelta(days=7) > ctx.since) & (period <= ctx.until)]
    for row in fired.to_dict("records"):
        ctx.alert("metric", f"negative-feedback rate rose in period {row.get('period')}", **{
            k: row[k] for k in ("period", "value", "previous", "relative_change", "p_value") if k in row})
    neg_cur = float(tr["n_negative"].iloc[-2:].sum() / max(tr["n_feedback"].iloc[-2:].sum(), 1)) if len(tr) else np.nan
    neg_ref = float(tr["n_negative"].iloc[-4:-2].sum() / max(tr["n_feedback"].iloc[-4:-2].sum(), 1)) if len(tr) >= 4 else np.nan
    ctx.summary["feedback"] = {"negative_rate_current": neg_cur, "negative_rate_reference": neg_ref,
                               "periods": len(tr), "metric_alerts": len(fired)}
    if "implicit_negative_rate" in tr.columns and len(tr):
        # traces-weighted mean of the weekly implicit-negative rate over the same periods
        def _implicit(rows):
            w = rows["n_traces"].to_numpy(dtype=float)
            v = rows["implicit_negative_rate"].to_numpy(dtype=float)
            ok = ~np.isnan(v)
            return float((v[ok] * w[ok]).sum() / w[ok].sum()) if w[ok].sum() else np.nan

        ctx.summary["feedback"]["implicit_negative_rate_current"] = _implicit(tr.iloc[-2:])
        ctx.summary["feedback"]["implicit_negative_rate_reference"] = _implicit(tr.iloc[-4:-2]) if len(tr) >= 4 else np.nan
    blocks = [Block("figure", fl.plot_feedback_trends(tr), "Negative-feedback rate per week (Wilson 95% band)"),
              Block("table", tr, "Weekly figures")]
    if len(fired):
        blocks.append(Block("table", fired, "Statistically supported week-over-week changes"))
    verdict = "alert" if len(fired) else "ok"
    return Section("trends", "Feedback trends",
                   "Is the share of negative feedback (explicit and implicit) moving? Alerts fire only when a "
                   "change beyond 5% is statistically supported.", tuple(blocks), verdict,
                   f"Negative-feedback rate: {_pct(neg_cur)} in the last two weeks vs {_pct(neg_ref)} before.")


def failing_mask(ctx: ReviewContext, traces: pd.DataFrame) -> np.ndarray:
    """Traces with a failure signal: negative explicit feedback (users, reviewers or the judge), an
    implicit negative event (regenerate, edit, abandon) or an error status."""
    from feedback_lab.analysis.cluster._impact import NEGATIVE_EVENTS
    from feedback_lab.transforms._negative import negative_mask

    ids = set()
    fb = ctx.feedback[ctx.feedback["trace_id"].isin(traces["trace_id"])]
    if len(fb):
        ids |= set(fb.loc[negative_mask(fb), "trace_id"])
    ev = ctx.events
    if len(ev):
        ids |= set(ev.loc[ev["event"].astype("string").str.lower().isin(NEGATIVE_EVENTS).fillna(False), "trace_id"])
    mask = traces["trace_id"].isin(ids).to_numpy().copy()
    if "status" in traces.columns:
        mask |= traces["status"].astype("string").str.lower().eq("error").fillna(False).to_numpy(dtype=bool)
    return mask


def failure_modes(ctx: ReviewContext, previous_clusters=None) -> Section:
    cur = ctx.is_current
    window = ctx.traces[cur].reset_index(drop=True)
    failing = failing_mask(ctx, window)
    ctx.failing = failing
    traces = window[failing].reset_index(drop=True)
    if len(traces) < 10:
        ctx.summary["clusters"] = []
        return Section("clusters", "Failure modes", "Which failure modes do users hit?",
                       (Block("text", f"Only {len(traces)} traces of the window have a failure signal; "
                              "nothing to cluster."),), "n/a")
    res = fl.cluster_failures(traces, text_col=ctx.text_col, embeddings=ctx.embeddings[cur][failing],
                              feedback=ctx.feedback, events=ctx.events, random_state=ctx.random_state,
                              show_progress=ctx.show_progress)
    ctx.clusters = res
    cl = _pd(res.clusters)
    blocks = [Block("figure", fl.plot_cluster_impact(res), "Failure modes: size vs negative-feedback rate"),
              Block("figure", fl.plot_clusters(res, traces), "Map of the current window's outputs")]
    cols = [c for c in ("cluster", "name", "size", "share", "negative_rate", "judge_fail_rate",
                        "implicit_negative_rate", "error_mode", "keywords", "examples") if c in cl.columns]
    blocks.append(Block("table", cl[cols].sort_values("size", ascending=False), "Clusters"))
    ctx.summary["clusters"] = [
        {k: (v if not isinstance(v, np.ndarray) else v.tolist()) for k, v in r.items() if k != "examples"}
        for r in cl[[c for c in cols if c != "examples"]].to_dict("records")
    ]
    ctx.summary["failing_traces"] = {"n": int(failing.sum()), "share": float(failing.mean())}
    headline = (f"{int((cl['cluster'] >= 0).sum())} failure-mode clusters among the {int(failing.sum())} traces "
                f"({_pct(float(failing.mean()))}) of the current window with a failure signal.")
    verdict = "ok"
    if previous_clusters is not None:
        m = fl.match_clusters(previous_clusters, res)
        m = _pd(m)
        blocks.append(Block("table", m, "Change since the previous review"))
        status = m["status"].value_counts().to_dict() if "status" in m.columns else {}
        ctx.summary["cluster_changes"] = {str(k): int(v) for k, v in status.items()}
        if status.get("new"):
            verdict = "attention"
            ctx.alert("new_failure_mode", f"{status['new']} new cluster(s) since the previous review")
        headline += f" Since the previous review: {status.get('new', 0)} new, {status.get('vanished', 0)} vanished."
    else:
        blocks.insert(0, Block("text", "No previous review given (--previous): change since last time is not shown."))
    return Section("clusters", "Failure modes",
                   "Which failure modes do users hit, how often, and how negative is the feedback on each? Clustered: "
                   "the traces with negative feedback (users, reviewers, judge), an implicit negative signal "
                   "(regenerate, edit, abandon) or an error status. "
                   "Rename clusters in the failure_modes notebook; names carry over to the next review.",
                   tuple(blocks), verdict, headline)


def drift(ctx: ReviewContext) -> Section:
    ref, cur = ctx.embeddings[ctx.is_reference], ctx.embeddings[ctx.is_current]
    if len(ref) < 10 or len(cur) < 10:
        ctx.summary["drift"] = {"skipped": f"too few traces (reference {len(ref)}, current {len(cur)})"}
        return Section("drift", "Drift", "Has the traffic or the model's behaviour changed?",
                       (Block("text", ctx.summary["drift"]["skipped"]),), "n/a")
    res = fl.embedding_drift(ref, cur, method="all", random_state=ctx.random_state, show_progress=ctx.show_progress)
    df = _pd(res.to_frame())
    ctx.summary["drift"] = {"tests": df.to_dict("records"), "drifted": bool(df["drifted"].any())}
    timeline = fl.drift_timeline(ctx.traces, ctx.embeddings, freq="1w", random_state=ctx.random_state)
    blocks = [Block("table", df, "Drift tests: reference window vs current window"),
              Block("figure", fl.plot_drift_timeline(timeline), "Weekly drift against the first week")]
    fired = df[df["drifted"]]
    if len(fired):
        ctx.alert("drift", f"embedding drift detected by {', '.join(map(str, fired['method']))}",
                  methods=list(map(str, fired["method"])))
        ref_t = ctx.traces[ctx.is_reference].reset_index(drop=True)
        cur_t = ctx.traces[ctx.is_current].reset_index(drop=True)
        clusters = None
        if ctx.clusters is not None:
            # both windows are assigned to the current failure modes (nearest centroid, -1 when
            # unlike all of them), so the shift table says which modes appeared or grew
            clusters = (ctx.clusters.assign(ref), ctx.clusters.assign(cur))
        expl = fl.explain_drift(ref, cur, clusters=clusters, traces=(ref_t, cur_t), random_state=ctx.random_state)
        if expl.clusters is not None and len(expl.clusters):
            moved = _pd(expl.clusters)
            ctx.summary["drift"]["cluster_shift"] = {"chi2": expl.chi2, "p_value": expl.p_value,
                                                     "moved": moved.to_dict("records")}
            blocks.append(Block("table", moved, "Which failure modes moved (reference traces assigned to the "
                                f"current clusters; chi-square p = {expl.p_value:.3g})"))
        if expl.examples is not None:
            blocks.append(Block("table", _pd(expl.examples).head(10), "Current traces most unlike the reference"))
    verdict = "alert" if len(fired) else "ok"
    headline = (f"Drift detected by {len(fired)} of {len(df)} tests." if len(fired)
                else f"No drift detected by any of the {len(df)} tests.")
    return Section("drift", "Drift", "Has the traffic or the model's behaviour changed between the reference and "
                   "the current window? Each test is calibrated: with no drift it fires at most 5% of the time.",
                   tuple(blocks), verdict, headline)


def similarity(ctx: ReviewContext) -> Section:
    t = ctx.traces[ctx.is_current]
    t = t[t["reference"].notna() & t[ctx.text_col].notna()]
    if t.empty:
        ctx.summary["similarity_alerts"] = {"checked": 0, "alerts": 0}
        return Section("similarity", "Similarity alerts", "Outputs far from their reference answers.",
                       (Block("text", "No trace in the current window has a reference answer."),), "n/a")
    al = fl.similarity_alerts(t.reset_index(drop=True), a_col=ctx.text_col, b_col="reference", threshold=0.7)
    al = _pd(al)
    ctx.summary["similarity_alerts"] = {"checked": len(t), "alerts": len(al), "threshold": 0.7, "scale": "cosine"}
    if len(al):
        ctx.alert("similarity", f"{len(al)} output(s) below cosine 0.7 to their reference", count=len(al),
                  trace_ids=list(map(str, al["trace_id"].head(20))))
    return Section("similarity", "Similarity alerts",
                   "Outputs whose cosine similarity to the reference answer is below 0.7 (raw cosine scale).",
                   (Block("table", al, "Below threshold"),), "attention" if len(al) else "ok",
                   f"{len(al)} of {len(t)} outputs with a reference are below cosine 0.7.")


SECTIONS = (loaded, trends, failure_modes, drift, similarity)
