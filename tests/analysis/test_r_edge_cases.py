"""The numpy estimators agree with R on the edge cases real cohorts produce.

Fixtures written by ``r/edge_cases/fixtures.R`` from the hand-made inputs of
``r/edge_cases/make_inputs.py``: Kaplan–Meier (``survfit(conf.type = "log-log")``) and its
median (``quantile.survfit``), the log-rank test (``survdiff``), Fisher's test and the
conditional odds ratio (``fisher.test``), the risk-difference intervals (``prop.test`` and
Newcombe's by hand), the exact binomial test (``binom.test``) and logistic regression
(``glm(family = binomial)``). Regenerate with::

    .venv/bin/python tests/analysis/r/edge_cases/make_inputs.py
    Rscript tests/analysis/r/edge_cases/fixtures.R
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.r.edge_cases import make_inputs
from analysis.rfixtures import read_expected
from follicle.analysis.benchmarks import _binomial_p
from follicle.analysis.duration.survival import (
    at_risk,
    kaplan_meier,
    log_rank,
    r_quantile,
    r_quantile_interval,
    survival_at,
)
from follicle.analysis.regression import LogisticFit, fit_logistic
from follicle.analysis.stats import distributions as dist
from follicle.analysis.two_by_two import analyse_table

R_DIR = Path(__file__).parent / "r" / "edge_cases"
EXPECTED = R_DIR / "expected"
#: Closed-form statistics, as the other R tests.
TOL = {"rtol": 1e-9, "atol": 1e-12}
#: The conditional odds ratio against fisher.test with uniroot at 1e-13, and against R's own
#: fisher.test, whose uniroot stops at about 1e-4 (as tests/analysis/test_r_proportions.py).
TIGHT = {"rtol": 1e-7, "atol": 1e-9}
LOOSE = {"rtol": 1e-3, "atol": 1e-4}


def _expected(name: str) -> pd.DataFrame:
    return read_expected(EXPECTED / name, {"case": str, "term": str, "model": str, "warning": str})


def _input(name: str) -> pd.DataFrame:
    return pd.read_csv(R_DIR / "inputs" / name, keep_default_na=False, na_values=[""])


SURVIVAL = {str(k): v for k, v in _input("survival.csv").groupby("case", sort=False)}


def _by_case(name: str) -> list[object]:
    return [pytest.param(rows, id=str(case)) for case, rows in _expected(name).groupby("case")]


def _rows(name: str) -> list[object]:
    return [pytest.param(row, id=str(row["case"])) for _, row in _expected(name).iterrows()]


def test_the_r_inputs_are_what_make_inputs_writes() -> None:
    for name, frame in make_inputs.all_inputs().items():
        stored = (R_DIR / "inputs" / name).read_text(encoding="utf-8")
        assert make_inputs.csv_text(frame) == stored, (
            f"inputs/{name} is stale: run r/edge_cases/make_inputs.py, then fixtures.R"
        )


def test_every_survival_case_has_its_r_values() -> None:
    for name in ("km.csv", "median.csv"):
        assert set(_expected(name)["case"]) == set(SURVIVAL), name


# ---- Kaplan–Meier ------------------------------------------------------------------------------


def _check_km(case: str, r: pd.DataFrame) -> None:
    data = SURVIVAL[case]
    curve = kaplan_meier(data["time"], data["status"] == 1)
    surv, lower, upper = survival_at(curve, r["time"])
    np.testing.assert_allclose(surv, r["surv"], **TOL, err_msg="surv")
    np.testing.assert_allclose(lower, r["lower"], **TOL, err_msg="lower")
    np.testing.assert_allclose(upper, r["upper"], **TOL, err_msg="upper")
    np.testing.assert_array_equal(at_risk(curve.observed, r["time"]), r["n_risk"])


@pytest.mark.parametrize("rows", _by_case("km.csv"))
def test_km_matches_r_survfit_loglog_at_every_time(rows: pd.DataFrame) -> None:
    _check_km(str(rows["case"].iloc[0]), rows)


@pytest.mark.parametrize("rows", _by_case("km_at.csv"))
def test_km_matches_r_summary_survfit_at_fixed_times(rows: pd.DataFrame) -> None:
    _check_km(str(rows["case"].iloc[0]), rows)


def test_km_is_nan_beyond_the_last_time_where_r_reports_nothing() -> None:
    at = np.asarray(make_inputs.KM_TIMES)
    r = _expected("km_at.csv")
    for case, data in SURVIVAL.items():
        beyond = at[at > data["time"].max()]
        assert not np.isin(beyond, r.loc[r["case"] == case, "time"]).any()
        curve = kaplan_meier(data["time"], data["status"] == 1)
        assert np.isnan(np.concatenate(survival_at(curve, beyond))).all(), case


@pytest.mark.parametrize("row", _rows("median.csv"))
def test_median_matches_r_quantile_survfit(row: pd.Series) -> None:
    data = SURVIVAL[str(row["case"])]
    curve = kaplan_meier(data["time"], data["status"] == 1)
    np.testing.assert_allclose(r_quantile(curve, 0.5), row["median"], **TOL)
    # Its interval from the log-log bounds; an upper bound never reached is NaN, as R's NA.
    np.testing.assert_allclose(
        r_quantile_interval(curve, 0.5), row[["lower", "upper"]].to_numpy(dtype=float), **TOL
    )


def test_the_median_cases_cover_not_reached_and_an_unreached_upper_bound() -> None:
    r = _expected("median.csv")
    assert r["median"].isna().any()
    assert (r["median"].notna() & r["upper"].isna()).any()
    assert (r["median"].notna() & r["upper"].notna()).any()


# ---- log-rank ------------------------------------------------------------------------------------


@pytest.mark.parametrize("row", _rows("survdiff.csv"))
def test_log_rank_matches_r_survdiff(row: pd.Series) -> None:
    data = SURVIVAL[str(row["case"])]
    result = log_rank(data["time"], data["status"] == 1, data["group"])
    if row["df"] < 1:  # no group has an expected event: R's chisq is 0 on df -1, p NA
        assert result is None
        return
    assert result is not None
    np.testing.assert_allclose(result.chisq, row["chisq"], **TOL)
    assert result.df == row["df"]
    np.testing.assert_allclose(result.p, row["p"], **TOL)


def test_log_rank_of_one_group_is_undefined_as_survdiff_refuses_it() -> None:
    data = SURVIVAL["one_subject_event"]
    assert log_rank(data["time"], data["status"] == 1, data["group"]) is None


# ---- 2 × 2 tables --------------------------------------------------------------------------------


def _number(value: object) -> float:
    return math.nan if value is None else float(value)  # type: ignore[arg-type]


@pytest.mark.parametrize("row", _rows("tables.csv"))
def test_fisher_p_and_odds_ratio_match_r_fisher_test(row: pd.Series) -> None:
    cells = row[["a", "b", "c", "d"]].to_numpy(dtype=float).reshape(2, 2)
    ours = analyse_table(cells)
    np.testing.assert_allclose(_number(ours["fisher_p"]), row["fisher_p"], **TOL)
    for suffix, column in (("", "estimate"), ("_low", "low"), ("_high", "high")):
        value = _number(ours[f"odds_ratio_mle{suffix}"])
        np.testing.assert_allclose(value, row[f"fisher_tight_{column}"], **TIGHT, err_msg=suffix)
        np.testing.assert_allclose(value, row[f"fisher_{column}"], **LOOSE, err_msg=suffix)


@pytest.mark.parametrize("row", _rows("tables.csv"))
def test_risk_difference_intervals_match_r_prop_test_and_newcombe(row: pd.Series) -> None:
    cells = row[["a", "b", "c", "d"]].to_numpy(dtype=float).reshape(2, 2)
    ours = analyse_table(cells)
    for name, column in (
        ("risk_difference", "risk_difference"),
        ("risk_difference_low", "wald_low"),
        ("risk_difference_high", "wald_high"),
        ("risk_difference_newcombe_low", "newcombe_low"),
        ("risk_difference_newcombe_high", "newcombe_high"),
    ):
        # follicle reports percentage points
        np.testing.assert_allclose(_number(ours[name]), 100 * row[column], **TOL, err_msg=name)


# ---- binomial test -------------------------------------------------------------------------------


@pytest.mark.parametrize("row", _rows("binomial.csv"))
def test_binomial_p_matches_r_binom_test(row: pd.Series) -> None:
    p = _binomial_p(int(row["x"]), int(row["n"]), float(row["p0"]))
    np.testing.assert_allclose(_number(p), row["p_value"], rtol=1e-9, atol=1e-300)


# ---- logistic regression -------------------------------------------------------------------------

LOGISTIC = {str(k): v for k, v in _input("logistic.csv").groupby("case", sort=False)}
GLM = _expected("logistic.csv")


def _fit(case: str) -> LogisticFit:
    """fit_logistic on R's model matrix: x1, x2 and g by treatment contrasts (first level the
    reference); rows with a missing value are left for fit_logistic to drop."""
    data = LOGISTIC[case]
    levels = sorted(data["g"].dropna().unique())
    x = data[["x1", "x2"]].astype(float)
    for level in levels[1:]:
        x[f"g{level}"] = np.where(data["g"].isna(), np.nan, (data["g"] == level).astype(float))
    return fit_logistic(x, data["y"].to_numpy(dtype=float))


def _term(name: str) -> str:
    return "intercept" if name == "(Intercept)" else name


def _glm(case: str, model: str) -> pd.DataFrame:
    return GLM.loc[(GLM["case"] == case) & (GLM["model"] == model)]


FITTED = ["ordinary", "rare_level", "constant_covariate", "missing_values"]


@pytest.mark.parametrize("case", FITTED)
def test_logistic_regression_matches_r_glm_at_the_maximum(case: str) -> None:
    r = _glm(case, "ml")
    assert (r["warning"].fillna("") == "").all()
    assert r["converged"].all()
    fit = _fit(case)
    terms = [_term(t) for t in r["term"]]
    np.testing.assert_allclose(fit.coef[terms], r["estimate"], **TOL)
    np.testing.assert_allclose(fit.se[terms], r["se"], **TOL)
    np.testing.assert_allclose(fit.p[terms], r["p"], **TOL)
    np.testing.assert_allclose(fit.aic, r["aic"].iloc[0], **TOL)
    assert fit.n == r["nobs"].iloc[0]


@pytest.mark.parametrize("case", FITTED)
def test_logistic_regression_is_within_1e_6_of_r_glm_with_its_defaults(case: str) -> None:
    # glm stops at a relative deviance change of 1e-8 and takes its standard errors from
    # the weights of the step before the last: some 1e-7 from the maximum follicle reports.
    r = _glm(case, "default")
    assert (r["warning"].fillna("") == "").all()
    assert r["converged"].all()
    fit = _fit(case)
    terms = [_term(t) for t in r["term"]]
    # The p-value is a function of z, whose tail magnifies that relative difference.
    z = fit.coef / fit.se
    for ours, column in ((fit.coef, "estimate"), (fit.se, "se"), (z, "z")):
        np.testing.assert_allclose(ours[terms], r[column], rtol=1e-6, atol=1e-9, err_msg=column)


def test_a_constant_covariate_is_left_out_as_r_reports_na() -> None:
    fit = _fit("constant_covariate")
    assert fit.aliased == ("x2",)
    assert any("x2 is a linear combination" in note for note in fit.notes)


def test_rows_with_a_missing_value_are_dropped_as_r_na_omit_with_a_note() -> None:
    data = LOGISTIC["missing_values"]
    complete = data[["y", "x1", "x2", "g"]].notna().all(axis=1)
    fit = _fit("missing_values")
    assert fit.n == complete.sum() == 73
    assert fit.events == data.loc[complete, "y"].sum()
    assert any("7 rows" in note and "missing" in note for note in fit.notes)


def test_quasi_separation_is_flagged_not_reported_as_a_finite_odds_ratio() -> None:
    # R's glm "converges" to a finite gc of about 19 with a standard error near 1,700 and no
    # warning: a number that looks like a result. follicle reports no estimate and says why.
    r = _glm("quasi_separation", "default").set_index("term")
    assert r.loc["gc", "estimate"] > 15
    assert r.loc["gc", "se"] > 1000
    assert (r["warning"].fillna("") == "").all()
    fit = _fit("quasi_separation")
    assert fit.separated == ("gc",)
    assert np.isnan([fit.coef["gc"], fit.se["gc"], fit.p["gc"]]).all()
    assert any("separated by gc" in note for note in fit.notes)
    # The other terms: R's fit without the separated women and level, the limit R approaches.
    inner = _glm("quasi_separation", "without_separated")
    terms = [_term(t) for t in inner["term"]]
    np.testing.assert_allclose(fit.coef[terms], inner["estimate"], **TOL)
    np.testing.assert_allclose(fit.se[terms], inner["se"], **TOL)
    np.testing.assert_allclose(fit.p[terms], inner["p"], **TOL)
    # … which R's full fit sits next to.
    np.testing.assert_allclose(
        fit.coef[terms], r.loc[inner["term"], "estimate"], rtol=1e-6, atol=1e-9
    )
    np.testing.assert_allclose(fit.aic, inner["aic"].iloc[0] + 2, **TOL)


def test_complete_separation_reports_nothing_where_r_warns() -> None:
    r = _glm("complete_separation", "default")
    assert "fitted probabilities numerically 0 or 1" in r["warning"].iloc[0]
    assert not r["converged"].iloc[0]
    fit = _fit("complete_separation")
    assert np.isnan(fit.coef).all()
    assert np.isnan(fit.se).all()
    assert "x1" in fit.separated
    assert any("the separation is complete" in note for note in fit.notes)


# ---- distribution functions ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "row",
    [
        pytest.param(r, id=f"{r['distribution']}-{i}")
        for i, r in _expected("distributions.csv").iterrows()
    ],
)
def test_distribution_functions_match_r_at_the_edges(row: pd.Series) -> None:
    function = getattr(dist, str(row["distribution"]))
    shapes = {"norm_ppf": 0, "norm_sf": 0, "f_sf": 2, "beta_ppf": 2}.get(row["distribution"], 1)
    value = function(row["x"], *(row[["a", "b"]].to_numpy(dtype=float)[:shapes]))
    # A quantile that is exactly 0 in R (the median of t) is a rounding error away from 0
    # in older scipy (7e-17 at 1.13): no relative tolerance can hold 0, so an absolute one.
    atol = 1e-15 if row["value"] == 0 else 1e-300
    np.testing.assert_allclose(value, row["value"], rtol=1e-9, atol=atol)


def test_no_event_at_all_reports_nothing_where_r_prints_an_intercept_of_minus_26() -> None:
    r = _glm("no_events", "default").set_index("term")
    assert r.loc["(Intercept)", "estimate"] < -20
    assert (r["se"] > 1000).all()
    assert (r["warning"].fillna("") == "").all()  # R says nothing
    fit = _fit("no_events")
    assert np.isnan(fit.coef).all()
    assert fit.events == 0
    assert any("had the same outcome" in note for note in fit.notes)
