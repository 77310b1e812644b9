"""Pregnancy outcomes and Table 2, checked by hand on the small fixture."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from follicle.analysis.cohort import Cohort
from follicle.analysis.pregnancy import pregnancy_outcomes, pregnancy_rate, table2, two_by_two
from follicle.analysis.result import COHORT_NOTE
from follicle.analysis.stats.contingency import PEARSON_YATES

M = 30.4375


def test_pregnancy_outcomes_by_hand(small: Cohort) -> None:
    v = small.result("pregnancy").values
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
    v = generated.result("pregnancy").values
    assert v["women_with_repeat_pregnancies_same_mode"] < v["women_with_repeat_pregnancies"]
    by_count = sum(v[f"women_with_{k}_pregnancies"] for k in (2, 3))
    assert v["women_with_1_pregnancy"] + by_count == v["women_pregnant.n"]


def test_table2_by_hand(small: Cohort) -> None:
    v = small.result("table2").values
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
    table = small.result("table2").table
    age = table.loc[table["factor"] == "Age at first injection"]
    assert math.isnan(age.iloc[0]["statistic"])
    assert age.iloc[1]["method"] == PEARSON_YATES
    # Amenorrhea is shown (a woman has it) but not tested.
    menses = table.loc[table["factor"] == "Menses before injection"]
    assert list(menses["group"]) == ["Regular menses", "Irregular menses", "Amenorrhea"]
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


def _women(groups: dict[str, list[tuple[str, int, int]]]) -> pd.DataFrame:
    """A women frame for Table 2 from (group, pregnant, total) blocks per factor column.

    Every factor describes the same women: each list must add up to the same total and the
    same number pregnant. The pregnant women come first in every column, so the columns line
    up woman by woman.
    """
    columns: dict[str, list[object]] = {}
    for column, blocks in groups.items():
        pairs = [(g, True) for g, n, _ in blocks for _ in range(n)]
        pairs += [(g, False) for g, n, total in blocks for _ in range(total - n)]
        columns[column] = [int(g) if column == "injections" else g for g, _ in pairs]
        columns["pregnant"] = [pregnant for _, pregnant in pairs]
    frame = pd.DataFrame(columns)
    frame["injections"] = frame["injections"].astype("Int64")
    frame["pregnant"] = frame["pregnant"].astype("boolean")
    return frame


#: Large, clearly different groups: no expected count below 5, |O − E| well above 0.5.
PLAIN = {
    "age_group": [("<35", 30, 50), ("≥35", 10, 50)],
    "menses_baseline": [("regular", 30, 50), ("irregular", 10, 50)],
    "injections": [("1", 30, 50), ("2", 10, 50)],
}


def test_table2_notes_nothing_about_ordinary_tables() -> None:
    result = table2(_women(PLAIN))
    assert not any(note.startswith(COHORT_NOTE) for note in result.notes)
    assert not any("O − E" in note for note in result.notes)
    assert result.values["age.min_expected"] == pytest.approx(20.0)


def test_table2_says_r_warns_of_a_small_expected_count() -> None:
    # 2 of 4 vs 38 of 96 pregnant: the expected pregnant count of the small group is 1.6.
    groups = dict(PLAIN, age_group=[("<35", 2, 4), ("≥35", 38, 96)])
    result = table2(_women(groups))
    notes = [n for n in result.notes if "Chi-squared approximation may be incorrect" in n]
    assert len(notes) == 1
    assert notes[0].startswith(f"{COHORT_NOTE}, Age at first injection (< 35 years vs ≥ 35")
    assert "below 5" in notes[0]
    assert result.values["age.min_expected"] == pytest.approx(4 * 40 / 100)


def test_table2_notes_the_exact_zero_only_where_every_deviation_is_at_most_a_half() -> None:
    # The seed's menses table: 33/91 vs 5/14, |O − E| = 0.067 in every cell.
    groups = {
        "age_group": [("<35", 33, 91), ("≥35", 5, 14)],
        "menses_baseline": [("regular", 30, 91), ("irregular", 8, 14)],
        "injections": [("1", 30, 91), ("2", 8, 14)],
    }
    result = table2(_women(groups))
    zero = [n for n in result.notes if "O − E" in n]
    assert len(zero) == 1
    assert zero[0].startswith(f"{COHORT_NOTE}, Age at first injection")
    assert "exactly 0" in zero[0]
    assert "floating-point noise" in zero[0]  # R's 6.0062e-31 is not 0


def test_the_small_fixture_warns_where_r_would(small: Cohort) -> None:
    notes = small.result("table2").notes
    warned = [n for n in notes if "Chi-squared approximation may be incorrect" in n]
    assert len(warned) == 3  # four women: every expected count is below 5


def test_pregnancy_outcomes_show_repeat_pregnancies_both_ways(small: Cohort) -> None:
    result = small.result("pregnancy")
    rows = dict(zip(result.table["item"], result.table["n"], strict=True))
    assert rows["Women pregnant twice by the same mode"] == 1  # 007: two spontaneous
    assert rows["Women pregnant three times by the same mode"] == 0
    assert rows["Women pregnant twice in all (any mode)"] == 1
    assert rows["Women pregnant three times in all (any mode)"] == 0
    assert not any("women_with" in note or "_same_mode" in note for note in result.notes)
    assert any("by the same mode" in note and "in all" in note for note in result.notes)


def test_more_pregnancies_than_three_get_their_own_rows(generated: Cohort) -> None:
    preg = generated.pregnancies
    counts = preg["participant_id"].value_counts()
    assert counts.max() == 3
    woman = preg.loc[preg["participant_id"] == counts.idxmax()]
    fourth = woman.iloc[[0]].assign(pregnancy_id="extra")
    table = pregnancy_outcomes(generated.women, pd.concat([preg, fourth])).table
    rows = dict(zip(table["item"], table["n"], strict=True))
    assert rows["Women pregnant four times in all (any mode)"] == 1
    assert "Women pregnant four times by the same mode" in rows
    assert "Women pregnant five times in all (any mode)" not in rows
