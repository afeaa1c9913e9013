CELLS = [
    ("md", """
# Bi-weekly review

The 30-minute review of the last two weeks: what was loaded, feedback trends, failure modes and how they
changed since the last review, drift, similarity alerts, whether the LLM judge still agrees with humans,
regressions, a review queue for the team, and what to export.

**How to use.** Point `DATA` at this fortnight's export (any format `feedback-lab formats` lists; a folder reads
every file in it) and `PREVIOUS` at the output folder of the last review, then *Run All*. The same review runs
headless with `feedback-lab review DATA --previous PREV --out OUT`.
"""),
    ("params", """
DATA = "../sample_data"        # export file(s) or folder
SINCE = None                   # start of the current window (ISO date); default: 14 days before UNTIL
UNTIL = None                   # end of the current window; default: the last timestamp in the data
PREVIOUS = None                # output folder of the previous review, e.g. "../reviews/2026-10-19"
OUT_DIR = "../review_out/notebook"
TEXT_COL = "output"            # what is embedded and clustered: output, input, or a comment column
MIN_KAPPA = 0.6                # the judge must agree with humans at least this well
MAX_DROP = 0.05                # a metric dropping more than 5% (relative) is a regression, if significant
REVIEW_FRAC = 0.07             # share of the window queued for human review (5-10%)
SEED = 0
ENGINE = "local"               # "ray": embed on a Ray cluster (pip install "feedback_lab[ray]")
RAY_ADDRESS = None             # e.g. "ray://head:10001" or "auto"; None starts a local Ray with ENGINE="ray"
CHECK_SAMPLE_TRUTHS = True     # assertion cells for the bundled sample data; set False on your own data
"""),
    ("code", """
import feedback_lab as fl

ts = fl.read_traces(DATA)
ts
"""),
    ("md", """
## Run the review

Embeddings are cached on disk, so re-running this notebook on the same export is fast.
"""),
    ("code", """
embedder = fl.scale.ray_embedder(ray_address=RAY_ADDRESS) if ENGINE == "ray" else None
result = fl.run_review(ts, since=SINCE, until=UNTIL, previous=PREVIOUS, text_col=TEXT_COL, embedder=embedder,
                       min_kappa=MIN_KAPPA, max_drop=MAX_DROP, review_frac=REVIEW_FRAC, random_state=SEED)
result.to_frame()
"""),
    ("md", """
## What was loaded
Check the window and the counts. Rejected records are listed with file, line and reason — fix the export or
the column mapping if many were rejected.
"""),
    ("code", 'result.show("loaded")'),
    ("md", """
## Feedback trends
Is the negative-feedback rate (thumbs, ratings, and implicit signals such as regenerate and abandon) moving?
An alert fires only when a change beyond 5% is statistically supported. **Decide:** is a rise explained by a
release or a new kind of traffic?
"""),
    ("code", 'result.show("trends")'),
    ("md", """
## Failure modes
Clusters of what users were unhappy about, with size, negative rate and error-mode tag. With `PREVIOUS` set,
each cluster is matched to last review's: *new*, *persisting* (with size and negative-rate change) or
*vanished*. **Decide:** which mode to fix first (large and negative), and name new ones in
`failure_modes.ipynb`.
"""),
    ("code", 'result.show("clusters")'),
    ("md", """
## Drift
Three calibrated tests compare the current window's outputs with the reference window's (MMD, a domain
classifier, centroid distance). **Decide:** if drift fired, open `drift_investigation.ipynb` to see which
clusters moved and read example traces.
"""),
    ("code", 'result.show("drift")'),
    ("md", "## Similarity alerts\nOutputs far from their reference answers (raw cosine below 0.7)."),
    ("code", 'result.show("similarity")'),
    ("md", """
## Can we trust the judge?
The LLM judge against the human majority on the same traces, with 95% intervals. *Inconclusive* means the
interval straddles the bar: label more traces before trusting or firing the judge.
"""),
    ("code", 'result.show("judge")'),
    ("md", "## Regressions and gates\nMetrics that dropped by more than `MAX_DROP` with a test supporting it."),
    ("code", 'result.show("regressions")'),
    ("md", "## Review queue\nAnomalies first; label them in `annotation_session.ipynb`."),
    ("code", 'result.show("queue")'),
    ("md", "## Actions\nWrite the report, the regression set and the preference pairs."),
    ("code", """
out = fl.review_report(result, OUT_DIR)
result.show("actions")
print("report:", (out / "report.html").resolve())
"""),
    ("md", "## Checks on the bundled sample data\nThese cells assert the planted truths documented in `sample_data/README.md`."),
    ("check", """
if CHECK_SAMPLE_TRUTHS:
    s = result.summary
    assert s["drift"]["drifted"], "the planted drift in the last two weeks must be detected"
    modes = {c.get("error_mode") for c in s["clusters"]}
    assert {"refusal", "format_error"} & modes, modes
    assert 0.3 < s["agreement"]["overall"]["cohen_kappa"] < 0.9, s["agreement"]["overall"]
    assert s["review_queue"]["n"] > 0
    print("sample-data checks passed")
"""),
]
