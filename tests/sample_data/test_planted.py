"""The planted truths hold, and sample_data/README.md states them exactly.

Agreement figures are recomputed with the reference implementations
(``sklearn.metrics.cohen_kappa_score``, the ``krippendorff`` package), never
with feedback_lab's own statistics.
"""

from __future__ import annotations

import json

import krippendorff
import numpy as np
import polars as pl
import pytest
from sklearn.metrics import cohen_kappa_score

from feedback_lab.sample_data import FAILURE_MODES


def test_counts_match_readme(committed, read_jsonl, readme_tables, readme, truth):
    for frame, file, rows in readme_tables("| frame | file | rows |"):
        assert len(read_jsonl(committed / file)) == int(rows), frame
    fb = read_jsonl(committed / "feedback.jsonl")
    for name, kind, rows, _ in readme_tables("| name | annotator_kind | rows |"):
        assert sum(1 for f in fb if f["name"] == name and f["annotator_kind"] == kind) == int(rows), (name, kind)
    ev = read_jsonl(committed / "events.jsonl")
    for event, rows, *_ in readme_tables("| event | rows |"):
        assert sum(1 for e in ev if e["event"] == event) == int(rows), event
    table = readme_tables("| failure_mode | support_qa |")
    assert sorted(r[0] for r in table) == sorted(FAILURE_MODES)
    for mode, qa, summ, ex, total, early, late in table:
        t = truth.filter(pl.col("failure_mode") == mode)
        got = [t.filter(pl.col("task") == k).height for k in ("support_qa", "summarization", "extraction")]
        got += [t.height, t.filter(~pl.col("drift_window")).height, t.filter(pl.col("drift_window")).height]
        assert got == [int(x) for x in (qa, summ, ex, total, early, late)], mode
    tasks = dict(truth.group_by("task").len().iter_rows())
    assert (f"support_qa {tasks['support_qa']}, summarization {tasks['summarization']}, "
            f"extraction {tasks['extraction']}") in readme
    weeks = truth.group_by("week").len().sort("week")["len"].to_list()
    assert "Traces per week 1-8: " + ", ".join(map(str, weeks)) in readme
    assert f"{truth['golden'].sum()} traces have a `reference`" in readme


def test_negative_feedback_concentrates_on_failing_traces(ts, truth, readme):
    u = ts.feedback.filter(pl.col("annotator_kind") == "user").with_columns(
        neg=pl.when(pl.col("name") == "thumbs").then(pl.col("value") == 0).otherwise(pl.col("value") <= 2)
    ).join(truth.select("trace_id", "failing"), on="trace_id")
    rate = dict(u.group_by("failing").agg(pl.col("neg").mean()).iter_rows())
    assert rate[True] > 5 * rate[False]
    assert f"**{rate[True]:.3f}**" in readme and f"**{rate[False]:.3f}**" in readme
    # implicit signals point the same way
    ev = ts.events.join(truth.select("trace_id", "failing"), on="trace_id")
    n = dict(truth.group_by("failing").len().iter_rows())
    per = {(e, f): c / n[f] for e, f, c in ev.group_by("event", "failing").len().iter_rows()}
    assert per[("regenerate", True)] > 4 * per[("regenerate", False)]
    assert per[("copy", False)] > 4 * per[("copy", True)]


def test_planted_drift(truth):
    late, early = truth.filter(pl.col("drift_window")), truth.filter(~pl.col("drift_window"))
    assert set(late["prompt_version"].unique()) == {"1.3.0"} and set(early["prompt_version"].unique()) == {"1.2.0"}
    assert early.filter(pl.col("topic") == "calendar_sync").height == 0
    assert 0.15 < (late["topic"] == "calendar_sync").mean() < 0.3
    ex = truth.filter(pl.col("task") == "extraction").group_by("drift_window").agg(
        (pl.col("failure_mode") == "format_error").mean().alias("r"))
    r = dict(ex.iter_rows())
    assert r[True] > 2 * r[False]
    h = late.group_by(pl.col("topic") == "calendar_sync").agg((pl.col("failure_mode") == "hallucination").mean())
    h = dict(h.iter_rows())
    assert h[True] > 3 * h[False]
    v = truth.filter(pl.col("task") != "extraction").group_by("drift_window").agg(
        (pl.col("failure_mode") == "length_verbosity").mean())
    v = dict(v.iter_rows())
    assert v[True] < 0.5 * v[False]


def test_failure_modes_are_not_topics(truth):
    """Every failure mode occurs across many topics, and every topic has several modes."""
    for mode in ("hallucination", "refusal", "length_verbosity", "wrong_language", "outdated_information", "format_error"):
        assert truth.filter(pl.col("failure_mode") == mode)["topic"].n_unique() >= 6, mode
    per_topic = truth.filter(pl.col("failing")).group_by("topic").agg(pl.col("failure_mode").n_unique())
    assert per_topic["failure_mode"].min() >= 3


def test_texts_are_varied(ts):
    outputs = ts.traces["output"].drop_nulls()
    assert outputs.n_unique() / len(outputs) > 0.85
    assert ts.traces["input"].n_unique() / len(ts.traces) > 0.98
    notes = ts.feedback.filter((pl.col("annotator_kind") == "human") & pl.col("comment").is_not_null())["comment"]
    assert notes.n_unique() / len(notes) > 0.6


