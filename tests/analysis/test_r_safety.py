"""ICMART rates and safety bounds agree with R: fixtures written by r/safety/fixtures.R.

R derives from the raw workbook rows (``r/safety/inputs``) the first injection, the end of
follow-up, woman- and child-years, live-birth deliveries, infants born alive and every
condition count, then runs ``binom.test`` (two-sided and ``alternative = "less"``),
``prop.test(correct = FALSE)`` and ``poisson.test``. Regenerate with::

    .venv/bin/python tests/analysis/r/safety/make_inputs.py
    Rscript tests/analysis/r/safety/fixtures.R
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.r.safety import make_inputs
from analysis.rfixtures import read_expected
from follicle.analysis.cohort import Cohort
from follicle.analysis.icmart import icmart_rates
from follicle.analysis.result import Result
from follicle.analysis.safety_bounds import poisson_rate_ci, safety_bounds
from follicle.analysis.stats.intervals import proportion_ci, upper_bound_one_sided

R_DIR = Path(__file__).parent / "r" / "safety"
EXPECTED = R_DIR / "expected"
TOL = {"rtol": 1e-9, "atol": 1e-12}
COHORTS = ("seed", "generated")


def _expected(name: str) -> pd.DataFrame:
    return read_expected(EXPECTED / name, {"case": str, "name": str, "key": str})


def _safety(cohort: Cohort) -> Result:
    wb = cohort.workbook
    return safety_bounds(
        cohort.women,
        cohort.pregnancies,
        conditions=wb["conditions"],
        infants=wb["infants"],
        infant_conditions=wb["infant_conditions"],
    )


def test_the_fixture_files_are_all_there() -> None:
    names = {p.name for p in EXPECTED.glob("*.csv")}
    wanted = {"binom_cases.csv", "poisson_cases.csv"}
    wanted |= {f"{kind}_{c}.csv" for kind in ("icmart", "safety") for c in COHORTS}
    assert names == wanted


def test_the_r_inputs_are_what_the_workbooks_hold_now(tmp_path: Path) -> None:
    for name, frame in make_inputs.all_inputs(tmp_path).items():
        stored = (R_DIR / "inputs" / name).read_text(encoding="utf-8")
        assert make_inputs.csv_text(frame) == stored, (
            f"inputs/{name} is stale: run r/safety/make_inputs.py, then fixtures.R"
        )


BINOM = _expected("binom_cases.csv")
POISSON = _expected("poisson_cases.csv")


@pytest.mark.parametrize("case", list(BINOM["case"]))
def test_intervals_match_r_binom_test_and_prop_test(case: str) -> None:
    r = BINOM.set_index("case").loc[case]
    low, high = proportion_ci(r["x"], r["n"], method="clopper-pearson", level=r["level"])
    np.testing.assert_allclose([low, high], [r["cp_low"], r["cp_high"]], **TOL)
    bound = upper_bound_one_sided(r["x"], r["n"], level=r["level"])
    np.testing.assert_allclose(bound, r["upper"], **TOL)
    low, high = proportion_ci(r["x"], r["n"], method="wilson", level=r["level"])
    np.testing.assert_allclose([low, high], [r["wilson_low"], r["wilson_high"]], **TOL)


def test_zero_event_bound_is_the_exact_rule_of_three() -> None:
    r = BINOM.set_index("case").loc["zero_of_105"]
    np.testing.assert_allclose(r["upper"], 1 - 0.05 ** (1 / 105), **TOL)


@pytest.mark.parametrize("case", list(POISSON["case"]))
def test_poisson_rate_ci_matches_r_poisson_test(case: str) -> None:
    r = POISSON.set_index("case").loc[case]
    low, high = poisson_rate_ci(r["x"], r["time"], level=r["level"])
    np.testing.assert_allclose([low, high], [r["low"], r["high"]], **TOL)


@pytest.mark.parametrize("cohort_name", COHORTS)
@pytest.mark.parametrize("method", ["wilson", "clopper-pearson"])
def test_icmart_rates_match_r_derivation_and_intervals(
    cohorts: dict[str, Cohort], cohort_name: str, method: str
) -> None:
    cohort = cohorts[cohort_name]
    values = icmart_rates(cohort.women, cohort.pregnancies, method=method).values
    r = _expected(f"icmart_{cohort_name}.csv").set_index("name")
    for name in ("live_birth_deliveries", "infants_born_alive", "women_with_live_birth_delivery"):
        assert values[name] == r.loc[name, "n"], name
    assert values["pregnancies"] == r.loc["pregnancies", "n"]
    assert values["women"] == r.loc["women", "n"]
    bounds = ("cp_low", "cp_high") if method == "clopper-pearson" else ("wilson_low", "wilson_high")
    for name, row in r.loc[r["total"].notna()].iterrows():
        assert (values[f"{name}.n"], values[f"{name}.total"]) == (row["n"], row["total"]), name
        np.testing.assert_allclose(values[f"{name}.pct"], 100 * row["n"] / row["total"], **TOL)
        np.testing.assert_allclose(
            [values[f"{name}.low"], values[f"{name}.high"]],
            [100 * row[bounds[0]], 100 * row[bounds[1]]],
            **TOL,
        )


@pytest.mark.parametrize("cohort_name", COHORTS)
def test_safety_matches_r_binom_test_and_poisson_test(
    cohorts: dict[str, Cohort], cohort_name: str
) -> None:
    result = _safety(cohorts[cohort_name])
    values = result.values
    r = _expected(f"safety_{cohort_name}.csv")
    assert list(zip(result.table["section"], result.table["key"], strict=True)) == list(
        zip(r["section"], r["key"], strict=True)
    )
    for _, row in r.iterrows():
        p = f"{row['section']}.{row['key']}"
        assert (values[f"{p}.n"], values[f"{p}.total"]) == (row["n"], row["total"]), p
        np.testing.assert_allclose(
            [values[f"{p}.low"], values[f"{p}.high"], values[f"{p}.upper"]],
            [100 * row["cp_low"], 100 * row["cp_high"], 100 * row["upper"]],
            **TOL,
        )
        if row["section"] == "pregnancy":
            assert f"{p}.rate" not in values
            continue
        np.testing.assert_allclose(
            [values[f"{p}.rate"], values[f"{p}.rate_low"], values[f"{p}.rate_high"]],
            [100 * row["rate"], 100 * row["rate_low"], 100 * row["rate_high"]],
            **TOL,
        )
    maternal = r.loc[r["section"].eq("maternal"), "person_years"].iloc[0]
    infant = r.loc[r["section"].eq("infant"), "person_years"].iloc[0]
    np.testing.assert_allclose(values["maternal.woman_years"], maternal, **TOL)
    np.testing.assert_allclose(values["infant.child_years"], infant, **TOL)


@pytest.mark.parametrize("cohort_name", COHORTS)
def test_table3_maternal_rows_count_what_r_counts(
    cohorts: dict[str, Cohort], cohort_name: str
) -> None:
    """Table 3 and the safety bounds count the same treated women as R, row by row — the
    generated cohort's untreated women have autoimmune conditions, which neither counts."""
    values = cohorts[cohort_name].result("table3").values
    r = _expected(f"safety_{cohort_name}.csv")
    maternal = r[r["section"].eq("maternal")]
    assert len(maternal) > 10
    for _, row in maternal.iterrows():
        p = f"maternal.{row['key']}"
        assert (values[f"{p}.n"], values[f"{p}.total"]) == (row["n"], row["total"]), p
        np.testing.assert_allclose(values[f"{p}.pct"], 100 * row["n"] / row["total"], **TOL)
