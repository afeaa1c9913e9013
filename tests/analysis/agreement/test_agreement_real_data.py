"""Real human/judge rating sets in ../shared/data: published figures reproduce."""

from __future__ import annotations

import json

import krippendorff
import pandas as pd
import pytest
from sklearn.metrics import cohen_kappa_score

import feedback_lab as fl

pytestmark = pytest.mark.shared

USR_PUBLISHED = {  # UniEval reproduce/README.md, turn level, 360 items (Pearson, Spearman, Kendall tau-b)
    "naturalness": (0.443666, 0.513986, 0.373973),
    "coherence": (0.595143, 0.612942, 0.465915),
    "engagingness": (0.55651, 0.604739, 0.455941),
    "groundedness": (0.536209, 0.574954, 0.451533),
    "understandability": (0.380038, 0.467807, 0.360741),
    "overall": (0.632796, 0.662583, 0.487272),
}


def _close(v, e, decimals):
    return abs(v - e) <= 0.5 * 10.0**-decimals + 1e-12


@pytest.mark.parametrize("dim", list(USR_PUBLISHED))
def test_usr_unieval_published_correlations(shared_data, dim):
    items = json.loads((shared_data / "usr_topicalchat_unieval" / "topical_chat_result.json").read_text())
    df = pd.DataFrame({"judge": [it["predict_scores"][dim] for it in items],
                       "human": [it["scores"][dim] for it in items]})
    row = fl.agreement(df, judge_col="judge", human_col="human", level="interval", n_boot=200,
                       random_state=0).table.iloc[0]
    pearson, spearman, kendall = USR_PUBLISHED[dim]
    digits = lambda x: len(str(x).split(".")[1])  # noqa: E731 - printed precision
    assert _close(row["pearson"], pearson, digits(pearson))
    assert _close(row["spearman"], spearman, digits(spearman))
    assert _close(row["kendall_tau_b"], kendall, digits(kendall))
    assert row["kendall_tau_b_low"] < kendall < row["kendall_tau_b_high"]


def test_pandalm_published_annotator_kappas(shared_data):
    df = pd.DataFrame(json.loads((shared_data / "pandalm_testset" / "testset-v1.json").read_text()))
    res = fl.inter_rater(df, rater_cols=["annotator1", "annotator2", "annotator3"], item_col="idx",
                         n_boot=200, random_state=0)
    pw = res.pairwise.set_index(["rater_a", "rater_b"])["cohen_kappa"]
    assert round(pw[("annotator1", "annotator2")], 2) == 0.85
    assert round(pw[("annotator1", "annotator3")], 2) == 0.88
    assert round(pw[("annotator2", "annotator3")], 2) == 0.86
    alpha = res.table.set_index("statistic").loc["krippendorff_alpha", "estimate"]
    ref = krippendorff.alpha(df[["annotator1", "annotator2", "annotator3"]].to_numpy().T.astype(float),
                             level_of_measurement="nominal")
    assert abs(alpha - ref) < 1e-9


def test_pandalm_judge_vs_humans(shared_data):
    base = shared_data / "pandalm_testset"
    df = pd.DataFrame(json.loads((base / "testset-v1.json").read_text()))
    df["pandalm"] = [r["pandalm_result"] for r in json.loads((base / "pandalm-7b-testset-v1.json").read_text())]
    res = fl.judge_vs_humans(df, judge="pandalm", rater_cols=["annotator1", "annotator2", "annotator3", "pandalm"],
                             n_boot=200, random_state=0)
    pw = res.pairwise
    jh = pw[pw["kind"] == "judge-human"]
    for _, r in jh.iterrows():
        assert abs(r["cohen_kappa"] - cohen_kappa_score(df[r["rater_a"]], df[r["rater_b"]])) < 1e-9
    assert res.table["verdict"].iloc[-1] == "judge agrees less than the human"


def test_llmbar_published_accuracy(shared_data):
    recs = [json.loads(line) for line in (shared_data / "llmbar" / "llmbar_with_judge_verdicts.jsonl").open()]
    pub = json.loads((shared_data / "llmbar" / "published_statistics.json").read_text())["statistics"]
    natural = [r for r in recs if r["subset"] == "LLMBar/Natural"]
    for cfg in ["GPT-4/Vanilla", "GPT-4/Vanilla_NoRules"]:
        df = pd.DataFrame({"judge": [r["judges"][cfg]["winner_original_order"] for r in natural],
                           "human": [str(r["label"]) for r in natural]})
        row = fl.agreement(df, judge_col="judge", human_col="human", n_boot=0).table.iloc[0]
        numer, denom = pub[f"Dataset/LLMBar/Natural/evaluators/{cfg}/statistics.json"]["correct_False"].split(" = ")[0].split(" / ")
        assert row["n_missing"] == 0 and row["n"] == int(denom)
        assert row["percent_agreement"] == pytest.approx(int(numer) / int(denom), abs=1e-12)
        assert abs(row["cohen_kappa"] - cohen_kappa_score(df.human, df.judge)) < 1e-9


def test_summeval_experts_alpha_and_judge(shared_data):
    base = shared_data / "summeval_llm_judge"
    ann = [json.loads(line) for line in (base / "summeval_12systems_annotations.jsonl").open()]
    wide = pd.DataFrame({f"e{k}": [a["expert_annotations"][k]["coherence"] for a in ann] for k in range(3)})
    res = fl.inter_rater(wide, rater_cols=["e0", "e1", "e2"], level="interval", n_boot=200, random_state=0)
    alpha = res.table.set_index("statistic").loc["krippendorff_alpha", "estimate"]
    ref = krippendorff.alpha(wide.to_numpy().T.astype(float), level_of_measurement="interval")
    assert abs(alpha - ref) < 1e-9
    assert round(alpha, 4) == 0.5756  # SOURCE.md (computed with krippendorff 0.9.0)


def test_hanna_low_agreement_matches_krippendorff(shared_data):
    df = pd.read_csv(shared_data / "hanna_story_ratings" / "hanna_human_and_llm_ratings.csv")
    cols = ["human1_CH", "human2_CH", "human3_CH"]
    res = fl.inter_rater(df, rater_cols=cols, level="interval", n_boot=200, random_state=0)
    t = res.table.set_index("statistic")
    ref = krippendorff.alpha(df[cols].to_numpy().T.astype(float), level_of_measurement="interval")
    assert abs(t.loc["krippendorff_alpha", "estimate"] - ref) < 1e-9
    assert t.loc["krippendorff_alpha", "ci_low"] < 0 < t.loc["krippendorff_alpha", "ci_high"] or ref < 0
    meets = fl.meets(res, min_alpha=0.667, min_corr=None)
    assert meets["verdict"].tolist() == ["fail"]
