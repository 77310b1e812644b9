"""The numpy estimators agree with the libraries they replaced, on random small data.

Issue 13 moved Kaplan–Meier and the log-rank test off lifelines, Fisher's test, the
conditional odds ratio and the binomial test off ``scipy.stats``, and logistic regression
off statsmodels (they cost a second of start-up together). The libraries are still
installed, so each property draws small inputs where the library is correct and holds the
numpy version to it. Examples are derandomised: a failure repeats.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from follicle.analysis.benchmarks import _binomial_p
from follicle.analysis.duration.survival import kaplan_meier, log_rank, survival_at
from follicle.analysis.regression import fit_logistic
from follicle.analysis.stats.fisher import fisher_exact_2x2
from follicle.analysis.two_by_two import analyse_table

EXAMPLES = settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
#: Closed-form statistics computed the same way on both sides.
CLOSE = {"rtol": 1e-9, "atol": 1e-12}

subjects = st.lists(
    st.tuples(st.integers(0, 12), st.booleans(), st.integers(0, 2)), min_size=1, max_size=30
)


def _columns(data: list[tuple[int, bool, int]]) -> tuple[np.ndarray, ...]:
    time = np.array([t for t, _, _ in data], dtype=float)
    event = np.array([e for _, e, _ in data], dtype=bool)
    group = np.array([g for _, _, g in data])
    return time, event, group


@EXAMPLES
@given(subjects)
def test_km_agrees_with_lifelines_kaplan_meier_fitter(data: list[tuple[int, bool, int]]) -> None:
    from lifelines import KaplanMeierFitter

    time, event, _ = _columns(data)
    fitter = KaplanMeierFitter().fit(time, event)
    at = fitter.survival_function_.index.to_numpy(dtype=float)
    surv, lower, upper = survival_at(kaplan_meier(time, event), at)
    np.testing.assert_allclose(surv, fitter.survival_function_.iloc[:, 0], **CLOSE)
    # lifelines' "exponential Greenwood" interval is R's log-log; it has none where
    # survival is 0 or 1 (R's NA), where lifelines prints the estimate itself.
    inside = (surv > 0) & (surv < 1)
    bounds = fitter.confidence_interval_.to_numpy(dtype=float)
    np.testing.assert_allclose(lower[inside], bounds[inside, 0], **CLOSE)
    np.testing.assert_allclose(upper[inside], bounds[inside, 1], **CLOSE)
    # Before the first time R's summary() prints 1 for all three; after it, no interval.
    assert np.isnan(lower[~inside & (at >= time.min())]).all()


@EXAMPLES
@given(subjects)
def test_log_rank_agrees_with_lifelines(data: list[tuple[int, bool, int]]) -> None:
    from lifelines.statistics import multivariate_logrank_test

    time, event, group = _columns(data)
    ours = log_rank(time, event, group)
    groups = np.unique(group)
    # lifelines keeps every group (R drops those with no expected event): compare where all
    # have some, which is when the degrees of freedom agree.
    first_event = time[event].min() if event.any() else np.inf
    informative = all((time[group == g] >= first_event).any() for g in groups)
    assume(groups.size > 1 and event.any() and informative)
    theirs = multivariate_logrank_test(time, group, event)
    assert ours is not None
    assert ours.df == theirs.degrees_of_freedom
    np.testing.assert_allclose(ours.chisq, theirs.test_statistic, rtol=1e-9, atol=1e-10)
    np.testing.assert_allclose(ours.p, theirs.p_value, rtol=1e-8, atol=1e-12)


tables = st.tuples(*(st.integers(0, 15) for _ in range(4))).filter(lambda t: sum(t) > 0)


@EXAMPLES
@given(tables)
def test_fisher_agrees_with_scipy_fisher_exact(cells: tuple[int, int, int, int]) -> None:
    from scipy.stats import fisher_exact

    table = np.array(cells, dtype=float).reshape(2, 2)
    _, p = fisher_exact(table.astype(int))
    np.testing.assert_allclose(fisher_exact_2x2(table), p, rtol=1e-9, atol=1e-300)


@EXAMPLES
@given(tables)
def test_conditional_odds_ratio_agrees_with_scipy(cells: tuple[int, int, int, int]) -> None:
    from scipy.stats.contingency import odds_ratio

    table = np.array(cells).reshape(2, 2)
    # scipy refuses a table with a zero row or column total (R gives 0 in (0, Inf)).
    assume((table.sum(axis=0) > 0).all() and (table.sum(axis=1) > 0).all())
    theirs = odds_ratio(table, kind="conditional")
    interval = theirs.confidence_interval(0.95)
    ours = analyse_table(table.astype(float))
    # Both solve to tight tolerances, by different root finders.
    tol = {"rtol": 1e-6, "atol": 1e-9}
    np.testing.assert_allclose(ours["odds_ratio_mle"], theirs.statistic, **tol)
    np.testing.assert_allclose(ours["odds_ratio_mle_low"], interval.low, **tol)
    np.testing.assert_allclose(ours["odds_ratio_mle_high"], interval.high, **tol)


@EXAMPLES
@given(tables)
def test_risk_difference_intervals_agree_with_statsmodels(cells: tuple[int, int, int, int]) -> None:
    from statsmodels.stats.proportion import confint_proportions_2indep

    a, b, c, d = cells
    assume(a + b > 0 and c + d > 0)
    ours = analyse_table(np.array(cells, dtype=float).reshape(2, 2))
    for method, low, high in (
        ("wald", "risk_difference_low", "risk_difference_high"),
        ("newcomb", "risk_difference_newcombe_low", "risk_difference_newcombe_high"),
    ):
        theirs = confint_proportions_2indep(a, a + b, c, c + d, method=method, compare="diff")
        # R's prop.test clips the Wald interval to [-1, 1]; statsmodels does not.
        expected = np.clip(np.asarray(theirs, dtype=float), -1.0, 1.0)
        ours_interval = np.array([ours[low], ours[high]], dtype=float) / 100
        np.testing.assert_allclose(ours_interval, expected, **CLOSE, err_msg=method)


@EXAMPLES
@given(
    st.integers(1, 400).flatmap(lambda n: st.tuples(st.integers(0, n), st.just(n))),
    st.floats(0.001, 0.999),
)
def test_binomial_test_agrees_with_scipy_binomtest(xn: tuple[int, int], p: float) -> None:
    from scipy.stats import binomtest

    x, n = xn
    theirs = binomtest(x, n, p).pvalue
    np.testing.assert_allclose(_binomial_p(x, n, p), theirs, rtol=1e-9, atol=1e-300)


@EXAMPLES
@given(st.integers(0, 2**32 - 1), st.integers(25, 80))
def test_logistic_regression_agrees_with_statsmodels_logit(seed: int, n: int) -> None:
    import statsmodels.api as sm

    rng = np.random.default_rng(seed)
    x = pd.DataFrame(
        {
            "age": rng.integers(28, 44, n).astype(float),
            "irregular": rng.integers(0, 2, n).astype(float),
            "marker": np.round(rng.gamma(2.0, 1.0, n), 1),
        }
    )
    eta = -0.5 - 0.1 * (x["age"] - 36) + 0.5 * x["irregular"] + 0.2 * x["marker"]
    y = (rng.random(n) < 1 / (1 + np.exp(-eta))).to_numpy(dtype=float)
    ours = fit_logistic(x, y)
    # Where the estimate does not exist (separation), statsmodels is no reference.
    assume(not ours.separated and not ours.aliased and np.isfinite(ours.coef).all())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            theirs = sm.Logit(y, sm.add_constant(x)).fit(
                disp=0, method="newton", maxiter=100, tol=1e-12
            )
        except (Warning, ValueError, np.linalg.LinAlgError):
            # statsmodels warns (perfect separation, overflow) or raises near separation.
            assume(False)
    assert theirs.mle_retvals["converged"]
    np.testing.assert_allclose(ours.coef, theirs.params, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.se, theirs.bse, rtol=1e-7, atol=1e-9)
    np.testing.assert_allclose(ours.p, theirs.pvalues, rtol=1e-6, atol=1e-12)
    np.testing.assert_allclose(ours.aic, theirs.aic, rtol=1e-9)


def test_the_properties_meet_their_libraries_on_a_table_with_a_zero_cell() -> None:
    """A fixed example beside the drawn ones: scipy's and follicle's Fisher on a zero cell."""
    from scipy.stats import fisher_exact

    table = np.array([[0.0, 12.0], [5.0, 9.0]])
    assert fisher_exact_2x2(table) == pytest.approx(fisher_exact(table.astype(int))[1], rel=1e-9)
