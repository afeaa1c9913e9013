"""Metrics out: Prometheus exposition parsed with prometheus_client's own parser."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from prometheus_client.parser import text_string_to_metric_families

from feedback_lab.report._metrics import review_metrics, write_alerts, write_metrics

SUMMARY = {
    "params": {"since": "2026-10-19T00:00:00+00:00", "until": "2026-11-01T23:59:59+00:00"},
    "loaded": {"current_traces": 480, "reference_traces": 510},
    "feedback": {"negative_rate_current": 0.21, "negative_rate_reference": 0.12, "metric_alerts": 1},
    "clusters": [
        {"cluster": 0, "name": 'refuses "billing" questions', "size": 40, "share": 0.08, "negative_rate": 0.5,
         "error_mode": "refusal"},
        {"cluster": 1, "name": "línea\nnueva ✓ \\ back", "size": 12, "share": 0.025, "negative_rate": float("nan"),
         "error_mode": "wrong_language"},
    ],
    "drift": {"tests": [{"method": "mmd", "statistic": 0.012, "p_value": 0.001, "drifted": True},
                        {"method": "centroid", "statistic": 0.004, "p_value": 0.2, "drifted": False}]},
    "similarity_alerts": {"checked": 50, "alerts": 7, "threshold": 0.7, "scale": "cosine"},
    "agreement": {"feedback_name": "verdict", "overall": {"cohen_kappa": 0.61, "cohen_kappa_low": 0.5,
                                                          "cohen_kappa_high": 0.7}},
    "regressions": [{"metric": "judge_pass", "relative_change": -0.09, "regressed": True}],
    "review_queue": {"n": 34},
    "alerts": [{"alert": "drift"}, {"alert": "regression"}, {"alert": "drift"}],
}


def _samples(text: str) -> dict[tuple[str, tuple], tuple[float, float | None]]:
    out = {}
    for fam in text_string_to_metric_families(text):
        for s in fam.samples:
            ts = s.timestamp
            out[(s.name, tuple(sorted(s.labels.items())))] = (s.value, None if ts is None else float(ts))
    return out


def test_prometheus_output_parses_and_equals_summary(tmp_path):
    m = review_metrics(SUMMARY)
    path = write_metrics(m, tmp_path / "metrics.prom")
    text = path.read_text(encoding="utf-8")
    assert "# HELP feedback_lab_cluster_size" in text and "# TYPE feedback_lab_cluster_size gauge" in text
    got = _samples(text)
    end = pd.Timestamp(SUMMARY["params"]["until"]).timestamp()
    assert got[("feedback_lab_negative_feedback_rate", (("window", "current"),))] == (0.21, end)
    assert got[("feedback_lab_negative_feedback_rate", (("window", "reference"),))][0] == 0.12
    assert got[("feedback_lab_drift_detected", (("method", "mmd"),))][0] == 1.0
    assert got[("feedback_lab_drift_p_value", (("method", "centroid"),))][0] == 0.2
    assert got[("feedback_lab_similarity_alerts", (("scale", "cosine"), ("threshold", "0.7")))][0] == 7
    assert got[("feedback_lab_judge_agreement", (("bound", "low"), ("feedback_name", "verdict"),
                                                 ("statistic", "cohen_kappa")))][0] == 0.5
    assert got[("feedback_lab_gate_passed", (("gate", "no_regression_judge_pass"),))][0] == 0.0
    assert got[("feedback_lab_alerts_fired", (("kind", "drift"),))][0] == 2
    assert got[("feedback_lab_review_queue_size", ())][0] == 34
    # every row of the tidy frame is one sample, nothing more, nothing less
    assert len(got) == len(m)


def test_label_values_with_quotes_newlines_unicode_round_trip(tmp_path):
    text = write_metrics(review_metrics(SUMMARY), tmp_path / "m.prom").read_text(encoding="utf-8")
    got = _samples(text)
    names = {dict(k[1]).get("name") for k in got if k[0] == "feedback_lab_cluster_size"}
    assert names == {'refuses "billing" questions', "línea\nnueva ✓ \\ back"}
    # NaN values are left out rather than written as NaN samples
    assert not any(k[0] == "feedback_lab_cluster_negative_rate" and dict(k[1])["cluster"] == "1" for k in got)


@pytest.mark.parametrize("suffix", [".csv", ".jsonl", ".parquet"])
def test_tidy_formats_round_trip(tmp_path, suffix):
    m = review_metrics(SUMMARY)
    path = write_metrics(m, tmp_path / f"metrics{suffix}")
    back = {".csv": pd.read_csv, ".jsonl": lambda p: pd.read_json(p, lines=True), ".parquet": pd.read_parquet}[suffix](path)
    assert list(back["metric"]) == list(m["metric"])
    assert [json.loads(x) for x in back["labels"]] == list(m["labels"])
    assert back["value"].tolist() == pytest.approx(m["value"].tolist())


def test_unknown_suffix_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="format='prometheus'"):
        write_metrics(review_metrics(SUMMARY), tmp_path / "metrics.xlsx")


def test_alerts_jsonl(tmp_path):
    alerts = [{"alert": "similarity", "message": "7 outputs below 0.7", "window": "w", "value": float("nan"),
               "trace_ids": ["a", "b"]}]
    lines = write_alerts(alerts, tmp_path / "alerts.jsonl").read_text(encoding="utf-8").splitlines()
    rec = json.loads(lines[0])
    assert rec["alert"] == "similarity" and rec["trace_ids"] == ["a", "b"] and rec["value"] is None
    assert "emitted_at" in rec
