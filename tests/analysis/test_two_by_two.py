"""Table 2's 2 × 2 tables: test choice, directions, zero cells (R agreement: test_r_proportions)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from follicle.analysis.cohort import Cohort
from follicle.analysis.pregnancy import FACTORS as TABLE2_FACTORS
from follicle.analysis.result import COHORT_NOTE
from follicle.analysis.two_by_two import analyse_table, two_by_two_tests
from follicle.report.tables import from_result

FACTORS = ("age", "menses", "injections")
NAMES = (
    "chisq_p",
    "chisq_uncorrected_p",
    "fisher_p",
    "min_expected",
    "primary_test",
    "primary_p",
    "odds_ratio",
    "odds_ratio_low",
    "odds_ratio_high",
    "odds_ratio_mle",
    "odds_ratio_mle_low",
    "odds_ratio_mle_high",
    "risk_difference",
    "risk_difference_low",
    "risk_difference_high",
    "risk_difference_newcombe_low",
    "risk_difference_newcombe_high",
)


def test_every_factor_has_every_value_and_the_chisq_of_table2(seed_cohort: Cohort) -> None:
    result = two_by_two_tests(seed_cohort.women)
    table2 = seed_cohort.result("table2").values
    assert set(result.values) == {f"{f}.{n}" for f in FACTORS for n in NAMES}
    for factor in FACTORS:
        assert result.values[f"{factor}.chisq_p"] == table2[f"{factor}.p"]
        assert result.values[f"{factor}.min_expected"] == pytest.approx(
            table2[f"{factor}.min_expected"]
        )
    keys = [f"{f.name}.{level}" for f in TABLE2_FACTORS.values() for level in f.compared]
    assert result.table["key"].tolist() == keys
    firsts = result.table.iloc[::2].set_index(result.table["key"].iloc[::2].str.split(".").str[0])
    for factor in FACTORS:
        for column, value in {"p": "primary_p", "or_mle": "odds_ratio_mle"}.items():
            assert firsts.loc[factor, column] == result.values[f"{factor}.{value}"]
    assert result.table.iloc[1::2]["p"].isna().all()
    for name, value in result.values.items():
        assert value is None or type(value) in (int, float, str), name


def test_the_primary_test_follows_the_smallest_expected_count() -> None:
    large = analyse_table(np.array([[20, 30], [25, 25]]))
    assert large["primary_test"] == "chisq"
    assert large["primary_p"] == large["chisq_p"]
    small = analyse_table(np.array([[1, 4], [3, 2]]))
    assert small["primary_test"] == "fisher"
    assert small["primary_p"] == small["fisher_p"]


def test_estimates_compare_the_first_group_with_the_second() -> None:
    forward = analyse_table(np.array([[12, 11], [26, 56]]))
    backward = analyse_table(np.array([[26, 56], [12, 11]]))
    assert forward["odds_ratio"] > 1
    assert forward["risk_difference"] == pytest.approx(100 * (12 / 23 - 26 / 82))
    assert backward["odds_ratio"] == pytest.approx(1 / forward["odds_ratio"])  # type: ignore[operator]
    assert backward["odds_ratio_mle"] == pytest.approx(1 / forward["odds_ratio_mle"])  # type: ignore[operator]
    assert backward["odds_ratio_mle_low"] == pytest.approx(1 / forward["odds_ratio_mle_high"])  # type: ignore[operator]
    assert backward["risk_difference"] == pytest.approx(-forward["risk_difference"])  # type: ignore[operator]
    assert backward["fisher_p"] == pytest.approx(forward["fisher_p"])


def test_a_zero_cell_gives_the_odds_ratio_without_an_interval() -> None:
    values = analyse_table(np.array([[5, 0], [3, 4]]))
    assert values["odds_ratio"] == math.inf
    assert math.isnan(values["odds_ratio_low"])  # type: ignore[arg-type]
    assert values["odds_ratio_mle"] == math.inf
    assert values["odds_ratio_mle_high"] == math.inf
    assert values["odds_ratio_mle_low"] > 0  # type: ignore[operator]
    zero = analyse_table(np.array([[0, 5], [3, 4]]))
    assert zero["odds_ratio"] == 0.0
    assert zero["odds_ratio_mle_low"] == 0.0


def test_a_zero_margin_or_an_empty_table_has_no_test() -> None:
    margin = analyse_table(np.array([[0, 0], [3, 4]]))
    assert margin["chisq_p"] is None
    assert margin["primary_test"] == "fisher"
    assert margin["fisher_p"] == 1.0
    # R's fisher.test: the conditional estimate 0 with the interval (0, Inf).
    assert (margin["odds_ratio_mle"], margin["odds_ratio_mle_low"]) == (0.0, 0.0)
    assert margin["odds_ratio_mle_high"] == math.inf
    assert math.isnan(margin["risk_difference"])  # type: ignore[arg-type]
    empty = analyse_table(np.zeros((2, 2)))
    assert empty["primary_test"] is None
    assert empty["fisher_p"] is None
    assert math.isnan(empty["odds_ratio_mle"])  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="2 × 2"):
        analyse_table(np.zeros((2, 3)))


def test_the_printed_table_shows_each_comparison_once(seed_cohort: Cohort) -> None:
    result = seed_cohort.result("two_by_two")
    printed = from_result(result)
    assert printed.title.startswith("Pregnancy by age")
    assert printed.columns == (
        "Factor",
        "n/N (%)",
        "p (test)",
        "Fisher p",
        "χ² p",
        "OR (95% CI)",
        "MLE OR (95% CI)",
        "RD (95% CI)",
    )
    age = printed.rows[printed.sections[0] + 1 : printed.sections[0] + 3]
    assert age[0][:4] == ("< 35 years", "12/23 (52.17)", "0.1189 (χ²)", "0.08788")
    assert age[1] == ("≥ 35 years (reference)", "26/82 (31.71)", *[""] * 6)
    wide = from_result(result, combine=False)
    assert wide.columns[4:6] == ("Test", "p")
    for column in ("Min expected", "Chisq uncorrected p", "Risk difference newcombe low"):
        assert column in wide.columns
    assert "Min expected" not in printed.columns


def test_cohort_notes_name_the_tables_where_fisher_is_primary(seed_cohort: Cohort) -> None:
    women = seed_cohort.women
    few = pd.concat([women.loc[women["age"] >= 35], women.loc[women["age"] < 35].head(4)])
    result = two_by_two_tests(few)
    assert result.values["age.min_expected"] < 5  # type: ignore[operator]
    assert result.values["age.primary_test"] == "fisher"
    assert result.values["age.primary_p"] == result.values["age.fisher_p"]
    assert any(n.startswith(COHORT_NOTE) and "< 35 years" in n for n in result.notes)
    assert any("Fisher's exact test" in n and "below 5" in n for n in result.notes)


cells = st.tuples(*(st.integers(1, 60) for _ in range(4)))


@settings(max_examples=40, deadline=None)
@given(cells)
def test_intervals_hold_their_estimates(abcd: tuple[int, int, int, int]) -> None:
    a, b, c, d = abcd
    v = analyse_table(np.array([[a, b], [c, d]]))
    assert v["odds_ratio_low"] <= v["odds_ratio"] <= v["odds_ratio_high"]  # type: ignore[operator]
    assert v["odds_ratio_mle_low"] <= v["odds_ratio_mle"] <= v["odds_ratio_mle_high"]  # type: ignore[operator]
    assert v["risk_difference_low"] <= v["risk_difference"] <= v["risk_difference_high"]  # type: ignore[operator]
    assert (
        v["risk_difference_newcombe_low"]
        <= v["risk_difference"]
        <= v["risk_difference_newcombe_high"]  # type: ignore[operator]
    )
    assert 0 <= v["fisher_p"] <= 1  # type: ignore[operator]


def test_a_zero_margin_gives_r_s_uninformative_odds_ratio_with_a_note(
    seed_cohort: Cohort,
) -> None:
    # Only the women under 35: the "35 or over" row of the age table is empty.
    women = seed_cohort.women
    result = two_by_two_tests(women.loc[women["age"] < 35])
    assert result.values["age.odds_ratio_mle"] == 0.0
    assert result.values["age.odds_ratio_mle_high"] == math.inf
    assert any(
        n.startswith(COHORT_NOTE) and "0 to ∞" in n and "< 35 years" in n for n in result.notes
    )
