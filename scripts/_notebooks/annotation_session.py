CELLS = [
    ("md", """
# Annotation session

Label a review sample inside JupyterLab. You decide **what** is labelled (feedback configurations and a
rubric, kept in git as YAML), the queue shows one trace at a time with a control per configuration, and every
label is committed to an SQLite file the moment you record it — a crashed kernel or a closed tab loses
nothing, and re-opening the queue resumes where you stopped. Several annotators can label the same queue
(each with their own name, in the same store file); the last section shows how well they agree.

**How to use.** Set `ANNOTATOR` to your name, run all cells, and label in the queue widget (keys: `p`/`f`
pass/fail, `1`-`5` a rating, `n` save and next, `b` back, `s` skip, `m` mark a selected passage).
"""),
    ("params", """
DATA = "../sample_data"                 # export file(s) or folder
QUEUE_CSV = None                        # review_queue.csv of a review (feedback-lab review --out DIR); None: sample here
OUT_DIR = "../review_out"               # the label store and the configs are kept here
STORE = None                            # label store; default OUT_DIR/annotations.db (one file per team is fine)
ANNOTATOR = "me"
SAMPLE_FRAC = 0.07                      # share of the last two weeks to label when QUEUE_CSV is None
SEED = 0
SIMULATE_ANNOTATORS = True              # demo only: three simulated annotators label part of the queue
"""),
    ("code", """
from pathlib import Path

import feedback_lab as fl

Path(OUT_DIR).mkdir(parents=True, exist_ok=True)
STORE = STORE or str(Path(OUT_DIR) / "annotations.db")
CONFIGS_YAML = str(Path(OUT_DIR) / "feedback_configs.yaml")
ts = fl.read_traces(DATA)
traces = ts.traces.to_pandas()
ts
"""),
    ("md", """
## 1. What to label

Organisation-wide configurations (name, kind, range or labels) and task-specific rubric guidance with
positive, negative and edge-case examples. They are saved to YAML so the team keeps them in git; an invalid
configuration (a categorical with one label, `min > max`) fails here with a clear message.
"""),
    ("code", """
configs = [
    fl.FeedbackConfig(name="correctness", kind="boolean", description="Is the answer factually right?"),
    fl.FeedbackConfig(name="rating", kind="numeric", min=1, max=5, description="Overall quality"),
    fl.FeedbackConfig(name="issue", kind="categorical",
                      labels=["hallucination", "refusal", "format_error", "length_verbosity",
                              "wrong_language", "tool_error", "other"]),
    fl.FeedbackConfig(name="note", kind="text", max_length=2000),
]
rubric = fl.RubricItem(
    config="correctness",
    guidance="Pass only if every fact matches the product documentation or the reference answer.",
    positive_examples=["States the correct plan limit and links the settings page."],
    negative_examples=["Invents a feature ('Orbit Autopilot') that does not exist."],
    edge_cases=["Correct but outdated UI path: fail, and tag issue=other with a note."],
)
fl.save_configs(configs, CONFIGS_YAML)
configs = fl.load_configs(CONFIGS_YAML)   # what a teammate gets from git: {name: FeedbackConfig}
list(configs)
"""),
    ("md", """
## 2. The queue

By default the queue is the review's sample of the last two weeks: anomalies first, then a stratified draw
(`fl.sample_for_review`). After `feedback-lab review ... --out DIR`, point `QUEUE_CSV` at `DIR/review_queue.csv`
to label exactly what the review queued.
"""),
    ("code", """
import pandas as pd

if QUEUE_CSV:
    ids = pd.read_csv(QUEUE_CSV)["trace_id"].astype(str)
    queue_traces = traces[traces["trace_id"].isin(ids)]
else:
    last = traces[traces["timestamp"] >= traces["timestamp"].max() - pd.Timedelta(days=14)]
    queue_traces = fl.sample_for_review(last, frac=SAMPLE_FRAC, strategy="mixed", feedback=ts.feedback.to_pandas(),
                                        random_state=SEED)
store = fl.AnnotationStore(STORE)
queue = fl.widgets.AnnotationQueue(queue_traces, configs, store=store, annotator=ANNOTATOR, rubric=rubric,
                                   blind=True)
print(len(queue_traces), "traces queued;", queue.progress_text, "done by", ANNOTATOR)
"""),
    ("md", "Label here. Each **Save** commits to the store at once."),
    ("code", "queue.widget()"),
    ("md", """
## 3. Several annotators (demo)

On the sample data, three simulated annotators label the first 30 traces of the queue from the sample's planted
truth with some disagreement, so that the agreement below has something to measure. On your own data, set
`SIMULATE_ANNOTATORS = False` and let colleagues label with their own `ANNOTATOR` names.
"""),
    ("code", """
import numpy as np

if SIMULATE_ANNOTATORS:
    truth = fl.sample_data.planted_truth(ts).to_pandas().set_index("trace_id")
    rng = np.random.default_rng(SEED)
    for who, flip in [("ana", 0.08), ("ben", 0.12), ("chloe", 0.2)]:
        q = fl.widgets.AnnotationQueue(queue_traces.head(30), configs, store=store, annotator=who)
        while not q.finished:
            tid = q.current["trace_id"]
            failing = bool(truth.loc[tid, "failing"]) if tid in truth.index else False
            verdict = failing != (rng.random() < flip)
            q.record(values={"correctness": "fail" if verdict else "pass",
                             "rating": int(rng.integers(1, 3) if verdict else rng.integers(3, 6))})
            q.next()
ids = queue_traces["trace_id"].astype(str).tolist()
{who: store.progress(who, ids)["text"] for who in ["ana", "ben", "chloe", ANNOTATOR]}
"""),
    ("md", """
## 4. Do the annotators agree?

Krippendorff's alpha and Fleiss' kappa over everyone who labelled, with bootstrap 95% intervals, and each
pair of annotators. Below about 0.67 the labels are not reliable enough to grade the judge: sharpen the rubric
(add the disputed cases as edge-case examples) and re-label.
"""),
    ("code", """
labels = store.to_frame(backend="pandas")
verdicts = labels[labels["name"] == "correctness"]
if verdicts["annotator"].nunique() >= 2:
    ir = fl.inter_rater(verdicts, item_col="trace_id", rater_col="annotator", label_col="label",
                        level="nominal", n_boot=500, random_state=SEED)
    agreement_table = ir.to_frame()
    display(agreement_table)
    display(fl.plot_rater_matrix(ir))
else:
    print("Only one annotator so far: agreement needs at least two.")
"""),
    ("md", """
## 5. Use the labels

The store's rows are canonical feedback (`annotator_kind="human"`): validate them against the configurations,
then load them with the next export so the review's judge section compares the judge with them.
"""),
    ("code", """
valid, invalid = fl.validate_feedback(labels, configs)
print(len(valid), "valid labels,", len(invalid), "invalid")
out = Path(STORE).with_suffix(".feedback.jsonl")
fl.write_dataset(valid, out)
out
"""),
    ("check", """
if SIMULATE_ANNOTATORS:
    assert verdicts["annotator"].nunique() >= 3, "the three simulated annotators labelled"
    assert len(verdicts) >= 90, len(verdicts)
    assert len(invalid) == 0, invalid
    assert store.integrity_check() == "ok"
"""),
]
