"""Drift and similarity on real short texts embedded with all-MiniLM-L6-v2 (CLINC150, BANKING77)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import feedback_lab as fl

pytestmark = pytest.mark.model

N = 800  # rows per window: 10 % of 800 = 80 new-topic queries is what MMD needs at alpha=0.05


@pytest.fixture(scope="module")
def windows(clinc_subset):
    df, emb = clinc_subset
    rng = np.random.default_rng(2024)
    usual = rng.permutation(np.flatnonzero(df["domain"] != "auto_and_commute"))
    new = rng.permutation(np.flatnonzero(df["domain"] == "auto_and_commute"))
    ref, same = usual[:N], usual[N : 2 * N]
    return {
        "emb": emb, "df": df, "reference": ref, "same": same, "new_topic": new[:400],
        "subtle": np.r_[same[: N - N // 10], new[: N // 10]],
    }


def test_embeddings_are_normalised_float32(clinc_subset):
    _, emb = clinc_subset
    assert emb.dtype == np.float32 and emb.shape[1] == 384
    np.testing.assert_allclose(np.linalg.norm(emb, axis=1), 1.0, atol=1e-4)


def test_same_traffic_is_not_flagged_by_any_method(windows):
    e = windows["emb"]
    res = fl.embedding_drift(e[windows["reference"]], e[windows["same"]], method="all", random_state=0)
    frame = res.to_frame()
    assert not frame["drifted"].any(), frame
    assert not res.drifted


def test_new_topic_is_flagged_by_every_method(windows):
    e = windows["emb"]
    res = fl.embedding_drift(e[windows["reference"]], e[windows["new_topic"]], method="all", random_state=0)
    frame = res.to_frame()
    assert frame["drifted"].all(), frame
    assert frame.set_index("method").loc["classifier", "statistic"] > 0.9  # AUC


def test_ten_percent_new_topic_is_flagged_by_mmd(windows):
    e = windows["emb"]
    res = fl.embedding_drift(e[windows["reference"]], e[windows["subtle"]], method="mmd",
                             n_permutations=200, random_state=0)
    assert res.drifted, res


def test_explain_drift_points_at_the_new_topic(windows):
    e, df = windows["emb"], windows["df"]
    ref, cur = windows["reference"], windows["subtle"]
    codes = {d: i for i, d in enumerate(sorted(df["domain"].unique()))}
    labels = df["domain"].map(codes).to_numpy()
    ex = fl.explain_drift(e[ref], e[cur], clusters=(labels[ref], labels[cur]),
                          traces=(df.iloc[ref], df.iloc[cur]), n_examples=20, random_state=0)
    top = ex.clusters.iloc[0]
    assert top["cluster"] == codes["auto_and_commute"] and top["status"] == "appeared"
    # the current texts most unlike the reference are mostly from the new topic (10 % of the window)
    domains = df["domain"].to_numpy()[cur[ex.examples["current_index"].to_numpy()]]
    assert np.mean(domains == "auto_and_commute") >= 0.5
    assert (ex.examples["cluster"] == codes["auto_and_commute"]).mean() >= 0.5


def test_timeline_flags_the_week_the_topic_arrives(windows):
    e = windows["emb"]
    idx = np.r_[windows["reference"][:300], windows["same"][:300], windows["new_topic"][:300]]
    ts = pd.Timestamp("2024-01-01", tz="UTC") + pd.to_timedelta(np.repeat([0, 7, 14], 300), unit="D")
    traces = pd.DataFrame({"trace_id": [f"t{i}" for i in range(900)], "timestamp": ts})
    tl = fl.drift_timeline(traces, e[idx], freq="1w", method="centroid", random_state=0)
    assert tl["skipped_reason"].tolist() == ["reference window", None, None]
    assert tl["drifted"].tolist()[1:] == [False, True]


def test_similarity_threshold_from_labelled_pairs(windows):
    """Paraphrase pairs (same intent) vs unrelated pairs (other domain): Youden J separates them."""
    df, e = windows["df"], windows["emb"]
    rng = np.random.default_rng(1)
    first = df.groupby("intent").head(2).index.to_numpy().reshape(-1, 2)  # two texts of each intent
    other = rng.permutation(len(df))[: len(first)]
    a = np.r_[first[:, 0], first[:, 0]]
    b = np.r_[first[:, 1], other]
    sims = np.einsum("ij,ij->i", e[a], e[b])
    good = np.r_[np.ones(len(first)), (df["intent"].to_numpy()[other] == df["intent"].to_numpy()[first[:, 0]])]
    res = fl.calibrate_threshold(sims, good)
    assert res.youden_j > 0.5
    traces = pd.DataFrame({"trace_id": np.arange(len(a)), "output": df["text"].to_numpy()[a],
                           "reference": df["text"].to_numpy()[b]})
    alerts = fl.similarity_alerts(traces, threshold=res, embeddings=(e[a], e[b]))
    assert set(alerts["trace_id"]) == set(np.flatnonzero(sims < res.threshold))


@pytest.mark.shared
def test_banking77_new_intents_flagged(shared_data, embed_texts):
    df = pd.read_csv(shared_data / "banking77" / "test.csv").sample(frac=1.0, random_state=0)
    cats = sorted(df["category"].unique())
    usual = df[df["category"].isin(cats[:5])]["text"].tolist()
    ref, cur_same = usual[:150], usual[150:200]
    cur_new = df[df["category"].isin(cats[40:45])]["text"].tolist()[:50]
    emb = embed_texts(ref + cur_same + cur_new)
    r, s, n = emb[:150], emb[150:200], emb[200:]
    assert fl.embedding_drift(r, n, method="all", random_state=0).to_frame()["drifted"].all()
    assert not fl.embedding_drift(r, s, method="centroid", random_state=0).drifted