def test_failure_texts_look_like_their_mode(ts, truth):
    t = ts.traces.join(truth.select("trace_id", "failure_mode"), on="trace_id")

    def parses(s):
        try:
            json.loads(s)
            return True
        except json.JSONDecodeError:
            return False

    ex = t.filter(pl.col("task") == "extraction")
    broken = [not parses(o) for o in ex.filter(pl.col("failure_mode") == "format_error")["output"]]
    ok = [parses(o) for o in ex.filter(pl.col("failure_mode").is_in(["none", "hallucination"]))["output"]]
    assert all(broken) and all(ok)
    vj = ts.feedback.filter(pl.col("name") == "valid_json").join(ts.traces.select("trace_id", "output"), on="trace_id")
    assert [v == 1.0 for v in vj["value"]] == [parses(o) for o in vj["output"]]
    qa = t.filter(pl.col("task") != "extraction").with_columns(n=pl.col("output").str.len_chars())
    med = dict(qa.group_by("failure_mode").agg(pl.col("n").median()).iter_rows())
    assert med["length_verbosity"] > 3 * med["none"]
    assert t.filter(pl.col("failure_mode") == "tool_error")["output"].null_count() == t.filter(
        pl.col("failure_mode") == "tool_error").height
    edits = ts.events.filter(pl.col("event") == "edit").join(ts.traces.select("trace_id", "output"), on="trace_id")
    assert (edits["payload"] != edits["output"]).all()


def _human_matrix(ts, name="correctness"):
    h = ts.feedback.filter((pl.col("annotator_kind") == "human") & (pl.col("name") == name))
    col = "label" if name == "correctness" else "value"
    w = h.pivot(on="annotator", index="trace_id", values=col).sort("trace_id")
    ann = sorted(c for c in w.columns if c != "trace_id")
    if name == "correctness":
        m = np.array([[np.nan if v is None else float(v == "fail") for v in w[a]] for a in ann])
    else:
        m = np.array([[np.nan if v is None else float(v) for v in w[a]] for a in ann])
    return w.select("trace_id"), ann, m


@pytest.fixture(scope="module")
def agreement(ts, truth):
    ids, ann, m = _human_matrix(ts)
    _, _, q = _human_matrix(ts, "quality")
    out = {"alpha": krippendorff.alpha(reliability_data=m, level_of_measurement="nominal"),
           "alpha_q": krippendorff.alpha(reliability_data=q, level_of_measurement="ordinal")}
    for i in range(3):
        for j in range(i + 1, 3):
            ok = ~np.isnan(m[i]) & ~np.isnan(m[j])
            out[(ann[i], ann[j])] = cohen_kappa_score(m[i][ok], m[j][ok])
    judge = ts.feedback.filter((pl.col("annotator_kind") == "llm") & (pl.col("name") == "correctness")).select(
        "trace_id", jf=(pl.col("label") == "fail").cast(pl.Float64))
    d = ids.with_columns(maj=pl.Series(np.nanmean(m, axis=0))).join(judge, on="trace_id").filter(pl.col("maj") != 0.5)
    human = (d["maj"] > 0.5).cast(pl.Float64).to_numpy()
    out.update(kappa=cohen_kappa_score(human, d["jf"].to_numpy()), n=len(d), human_fail=human.mean(),
               judge_fail=d["jf"].mean(), agree=(human == d["jf"].to_numpy()).mean())
    jt = judge.join(truth.select("trace_id", "failing"), on="trace_id")
    out["kappa_truth"] = cohen_kappa_score(jt["failing"].cast(pl.Float64), jt["jf"])
    return out


def test_agreement_in_planted_ranges(agreement):
    assert 0.6 <= agreement["alpha"] <= 0.8
    assert 0.5 <= agreement["kappa"] <= 0.7
    assert agreement["judge_fail"] < agreement["human_fail"]  # a lenient judge
    assert agreement["agree"] < 0.95  # realistic, not perfect


def test_agreement_figures_in_readme(agreement, readme_tables):
    table = dict(readme_tables("| statistic | value |"))
    expect = {
        "Krippendorff alpha, human `correctness`, nominal": agreement["alpha"],
        "Krippendorff alpha, human `quality` 1-5, ordinal": agreement["alpha_q"],
        "Cohen kappa ana / ben": agreement[("ana@orbit.example", "ben@orbit.example")],
        "Cohen kappa ana / chloe": agreement[("ana@orbit.example", "chloe@orbit.example")],
        "Cohen kappa ben / chloe": agreement[("ben@orbit.example", "chloe@orbit.example")],
        f"Cohen kappa judge / human majority ({agreement['n']} traces without a tie)": agreement["kappa"],
        "judge / human majority percent agreement": agreement["agree"],
        "human-majority fail rate on those traces": agreement["human_fail"],
        "judge fail rate on those traces": agreement["judge_fail"],
    }
    for key, value in expect.items():
        assert key in table, f"README agreement table lacks {key!r}"
        assert float(table[key]) == pytest.approx(value, abs=5e-4), key
    truth_key = next(k for k in table if k.startswith("Cohen kappa judge / planted truth"))
    assert float(table[truth_key]) == pytest.approx(agreement["kappa_truth"], abs=5e-4)
