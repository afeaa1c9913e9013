"""drift_timeline and compare_windows: windows, skipped reasons, reference modes, lazy embedding."""

from __future__ import annotations

import numpy as np
import pandas as pd
import polars as pl
import pytest

import feedback_lab as fl


def _traces(days, seed=0, shift_from=None):
    rng = np.random.default_rng(seed)
    ts = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(days, unit="D")
    emb = rng.normal(size=(len(days), 6))
    if shift_from is not None:
        emb[np.asarray(days) >= shift_from] += 1.5
    df = pd.DataFrame({"trace_id": [f"t{i}" for i in range(len(days))], "timestamp": ts,
                       "prompt_version": np.where(np.asarray(days) >= 14, "v2", "v1"),
                       "input": [f"text {i}" for i in range(len(days))]})
    return df, emb


def test_windows_skips_and_drift_week():
    # week 0: 30 rows, week 1: 30, week 2: empty, week 3: 5 (tiny), week 4: 30 shifted
    days = [0.5] * 30 + [8] * 30 + [22] * 5 + [29] * 30
    df, emb = _traces(days, shift_from=29)
    tl = fl.drift_timeline(df, emb, freq="1w", random_state=0)
    assert tl["window_start"].tolist() == list(pd.date_range("2024-01-01", periods=5, freq="7D", tz="UTC"))
    assert tl["n"].tolist() == [30, 30, 0, 5, 30]
    assert tl["skipped_reason"].tolist() == ["reference window", None, "empty window",
                                             "only 5 rows (min_size=20)", None]
    assert tl["drifted"].tolist()[1] is False or tl["drifted"].tolist()[1] == False  # noqa: E712
    assert bool(tl["drifted"].iloc[4]) is True
    assert tl["n_reference"].iloc[4] == 30 and np.isnan(tl["p_value"].iloc[2])


def test_previous_reference_and_fixed_period():
    days = [1] * 25 + [8] * 25 + [15] * 25
    df, emb = _traces(days, shift_from=15)
    tl = fl.drift_timeline(df, emb, reference="previous", random_state=0)
    assert tl["skipped_reason"].tolist() == ["no earlier window to compare with", None, None]
    assert tl["reference_start"].iloc[2] == pd.Timestamp("2024-01-08", tz="UTC")
    fixed = fl.drift_timeline(df, emb, reference=("2024-01-01", "2024-01-08"), random_state=0)
    assert fixed["n_reference"].tolist() == [25, 25, 25]
    with pytest.raises(ValueError, match="has 0 traces"):
        fl.drift_timeline(df, emb, reference=("2023-01-01", "2023-02-01"))
    with pytest.raises(ValueError, match="Did you mean 'previous'"):
        fl.drift_timeline(df, emb, reference="previus")


def test_all_methods_one_row_per_method_and_polars_in_polars_out():
    df, emb = _traces([1] * 25 + [8] * 25)
    tl = fl.drift_timeline(pl.from_pandas(df), emb, method="all", random_state=0)
    assert isinstance(tl, pl.DataFrame)
    assert tl.filter(pl.col("skipped_reason").is_null())["method"].to_list() == ["mmd", "classifier", "centroid"]


def test_daily_and_monthly_freq_and_bad_freq():
    df, emb = _traces(list(np.linspace(0, 59, 60)))
    assert len(fl.drift_timeline(df, emb, freq="1mo", random_state=0)) == 2
    assert len(fl.drift_timeline(df, emb, freq="10d", min_size=5, random_state=0)) == 6
    with pytest.raises(ValueError, match="freq must look like"):
        fl.drift_timeline(df, emb, freq="weekly")


def test_mismatched_embeddings_and_missing_timestamps():
    df, emb = _traces([1] * 25)
    with pytest.raises(ValueError, match="embeddings has 24 rows but traces has 25"):
        fl.drift_timeline(df, emb[:24])
    df.loc[0, "timestamp"] = pd.NaT
    with pytest.warns(UserWarning, match=r"1 trace\(s\) have no timestamp .*'t0'"):
        tl = fl.drift_timeline(df, emb)
    assert tl["n"].tolist() == [24]


def test_lazy_embedding_calls_embed_with_texts(monkeypatch):
    import feedback_lab.analysis.embed as embed_pkg

    seen = {}

    def fake_embed(texts, *, model=None, **kwargs):
        seen["texts"], seen["model"] = list(texts), model
        return np.random.default_rng(0).normal(size=(len(texts), 4)).astype(np.float32)

    monkeypatch.setitem(vars(embed_pkg), "embed", fake_embed)  # no lazy import of the real one
    df, _ = _traces([1] * 25 + [8] * 25)
    tl = fl.drift_timeline(df, model="m", random_state=0)
    assert seen["texts"][:2] == ["text 0", "text 1"] and seen["model"] == "m"
    assert len(tl) == 2


def test_compare_windows_by_prompt_version():
    df, emb = _traces([1] * 30 + [15] * 30, shift_from=15)
    res = fl.compare_windows(df, emb, random_state=0)  # exactly two versions: v1 vs v2
    assert res.drifted and res.params["reference_group"] == "v1" and res.params["current_group"] == "v2"
    same = fl.compare_windows(df, emb, group_col="prompt_version", reference="v2", current="v2", random_state=0)
    assert not same.drifted
    with pytest.raises(ValueError, match=r"current='V2' does not occur .* Did you mean 'v2'"):
        fl.compare_windows(df, emb, reference="v1", current="V2")
    with pytest.raises(KeyError, match="column 'modle' not found"):
        fl.compare_windows(df, emb, group_col="modle")
