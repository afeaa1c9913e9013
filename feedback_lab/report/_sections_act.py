"""Review sections about the judge, regressions and what to do next."""

from __future__ import annotations

import numpy as np
import pandas as pd

import feedback_lab as fl
from feedback_lab.report._context import ReviewContext
from feedback_lab.report._html import Block, Section
from feedback_lab.report._sections import _pct, _pd

__all__ = ["SECTIONS_ACT"]

_FAIL = {"fail", "failed", "bad", "incorrect", "no", "negative", "thumbs_down", "false", "0"}


def judge(ctx: ReviewContext, *, min_kappa: float = 0.6, min_corr: float = 0.8) -> Section:
    lead = ("Can we trust the LLM judge? Its labels against the human majority on the same traces, with "
            "bootstrap 95% intervals; the verdict is 'inconclusive' when the interval straddles the bar.")
    try:
        pairs = _pd(fl.pair_judge_human(ctx.feedback))
    except ValueError as exc:
        ctx.summary["agreement"] = {"skipped": str(exc)}
        return Section("judge", "Judge–human agreement", lead, (Block("text", str(exc)),), "n/a")
    name = pairs.attrs.get("name", "")
    numeric = pd.api.types.is_numeric_dtype(pairs["judge"]) and pd.api.types.is_numeric_dtype(pairs["human"])
    level = "interval" if numeric else "nominal"
    by = None
    if "task" in ctx.all_traces.columns and ctx.all_traces["task"].notna().any():
        pairs = pairs.merge(ctx.all_traces[["trace_id", "task"]], on="trace_id", how="left")
        pairs["task"] = pairs["task"].fillna("(none)")
        by = "task" if pairs["task"].nunique() > 1 else None
    res = fl.agreement(pairs, judge_col="judge", human_col="human", level=level, by=by, n_boot=1000,
                       random_state=ctx.random_state)
    table = _pd(res.table)
    verdict_tbl = _pd(fl.meets(res, min_kappa=min_kappa if level == "nominal" else None,
                               min_corr=None if level == "nominal" else min_corr))
    rows = table[table["segment"] == "overall"] if "segment" in table.columns else table
    overall = rows.iloc[-1].to_dict() if len(rows) else {}
    ctx.summary["agreement"] = {"feedback_name": name, "n_pairs": len(pairs), "level": level,
                                "overall": {k: v for k, v in overall.items() if not isinstance(v, (list, dict))},
                                "meets": verdict_tbl.to_dict("records")}
    blocks = [Block("table", table, f"Agreement on '{name}' ({len(pairs)} traces rated by both)"),
              Block("table", verdict_tbl, "Acceptance check")]
    if level == "nominal":
        blocks.append(Block("figure", fl.plot_confusion(res), "Judge vs human majority"))
    if by is not None:
        blocks.append(Block("figure", fl.plot_agreement_by_segment(res), f"Agreement per {by}"))
    humans = ctx.feedback[(ctx.feedback["annotator_kind"] == "human") & (ctx.feedback["name"] == name)]
    # a reviewer who changed their mind counts once: the latest entry per (trace, annotator)
    humans = (humans.sort_values("timestamp", kind="stable") if "timestamp" in humans.columns else humans)
    humans = humans.drop_duplicates(["trace_id", "annotator"], keep="last")
    if humans["annotator"].nunique() >= 2:
        col = "label" if level == "nominal" else "value"
        ir = fl.inter_rater(humans, item_col="trace_id", rater_col="annotator", label_col=col, level=level)
        ir_df = _pd(ir.to_frame())
        ctx.summary["inter_rater"] = ir_df.to_dict("records")
        blocks.append(Block("table", ir_df, "Humans among themselves"))
    statuses = set(verdict_tbl["verdict"].astype(str)) if "verdict" in verdict_tbl.columns else set()
    verdict = "alert" if "fail" in statuses else ("attention" if "inconclusive" in statuses else "ok")
    if verdict == "alert":
        ctx.alert("judge_agreement", f"the judge does not meet the agreement bar on '{name}'")
    kappa = overall.get("cohen_kappa", overall.get("kappa", np.nan))
    return Section("judge", "Judge–human agreement", lead, tuple(blocks), verdict,
                   f"Judge vs humans on '{name}': Cohen's kappa {kappa:.2f} over {len(pairs)} traces." if
                   isinstance(kappa, float) and not np.isnan(kappa) else f"{len(pairs)} paired traces on '{name}'.")


