"""Published worked examples (vendored in tests/data/agreement), to their printed precision."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from _agreement_testutils import close, long_from_counts, long_from_rows, pairs_from_table

import feedback_lab as fl


def _ir(frame, level="nominal", **kw):
    res = fl.inter_rater(frame, item_col="item", rater_col="rater", label_col="label", level=level,
                         n_boot=0, **kw)
    return dict(zip(res.table["statistic"], res.table["estimate"], strict=True))


def _agr(frame, level="nominal"):
    res = fl.agreement(frame, judge_col="judge", human_col="human", level=level, n_boot=0)
    return {k: float(v) for k, v in res.table.iloc[0].items() if not isinstance(v, str)}


@pytest.mark.parametrize(("level", "expected"), [("nominal", 0.743), ("ordinal", 0.815),
                                                 ("interval", 0.849), ("ratio", 0.797)])
def test_krippendorff_2011_four_coders(ref_cases, level, expected):
    data = ref_cases["krippendorff_2011_4coders_12units"]["reliability_data"]
    assert close(fl.krippendorff_alpha(data, level=level), expected, 3)
    long = long_from_rows(list(zip(*data, strict=True)))
    assert close(_ir(long, level)["krippendorff_alpha"], expected, 3)


def test_krippendorff_wikipedia(ref_cases):
    case = ref_cases["wikipedia_krippendorff_3coders_15units"]
    data = case["reliability_data"]
    assert close(fl.krippendorff_alpha(data, level="nominal"), 0.691358, 6)
    assert close(fl.krippendorff_alpha(data, level="interval"), 0.810845, 6)


def test_krippendorff_text_labels(ref_cases):
    case = ref_cases["fast_krippendorff_small_cases"]["cases"][0]
    long = long_from_rows(list(zip(*case["data"], strict=True)))
    assert close(_ir(long)["krippendorff_alpha"], case["expected"], 6)


def test_fleiss_1971(ref_cases):
    ratings = ref_cases["fleiss_1971_diagnoses"]["ratings"]
    assert close(_ir(long_from_rows(ratings))["fleiss_kappa"], 0.4302445, 7)


def test_fleiss_wikipedia_counts(ref_cases):
    counts = ref_cases["wikipedia_fleiss_10x14"]["counts_subject_by_category"]
    assert close(_ir(long_from_counts(counts))["fleiss_kappa"], 0.210, 3)


@pytest.mark.parametrize("i", [2, 3, 4])
def test_fleiss_randolph_tables(ref_cases, i):
    case = ref_cases["statsmodels_fleiss_vs_randolph"]["cases"][i]
    out = _ir(long_from_counts(case["counts"]))
    assert abs(out["fleiss_kappa"] - case["fleiss"]) < 6e-6
    if "percent_agreement" in case:
        assert abs(out["percent_agreement"] - case["percent_agreement"]) < 6e-6


def test_cohen_sas_table(ref_cases):
    table = ref_cases["statsmodels_cohen_sas_3x3"]["contingency_table_rater1_rows_rater2_cols"]
    out = _agr(pairs_from_table(table), level="ordinal")
    assert close(out["cohen_kappa"], 0.4842, 4)
    assert close(out["cohen_kappa_linear"], 0.4701, 4)  # SAS weights 0, 1, 2


def test_cohen_r_irr_anxiety(ref_cases):
    r = np.array(ref_cases["r_irr_anxiety_kappa2"]["ratings"])
    out = _agr(pd.DataFrame({"judge": r[:, 1], "human": r[:, 2]}), level="ordinal")
    assert close(out["cohen_kappa"], -0.006289308, 9)
    assert close(out["cohen_kappa_linear"], 0.1459075, 7)
    assert close(out["cohen_kappa_quadratic"], 0.2520325, 7)


def test_cohen_artstein_poesio(ref_cases):
    cases = ref_cases["sklearn_artstein_poesio"]["cases"]
    for case in cases:
        y1, y2 = eval(case["y1"]), eval(case["y2"])
        out = _agr(pd.DataFrame({"judge": y1, "human": y2}), level="ordinal")
        assert close(out["cohen_kappa"], case["kappa"], case["rounding"])
        if "kappa_linear" in case:
            assert close(out["cohen_kappa_linear"], case["kappa_linear"], 4)
            assert close(out["cohen_kappa_quadratic"], case["kappa_quadratic"], 4)


def _irrcac_expected(ref_cases):
    return ref_cases["gwet_irrCAC_python_tests"]["expected"]


@pytest.mark.parametrize("table_name", ["table_cont3x3abstractors", "table_cont4x4diagnosis"])
def test_irrcac_tables(ref_cases, table_name):
    table = ref_cases["gwet_irrCAC_python_tests"]["datasets"][table_name]["table"]
    out = _agr(pairs_from_table(table), level="ordinal")
    stat = {("cohen", "unweighted(identity)"): "cohen_kappa", ("cohen", "linear"): "cohen_kappa_linear",
            ("cohen", "quadratic"): "cohen_kappa_quadratic", ("gwet", "unweighted(identity)"): "gwet_ac1",
            ("gwet", "quadratic"): "gwet_ac2", ("pa2", "unweighted(identity)"): "percent_agreement",
            ("krippendorff", "unweighted(identity)"): None}
    checked = 0
    for e in _irrcac_expected(ref_cases):
        key = stat.get((e["method"], e["weights"]), "missing")
        if e["dataset"] != table_name or key in ("missing", None):
            continue
        assert close(out[key], e["coefficient_value"], 3), (e["test_id"], out[key])
        checked += 1
    assert checked == 6


def test_irrcac_r_readme_abstractors(ref_cases):
    table = ref_cases["gwet_irrCAC_python_tests"]["datasets"]["table_cont3x3abstractors"]["table"]
    exp = ref_cases["gwet_irrCAC_R_README"]["expected"]["cont3x3abstractors"]
    out = _agr(pairs_from_table(table))
    assert close(out["cohen_kappa"], exp["cohen_kappa"]["coeff"], 7)
    assert close(out["gwet_ac1"], exp["gwet_ac1"]["coeff"], 7)
    assert close(out["krippendorff_alpha"], exp["krippendorff_alpha"]["coeff"], 7)
    assert close(out["percent_agreement"], exp["percent_agreement"]["coeff"], 2)


@pytest.mark.parametrize("dataset", ["raw_4raters", "raw_5observers", "raw_g1g2", "raw_gender", "raw_ben_gerry"])
def test_irrcac_raw_multirater(ref_cases, dataset):
    rows = ref_cases["gwet_irrCAC_python_tests"]["datasets"][dataset]["rows"]
    out = _ir(long_from_rows(rows))
    names = {"fleiss": "fleiss_kappa", "gwet": "gwet_ac1", "krippendorff": "krippendorff_alpha"}
    checked = 0
    for e in _irrcac_expected(ref_cases):
        if e["dataset"] == dataset and e["weights"] == "unweighted(identity)" and e["method"] in names:
            assert close(out[names[e["method"]]], e["coefficient_value"], 3), e["test_id"]
            assert close(out["percent_agreement"], e["pa"], 3) or e["method"] == "krippendorff"
            checked += 1
    assert checked == 3


def test_irrcac_raw4raters_ac2_quadratic(ref_cases):
    rows = ref_cases["gwet_irrCAC_python_tests"]["datasets"]["raw_4raters"]["rows"]
    assert close(_ir(long_from_rows(rows), level="interval")["gwet_ac2"], 0.914, 3)


def test_irrcac_r_readme_raw4raters(extdata):
    wide = pd.read_csv(extdata / "cac.raw4raters.csv")
    res = fl.inter_rater(wide, rater_cols=["Rater1", "Rater2", "Rater3", "Rater4"], item_col="Units", n_boot=0)
    out = dict(zip(res.table["statistic"], res.table["estimate"], strict=True))
    assert close(out["fleiss_kappa"], 0.76117, 5)
    assert close(out["gwet_ac1"], 0.77544, 5)
    assert close(out["krippendorff_alpha"], 0.74342, 5)
    assert close(out["percent_agreement"], 0.8181818, 7)


def test_irrcac_distrib_6raters(extdata, ref_cases):
    counts = pd.read_csv(extdata / "distrib.6raters.csv").iloc[:, 1:].to_numpy()
    out = _ir(long_from_counts(counts))
    exp = ref_cases["gwet_irrCAC_R_README"]["expected"]["distrib.6raters"]
    assert close(out["gwet_ac1"], exp["gwet_ac1"]["coeff"], 7)
    assert close(out["fleiss_kappa"], exp["fleiss_kappa"]["coeff"], 7)
    assert close(out["krippendorff_alpha"], exp["krippendorff_alpha"]["coeff"], 7)


def test_irrcac_dist4cat(extdata, ref_cases):
    counts = pd.read_csv(extdata / "cac.dist4cat.csv").iloc[:, 1:].to_numpy()
    exp = ref_cases["gwet_irrCAC_R_README"]["expected"]["cac.dist4cat[,2:4]"]["gwet_ac1"]["coeff"]
    assert close(_ir(long_from_counts(counts))["gwet_ac1"], exp, 7)
