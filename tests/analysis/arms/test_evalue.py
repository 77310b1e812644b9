"""E-values (VanderWeele & Ding 2017): the published worked example and the rules."""

from __future__ import annotations

import math

import pytest

from follicle.analysis.arms.evalue import e_value, e_values, risk_ratio


def test_the_papers_worked_example() -> None:
    # VanderWeele & Ding 2017: RR 3.9 (95 % CI 1.8–8.7) gives 7.26 (printed 7.2) and 3.0.
    assert e_value(3.9) == pytest.approx(7.26, abs=0.005)
    estimate, limit = e_values(3.9, 1.8, 8.7, common=False)
    assert (round(estimate, 1), round(limit, 1)) == (7.3, 3.0)


def test_a_protective_ratio_is_inverted() -> None:
    assert e_value(0.5) == pytest.approx(e_value(2.0), rel=1e-15)
    _, limit = e_values(0.5, 0.3, 0.8, common=False)
    assert limit == pytest.approx(e_value(1 / 0.8), rel=1e-15)  # the limit nearer 1


def test_an_interval_that_includes_1_has_an_e_value_of_1() -> None:
    assert e_values(1.4, 0.9, 2.1, common=True)[1] == 1.0


def test_a_common_outcome_converts_the_hazard_ratio() -> None:
    hr = 2.0
    expected = (1 - 0.5 ** math.sqrt(hr)) / (1 - 0.5 ** math.sqrt(1 / hr))
    assert risk_ratio(hr, common=True) == pytest.approx(expected, rel=1e-15)
    assert risk_ratio(hr, common=False) == hr
    assert 1 < risk_ratio(hr, common=True) < hr  # the conversion pulls towards 1
    assert risk_ratio(1.0, common=True) == pytest.approx(1.0)


def test_a_ratio_of_1_needs_no_confounder() -> None:
    assert e_value(1.0) == 1.0
    assert math.isnan(e_value(float("nan")))
