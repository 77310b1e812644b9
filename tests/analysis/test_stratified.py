"""Table 1 by a group: its layout, its rules and its errors (the numbers are R's:
test_r_table1.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from follicle.analysis.cohort import Cohort
from follicle.analysis.stats.smd import ginv, smd_categorical, smd_continuous
from follicle.analysis.stats.welch import welch_anova, welch_t
from follicle.analysis.stratified import DEFAULT_VARIABLES, UnknownVariable, table1_by


def test_one_column_per_group_plus_overall_and_a_test_per_variable(seed_cohort: Cohort) -> None:
    result = table1_by(seed_cohort.stratification_frame, by="age_group")
    table = result.table
    for group in ("<35", "≥35", "Overall"):
        assert {f"{group}.n", f"{group}.pct", f"{group}.mean", f"{group}.sd"} <= set(table)
    first = table.drop_duplicates("characteristic")
    assert list(first["characteristic"])[0] == "Age at first injection (years)"
    assert first["test"].notna().all()
    assert result.values["<35.n_women"] + result.values["≥35.n_women"] == 105
    # the grouping variable is not among its own rows
    assert "Age group" not in set(table["characteristic"])
    assert len(first) == len(DEFAULT_VARIABLES) - 1


def test_group_counts_add_up_to_overall(seed_cohort: Cohort) -> None:
    v = table1_by(seed_cohort.stratification_frame, by="injections").values
    for level in ("regular", "irregular"):
        parts = v[f"menses_baseline.{level}.1.n"] + v[f"menses_baseline.{level}.2.n"]
        assert parts == v[f"menses_baseline.{level}.Overall.n"]


def test_unknown_values_get_their_own_row_and_leave_the_percentages(generated: Cohort) -> None:
    result = table1_by(generated.stratification_frame, by="site", variables=["menses_followup"])
    table = result.table
    unknown = table.loc[table["level"] == "unknown"]
    assert len(unknown) == 1
    assert unknown["Overall.n"].iloc[0] == 5
    assert math.isnan(unknown["Overall.pct"].iloc[0])
    known = table.loc[table["level"] != "unknown", "Overall.pct"]
    assert known.sum() == pytest.approx(100)


def test_women_with_an_unknown_group_are_left_out_and_said_so() -> None:
    women = pd.DataFrame(
        {
            "arm": pd.array(["A", "A", "B", "B", None], dtype="string"),
            "age": pd.array([30, 32, 40, 41, 35], dtype="Int64"),
        }
    )
    result = table1_by(women, by="arm", variables=["age"])
    assert result.values["n_women"] == 4
    assert any("1 women with an unknown arm are left out" in note for note in result.notes)


def test_without_by_only_the_overall_column_and_no_test(seed_cohort: Cohort) -> None:
    result = table1_by(seed_cohort.stratification_frame, by=None, variables=["age", "pregnant"])
    assert result.values["groups"] == 0
    assert result.values["age.Overall.mean"] == pytest.approx(3981 / 105)
    assert result.values["pregnant.yes.Overall.n"] == 38
    assert result.values["age.test"] == ""
    assert math.isnan(float(result.values["age.p"] or "nan"))


def test_the_cohort_facade_groups_by_bologna_and_poseidon(seed_cohort: Cohort) -> None:
    frame = seed_cohort.table1(by="poseidon", variables=["age", "site"])
    assert frame.attrs["name"] == "table1_by"
    assert "Overall.n" in frame.columns
    assert seed_cohort.table1().attrs["name"] == "table1"


def test_report_option_by_adds_the_table_first_beyond_the_paper(small: Cohort) -> None:
    cohort = Cohort(small.workbook, by="menses_baseline")
    beyond = cohort.parts()["Beyond the paper"]
    assert beyond[0] == "table1_by"
    assert "table1_by" not in Cohort(small.workbook).results()


@pytest.mark.parametrize(
    ("by", "variables", "words"),
    [
        ("colour", None, "by 'colour' is not a Table 1 variable"),
        ("site", ["age", "weight"], "variable 'weight' is not a Table 1 variable"),
    ],
)
def test_an_unknown_variable_is_a_clear_error(
    seed_cohort: Cohort, by: str, variables: list[str] | None, words: str
) -> None:
    with pytest.raises(UnknownVariable, match=words):
        seed_cohort.table1(by=by, variables=variables)
    with pytest.raises(UnknownVariable, match=words):
        Cohort(seed_cohort.workbook, by=by, variables=variables)


def test_smd_of_two_levels_is_the_smd_of_a_proportion() -> None:
    p1, p2 = 12 / 23, 26 / 82
    expected = abs(p1 - p2) / math.sqrt((p1 * (1 - p1) + p2 * (1 - p2)) / 2)
    assert smd_categorical([11, 12], [56, 26]) == pytest.approx(expected, rel=1e-12)
    assert smd_continuous(1.0, 2.0, 2.0, 2.0) == pytest.approx(0.5)
    assert math.isnan(smd_continuous(1.0, 0.0, 1.0, 0.0))
    assert math.isnan(smd_categorical([3], [4]))


def test_ginv_inverts_a_regular_matrix_and_tolerates_a_singular_one() -> None:
    m = np.array([[2.0, 1.0], [1.0, 3.0]])
    assert ginv(m) @ m == pytest.approx(np.eye(2))
    singular = np.array([[1.0, 0.0], [0.0, 0.0]])
    assert ginv(singular) == pytest.approx(singular)


def test_welch_anova_of_two_groups_is_the_square_of_welch_t() -> None:
    n, mean, sd = np.array([10, 14]), np.array([3.0, 4.5]), np.array([1.2, 2.0])
    t, f = welch_t(n, mean, sd), welch_anova(n, mean, sd)
    assert f.statistic == pytest.approx(t.statistic**2, rel=1e-12)
    assert f.df2 == pytest.approx(t.df, rel=1e-12)
    assert f.p_value == pytest.approx(t.p_value, rel=1e-10)
    assert math.isnan(welch_t(np.array([1, 5]), mean, sd).p_value)
