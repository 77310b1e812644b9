"""fivenum and boxplot.stats as R computes them (numbers held to R in test_r_agreement.py)."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from follicle.analysis.stats.boxplot import boxplot_stats, fivenum, quantiles


def test_fivenum_by_hand() -> None:
    assert fivenum([29, 35, 36]) == (29, 32, 35, 35.5, 36)
    assert fivenum([1, 2, 3, 4]) == (1, 1.5, 2.5, 3.5, 4)


def test_missing_values_are_left_out_and_no_data_is_nan() -> None:
    assert fivenum([3.0, None, 1.0, 2.0]) == (1, 1.5, 2, 2.5, 3)  # type: ignore[list-item]
    assert all(math.isnan(v) for v in fivenum([]))
    assert np.isnan(quantiles([])).all()
    empty = boxplot_stats([])
    assert empty.n == 0
    assert math.isnan(empty.median)
    assert empty.outliers == ()


def test_whiskers_stop_at_the_last_point_within_one_and_a_half_iqr() -> None:
    box = boxplot_stats([1, 20, 21, 22, 23, 24, 25, 26, 60])
    assert (box.lower_whisker, box.upper_whisker) == (20, 26)
    assert box.outliers == (1.0, 60.0)
    assert box.iqr == 4


def test_coef_zero_takes_the_whiskers_to_the_extremes() -> None:
    box = boxplot_stats([1, 20, 21, 22, 23, 24, 25, 26, 60], coef=0)
    assert (box.lower_whisker, box.upper_whisker, box.outliers) == (1, 60, ())


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=15, max_value=55), min_size=1, max_size=60))
def test_the_box_is_ordered_and_inside_the_data(ages: list[int]) -> None:
    box = boxplot_stats(ages)
    five = fivenum(ages)
    assert five[0] == min(ages)
    assert five[4] == max(ages)
    assert list(five) == sorted(five)
    assert min(ages) <= box.lower_whisker <= box.lower_hinge <= box.median
    assert box.median <= box.upper_hinge <= box.upper_whisker <= max(ages)
    inside = [a for a in ages if box.lower_whisker <= a <= box.upper_whisker]
    assert len(inside) + len(box.outliers) == len(ages)
    assert box.n == len(ages)
    assert quantiles(ages, (0.5,))[0] == pytest.approx(box.median)
