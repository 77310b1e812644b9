"""The numerical conventions: percentages two decimals, p-values four significant digits."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from follicle.report.format import (
    format_mean_sd,
    format_median_range,
    format_n_pct,
    format_number,
    format_p,
    format_pct,
    format_range,
    format_stat,
    is_missing,
)


@pytest.mark.parametrize(
    ("p", "printed"),
    [
        (0.00005, "< 0.0001"),
        (0.0000999999, "< 0.0001"),
        (0.0, "< 0.0001"),
        (0.0001, "0.0001"),
        (0.00012345, "0.0001234"),
        (0.11893, "0.1189"),
        (0.0879, "0.0879"),
        (0.05, "0.05"),
        (0.99996, "1"),
        (1, "1"),
        (1.0, "1"),
        (np.float64(0.5), "0.5"),
    ],
)
def test_p_values_have_four_significant_digits_and_a_floor(p: float, printed: str) -> None:
    assert format_p(p) == printed


@pytest.mark.parametrize("p", [-0.01, 1.0001, math.inf])
def test_a_p_value_outside_0_1_is_an_error(p: float) -> None:
    with pytest.raises(ValueError, match="p-value"):
        format_p(p)


@pytest.mark.parametrize(
    ("pct", "printed"),
    [
        (36.190476, "36.19"),
        (52.173913, "52.17"),
        (31.707317, "31.71"),
        (100, "100.00"),
        (0, "0.00"),
        (-0.001, "0.00"),
        (1.098901, "1.10"),
    ],
)
def test_percentages_have_two_decimals(pct: float, printed: str) -> None:
    assert format_pct(pct) == printed


@pytest.mark.parametrize("missing", [None, math.nan, np.nan, pd.NA, np.float64("nan")])
def test_missing_numbers_print_as_empty_cells(missing: object) -> None:
    assert is_missing(missing)
    for formatter in (format_p, format_pct, format_number, format_stat):
        assert formatter(missing) == ""
    assert format_mean_sd(missing, 1.0) == ""
    assert format_n_pct(missing, 10) == ""


def test_integers_print_as_integers_and_other_numbers_with_two_decimals() -> None:
    assert format_number(12.0) == "12"
    assert format_number(np.int64(7)) == "7"
    assert format_number(3.7199) == "3.72"
    assert format_number(-2.5) == "−2.50"
    assert format_number("already text") == "already text"


def test_a_statistic_has_four_decimals_like_the_paper() -> None:
    assert format_stat(2.43211) == "2.4321"
    assert format_stat(6.0062e-31) == "0.0000"


def test_mean_sd_and_range() -> None:
    assert format_mean_sd(37.9143, 4.9811, low=24, high=45) == "37.91 ± 4.98 (24–45)"
    assert format_mean_sd(41.98, 5.0) == "41.98 ± 5.00"
    assert format_mean_sd(3.72, None, low=2.5, high=6.0) == "3.72 (2.50–6.00)"
    assert format_range(24, None) == ""


def test_a_range_has_the_decimals_of_its_centre_unless_the_variable_is_integer() -> None:
    # One number of decimals per cell: never "5.49 (2–13.01)" or "3.72 ± 0.86 (2.5–6)".
    assert format_mean_sd(3.72, 0.859, low=2.4997, high=5.9986) == "3.72 ± 0.86 (2.50–6.00)"
    assert format_median_range(5.4897, 1.9984, 13.0062) == "5.49 (2.00–13.01)"
    assert format_range(2.0, 13.01) == "2.00–13.01"
    # Ages in completed years stay integers; the variable says so, not the values.
    assert format_mean_sd(37.91, 4.98, low=24, high=45, integer=True) == "37.91 ± 4.98 (24–45)"
    assert format_mean_sd(3.72, 0.86, low=4.0, high=8.0, integer=False) == (
        "3.72 ± 0.86 (4.00–8.00)"
    )
    assert format_median_range(36, 24, 43, integer=True) == "36 (24–43)"
    assert format_median_range(36.5, 24, 43, integer=True) == "36.50 (24–43)"
    assert format_median_range(3.0, 1.2, 24.0, integer=False) == "3.00 (1.20–24.00)"
    assert format_median_range(3.0) == "3"


def test_counts_with_percentages_and_denominators() -> None:
    assert format_n_pct(38, 105) == "38 (36.19)"
    assert format_n_pct(12, 23, show_total=True) == "12/23 (52.17)"
    assert format_n_pct(1, pct=1.098901) == "1 (1.10)"
    assert format_n_pct(0, 0) == "0"
    assert format_n_pct(0, 0, show_total=True) == "0/0"


def test_intervals_print_their_ends_with_a_dash_or_spelled_out_when_signed() -> None:
    from follicle.report.format import format_interval

    assert format_interval(27.6, 45.8333, pct=True) == "27.60–45.83"
    assert format_interval(-2.3, 43.23) == "−2.30 to 43.23"
    assert format_interval(-5, -1) == "−5.00 to −1.00"
    assert format_interval(0.9, float("inf")) == "0.90–∞"
    assert format_interval(None, 1) == ""
