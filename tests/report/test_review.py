"""The bi-weekly review end to end on the sample data, as a user runs it (the CLI), checked against
the planted truths of sample_data/README.md; its metrics against summary.json; its HTML in a real
browser (headless Chromium), with a screenshot kept in test-artifacts/ for CI."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

import feedback_lab as fl

REPO = Path(__file__).resolve().parents[2]
SAMPLE = REPO / "sample_data"
ARTIFACTS = REPO / "test-artifacts"

pytestmark = pytest.mark.model


@pytest.fixture(scope="module")
def review(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("review")
    cmd = [sys.executable, "-m", "feedback_lab.cli", "review", str(SAMPLE), "--out", str(out / "r"),
           "--metrics-out", str(out / "r" / "metrics.prom"), "--alerts-out", str(out / "r" / "alerts.jsonl")]
    run = subprocess.run(cmd, capture_output=True, text=True, timeout=1200, check=False, cwd=REPO)
    assert run.returncode == 0, run.stderr[-4000:]
    assert "[feedback-lab] section: drift" in run.stderr, "progress goes to stderr"
    assert f"report: {out / 'r' / 'report.html'}" in run.stdout
    return out / "r"


@pytest.fixture(scope="module")
def summary(review) -> dict:
    return json.loads((review / "summary.json").read_text())


def test_report_folder_has_everything(review):
    for rel in ("report.html", "summary.json", "review_queue.csv", "metrics.prom", "alerts.jsonl",
                "clusters/clusters.parquet", "clusters/assignments.parquet", "exports/regression_set.jsonl",
                "exports/preference_pairs.jsonl"):
        assert (review / rel).is_file(), rel


def test_windows_and_counts(summary):
    truth = fl.sample_data.planted_truth(fl.read_traces(SAMPLE)).to_pandas()
    since, until = pd.Timestamp(summary["params"]["since"]), pd.Timestamp(summary["params"]["until"])
    # the last 14 whole days: the planted drift window (weeks 7-8, from 2026-10-19T00:00Z) exactly
    assert since == pd.Timestamp("2026-10-19T00:00Z")
    assert until.normalize() == truth["timestamp"].max().normalize()
    assert until + pd.Timedelta(microseconds=1) - since == pd.Timedelta(days=14)
    assert expected_drift_window(truth, since, until)
    expected = int(((truth["timestamp"] >= since) & (truth["timestamp"] <= until)).sum())
    assert summary["loaded"]["current_traces"] == expected
    assert summary["loaded"]["traces"] == len(truth) and summary["loaded"]["rejects"] == 0


def expected_drift_window(truth, since, until) -> bool:
    """The current window is exactly the sample's planted drift window."""
    cur = (truth["timestamp"] >= since) & (truth["timestamp"] <= until)
    return bool((cur == truth["drift_window"]).all())


def test_planted_drift_is_detected_and_attributed(summary):
    """Weeks 7-8 bring a new topic and a prompt change: every drift test fires, and the failure mode
    that grew most from the reference window is made of the new topic's traces."""
    assert summary["drift"]["drifted"] is True
    assert all(t["drifted"] for t in summary["drift"]["tests"])
    assert summary["drift"]["cluster_shift"]["p_value"] < 0.001
    grew = [m for m in summary["drift"]["cluster_shift"]["moved"] if m["cluster"] != -1 and m["status"] in
            ("grew", "appeared")]
    assert grew, summary["drift"]["cluster_shift"]["moved"]


def test_new_topic_cluster_is_the_calendar_launch(review, summary):
    truth = fl.sample_data.planted_truth(fl.read_traces(SAMPLE)).to_pandas().set_index("trace_id")
    asg = pd.read_parquet(review / "clusters" / "assignments.parquet")
    asg = asg[asg["cluster"] >= 0]
    share = asg.assign(topic=asg["trace_id"].map(truth["topic"])).groupby("cluster")["topic"].apply(
        lambda t: (t == "calendar_sync").mean())
    # calendar_sync is 0.206 of weeks 7-8; one failure-mode cluster is mostly about it
    assert share.max() >= 0.6, share.to_dict()


def test_planted_failure_modes_are_found(summary):
    """The modes the taxonomy names and that the sample plants in weeks 7-8 show up as tagged clusters."""
    modes = {c["error_mode"] for c in summary["clusters"] if c["cluster"] >= 0}
    assert {"format_error", "refusal", "wrong_language"} <= modes, modes
    for c in summary["clusters"]:
        assert 0 <= c["negative_rate"] <= 1
    # failing traces carry the negative feedback: clusters are far more negative than the window
    assert min(c["negative_rate"] for c in summary["clusters"] if c["cluster"] >= 0) > \
        summary["feedback"]["negative_rate_current"]


def test_judge_agreement_in_planted_range(summary):
    ag = summary["agreement"]
    assert ag["feedback_name"] == "correctness"
    k = ag["overall"]["cohen_kappa"]
    # README: kappa judge / human majority 0.599 over all weeks (261 traces without a tie)
    assert ag["overall"]["cohen_kappa_low"] <= 0.599 <= ag["overall"]["cohen_kappa_high"]
    assert 0.45 < k < 0.75


def test_review_queue_is_five_to_ten_percent(review, summary):
    q = pd.read_csv(review / "review_queue.csv")
    n = summary["loaded"]["current_traces"]
    assert 0.05 * n <= len(q) <= 0.10 * n
    assert q["trace_id"].is_unique and q["reason"].notna().all()


