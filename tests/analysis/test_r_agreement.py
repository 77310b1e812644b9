"""Part 1 agrees with R: fixtures written by tests/analysis/r/make_fixtures.R.

Each expected file holds one row per case, at 17 significant digits, under a header line
naming R's version and the SHA-256 of make_fixtures.R. R derives the variables itself from
the inputs (ages by ``as.POSIXlt``, months by ``difftime``, the injection a pregnancy is
timed from by ``max(d[d <= conception])``) and runs ``chisq.test``, ``mean``, ``sd``,
``median``, ``fivenum``, ``quantile`` and ``boxplot.stats``. Regenerate with::

    .venv/bin/python tests/analysis/r/make_inputs.py && Rscript tests/analysis/r/make_fixtures.R
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis.r import make_inputs
from analysis.rfixtures import read_expected
from follicle.analysis.cohort import Cohort
from follicle.analysis.descriptive import summarize
from follicle.analysis.stats.boxplot import boxplot_stats, fivenum, quantiles
from follicle.analysis.stats.contingency import chisq_test

R_DIR = Path(__file__).parent / "r"
EXPECTED = R_DIR / "expected"
TOL = {"rtol": 1e-9, "atol": 1e-12}


def _expected(name: str) -> pd.DataFrame:
    return read_expected(
        EXPECTED / name, {"case": str, "out": str, "participant_id": str, "pregnancy_id": str}
    )


def _summary_rows() -> list[Any]:
    frame = _expected("summaries.csv")
    return [
        pytest.param(row, id=f"{row['cohort']}.{row['variable']}") for _, row in frame.iterrows()
    ]


def _vectors() -> dict[str, np.ndarray]:
    frame = pd.read_csv(R_DIR / "inputs" / "vectors.csv", dtype=str)
    return {
        case: np.array([float(v) for v in values.split(";")])
        for case, values in zip(frame["case"], frame["values"], strict=True)
    }


CHISQ = _expected("chisq.csv")
EDGE_CASES = [c for c in CHISQ["case"] if "." not in c]
COHORT_CASES = [c for c in CHISQ["case"] if "." in c]
FACTOR_COLUMN = {"age": "age_group", "menses": "menses_baseline", "injections": "injections"}
AGE_GROUP = {"under_35": "<35", "35_or_over": "≥35"}


def test_the_r_inputs_are_what_python_derives_now(tmp_path: Path) -> None:
    for name, frame in make_inputs.all_inputs(tmp_path).items():
        stored = (R_DIR / "inputs" / name).read_text(encoding="utf-8")
        assert make_inputs.csv_text(frame) == stored, (
            f"inputs/{name} is stale: run tests/analysis/r/make_inputs.py, then make_fixtures.R"
        )


@pytest.mark.parametrize("case", EDGE_CASES)
def test_chisq_matches_r_chisq_test_with_yates(case: str) -> None:
    r = CHISQ.set_index("case").loc[case]
    result = chisq_test([[r["a"], r["b"]], [r["c"], r["d"]]])
    np.testing.assert_allclose(result.statistic, r["statistic"], **TOL)
    np.testing.assert_allclose(result.p_value, r["p_value"], **TOL)
    assert result.df == r["df"]
    assert result.method == r["method"]


@pytest.mark.parametrize("case", COHORT_CASES)
def test_table2_matches_r_chisq_test_with_yates(cohorts: dict[str, Cohort], case: str) -> None:
    cohort_name, factor = case.split(".")
    r = CHISQ.set_index("case").loc[case]
    cohort = cohorts[cohort_name]
    values = cohort.result("table2").values
    by = "injections" if factor == "injections" else FACTOR_COLUMN[factor]
    rates = cohort.pregnancy_rate(by=by).set_index("group")
    groups = {"age": ("<35", "≥35"), "menses": ("regular", "irregular"), "injections": ("1", "2")}
    first, second = (rates.loc[g] for g in groups[factor])
    assert (first["n"], first["total"] - first["n"]) == (r["a"], r["b"])
    assert (second["n"], second["total"] - second["n"]) == (r["c"], r["d"])
    np.testing.assert_allclose(values[f"{factor}.chi2"], r["statistic"], **TOL)
    np.testing.assert_allclose(values[f"{factor}.p"], r["p_value"], **TOL)
    assert values[f"{factor}.df"] == r["df"]


@pytest.mark.parametrize("row", _summary_rows())
def test_summaries_match_r_mean_sd_median_range(cohorts: dict[str, Cohort], row: pd.Series) -> None:
    cohort = cohorts[row["cohort"]]
    variable = row["variable"]
    if variable.startswith("month"):
        mode = variable.split("_", 1)[1]
        column = "months_since_injection" if variable.startswith("months_") else "month"
        chosen = cohort.pregnancies.loc[cohort.pregnancies["mode"].eq(mode)]
        ours = summarize(chosen[column])
        published = cohort.result("pregnancy").values
        suffix = "" if column == "months_since_injection" else "whole_"
        for stat in ("median", "min", "max"):
            np.testing.assert_allclose(published[f"months_{mode}_{suffix}{stat}"], row[stat], **TOL)
    else:
        ours = summarize(cohort.women[variable])
        table1 = cohort.result("table1").values
        for stat in ("mean", "sd", "median", "min", "max"):
            np.testing.assert_allclose(table1[f"{variable}_{stat}"], row[stat], **TOL)
    assert ours["n"] == row["n"]
    for stat in ("mean", "sd", "median", "min", "max"):
        np.testing.assert_allclose(ours[stat], row[stat], **TOL)


@pytest.mark.parametrize("cohort_name", ["seed", "generated"])
def test_derived_variables_match_r_posixlt_and_difftime(
    cohorts: dict[str, Cohort], cohort_name: str
) -> None:
    r = _expected(f"derived_women_{cohort_name}.csv")
    ours = cohorts[cohort_name].women
    assert list(ours["participant_id"]) == list(r["participant_id"])
    np.testing.assert_array_equal(ours["age"].to_numpy(dtype=int), r["age"].to_numpy())
    np.testing.assert_array_equal(
        ours["injections"].to_numpy(dtype=int), r["injections"].to_numpy()
    )
    np.testing.assert_array_equal(
        ours["age_followup"].to_numpy(dtype=int), r["age_followup"].to_numpy()
    )
    np.testing.assert_allclose(
        ours["followup_years"].to_numpy(dtype=float), r["followup_years"].to_numpy(), **TOL
    )
    assert list(ours["age_group"]) == [AGE_GROUP[g] for g in r["age_group"]]
    np.testing.assert_array_equal(ours["pregnant"].to_numpy(dtype=bool), r["pregnant"].to_numpy())


@pytest.mark.parametrize("cohort_name", ["seed", "generated"])
def test_months_to_pregnancy_match_r(cohorts: dict[str, Cohort], cohort_name: str) -> None:
    r = _expected(f"derived_pregnancies_{cohort_name}.csv")
    ours = cohorts[cohort_name].pregnancies.set_index("pregnancy_id").loc[r["pregnancy_id"]]
    assert list(ours["injection_date"].dt.strftime("%Y-%m-%d")) == list(r["injection_date"])
    np.testing.assert_array_equal(ours["days_since_injection"].to_numpy(dtype=int), r["days"])
    np.testing.assert_allclose(
        ours["months_since_injection"].to_numpy(dtype=float), r["months"].to_numpy(), **TOL
    )
    np.testing.assert_array_equal(ours["month"].to_numpy(dtype=int), r["month"].to_numpy())


BOXPLOT = _expected("boxplot.csv")
BOX_STATS = ("lower_whisker", "lower_hinge", "median", "upper_hinge", "upper_whisker")


def _box_input(cohorts: dict[str, Cohort], case: str) -> np.ndarray:
    if "." in case:
        return cohorts[case.split(".")[0]].result("figure2").table["age"].to_numpy(dtype=float)
    return _vectors()[case]


def _r_outliers(row: pd.Series) -> list[float]:
    out = row["out"]
    return [] if not isinstance(out, str) or out == "" else [float(v) for v in out.split(";")]


@pytest.mark.parametrize("case", list(BOXPLOT["case"]))
def test_boxplot_matches_r_boxplot_stats(cohorts: dict[str, Cohort], case: str) -> None:
    r = BOXPLOT.set_index("case").loc[case]
    box = boxplot_stats(_box_input(cohorts, case))
    assert box.n == r["n"]
    for stat in BOX_STATS:
        np.testing.assert_allclose(getattr(box, stat), r[stat], **TOL)
    np.testing.assert_allclose(box.conf_low, r["conf_low"], **TOL)
    np.testing.assert_allclose(box.conf_high, r["conf_high"], **TOL)
    np.testing.assert_allclose(box.outliers, _r_outliers(r), **TOL)
    if "." in case:  # Figure 2's values are the same numbers
        values = cohorts[case.split(".")[0]].result("figure2").values
        for stat in BOX_STATS:
            np.testing.assert_allclose(values[stat], r[stat], **TOL)
        np.testing.assert_allclose(values["q1"], r["q25"], **TOL)
        np.testing.assert_allclose(values["q3"], r["q75"], **TOL)
        assert values["n_outliers"] == len(_r_outliers(r))


@pytest.mark.parametrize("case", list(BOXPLOT["case"]))
def test_fivenum_matches_r_fivenum(cohorts: dict[str, Cohort], case: str) -> None:
    r = BOXPLOT.set_index("case").loc[case]
    expected = [r[f"fivenum_{i}"] for i in range(1, 6)]
    np.testing.assert_allclose(fivenum(_box_input(cohorts, case)), expected, **TOL)


@pytest.mark.parametrize("case", list(BOXPLOT["case"]))
def test_quantile_matches_r_quantile_type_7(cohorts: dict[str, Cohort], case: str) -> None:
    r = BOXPLOT.set_index("case").loc[case]
    ours = quantiles(_box_input(cohorts, case), (0.25, 0.5, 0.75))
    np.testing.assert_allclose(ours, [r["q25"], r["q50"], r["q75"]], **TOL)
