"""Internal arithmetic: GRIM, p-values from statistics, exact χ²."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from follicle.analysis.claims.arithmetic import (
    chisq_exact,
    grim_neighbours,
    grim_possible,
    p_agrees,
    p_range,
    p_value,
)
from follicle.analysis.claims.printed import parse
from follicle.analysis.stats.contingency import chisq_test


@pytest.mark.parametrize(
    ("mean", "n", "items", "possible"),
    [
        ("5.19", 28, 1, False),  # Brown & Heathers' kind of case: 145/28 = 5.18, 146/28 = 5.21
        ("5.18", 28, 1, True),
        ("5.21", 28, 1, True),
        ("37.91", 105, 1, True),  # 3981/105 = 37.914
        ("41.98", 105, 1, True),
        ("3.47", 12, 3, True),  # 125/36 = 3.472
        ("3.46", 12, 1, False),  # 41/12 = 3.417, 42/12 = 3.5
        ("2.50", 4, 1, True),
        ("2.125", 8, 1, True),  # an exact half at the printed precision
        ("12.3", 200, 1, True),  # n > 10^decimals: every mean is possible
    ],
)
def test_grim(mean: str, n: int, items: int, possible: bool) -> None:
    assert grim_possible(parse(mean), n, items=items) is possible


def test_grim_neighbours_are_the_nearest_possible_means() -> None:
    assert grim_neighbours(parse("5.19"), 28) == (Fraction(145, 28), Fraction(146, 28))


def test_p_values_of_statistics_match_r() -> None:
    # Printed by R 4 at 17 digits: pchisq(2.432096976606058, 1, lower.tail = FALSE),
    # 2 * pt(-2.1, 10), pf(4, 1, 20, lower.tail = FALSE); qnorm(0.975) = 1.959963984540054.
    assert p_value("chisq", 2.432096976606058, 1) == pytest.approx(0.11887378334998509, rel=1e-12)
    assert p_value("z", 1.959963984540054) == pytest.approx(0.05, rel=1e-12)
    assert p_value("z", -1.959963984540054) == pytest.approx(0.05, rel=1e-12)
    assert p_value("t", 2.1, 10) == pytest.approx(0.062077244202218468, rel=1e-12)
    assert p_value("t", -2.1, 10) == pytest.approx(0.062077244202218468, rel=1e-12)
    assert p_value("f", 4.0, 1, 20) == pytest.approx(0.059265535446570504, rel=1e-12)


def test_a_printed_p_is_checked_against_every_p_its_rounded_statistic_allows() -> None:
    low, high = p_range("chisq", parse("2.4321"), 1)
    assert low < 0.11887378334998593 < high
    assert p_agrees(parse("0.1189"), low, high) == "rounded"
    assert p_agrees(parse("0.11"), low, high) == "truncated"
    assert p_agrees(parse("0.05"), low, high) is None
    assert p_agrees(parse("< 0.0001"), low, high) is None
    # a coarse statistic allows a wide range of p
    low, high = p_range("chisq", parse("2"), 1)
    assert p_agrees(parse("0.2"), low, high) == "rounded"
    assert p_agrees(parse("< 0.0001"), *p_range("z", parse("4.5"))) == "rounded"


def test_exact_chisq_agrees_with_r_and_finds_the_exact_zero() -> None:
    age = chisq_exact((12, 26), (23, 82))
    r = chisq_test([[12, 11], [26, 56]])  # R's chisq.test, operation for operation
    assert float(age.statistic) == pytest.approx(r.statistic, rel=1e-14)
    menses = chisq_exact((33, 5), (91, 14))
    assert menses.statistic == 0
    assert menses.deviation == Fraction(1, 15)
    assert chisq_test([[33, 58], [5, 9]]).statistic > 0  # R's floating-point noise
    uncorrected = chisq_exact((12, 26), (23, 82), correct=False)
    assert float(uncorrected.statistic) == pytest.approx(
        chisq_test([[12, 11], [26, 56]], correct=False).statistic, rel=1e-14
    )


def test_exact_chisq_refuses_a_zero_margin_and_impossible_counts() -> None:
    with pytest.raises(ValueError, match="margin"):
        chisq_exact((0, 0), (10, 10))
    with pytest.raises(ValueError, match="between 0 and its total"):
        chisq_exact((11, 0), (10, 10))


@given(
    total=st.integers(min_value=0, max_value=10_000),
    n=st.integers(min_value=1, max_value=500),
    decimals=st.integers(min_value=0, max_value=4),
)
def test_grim_accepts_every_mean_real_integer_data_can_print(
    total: int, n: int, decimals: int
) -> None:
    printed = parse(f"{total / n:.{decimals}f}")
    assert grim_possible(printed, n)


@given(
    statistic=st.floats(min_value=0.0, max_value=40.0),
    df=st.integers(min_value=1, max_value=5),
    decimals=st.integers(min_value=1, max_value=4),
)
def test_the_p_of_a_statistic_agrees_with_the_p_of_its_printed_rounding(
    statistic: float, df: int, decimals: int
) -> None:
    p = p_value("chisq", statistic, df)
    low, high = p_range("chisq", parse(f"{statistic:.{decimals}f}"), df)
    assert low <= p <= high or p == pytest.approx(low) or p == pytest.approx(high)
    assert p_agrees(parse(f"{p:.4f}"), low, high) == "rounded"
