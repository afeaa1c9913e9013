"""implicit_signals, reconcile, sample_for_review, balance, golden/regression sets and their round trip."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

import feedback_lab as fl


def _pd(df):
    return df if isinstance(df, pd.DataFrame) else df.to_pandas()


def _ts(*s):
    return pd.to_datetime(list(s), utc=True, format="ISO8601")


def test_implicit_signals_rule(make_frame):
    tr = make_frame({"trace_id": ["t1", "t2", "t3", "t4", "t5"], "session_id": ["s1", "s1", "s2", "s2", "s3"],
                     "timestamp": _ts("2024-01-01 10:00", "2024-01-01 10:05", "2024-01-01 11:00", "2024-01-01 11:01",
                                      "2024-01-01 12:00"),
                     "output": ["abcdefghij", "hello world", "x", "same text", "quiet"]})
    ev = make_frame({"trace_id": ["t1", "t1", "t1", "t2", "t3", "t4", "t4"],
                     "event": ["regenerate", "regenerate", "copy", "copy", "abandon", "edit", "copy"],
                     "timestamp": _ts("2024-01-01 10:01", "2024-01-01 10:02", "2024-01-01 10:03", "2024-01-01 10:06",
                                      "2024-01-01 11:00:30", "2024-01-01 11:02", "2024-01-01 11:03"),
                     "payload": [None, None, None, None, None, '{"text": "same text!"}', None]})
    s = _pd(fl.implicit_signals(ev, tr)).set_index("trace_id")
    assert s.loc["t1", "n_regenerate"] == 2 and s.loc["t1", "regenerate_streak"] == 2
    assert s.loc["t1", "weak_label"] == "negative"
    assert s.loc["t2", "weak_label"] == "positive"
    assert s.loc["t3", "abandoned"] and s.loc["t3", "time_to_abandon_s"] == 30.0 and s.loc["t3", "weak_label"] == "negative"
    assert s.loc["t4", "edit_distance"] == pytest.approx(1 / 10) and s.loc["t4", "weak_label"] == "positive"
    assert s.loc["t5", "n_events"] == 0 and pd.isna(s.loc["t5", "weak_label"])
    sess = _pd(fl.implicit_signals(ev, tr, level="session")).set_index("session_id")
    assert sess.loc["s1", "weak_label"] == "negative" and sess.loc["s1", "n_traces"] == 2
    assert sess.loc["s1", "regenerate_streak"] == 1
    heavy = _pd(fl.implicit_signals(ev, tr, heavy_edit=0.05)).set_index("trace_id")
    assert heavy.loc["t4", "weak_label"] == "negative"


def test_reconcile(make_frame):
    fb = make_frame({"trace_id": ["t1", "t2", "t3", "t4"], "name": "thumb", "value": [0.0, 1.0, 1.0, 0.0],
                     "annotator_kind": "user"})
    imp = make_frame({"trace_id": ["t1", "t2", "t3", "t4"], "n_regenerate": [2, 0, 3, 0], "edited": False,
                      "edit_distance": [np.nan] * 4, "copied": [False, True, False, True], "abandoned": False,
                      "weak_label": ["negative", "positive", "negative", "positive"]})
    r = _pd(fl.reconcile(fb, imp)).set_index("signal")
    assert (r.loc["weak_label", "n"], r.loc["weak_label", "n_agree"]) == (4, 2)
    assert (r.loc["regenerated", "n"], r.loc["regenerated", "n_agree"]) == (2, 1)
    assert (r.loc["copied", "n"], r.loc["copied", "n_agree"]) == (2, 1)
    assert r.loc["abandoned", "n"] == 0 and np.isnan(r.loc["abandoned", "agreement"])
    pt = _pd(fl.reconcile(fb, imp, per_trace=True))
    assert pt["agree"].tolist() == [True, True, False, False]


def test_sample_never_repeats_and_excludes(make_frame):
    n = 200
    rng = np.random.default_rng(0)
    tr = make_frame({"trace_id": [f"t{i}" for i in range(n)], "task": ["qa"] * 150 + ["chat"] * 50,
                     "latency_ms": rng.normal(100, 5, n), "output": ["x" * 20] * n})
    s = _pd(fl.sample_for_review(tr, frac=0.1, by="task", random_state=1, exclude=["t0", "t1"]))
    assert len(s) == round(0.1 * 198) and s["trace_id"].is_unique
    assert not {"t0", "t1"} & set(s["trace_id"])
    assert (s["task"] == "qa").sum() == 15 and (s["task"] == "chat").sum() == 5
    assert s["reason"].str.startswith("stratified: task=").all()
    again = _pd(fl.sample_for_review(tr, frac=0.1, by="task", random_state=1, exclude=["t0", "t1"]))
    assert again["trace_id"].tolist() == s["trace_id"].tolist()
    with pytest.warns(UserWarning, match="asked for 500"):
        everything = _pd(fl.sample_for_review(tr, n=500, random_state=0))
    assert len(everything) == n and everything["trace_id"].is_unique
    with pytest.raises(ValueError, match="not both"):
        fl.sample_for_review(tr, n=1, frac=0.1)


def test_sample_strategies(make_frame):
    n = 40
    emb = np.tile(np.array([[1.0, 0.0, 0.0]]), (n, 1)) + np.random.default_rng(0).normal(0, 0.01, (n, 3))
    emb[7] = [0.0, 0.0, 1.0]
    tr = make_frame({"trace_id": [f"t{i}" for i in range(n)], "judge": np.linspace(0, 1, n),
                     "latency_ms": [100.0] * n})
    a = _pd(fl.sample_for_review(tr, n=1, strategy="anomaly", embeddings=emb, random_state=0))
    assert a["trace_id"].tolist() == ["t7"] and a["reason"][0].startswith("anomaly: embedding")
    with pytest.raises(ValueError, match="one row per trace"):
        fl.sample_for_review(tr, n=1, strategy="anomaly", embeddings=emb[:5])
    u = _pd(fl.sample_for_review(tr, n=2, strategy="uncertainty", score_col="judge", random_state=0))
    assert set(u["trace_id"]) == {"t19", "t20"}  # linspace values 0.487 and 0.513 closest to 0.5
    fb = make_frame({"trace_id": ["t1", "t1", "t2", "t2", "t3"], "name": ["judge", "thumb"] * 2 + ["thumb"],
                     "value": [1.0, 0.0, 1.0, 1.0, 0.0], "annotator_kind": ["llm", "user", "llm", "user", "user"]})
    with pytest.warns(UserWarning, match="found 1"):
        d = _pd(fl.sample_for_review(tr, n=3, strategy="disagreement", feedback=fb, random_state=0))
    assert d["trace_id"].tolist() == ["t1"] and d["reason"][0] == "disagreement: judge positive, human negative"
    m = _pd(fl.sample_for_review(tr, n=8, strategy="mixed", feedback=fb, embeddings=emb, random_state=0))
    assert len(m) == 8 and m["trace_id"].is_unique and "t1" in set(m["trace_id"]) and "t7" in set(m["trace_id"])


def test_balance_report(make_frame):
    df = make_frame({"label": ["pass"] * 6 + ["fail"] * 2 + ["pass"] + ["fail"] * 3, "task": ["a"] * 8 + ["b"] * 4})
    out, rep = fl.balance(df, label_col="label", by="task", random_state=0)
    out, rep = _pd(out), _pd(rep)
    assert rep.values.tolist() == [["a", "fail", 2, 2, 0, 0], ["a", "pass", 6, 2, 4, 0],
                                   ["b", "fail", 3, 1, 2, 0], ["b", "pass", 1, 1, 0, 0]]
    assert len(out) == 6
    over, rep2 = fl.balance(df, label_col="label", method="oversample", random_state=0)
    over, rep2 = _pd(over), _pd(rep2)
    assert over["label"].value_counts().to_dict() == {"pass": 7, "fail": 7}
    assert rep2.set_index("label")["n_duplicated"].to_dict() == {"fail": 2, "pass": 0}
    with pytest.raises(ValueError, match="null 'label'"):
        fl.balance(make_frame({"label": ["a", None]}), label_col="label")


@pytest.fixture
def review_data(make_frame):
    tr = make_frame({"trace_id": [f"t{i}" for i in range(8)], "input": [f"q{i}" for i in range(8)],
                     "output": [f"a{i}" for i in range(8)], "reference": [None, "gold1"] + [None] * 6,
                     "task": ["qa", "qa", "qa", "qa", "chat", "chat", "chat", "chat"]})
    fb = make_frame({"trace_id": ["t0", "t1", "t2", "t3", "t4", "t5", "t6", "t0"],
                     "name": "verdict", "label": ["pass", "fail", "hallucination", "pass", "format", "pass", None, "fail"],
                     "value": [1.0, 0.0, 0.0, 1.0, 0.0, 1.0, 0.0, 0.0],
                     "comment": [None, "made up a refund", None, None, None, None, "Too long answer", None],
                     "annotator_kind": ["human", "human", "user", "user", "user", "user", "user", "llm"]})
    return tr, fb


def test_golden_dataset(review_data):
    tr, fb = review_data
    g = _pd(fl.golden_dataset(tr, fb, balance=False, random_state=0))
    got = g.set_index("trace_id")
    assert list(g["trace_id"]) == [f"t{i}" for i in range(7)]  # t7 has no label
    assert got.loc["t0", "label"] == "pass"  # human beats llm
    assert got.loc["t1", "expected_output"] == "gold1" and got.loc["t1", "expected_source"] == "reference"
    assert got.loc["t0", "expected_output"] == "a0" and got.loc["t0", "expected_source"] == "approved_output"
    assert pd.isna(got.loc["t2", "expected_output"])
    assert got.loc["t6", "label"] == "fail"  # derived from value
    assert list(got.loc["t0", "tags"]) == ["label:pass"]
    b = _pd(fl.golden_dataset(tr, fb, n=4, stratify_by="task", balance=True, random_state=0))
    assert len(b) == 4 and b["trace_id"].is_unique


def test_regression_set_buckets(review_data, make_frame):
    tr, fb = review_data
    r = _pd(fl.regression_set(tr, fb))
    assert dict(zip(r["trace_id"], r["error_mode"], strict=True)) == {
        "t0": "unspecified", "t1": "made up a refund", "t2": "hallucination", "t4": "format", "t6": "too long answer"}
    clusters = _pd(tr).assign(error_mode=["c1", "c1", "c2", "c3", "c1", "c2", "c2", "c2"])
    r2 = _pd(fl.regression_set(clusters if isinstance(tr, pd.DataFrame) else pl.from_pandas(clusters), fb))
    assert r2["error_mode"].tolist() == ["c1", "c1", "c1", "c2", "c2"]  # biggest bucket first (t0, t1, t4)
    capped = _pd(fl.regression_set(tr, fb, by="task", n_per_bucket=1, random_state=0))
    assert capped["task"].value_counts().to_dict() == {"chat": 1, "qa": 1}
    allfb = _pd(fl.regression_set(tr, fb, negative_only=False))
    assert "no_error" in set(allfb["error_mode"])


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_dataset_round_trip(tmp_path, review_data, suffix):
    tr, fb = review_data
    g = fl.golden_dataset(tr, fb, balance=False, random_state=0)
    g_pl = g if isinstance(g, pl.DataFrame) else pl.from_pandas(g)
    g_pl = g_pl.with_columns(pl.lit("2024-05-01T10:00:00").str.to_datetime(time_zone="UTC").alias("when"),
                             pl.Series("score", [0.5, None, 1.0, 2.0, 3.0, 4.0, 5.0]))
    path = fl.write_dataset(g_pl, tmp_path / f"golden{suffix}")
    back = fl.read_dataset(path)
    assert back.equals(g_pl), (back, g_pl)
    assert fl.read_dataset(path, backend="pandas")["tags"].map(list).tolist() == g_pl["tags"].to_list()
    with pytest.raises(ValueError, match=r"\.csv or \.jsonl"):
        fl.write_dataset(g_pl, tmp_path / "golden.xlsx")
