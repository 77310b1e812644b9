"""Pregnancy outcomes and Table 2, checked by hand on the small fixture."""

from __future__ import annotations

import math

import pytest

from follicle.analysis.cohort import Cohort
from follicle.analysis.contingency import PEARSON_YATES
from follicle.analysis.pregnancy import pregnancy_rate, table2, two_by_two

M = 30.4375


def test_pregnancy_outcomes_by_hand(small: Cohort) -> None:
    v = small.pregnancy_outcomes().values
    assert (v["women_pregnant.n"], v["women_pregnant.total"]) == (3, 4)
    assert v["women_pregnant.pct"] == pytest.approx(75.0)
    assert (v["pregnant_spontaneous.n"], v["pregnant_spontaneous.total"]) == (1, 4)
    assert (v["pregnant_ivf.n"], v["pregnant_ivf.total"]) == (2, 2)  # of IVF-treated women
    assert v["pregnant_ivf.pct"] == 100.0
    assert v["pregnant_both.n"] == 0
    assert (v["pregnant_spontaneous_only.n"], v["pregnant_ivf_only.n"]) == (1, 2)
    assert (v["ivf_treated.n"], v["ivf_treated.total"]) == (2, 4)
    assert (v["pregnancies"], v["pregnancies_spontaneous"], v["pregnancies_ivf"]) == (4, 2, 2)
    assert v["pregnancies_other_mode"] == 0
    assert (v["women_with_1_pregnancy"], v["women_with_2_pregnancies"]) == (2, 1)
    assert v["women_with_3_pregnancies"] == 0
    assert v["women_with_repeat_pregnancies"] == 1
    assert v["women_with_2_pregnancies_same_mode"] == 1  # 007: two spontaneous
    assert (v["multiple_pregnancies"], v["multiple_pregnancies_ivf"]) == (1, 1)
    assert v["months_spontaneous_n"] == 2
    assert v["months_spontaneous_median"] == pytest.approx((101 + 780) / 2 / M)
    assert v["months_spontaneous_min"] == pytest.approx(101 / M)
    assert v["months_spontaneous_whole_median"] == 14.5  # months 3 and 26
    assert v["months_ivf_median"] == pytest.approx((126 + 234) / 2 / M)
    assert (v["months_ivf_whole_min"], v["months_ivf_whole_max"]) == (4, 8)


def test_a_spontaneous_and_an_ivf_pregnancy_are_no_same_mode_repeat(generated: Cohort) -> None:
    v = generated.pregnancy_outcomes().values
    assert v["women_with_repeat_pregnancies_same_mode"] < v["women_with_repeat_pregnancies"]
    by_count = sum(v[f"women_with_{k}_pregnancies"] for k in (2, 3))
    assert v["women_with_1_pregnancy"] + by_count == v["women_pregnant.n"]


def test_table2_by_hand(small: Cohort) -> None:
    v = small.table2().values
    assert (v["overall.n"], v["overall.total"]) == (3, 4)
    assert (v["age.under_35.n"], v["age.under_35.total"]) == (1, 1)
    assert (v["age.35_or_over.n"], v["age.35_or_over.total"]) == (2, 3)
    assert (v["menses.regular.n"], v["menses.regular.total"]) == (2, 2)
    assert (v["menses.irregular.n"], v["menses.irregular.total"]) == (0, 1)
    assert (v["menses.amenorrhea.n"], v["menses.amenorrhea.total"]) == (1, 1)
    assert (v["injections.1.n"], v["injections.1.total"]) == (3, 3)
    assert (v["injections.2.n"], v["injections.2.total"]) == (0, 1)
    for factor in ("age", "menses", "injections"):
        assert v[f"{factor}.df"] == 1
        assert 0.0 <= v[f"{factor}.p"] <= 1.0  # type: ignore[operator]


def test_table2_rows_carry_the_test_on_the_second_group(small: Cohort) -> None:
    table = small.table2().table
    age = table.loc[table["factor"] == "Age at first injection"]
    assert math.isnan(age.iloc[0]["statistic"])
    assert age.iloc[1]["method"] == PEARSON_YATES
    # Amenorrhea is shown (a woman has it) but not tested.
    menses = table.loc[table["factor"] == "Menses before injection"]
    assert list(menses["group"]) == ["Regular menses", "Irregular menses", "Amenorrhea menses"]
    assert math.isnan(menses.iloc[2]["statistic"])


def test_no_test_when_a_margin_is_zero(small: Cohort) -> None:
    pregnant_only = small.women.loc[small.women["pregnant"]]
    v = table2(pregnant_only).values
    for factor in ("age", "menses", "injections"):
        assert v[f"{factor}.chi2"] is None
        assert v[f"{factor}.p"] is None
    assert table2(pregnant_only).table["method"].eq("").all()


def test_two_by_two_is_groups_by_pregnant(small: Cohort) -> None:
    table = two_by_two(small.women, "age_group")
    assert table.to_numpy().tolist() == [[1, 0], [2, 1]]
    assert list(table.columns) == ["pregnant", "not_pregnant"]


@pytest.mark.parametrize(
    ("by", "groups"),
    [
        (None, ["all"]),
        ("age_group", ["<35", "≥35"]),
        ("menses_baseline", ["regular", "irregular", "amenorrhea"]),
        ("injections", ["1", "2", "3_plus"]),
    ],
)
def test_pregnancy_rate_shows_every_level(small: Cohort, by: str | None, groups: list[str]) -> None:
    rates = pregnancy_rate(small.women, by)
    assert list(rates["group"]) == groups
    assert rates["total"].sum() == 4
    assert rates["n"].sum() == 3


def test_pregnancy_rate_refuses_an_unknown_grouping(small: Cohort) -> None:
    with pytest.raises(ValueError, match="by must be one of"):
        pregnancy_rate(small.women, "site")
