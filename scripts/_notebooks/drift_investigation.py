CELLS = [
    ("md", """
# Drift investigation

An alert fired (similarity below threshold, a metric dropped, the review's drift verdict). Compare two time
windows — or two prompt versions — with every drift test, see the weekly timeline, which failure-mode clusters
grew or appeared, and read the traces that are most unlike the reference.

**How to use.** Set `REFERENCE` and `CURRENT` to two date ranges (inclusive), or set `COMPARE_BY` to compare the
values of a column such as `prompt_version`. `TEXT_COL="input"` looks at what users ask (traffic drift);
`"output"` at what the model answers (behaviour drift).
"""),
    ("params", """
DATA = "../sample_data"
REFERENCE = ("2026-10-05", "2026-10-18")   # the two weeks before the current window
CURRENT = ("2026-10-19", "2026-11-01")
TEXT_COL = "input"
COMPARE_BY = "prompt_version"              # also compare the values of this column (None to skip)
SIMILARITY_THRESHOLD = 0.7                 # raw cosine, output vs reference answer
SEED = 0
OUT_DIR = "../review_out/drift"
CHECK_SAMPLE_TRUTHS = True
"""),
    ("code", """
import numpy as np
import pandas as pd

import feedback_lab as fl

ts = fl.read_traces(DATA, backend="pandas")
traces = ts.traces.sort_values("timestamp").reset_index(drop=True)
emb = fl.embed(traces[TEXT_COL].fillna("").astype(str).tolist())

def window(bounds):
    start = pd.Timestamp(bounds[0], tz="UTC")
    end = pd.Timestamp(bounds[1], tz="UTC") + pd.Timedelta(days=1)
    return ((traces["timestamp"] >= start) & (traces["timestamp"] < end)).to_numpy()

ref, cur = window(REFERENCE), window(CURRENT)
print(f"reference: {ref.sum()} traces, current: {cur.sum()} traces, embeddings {emb.shape}")
"""),
    ("md", """
## Every drift test
MMD (kernel two-sample test), a domain classifier (can a model tell the windows apart? ROC AUC) and the distance
between window centroids, each with a permutation p-value. They are calibrated: with no drift each fires at
most 5% of the time.
"""),
    ("code", """
drift = fl.embedding_drift(emb[ref], emb[cur], method="all", random_state=SEED)
drift.to_frame()
"""),
    ("md", "## Drift timeline\nEach week against the first week; grey markers are windows skipped with a reason (empty or tiny)."),
    ("code", """
timeline = fl.drift_timeline(traces, emb, freq="1w", reference="first", random_state=SEED)
fl.plot_drift_timeline(timeline, alpha=0.05)
"""),
    ("code", "timeline"),
    ("md", "## Where the windows differ\nA 2-D projection of both windows: where the colours separate, traffic changed."),
    ("code", """
fl.plot_drift_map(emb[ref], emb[cur], random_state=SEED,
                  reference_text=traces.loc[ref, TEXT_COL].tolist(), current_text=traces.loc[cur, TEXT_COL].tolist())
"""),
    ("md", """
## Which clusters moved
Cluster both windows together, then test whether cluster shares changed (chi-square with per-cluster adjusted
residuals): clusters that *grew* or *appeared* are what drove the drift.
"""),
    ("code", """
both = ref | cur
clusters = fl.cluster_failures(traces[both].reset_index(drop=True), text_col=TEXT_COL, embeddings=emb[both],
                               random_state=SEED)
labels = clusters.assignments["cluster"].to_numpy()
in_ref = ref[both]
explanation = fl.explain_drift(emb[ref], emb[cur], clusters=(labels[in_ref], labels[~in_ref]),
                               traces=(traces[ref].reset_index(drop=True), traces[cur].reset_index(drop=True)),
                               random_state=SEED)
moved = explanation.clusters.merge(clusters.clusters[["cluster", "keywords", "error_mode"]], on="cluster", how="left")
moved.head(10)
"""),
    ("md", "## Traces most unlike the reference\nRead these first: they show what is new."),
    ("code", "explanation.examples"),
    ("md", "## Comparing the values of a column (e.g. prompt versions)"),
    ("code", """
if COMPARE_BY:
    display(fl.compare_windows(traces, emb, group_col=COMPARE_BY, random_state=SEED).to_frame())
"""),
    ("md", """
## Similarity alerts
Outputs whose cosine similarity to their reference answer is below the threshold. Raw cosine ranges differ
between embedding models: the suggested threshold below comes from this model's own distribution.
"""),
    ("code", """
golden = traces[traces["reference"].notna() & traces["output"].notna()].reset_index(drop=True)
alerts = fl.similarity_alerts(golden, a_col="output", b_col="reference", threshold=SIMILARITY_THRESHOLD)
sims = np.sum(fl.embed(golden["output"].tolist()) * fl.embed(golden["reference"].tolist()), axis=1)
suggested = fl.calibrate_threshold(sims, percentile=5)
print(f"{len(alerts)} of {len(golden)} outputs below {SIMILARITY_THRESHOLD}; suggested threshold: {float(suggested):.3f}")
fl.plot_similarity_distribution(sims, SIMILARITY_THRESHOLD)
"""),
    ("code", "alerts"),
    ("check", """
if CHECK_SAMPLE_TRUTHS:
    d = drift.to_frame().set_index("method")
    assert d.loc["mmd", "drifted"], "the planted drift (weeks 7-8) must be detected by MMD"
    assert (explanation.clusters["status"].isin(["grew", "appeared"])).any(), explanation.clusters
    assert len(alerts) > 0
    print("sample-data checks passed")
"""),
]
