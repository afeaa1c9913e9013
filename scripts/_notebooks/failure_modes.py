CELLS = [
    ("md", """
# Failure modes: from open codes to a codebook

Error analysis in two steps. **Open coding**: reviewers write a free-text note on each failing trace.
**Axial coding**: group the notes into failure modes, name them, and keep the names as a codebook that the
next review reuses. Then export a regression set per failure mode.

**How to use.** `NOTES_FROM="human"` clusters reviewers' notes (feedback comments); `"outputs"` clusters the
outputs of traces with negative feedback instead. Rename clusters in `NAMES` and re-run from that cell.
"""),
    ("params", """
DATA = "../sample_data"
NOTES_FROM = "human"        # "human": reviewer notes; "user": user comments; "outputs": outputs of negative traces
NAMES = {}                  # {cluster id: "your name"}; empty: "<error mode>: <top keyword>"
SEED = 0
OUT_DIR = "../review_out/failure_modes"
CHECK_SAMPLE_TRUTHS = True
"""),
    ("code", """
from pathlib import Path

import feedback_lab as fl

ts = fl.read_traces(DATA, backend="pandas")
fb, traces = ts.feedback, ts.traces
if NOTES_FROM in ("human", "user"):
    notes = fb[(fb["annotator_kind"] == NOTES_FROM) & fb["comment"].notna() & (fb["comment"].str.len() > 0)]
    notes = notes.sort_values("timestamp").drop_duplicates("trace_id")[["trace_id", "comment", "annotator"]]
    TEXT_COL = "comment"
else:
    negative = fl.regression_set(traces, fb, negative_only=True)["trace_id"]
    notes = traces[traces["trace_id"].isin(negative)][["trace_id", "output"]]
    TEXT_COL = "output"
notes = notes.merge(traces[["trace_id", "task", "model", "input", "output"]].rename(
    columns={"output": "trace_output"}), on="trace_id", how="left").reset_index(drop=True)
print(f"{len(notes)} notes to code")
notes.head()
"""),
    ("md", """
## Group the notes
Notes mention the product topic as much as the failure ("refused to help with billing"). The clustering tags each
note with an error mode (similarity to the taxonomy's descriptions plus exact detectors) and clusters within
modes, so clusters follow failures rather than topics.
"""),
    ("code", """
result = fl.cluster_failures(notes, text_col=TEXT_COL, feedback=fb, events=ts.events, random_state=SEED)
result.clusters[["cluster", "size", "share", "error_mode", "error_mode_share", "keywords", "examples"]]
"""),
    ("code", "fl.plot_cluster_impact(result)"),
    ("code", "fl.plot_clusters(result, notes)"),
    ("md", "## Name the failure modes (axial coding)\nEdit `NAMES` in the parameters cell; names carry over to the next review."),
    ("code", """
auto = {int(r.cluster): f"{r.error_mode}: {r.keywords[0] if len(r.keywords) else ''}".strip(": ")
        for r in result.clusters.itertuples() if r.cluster >= 0}
named = result.rename({**auto, **NAMES})
named.clusters[["cluster", "name", "size", "negative_rate"]]
"""),
    ("code", """
out = Path(OUT_DIR)
named.save(out / "codebook")
reloaded = fl.load_clusters(out / "codebook")
print(f"codebook saved to {out / 'codebook'} ({len(reloaded.clusters)} clusters)")
"""),
    ("md", "## A regression set per failure mode\nFailing traces bucketed by the failure mode their note was coded with."),
    ("code", """
modes = named.assignments[["trace_id", "error_mode"]]
tagged = traces.merge(modes, on="trace_id", how="inner")
reg = fl.regression_set(tagged, fb, negative_only=False, by="error_mode")
for mode, group in reg.groupby("error_mode"):
    fl.write_dataset(group, out / f"regression_{mode}.jsonl")
reg.groupby("error_mode").size().rename("traces").to_frame()
"""),
    ("check", """
if CHECK_SAMPLE_TRUTHS and NOTES_FROM == "human":
    from sklearn.metrics import adjusted_rand_score

    truth = fl.sample_data.planted_truth().to_pandas()[["trace_id", "failure_mode"]]
    a = named.assignments.merge(truth, on="trace_id")
    a = a[a["failure_mode"] != "none"]
    accuracy = (a["error_mode"] == a["failure_mode"]).mean()
    ari = adjusted_rand_score(a["failure_mode"], a["cluster"])
    print(f"tag accuracy {accuracy:.2f}, ARI {ari:.2f} on {len(a)} notes of failing traces")
    assert accuracy >= 0.8 and ari >= 0.5, (accuracy, ari)
"""),
]
