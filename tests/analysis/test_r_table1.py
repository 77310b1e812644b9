"""Table 1 by a group against R: every named value of ``table1_by`` on four cohorts.

Fixtures: tests/analysis/r/table1/ (``make_inputs.py`` writes the women of the seed,
generated, synthetic and edge cohorts; ``fixtures.R`` computes every value with base R —
``t.test``, ``oneway.test``, ``chisq.test``, ``fisher.test``, ``quantile(type = 7)`` and
tableone's SMD formulas — at 17 digits under a header naming R's version and the script's
SHA-256).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from follicle.analysis.result import Result
from follicle.analysis.stats.fisher import SIMULATED_TABLES
from follicle.analysis.stratified import VARIABLES, table1_by

HERE = Path(__file__).parent / "r" / "table1"
EXPECTED = pd.read_csv(
    HERE / "expected" / "table1_by.csv",
    comment="#",
    dtype=str,
    keep_default_na=False,
    encoding="utf-8",
)
CASES = pd.read_csv(HERE / "inputs" / "cases.csv", dtype=str, keep_default_na=False)
#: follicle's name of Fisher's test when the table was too large to enumerate.
SIMULATED = "Fisher's exact test (simulated"
#: R's names of the tests (ASCII) → follicle's.
TESTS = {
    "welch_t": "Welch t-test",
    "welch_anova": "Welch ANOVA",
    "chisq": "χ² test",
    "fisher": "Fisher's exact test",
    "": "",
}


def _women(cohort: str) -> pd.DataFrame:
    """A cohort's women as the R script read them, with follicle's dtypes."""
    raw = pd.read_csv(
        HERE / "inputs" / f"women_{cohort}.csv", dtype=str, keep_default_na=False, na_values=[""]
    )
    out = {"participant_id": raw["participant_id"].astype("string")}
    for name in raw.columns[1:]:
        variable = VARIABLES[name]
        if variable.kind == "continuous":
            out[name] = pd.to_numeric(raw[name]).astype("Float64")
        elif name == "injections":
            labels = raw[name].astype("string")
            out[name] = labels.map({"1": 1, "2": 2, "3_plus": 3}).astype("Int64")
        elif name in ("pregnant", "ivf_treated"):
            out[name] = raw[name].map({"yes": True, "no": False}).astype("boolean")
        else:
            out[name] = raw[name].astype("string")
    return pd.DataFrame(out)


def _result(case: str) -> Result:
    row = CASES.set_index("case").loc[case]
    variables = row["variables"].split(";") if row["variables"] else None
    return table1_by(_women(row["cohort"]), by=row["by"], variables=variables)


@pytest.fixture(scope="module", params=list(CASES["case"]))
def case(request: pytest.FixtureRequest) -> tuple[str, Result]:
    return request.param, _result(request.param)


def test_every_value_matches_r(case: tuple[str, Result]) -> None:
    """Summaries, counts, percentages, t.test / oneway.test / chisq.test / fisher.test and
    tableone's SMDs, to 1e-9 relative (the p-values of a Welch df and an F tail: 1e-9)."""
    name, result = case
    expected = EXPECTED.loc[EXPECTED["case"] == name]
    assert len(expected) > 10
    values = dict(result.values)
    assert set(expected["key"]) == set(values), set(expected["key"]) ^ set(values)
    simulated = {
        key.removesuffix(".test")
        for key, got in values.items()
        if key.endswith(".test") and str(got).startswith(SIMULATED)
    }
    for key, text in zip(expected["key"], expected["value"], strict=True):
        got = values[key]
        if key.endswith(".test") and key.removesuffix(".test") in simulated:
            # Too large to enumerate within follicle's budget (R's FEXACT still does).
            assert text == "fisher", (name, key, got, text)
        elif key.endswith(".p") and key.removesuffix(".p") in simulated:
            # R's exact p within 4 standard errors of the simulation's 2,000 tables.
            p = float(text)
            assert abs(got - p) <= 4 * math.sqrt(p * (1 - p) / SIMULATED_TABLES) + 1 / 2001
        elif key.endswith(".test"):
            assert got == TESTS[text], (name, key, got, text)
        elif text == "NA":
            assert got is None or (isinstance(got, float) and math.isnan(got)), (name, key, got)
        else:
            assert isinstance(got, int | float), (name, key, got)
            assert got == pytest.approx(float(text), rel=1e-9, abs=1e-12), (name, key, got, text)


def test_the_cases_cover_two_and_more_groups_both_tests_and_unknowns() -> None:
    tests = set(EXPECTED.loc[EXPECTED["key"].str.endswith(".test"), "value"])
    assert tests >= {"welch_t", "welch_anova", "chisq", "fisher"}
    groups = EXPECTED.loc[EXPECTED["key"] == "groups", "value"].astype(int)
    assert {1, 2}.issubset(set(groups))
    assert groups.max() >= 3
    unknown = EXPECTED.loc[EXPECTED["key"].str.contains(r"\.unknown\.Overall\.n$"), "value"]
    assert (unknown.astype(int) > 0).any()
    missing = EXPECTED.loc[EXPECTED["key"].str.endswith(".Overall.missing"), "value"]
    assert (missing.astype(int) > 0).any()


@pytest.mark.parametrize("name", ["seed_age_group", "generated_site"])
def test_median_rows_show_rs_type_7_quartiles(name: str) -> None:
    """``statistic="median"``: the continuous rows carry R's median and type-7 quartiles
    (the same fixture values the mean rows are checked with), and the note says so."""
    case = CASES.loc[CASES["case"] == name].iloc[0]
    result = table1_by(_women(case["cohort"]), by=case["by"], statistic="median")
    expected = EXPECTED.loc[EXPECTED["case"] == name].set_index("key")["value"]
    first = result.table.loc[result.table["characteristic"] == VARIABLES["age"].label].iloc[0]
    groups = [c.removesuffix(".median") for c in result.table.columns if c.endswith(".median")]
    assert "Overall" in groups
    assert not any(c.endswith(".mean") for c in result.table.columns)
    for group in groups:
        for stat in ("median", "q1", "q3"):
            want = float(expected[f"age.{group}.{stat}"])
            assert first[f"{group}.{stat}"] == pytest.approx(want, rel=1e-12)
    assert any("median [Q1, Q3] (R quantile type 7)" in note for note in result.notes)