def _per_trace_metrics(ctx: ReviewContext, mask: np.ndarray) -> pd.DataFrame:
    t = ctx.traces.loc[mask, ["trace_id", "latency_ms"]].copy()
    fb = ctx.feedback[ctx.feedback["trace_id"].isin(t["trace_id"])]
    user = fb[fb["annotator_kind"] == "user"]
    judge = fb[fb["annotator_kind"] == "llm"]
    if len(user):
        neg = fl.transforms._negative.negative_mask(user)
        sat = pd.Series(~neg, index=user.index).groupby(user["trace_id"]).all()
        t["user_satisfied"] = t["trace_id"].map(sat).astype("float")
    if len(judge) and judge["label"].notna().any():
        jp = (~judge["label"].astype(str).str.lower().isin(_FAIL)).groupby(judge["trace_id"]).all()
        t["judge_pass"] = t["trace_id"].map(jp).astype("float")
    return t.drop(columns=["trace_id"])


def regressions(ctx: ReviewContext, *, max_drop: float = 0.05) -> Section:
    base, cand = _per_trace_metrics(ctx, ctx.is_reference), _per_trace_metrics(ctx, ctx.is_current)
    lead = ("Did a metric drop by more than 5% (relative) between the reference and the current window, with a "
            "statistical test supporting it? Then per prompt version, ordered by semantic version.")
    if len(base) < 2 or len(cand) < 2:
        ctx.summary["regressions"] = {"skipped": f"too few traces (reference {len(base)}, current {len(cand)})"}
        return Section("regressions", "Regressions and gates", lead, (Block("text", ctx.summary["regressions"]["skipped"]),), "n/a")
    reg = _pd(fl.detect_regressions(base, cand, max_drop=max_drop, directions={"latency_ms": "minimize"}))
    fb = ctx.feedback[ctx.feedback["trace_id"].isin(ctx.traces["trace_id"])]
    versions = _pd(fl.compare_versions(ctx.traces, fb, by="prompt_version"))
    ctx.summary["regressions"] = reg.to_dict("records")
    for row in reg[reg["regressed"]].to_dict("records"):
        ctx.alert("regression", f"{row['metric']} regressed", **{k: row[k] for k in ("metric", "baseline", "candidate", "relative_change", "p_value")})
    n = int(reg["regressed"].sum())
    return Section("regressions", "Regressions and gates", lead,
                   (Block("table", reg, "Reference window vs current window"),
                    Block("table", versions, "Per prompt version")),
                   "alert" if n else "ok", f"{n} metric(s) regressed." if n else "No supported regression.")


def review_queue(ctx: ReviewContext, *, frac: float = 0.07) -> Section:
    cur = ctx.traces[ctx.is_current].reset_index(drop=True)
    q = _pd(fl.sample_for_review(cur, frac=frac, strategy="mixed", feedback=ctx.feedback,
                                 embeddings=ctx.embeddings[ctx.is_current], random_state=ctx.random_state))
    cols = [c for c in ("trace_id", "reason", "timestamp", "model", "prompt_version", "input", "output") if c in q.columns]
    ctx.exports["review_queue.csv"] = q[cols]
    ctx.summary["review_queue"] = {"n": len(q), "frac": frac, "reasons": q["reason"].value_counts().to_dict()}
    return Section("queue", "Review queue",
                   f"{len(q)} traces ({_pct(frac)} of the window, anomalies first) for the team to label; open them "
                   "in the annotation_session notebook.", (Block("table", q[cols], "Written to review_queue.csv"),), "ok",
                   f"{len(q)} traces queued for human review.")


def actions(ctx: ReviewContext) -> Section:
    cur = ctx.traces[ctx.is_current].reset_index(drop=True)
    if ctx.clusters is not None:
        a = _pd(ctx.clusters.assignments)[["trace_id", "error_mode"]]
        cur = cur.merge(a, on="trace_id", how="left")
    written = []
    reg = _pd(fl.regression_set(cur, ctx.feedback, negative_only=True, by="error_mode"))
    ctx.exports["exports/regression_set.jsonl"] = reg
    written.append(f"regression_set.jsonl: {len(reg)} failing traces, bucketed by error mode")
    pairs = _pd(fl.preference_pairs(cur, events=ctx.events, feedback=ctx.feedback))
    ctx.exports["exports/preference_pairs.jsonl"] = pairs
    written.append(f"preference_pairs.jsonl: {len(pairs)} chosen/rejected pairs (TRL DPO format)")
    ctx.summary["exports"] = {"regression_set": len(reg), "preference_pairs": len(pairs)}
    todo = [f"Read the {len(ctx.alerts)} alert(s) above." if ctx.alerts else "No alert fired.", *written]
    return Section("actions", "Actions", "What to export and do after this review.", (Block("list", todo),), None,
                   f"{len(reg)} regression cases and {len(pairs)} preference pairs exported.")


SECTIONS_ACT = (judge, regressions, review_queue, actions)
