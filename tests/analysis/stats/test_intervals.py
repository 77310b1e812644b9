"""Proportion and mean intervals: edge cases and properties (R agreement: test_r_proportions)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import stats

from follicle.analysis.cohort import PART1, Cohort
from follicle.analysis.result import Result
from follicle.analysis.stats.intervals import (
    CI_METHODS,
    MEANS,
    NOT_PROPORTIONS,
    count_items,
    intervals,
    mean_ci,
    proportion_ci,
    upper_bound_one_sided,
)
from follicle.report.tables import from_result

counts = st.integers(min_value=1, max_value=5000).flatmap(
    lambda total: st.tuples(st.integers(min_value=0, max_value=total), st.just(total))
)


@pytest.mark.parametrize("method", CI_METHODS)
def test_an_empty_denominator_gives_nan_without_a_warning(method: str) -> None:
    low, high = proportion_ci([0, 3], [0, 10], method=method)
    assert math.isnan(low[0])
    assert math.isnan(high[0])
    assert 0 < low[1] < 0.3 < high[1] < 1
    assert math.isnan(upper_bound_one_sided(0, 0))


@pytest.mark.parametrize("method", CI_METHODS)
def test_zero_and_all_pin_the_bound_at_zero_and_one(method: str) -> None:
    low, high = proportion_ci([0, 7, 1, 0], [7, 7, 1, 1], method=method)
    assert low[0] == 0.0
    assert high[1] == 1.0
    assert low[3] == 0.0
    assert high[2] == 1.0
    assert 0 < high[0] < 1
    assert 0 < low[1] < 1


def test_clopper_pearson_matches_scipy_binomtest() -> None:
    for n, total in [(0, 5), (1, 1), (3, 17), (17, 17), (38, 105)]:
        ci = stats.binomtest(n, total).proportion_ci(0.95, method="exact")
        low, high = proportion_ci(n, total, method="clopper-pearson")
        assert low == pytest.approx(ci.low, abs=1e-12)
        assert high == pytest.approx(ci.high, abs=1e-12)


def test_wilson_matches_scipy_binomtest() -> None:
    for n, total in [(0, 5), (1, 1), (3, 17), (17, 17), (38, 105)]:
        ci = stats.binomtest(n, total).proportion_ci(0.9, method="wilson")
        low, high = proportion_ci(n, total, method="wilson", level=0.9)
        assert low == pytest.approx(ci.low, abs=1e-12)
        assert high == pytest.approx(ci.high, abs=1e-12)


@given(counts)
def test_intervals_hold_the_estimate_and_nest_by_level(case: tuple[int, int]) -> None:
    n, total = case
    for method in CI_METHODS:
        low95, high95 = proportion_ci(n, total, method=method)
        low99, high99 = proportion_ci(n, total, method=method, level=0.99)
        assert 0 <= low99 <= low95 <= n / total <= high95 <= high99 <= 1


@given(counts)
def test_the_one_sided_bound_lies_inside_the_two_sided_exact_one(case: tuple[int, int]) -> None:
    n, total = case
    bound = upper_bound_one_sided(n, total)
    _, high = proportion_ci(n, total, method="clopper-pearson")
    assert n / total <= bound <= high
    # the 95 % one-sided bound is the upper end of the two-sided 90 % exact interval
    _, high90 = proportion_ci(n, total, method="clopper-pearson", level=0.9)
    assert bound == pytest.approx(high90, abs=1e-12)


def test_zero_events_give_the_rule_of_three() -> None:
    totals = np.array([1, 10, 100, 1000])
    bound = upper_bound_one_sided(np.zeros(4), totals)
    np.testing.assert_allclose(bound, 1 - 0.05 ** (1 / totals), rtol=1e-12)
    assert bound[-1] == pytest.approx(3 / 1000, rel=0.01)


def test_vectorised_over_broadcast_shapes() -> None:
    low, high = proportion_ci(np.arange(6).reshape(2, 3), 10)
    assert low.shape == high.shape == (2, 3)
    assert upper_bound_one_sided([0, 1], 10).shape == (2,)


def test_impossible_counts_and_unknown_methods_are_refused() -> None:
    with pytest.raises(ValueError, match="n <= total"):
        proportion_ci(5, 4)
    with pytest.raises(ValueError, match="unknown interval method"):
        proportion_ci(1, 4, method="wald")
    with pytest.raises(ValueError, match="level"):
        upper_bound_one_sided(1, 4, level=95)


def test_mean_ci_is_the_t_interval_and_drops_missing_values() -> None:
    values = np.array([31.0, 35.0, 38.0, np.nan, 40.0, 44.0])
    low, high = mean_ci(values)
    known = values[~np.isnan(values)]
    expected = stats.t.interval(0.95, known.size - 1, known.mean(), stats.sem(known))
    assert (low, high) == pytest.approx(expected, abs=1e-12)


def test_mean_ci_of_too_few_or_constant_values() -> None:
    assert all(math.isnan(b) for b in mean_ci([3.0]))
    assert all(math.isnan(b) for b in mean_ci([]))
    assert mean_ci([2.0, 2.0, 2.0]) == (2.0, 2.0)


# -- the `intervals` result ------------------------------------------------------------------


@pytest.fixture(scope="module")
def seed_intervals(seed_cohort: Cohort) -> tuple[dict[str, Result], Result]:
    results = {name: seed_cohort.result(name) for name in PART1}
    return results, intervals(results, seed_cohort.women, seed_cohort.pregnancies)


def test_every_count_item_of_part1_gets_a_row_and_its_interval(
    seed_intervals: tuple[dict[str, Result], Result],
) -> None:
    results, result = seed_intervals
    items = {
        f"{name}.{key[:-2]}"
        for name, r in results.items()
        for key in r.values
        if key.endswith(".n") and f"{key[:-2]}.pct" in r.values
    }
    proportions = result.table.loc[result.table["mean"].isna()]
    assert set(proportions["key"]) == items
    assert proportions["pct"].notna().sum() + (proportions["total"] == 0).sum() == len(items)
    for item in items:
        name, _, key = item.partition(".")
        assert result.values[f"{item}.pct"] == pytest.approx(
            results[name].values[f"{key}.pct"], nan_ok=True
        )
    assert result.values["pregnancy.women_pregnant.low"] < 100 * 38 / 105
    for name, value in result.values.items():
        assert value is None or type(value) in (int, float, str), name
    assert result.values["pregnancy.women_pregnant.high"] > 100 * 38 / 105


def test_rates_counting_infants_and_empty_groups_get_no_interval(
    seed_intervals: tuple[dict[str, Result], Result],
) -> None:
    _, result = seed_intervals
    for item in NOT_PROPORTIONS:
        assert math.isnan(result.values[f"{item}.low"])
    empty = result.table.loc[result.table["mean"].isna() & (result.table["total"] == 0)]
    assert len(empty) > 0
    assert empty["low"].isna().all()


def test_every_mean_of_part1_gets_a_t_interval(
    seed_intervals: tuple[dict[str, Result], Result],
) -> None:
    results, result = seed_intervals
    reported = {
        f"{name}.{key}"
        for name, r in results.items()
        for key in r.values
        if key == "mean" or key.endswith("_mean")
    }
    assert {f"{m.result}.{m.name}" for m in MEANS} == reported
    for name in reported:
        source, _, key = name.partition(".")
        assert result.values[name] == pytest.approx(results[source].values[key])
        assert result.values[f"{name}_low"] < result.values[name] < result.values[f"{name}_high"]


def test_the_table_reads_like_a_table_of_the_report(
    seed_intervals: tuple[dict[str, Result], Result],
) -> None:
    results, result = seed_intervals
    table = result.table.set_index("key")
    assert table.loc["table2.age.under_35", "section"] == "table2"  # the report numbers it
    assert table.loc["table2.age.under_35", "item"] == "Age: < 35 years"
    assert table.loc["menstrual_transitions.regular.menopause", "item"] == "Regular → menopause"
    assert table.loc["table3.maternal.ovarian_cyst", "item"] == "Women: ovarian cyst"
    assert table.loc["table1.age_mean", "item"] == "Age at first injection (completed years)"
    assert table.loc["table1.age_mean", "mean"] == result.values["table1.age_mean"]
    assert table.loc["table1.age_mean", "mean_low"] == result.values["table1.age_mean_low"]
    assert table.loc["table2.age.under_35", "low"] == result.values["table2.age.under_35.low"]
    assert not table["item"].str.contains("_").any()
    assert list(dict.fromkeys(result.table["section"])) == [
        name for name in results if name in set(result.table["section"])
    ]
    printed = from_result(result)
    assert printed.title.startswith("95 % confidence intervals")
    assert printed.columns == ("", "n/N (%)", "95% CI", "Mean (95% CI)")
    rows = {row[0]: row for row in printed.rows}
    assert rows["Women: ovarian torsion"][1:3] == ("0/105 (0.00)", "0.00–3.53")
    assert rows["Age at first injection (completed years)"][1:] == (
        "105",
        "",
        "37.91 (36.95–38.88)",
    )


def test_the_method_is_chosen_and_stated(seed_cohort: Cohort) -> None:
    results = {name: seed_cohort.result(name) for name in PART1}
    exact = intervals(results, seed_cohort.women, seed_cohort.pregnancies, method="clopper-pearson")
    assert "Clopper–Pearson" in exact.notes[0]
    wilson = intervals(results, seed_cohort.women, seed_cohort.pregnancies)
    assert "Wilson" in wilson.notes[0]
    key = "table2.age.under_35.low"
    assert exact.values[key] != wilson.values[key]
    with pytest.raises(ValueError, match="unknown interval method"):
        intervals(results, seed_cohort.women, seed_cohort.pregnancies, method="wald")


def test_count_items_finds_only_complete_items() -> None:
    result = Result(
        "r",
        "R",
        "r",
        pd.DataFrame(),
        {"a.n": 1, "a.total": 2, "a.pct": 50.0, "b.n": 3, "b.total": 4},
    )
    assert count_items({"r": result})["item"].tolist() == ["a"]
