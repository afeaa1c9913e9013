"""Agreement figures: built from results, never shown, carry the numbers they plot."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import feedback_lab as fl


@pytest.fixture(scope="module")
def result():
    rng = np.random.default_rng(0)
    h = rng.integers(1, 6, 300)
    j = np.clip(h + rng.integers(-1, 2, 300), 1, 5)
    df = pd.DataFrame({"judge": j, "human": h, "task": rng.choice(["qa", "code"], 300)})
    return fl.agreement(df, judge_col="judge", human_col="human", level="ordinal", by="task", n_boot=200,
                        random_state=0)


def test_plot_confusion(result):
    fig = fl.plot_confusion(result)
    z = np.asarray(fig.data[0].z)
    np.testing.assert_array_equal(z, result.confusion["overall"])
    fig = fl.plot_confusion(result, segment="qa", normalize="human")
    np.testing.assert_allclose(np.asarray(fig.data[0].z).sum(0), 1.0)
    with pytest.raises(KeyError, match="available"):
        fl.plot_confusion(result, segment="nope")


def test_plot_agreement_by_segment(result):
    fig = fl.plot_agreement_by_segment(result, threshold=0.8)
    assert [t.name for t in fig.data] == ["cohen_kappa_quadratic", "krippendorff_alpha", "spearman"]
    t = result.table.set_index("segment")
    assert list(fig.data[0].x) == ["overall", "code", "qa"]
    assert fig.data[0].y[0] == pytest.approx(t.loc["overall", "cohen_kappa_quadratic"])
    assert fig.data[0].error_y.array[0] == pytest.approx(
        t.loc["overall", "cohen_kappa_quadratic_high"] - t.loc["overall", "cohen_kappa_quadratic"])
    with pytest.raises(ValueError, match="available"):
        fl.plot_agreement_by_segment(result, statistics=["kappa"])


def test_plot_rater_matrix():
    wide = pd.DataFrame({"a": [1, 2, 3, 1, 2, 3], "b": [1, 2, 3, 1, 2, 2], "c": [1, 1, 3, 1, 2, 3]})
    res = fl.inter_rater(wide, rater_cols=["a", "b", "c"], n_boot=0)
    fig = fl.plot_rater_matrix(res)
    np.testing.assert_allclose(np.asarray(fig.data[0].z, float), res.matrix)
    assert list(fig.data[0].x) == ["a", "b", "c"]
