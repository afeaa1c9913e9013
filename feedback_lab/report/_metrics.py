"""Review figures out as time series: Prometheus text exposition, CSV, JSONL, Parquet; alerts as JSONL.

Metric catalogue (all gauges, prefixed ``feedback_lab_``; every sample carries the review
window's end as its timestamp and ``window`` = ``current`` or ``reference`` where it applies):

==========================================  =================================================
metric                                      labels
==========================================  =================================================
``traces``                                  window
``negative_feedback_rate``                  window
``implicit_negative_rate``                  window (regenerate, edit, abandon... per trace)
``metric_alerts``                           —
``cluster_size``, ``cluster_share``         cluster, name, error_mode
``cluster_negative_rate``                   cluster, name, error_mode
``drift_statistic``, ``drift_p_value``      method
``drift_detected`` (0/1)                    method
``similarity_alerts``, ``similarity_checked``  threshold, scale
``judge_agreement``                         feedback_name, statistic, bound (estimate/low/high)
``regression_relative_change``              metric
``gate_passed`` (0/1)                       gate
``review_queue_size``                       —
``alerts_fired``                            kind
==========================================  =================================================
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import pandas as pd

__all__ = ["review_metrics", "write_alerts", "write_metrics"]

PREFIX = "feedback_lab_"
_AGREEMENT_STATS = ("percent_agreement", "cohen_kappa", "krippendorff_alpha", "gwet_ac1", "spearman", "pearson")


def _num(v: Any) -> float | None:
    if isinstance(v, bool):
        return float(v)
    if isinstance(v, (int, float)) and not (isinstance(v, float) and math.isnan(v)):
        return float(v)
    return None


def review_metrics(summary: Mapping[str, Any]) -> pd.DataFrame:
    """The review's figures as a tidy frame: one row per (window, metric, labels).

    Parameters
    ----------
    summary : dict
        ``ReviewResult.summary`` or the parsed ``summary.json`` of a review folder.

    Returns
    -------
    pandas.DataFrame
        Columns ``window_start, window_end, metric, labels`` (dict of label -> str),
        ``value`` (float) and ``timestamp`` (the window end, UTC).

    Examples
    --------
    >>> s = {"params": {"since": "2026-10-19T00:00:00+00:00", "until": "2026-11-01T23:59:59+00:00"},
    ...      "feedback": {"negative_rate_current": 0.2, "negative_rate_reference": 0.1}}
    >>> review_metrics(s)[["metric", "value"]].values.tolist()
    [['negative_feedback_rate', 0.2], ['negative_feedback_rate', 0.1]]
    """
    p = summary.get("params", {})
    start, end = p.get("since"), p.get("until")
    rows: list[dict[str, Any]] = []

    def add(metric: str, value: Any, /, **labels: Any) -> None:
        v = _num(value)
        if v is not None:
            rows.append({"metric": metric, "labels": {k: str(x) for k, x in labels.items()}, "value": v})

    loaded = summary.get("loaded", {})
    add("traces", loaded.get("current_traces"), window="current")
    add("traces", loaded.get("reference_traces"), window="reference")
    fb = summary.get("feedback", {})
    add("negative_feedback_rate", fb.get("negative_rate_current"), window="current")
    add("negative_feedback_rate", fb.get("negative_rate_reference"), window="reference")
    add("implicit_negative_rate", fb.get("implicit_negative_rate_current"), window="current")
    add("implicit_negative_rate", fb.get("implicit_negative_rate_reference"), window="reference")
    add("metric_alerts", fb.get("metric_alerts"))
    for c in summary.get("clusters", []) or []:
        lab = {"cluster": c.get("cluster"), "name": c.get("name") or "", "error_mode": c.get("error_mode") or ""}
        add("cluster_size", c.get("size"), **lab)
        add("cluster_share", c.get("share"), **lab)
        add("cluster_negative_rate", c.get("negative_rate"), **lab)
    for t in (summary.get("drift", {}) or {}).get("tests", []) or []:
        add("drift_statistic", t.get("statistic"), method=t.get("method"))
        add("drift_p_value", t.get("p_value"), method=t.get("method"))
        add("drift_detected", bool(t.get("drifted")), method=t.get("method"))
    sim = summary.get("similarity_alerts", {}) or {}
    if "alerts" in sim:
        add("similarity_alerts", sim.get("alerts"), threshold=sim.get("threshold", ""), scale=sim.get("scale", ""))
        add("similarity_checked", sim.get("checked"), threshold=sim.get("threshold", ""), scale=sim.get("scale", ""))
    ag = summary.get("agreement", {}) or {}
    overall = ag.get("overall", {}) or {}
    for stat in _AGREEMENT_STATS:
        for bound, key in (("estimate", stat), ("low", f"{stat}_low"), ("high", f"{stat}_high")):
            add("judge_agreement", overall.get(key), feedback_name=ag.get("feedback_name", ""), statistic=stat,
                bound=bound)
    for m in ag.get("meets", []) or []:
        verdict = str(m.get("verdict", ""))
        if verdict in ("pass", "fail"):
            add("gate_passed", verdict == "pass", gate=f"judge_{m.get('criterion', m.get('statistic', 'bar'))}")
    regs = summary.get("regressions")
    if isinstance(regs, list):
        for r in regs:
            add("regression_relative_change", r.get("relative_change"), metric=r.get("metric"))
            add("gate_passed", not bool(r.get("regressed")), gate=f"no_regression_{r.get('metric')}")
    add("review_queue_size", (summary.get("review_queue", {}) or {}).get("n"))
    kinds: dict[str, int] = {}
    for a in summary.get("alerts", []) or []:
        kinds[str(a.get("alert"))] = kinds.get(str(a.get("alert")), 0) + 1
    for kind, n in sorted(kinds.items()):
        add("alerts_fired", n, kind=kind)
    df = pd.DataFrame(rows, columns=["metric", "labels", "value"])
    df.insert(0, "window_end", pd.Timestamp(end) if end else pd.NaT)
    df.insert(0, "window_start", pd.Timestamp(start) if start else pd.NaT)
    df["timestamp"] = df["window_end"]
    return df


_HELP = {
    "traces": "Traces in the review window",
    "negative_feedback_rate": "Share of explicit feedback that is negative (thumbs down, low rating, fail)",
    "implicit_negative_rate": "Share of traces with an implicit negative signal (regenerate, edit, abandon)",
    "metric_alerts": "Statistically supported rises of the negative-feedback rate in the current window",
    "cluster_size": "Traces in a failure-mode cluster (current window)",
    "cluster_share": "Share of the current window in a failure-mode cluster",
    "cluster_negative_rate": "Negative-feedback rate of a failure-mode cluster",
    "drift_statistic": "Embedding drift test statistic, reference vs current window",
    "drift_p_value": "Permutation p-value of an embedding drift test",
    "drift_detected": "1 when an embedding drift test fired at alpha 0.05",
    "similarity_alerts": "Outputs below the cosine threshold to their reference answer",
    "similarity_checked": "Outputs with a reference answer that were checked",
    "judge_agreement": "LLM judge vs human majority agreement (estimate and 95% interval bounds)",
    "regression_relative_change": "Relative change of a metric, current vs reference window",
    "gate_passed": "1 when a threshold gate passed, 0 when it failed",
    "review_queue_size": "Traces queued for human review",
    "alerts_fired": "Alerts raised by the review, by kind",
}


def _prometheus(metrics: pd.DataFrame, timestamps: bool = True) -> str:
    from feedback_lab._deps import import_optional

    import_optional("prometheus_client", feature="write_metrics(format='prometheus')")
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import GaugeMetricFamily

    class _Collector:
        def collect(self):
            for metric, grp in metrics.groupby("metric", sort=True):
                names = sorted({k for labels in grp["labels"] for k in labels})
                fam = GaugeMetricFamily(PREFIX + metric, _HELP.get(metric, f"feedback_lab review figure: {metric}"),
                                        labels=names)
                for labels, value, ts in zip(grp["labels"], grp["value"], grp["timestamp"], strict=True):
                    stamp = None if (pd.isna(ts) or not timestamps) else pd.Timestamp(ts).timestamp()
                    fam.add_metric([labels.get(n, "") for n in names], float(value), timestamp=stamp)
                yield fam

    reg = CollectorRegistry()
    reg.register(_Collector())
    return generate_latest(reg).decode("utf-8")


def write_metrics(metrics: pd.DataFrame, path: str | Path, *, format: str | None = None,
                  timestamps: bool = True) -> Path:
    """Write :func:`review_metrics` output.

    Parameters
    ----------
    metrics : pandas.DataFrame
        From :func:`review_metrics`.
    path : path
        Destination; parent folders are created.
    format : {"prometheus", "csv", "jsonl", "parquet"}, optional
        Default: from the suffix (``.prom``/``.txt`` -> prometheus). Prometheus text
        exposition suits node_exporter's textfile collector or a Pushgateway; the tidy
        formats suit Grafana's CSV/Infinity/SQL sources (labels as a JSON object column).
    timestamps : bool
        Prometheus only: stamp every sample with the review window's end (default), so a
        backfill via ``promtool tsdb create-blocks-from openmetrics`` or remote write lands
        each review at its own time. node_exporter's textfile collector and the Pushgateway
        reject samples that carry timestamps: pass ``timestamps=False`` for them.

    Returns
    -------
    pathlib.Path
    """
    path = Path(path)
    fmt = format or {".prom": "prometheus", ".txt": "prometheus", ".csv": "csv", ".jsonl": "jsonl",
                     ".parquet": "parquet"}.get(path.suffix.lower())
    if fmt not in ("prometheus", "csv", "jsonl", "parquet"):
        msg = (f"write_metrics: cannot tell the format of {path.name!r}; pass format='prometheus', 'csv', "
               "'jsonl' or 'parquet' (or use a .prom, .csv, .jsonl or .parquet suffix).")
        raise ValueError(msg)
    path.parent.mkdir(parents=True, exist_ok=True)
    if fmt == "prometheus":
        path.write_text(_prometheus(metrics, timestamps=timestamps), encoding="utf-8")
        return path
    tidy = metrics.copy()
    tidy["labels"] = [json.dumps(x, ensure_ascii=False, sort_keys=True) for x in tidy["labels"]]
    for c in ("window_start", "window_end", "timestamp"):
        tidy[c] = pd.to_datetime(tidy[c], utc=True)
    if fmt == "csv":
        tidy.to_csv(path, index=False)
    elif fmt == "jsonl":
        tidy.to_json(path, orient="records", lines=True, date_format="iso", force_ascii=False)
    else:
        tidy.to_parquet(path, index=False)
    return path


def write_alerts(alerts: Iterable[Mapping[str, Any]], path: str | Path) -> Path:
    """Write alerts as JSONL events (one object per line) for a webhook or Alertmanager bridge.

    Each line has ``alert`` (kind), ``message``, ``window`` and the figures behind it
    (value, threshold, p-value, example ``trace_ids`` where known), plus ``emitted_at``.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    now = dt.datetime.now(dt.UTC).isoformat()
    from feedback_lab.report._html import dumps_summary

    with path.open("w", encoding="utf-8") as fh:
        for a in alerts:
            fh.write(json.dumps(json.loads(dumps_summary({**a, "emitted_at": now})), ensure_ascii=False) + "\n")
    return path
