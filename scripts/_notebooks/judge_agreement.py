CELLS = [
    ("md", """
# Can we trust the LLM judge?

The judge against humans and humans against each other, per segment, with 95% bootstrap intervals; the
judge's bias-corrected pass rate on the traces no human labelled; and which verdicts a human should re-check.

**How to use.** With `RATING_SET = None` it reads the judge (`annotator_kind="llm"`) and human
(`annotator_kind="human"`) labels of feedback `FEEDBACK_NAME` from your export. Set `RATING_SET = "pandalm"`
to run the same analysis on a real public rating set (PandaLM: 3 human annotators and the PandaLM-7B judge).
"""),
    ("params", """
DATA = "../sample_data"
FEEDBACK_NAME = "correctness"   # the feedback both the judge and the humans gave
RATING_SET = None               # None: DATA; "pandalm": the real PandaLM test set from SHARED_DATA
SHARED_DATA = "../../shared/data"
SEGMENT = "task"                # a traces column to break agreement down by (None for no breakdown)
MIN_KAPPA = 0.6                 # the bar the judge must clear
N_BOOT = 1000
SEED = 0
OUT_DIR = "../review_out/judge"
CHECK_SAMPLE_TRUTHS = True
"""),
    ("code", """
import json
from pathlib import Path

import pandas as pd

import feedback_lab as fl

if RATING_SET is None:
    ts = fl.read_traces(DATA, backend="pandas")
    feedback, traces = ts.feedback, ts.traces
elif RATING_SET == "pandalm":
    base = Path(SHARED_DATA) / "pandalm_testset"
    items = pd.DataFrame(json.loads((base / "testset-v1.json").read_text()))
    judge = [r["pandalm_result"] for r in json.loads((base / "pandalm-7b-testset-v1.json").read_text())]
    rows = [{"trace_id": str(i), "name": FEEDBACK_NAME, "label": str(items.loc[k, a]), "annotator_kind": "human",
             "annotator": a} for k, i in enumerate(items["idx"]) for a in ("annotator1", "annotator2", "annotator3")]
    rows += [{"trace_id": str(i), "name": FEEDBACK_NAME, "label": str(j), "annotator_kind": "llm",
              "annotator": "pandalm-7b"} for i, j in zip(items["idx"], judge, strict=True)]
    feedback = pd.DataFrame(rows)
    traces = pd.DataFrame({"trace_id": items["idx"].astype(str)})
    SEGMENT = None
else:
    raise ValueError(f"unknown RATING_SET {RATING_SET!r}: use None or 'pandalm'")

pairs = fl.pair_judge_human(feedback, name=FEEDBACK_NAME)
if SEGMENT:
    pairs = pairs.merge(traces[["trace_id", SEGMENT]], on="trace_id", how="left")
print(f"{len(pairs)} traces labelled by the judge and at least one human")
pairs.head()
"""),
    ("md", """
## Judge vs the human majority
Percent agreement alone flatters a judge when one label dominates: read Cohen's kappa, Krippendorff's alpha and
Gwet's AC1 with their intervals, and the judge's recall on failures (does it catch what humans fail?).
"""),
    ("code", """
res = fl.agreement(pairs, judge_col="judge", human_col="human", by=SEGMENT, n_boot=N_BOOT, random_state=SEED)
res.table
"""),
    ("code", "fl.plot_confusion(res)"),
    ("code", 'fl.plot_agreement_by_segment(res, statistics=["cohen_kappa", "gwet_ac1", "percent_agreement"], threshold=MIN_KAPPA)'),
    ("md", "**Decide:** does the judge clear the bar? *inconclusive* means the interval straddles it: label more."),
    ("code", "fl.meets(res, min_kappa=MIN_KAPPA, min_corr=None)"),
    ("md", """
## Humans among themselves
If humans agree poorly with each other, the rubric is ambiguous: fix the rubric before blaming the judge.
"""),
    ("code", """
humans = feedback[(feedback["annotator_kind"] == "human") & (feedback["name"] == FEEDBACK_NAME)]
ir = fl.inter_rater(humans, item_col="trace_id", rater_col="annotator", label_col="label", n_boot=N_BOOT,
                    random_state=SEED)
ir.table
"""),
    ("code", "fl.plot_rater_matrix(ir)"),
    ("md", "## Is the judge as close to the humans as they are to each other? (leave one rater out)"),
    ("code", """
judged = feedback[(feedback["annotator_kind"] == "llm") & (feedback["name"] == FEEDBACK_NAME)]
both = pd.concat([humans, judged.assign(annotator="judge")], ignore_index=True)
jvh = fl.judge_vs_humans(both, judge="judge", item_col="trace_id", rater_col="annotator", label_col="label",
                         n_boot=N_BOOT, random_state=SEED)
jvh.table
"""),
    ("md", """
## Bias-corrected pass rate
The judge's raw pass rate on the traces no human labelled, corrected with its recall and specificity measured on
the labelled ones (Rogan–Gladen): an honest estimate of the true pass rate.
"""),
    ("code", """
unlabelled = judged[~judged["trace_id"].isin(pairs["trace_id"])]
if len(unlabelled):
    cpr = fl.corrected_pass_rate(unlabelled["label"], pairs, judge_col="judge", human_col="human",
                                 n_boot=N_BOOT, random_state=SEED)
    display(cpr.to_frame())
else:
    print("every judged trace has a human label: nothing to correct")
"""),
    ("md", "## What to re-check\nThe worst disagreements, and ~10% of the judge's verdicts for a human audit."),
    ("code", 'fl.disagreements(pairs, judge_col="judge", human_col="human").head(10)'),
    ("code", """
verdicts = judged.rename(columns={"label": "judge"})[["trace_id", "judge", "value"]]
audit = fl.audit_sample(verdicts, frac=0.10, strategy="random", judge_col="judge", random_state=SEED)
Path(OUT_DIR).mkdir(parents=True, exist_ok=True)
audit.to_csv(Path(OUT_DIR) / "audit_sample.csv", index=False)
print(f"{len(audit)} verdicts to re-check written to {OUT_DIR}/audit_sample.csv")
"""),
    ("check", """
if CHECK_SAMPLE_TRUTHS and RATING_SET is None:
    overall = res.table.iloc[0]
    # sample_data/README.md: judge vs human majority kappa 0.599 on the traces without a tie; ties included here
    assert 0.45 < overall["cohen_kappa"] < 0.75, overall["cohen_kappa"]
    assert overall["cohen_kappa_low"] < overall["cohen_kappa"] < overall["cohen_kappa_high"]
    human_alpha = ir.table.set_index("statistic").loc["krippendorff_alpha", "estimate"]
    assert abs(human_alpha - 0.678) < 0.02, human_alpha   # README: 0.678
    print("sample-data checks passed")
"""),
]