def test_metrics_parse_and_equal_the_summary(review, summary):
    from prometheus_client.parser import text_string_to_metric_families

    samples = {}
    for fam in text_string_to_metric_families((review / "metrics.prom").read_text()):
        assert fam.documentation and fam.type == "gauge"
        for s in fam.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    fb = summary["feedback"]
    assert samples[("feedback_lab_negative_feedback_rate", (("window", "current"),))] == pytest.approx(
        fb["negative_rate_current"])
    assert samples[("feedback_lab_implicit_negative_rate", (("window", "current"),))] == pytest.approx(
        fb["implicit_negative_rate_current"])
    for t in summary["drift"]["tests"]:
        assert samples[("feedback_lab_drift_p_value", (("method", t["method"]),))] == pytest.approx(t["p_value"])
    for c in summary["clusters"]:
        key = ("feedback_lab_cluster_size", (("cluster", str(c["cluster"])), ("error_mode", c["error_mode"] or ""),
                                              ("name", c["name"] or "")))
        assert samples[key] == c["size"]
    ag = summary["agreement"]
    assert samples[("feedback_lab_judge_agreement", (("bound", "estimate"), ("feedback_name", "correctness"),
                                                      ("statistic", "cohen_kappa")))] == pytest.approx(
        ag["overall"]["cohen_kappa"])
    kinds = pd.Series([a["alert"] for a in summary["alerts"]]).value_counts()
    for kind, n in kinds.items():
        assert samples[("feedback_lab_alerts_fired", (("kind", kind),))] == n


def test_alerts_jsonl(review, summary):
    lines = [json.loads(x) for x in (review / "alerts.jsonl").read_text().splitlines()]
    assert [a["alert"] for a in lines] == [a["alert"] for a in summary["alerts"]]
    assert all(a["window"] and a["message"] and a["emitted_at"] for a in lines)


def test_report_html_is_self_contained_and_escaped(review):
    html = (review / "report.html").read_text()
    import re

    assert not re.search(r"<(script|link|img)[^>]+(src|href)=[\"']?https?:", html), "nothing is fetched"
    for title in ("What was loaded", "Feedback trends", "Failure modes", "Drift", "Judge", "Review queue"):
        assert title in html, title


def test_report_renders_in_a_browser(review):
    """Headless Chromium opens the file offline: every plotly figure renders, no console error."""
    chromium = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)
    if chromium is None:
        pytest.skip("chromium is not installed (scripts/setup_browser.sh installs Debian's chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    html = (review / "report.html").read_text()
    n_figures = html.count("<div class='fig'")
    assert n_figures >= 5
    errors: list[str] = []
    with sync_api.sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.route("http*://**", lambda route: route.abort())  # offline: nothing may be fetched
        page.goto((review / "report.html").as_uri())
        page.wait_for_function(f"document.querySelectorAll('div.fig.js-plotly-plot .main-svg').length >= {n_figures} && document.querySelectorAll('div.fig.js-plotly-plot').length === {n_figures}",
                               timeout=60_000)
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "review_report.png"), full_page=False)
        browser.close()
    assert not errors, errors


def test_a_failing_section_is_reported_and_the_rest_still_runs(monkeypatch, tmp_path):
    """One broken section shows as 'error' with its message; the CLI exits 1 and names it."""
    from feedback_lab.cli import main
    from feedback_lab.report import _sections

    def boom(ctx):
        raise RuntimeError("similarity exploded")

    monkeypatch.setattr(_sections, "SECTIONS", (*_sections.SECTIONS[:-1], boom))
    code = main(["review", str(SAMPLE), "--out", str(tmp_path / "o"), "--quiet"])
    assert code == 1
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["section_errors"][0]["section"] == "boom"
    assert "similarity exploded" in summary["section_errors"][0]["error"]
    assert summary["verdicts"]["boom"] == "error" and summary["verdicts"]["judge"] in ("ok", "attention", "alert")
    assert "similarity exploded" in (tmp_path / "o" / "report.html").read_text()
    monkeypatch.setattr(_sections, "SECTIONS", (boom,))
    with pytest.raises(RuntimeError, match="exploded"):
        fl.run_review(SAMPLE, strict=True, show_progress=False)


@pytest.fixture(scope="module")
def small_exports(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("small_sample")
    fl.sample_data.write(out, n_traces=400, seed=3)
    return out


@pytest.mark.parametrize("platform", ["canonical", "langfuse", "langsmith", "phoenix", "otel", "braintrust",
                                      "latitude", "helicone"])
def test_review_runs_on_every_export_format(small_exports, platform):
    """Each platform's copy of the sample data goes through the whole review, every section computed
    (strict: a section that fails raises) — what users point `feedback-lab review` at."""
    data = small_exports if platform == "canonical" else small_exports / "exports" / platform
    res = fl.run_review(data, strict=True, show_progress=False)
    assert not res.summary["section_errors"]
    assert res.summary["loaded"]["traces"] == 400
    assert res.summary["loaded"]["current_traces"] > 50
    assert {s.key for s in res.sections} >= {"loaded", "trends", "clusters", "drift", "judge", "queue"}


def test_second_review_compares_with_the_previous(small_exports, tmp_path):
    """A review of the same data with previous= matches every cluster to itself: nothing new or vanished."""
    first = fl.review_report(small_exports, tmp_path / "first", show_progress=False)
    res = fl.run_review(small_exports, previous=first, show_progress=False, strict=True)
    changes = res.summary["cluster_changes"]
    assert changes.get("new", 0) == 0 and changes.get("vanished", 0) == 0, changes
    assert changes.get("persisting", 0) == sum(1 for c in res.summary["clusters"] if c["cluster"] >= 0)
    assert "Since the previous review" in res.section("clusters").headline
    with pytest.raises(FileNotFoundError, match="clusters/"):
        fl.run_review(small_exports, previous=tmp_path, show_progress=False)
