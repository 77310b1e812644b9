"""Pearson's χ² test as R computes it; the numbers themselves are held to R in
test_r_agreement.py, these are its behaviours and invariants."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy import stats

from follicle.analysis.stats.contingency import PEARSON, PEARSON_YATES, TestResult, chisq_test

counts = st.integers(min_value=0, max_value=400)
tables = (
    st.tuples(counts, counts, counts, counts)
    .filter(lambda t: sum(t) > 0)
    .map(lambda t: [[t[0], t[1]], [t[2], t[3]]])
)


def _margins_positive(t: list[list[int]]) -> bool:
    x = np.asarray(t)
    return bool((x.sum(axis=0) > 0).all() and (x.sum(axis=1) > 0).all())


def test_the_published_age_table_gives_the_published_statistic() -> None:
    result = chisq_test([[12, 11], [26, 56]])
    assert result.method == PEARSON_YATES
    assert f"{result.statistic:.4f}" == "2.4321"
    assert result.df == 1
    assert f"{result.p_value:.4f}" == "0.1189"


def test_yates_gives_zero_up_to_noise_when_every_deviation_is_at_most_half() -> None:
    # |O - E| = 0.2747 in every cell: mathematically 0; R (and follicle) print ~6e-31.
    result = chisq_test([[33, 58], [5, 9]])
    assert 0 <= result.statistic < 1e-28
    assert result.p_value == pytest.approx(1.0, abs=1e-12)
    assert result.method == PEARSON_YATES


def test_a_deviation_of_exactly_half_gives_exactly_zero() -> None:
    assert chisq_test([[2, 3], [3, 2]]).statistic == 0.0


def test_observed_equal_to_expected_drops_the_correction_from_the_name_as_r_does() -> None:
    result = chisq_test([[5, 5], [5, 5]])
    assert result.statistic == 0.0
    assert result.method == PEARSON


def test_without_correction_the_method_is_plain_pearson() -> None:
    result = chisq_test([[12, 11], [26, 56]], correct=False)
    assert result.method == PEARSON
    expected = stats.chi2_contingency([[12, 11], [26, 56]], correction=False)
    assert result.statistic == pytest.approx(expected.statistic, rel=1e-12)


def test_a_zero_margin_gives_an_undefined_statistic_without_warning() -> None:
    result = chisq_test([[0, 0], [3, 4]])
    assert math.isnan(result.statistic)
    assert math.isnan(result.p_value)
    assert not result.defined
    assert result.to_dict()["statistic"] is None
    assert result.to_dict()["p_value"] is None


def test_larger_tables_are_never_corrected() -> None:
    table = [[10, 20, 30], [20, 10, 5]]
    result = chisq_test(table)
    assert result.df == 2
    assert result.method == PEARSON
    assert result.statistic == pytest.approx(stats.chi2_contingency(table).statistic, rel=1e-12)


def test_a_dataframe_is_accepted_and_expected_counts_are_kept() -> None:
    frame = pd.DataFrame({"pregnant": [12, 26], "not_pregnant": [11, 56]})
    result = chisq_test(frame)
    assert result.observed == ((12.0, 11.0), (26.0, 56.0))
    assert sum(map(sum, result.expected)) == pytest.approx(105)
    assert result.small_expected is False
    assert chisq_test([[1, 4], [3, 2]]).small_expected is True


@pytest.mark.parametrize(
    "bad", [[[1, 2]], [[1, -2], [3, 4]], [[1, np.nan], [3, 4]], [1, 2, 3, 4], [[0, 0], [0, 0]]]
)
def test_a_table_that_is_not_a_table_of_counts_is_refused(bad: object) -> None:
    with pytest.raises(ValueError, match="contingency table"):
        chisq_test(bad)  # type: ignore[arg-type]


def test_the_result_is_frozen_and_serialisable() -> None:
    result = chisq_test([[12, 11], [26, 56]])
    assert isinstance(result, TestResult)
    with pytest.raises(AttributeError):
        result.statistic = 0.0  # type: ignore[misc]
    assert set(result.to_dict()) == {"method", "statistic", "df", "p_value", "small_expected"}


@settings(max_examples=300, deadline=None)
@given(tables)
def test_the_statistic_is_a_p_value_and_invariant_to_orientation(t: list[list[int]]) -> None:
    result = chisq_test(t)
    if not _margins_positive(t):
        assert not result.defined
        return
    assert result.statistic >= 0
    assert 0.0 <= result.p_value <= 1.0
    transposed = chisq_test(np.asarray(t).T)
    swapped = chisq_test(np.asarray(t)[::-1])
    assert transposed.statistic == pytest.approx(result.statistic, rel=1e-9, abs=1e-12)
    assert swapped.statistic == pytest.approx(result.statistic, rel=1e-9, abs=1e-12)


@settings(max_examples=300, deadline=None)
@given(tables)
def test_the_statistic_agrees_with_scipys_yates_correction(t: list[list[int]]) -> None:
    if not _margins_positive(t):
        return
    ours = chisq_test(t)
    theirs = stats.chi2_contingency(t, correction=True)
    assert ours.statistic == pytest.approx(theirs.statistic, rel=1e-9, abs=1e-12)
    assert ours.p_value == pytest.approx(theirs.pvalue, rel=1e-9, abs=1e-12)
