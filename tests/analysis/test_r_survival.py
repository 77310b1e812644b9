"""Time to first pregnancy agrees with R: fixtures written by r/survival/fixtures.R.

R derives each woman's time and status from the raw dates on its own (first injection,
latest contact, first contact reporting menopause, first conception on or after the first
injection), then runs ``survival::survfit(conf.type = "log-log")`` (estimate, bounds and
``n.risk`` at 3, 6, 12, 24 and 36 months), ``survdiff`` by age group, ``cmprsk::cuminc``
with ``timepoints()`` (estimate and variance) and its Gray test, and the reverse
Kaplan–Meier median follow-up — on the seed cohort, the generated cohort and hand-made edge
cases. Regenerate with::

    .venv/bin/python tests/analysis/r/survival/make_inputs.py
    Rscript tests/analysis/r/survival/fixtures.R
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm

from analysis.r.survival import make_inputs
from analysis.rfixtures import read_expected
from follicle.analysis import frame
from follicle.analysis.cohort import Cohort
from follicle.analysis.duration.competing_risks import (
    aalen_johansen,
    cumulative_incidence_at,
    gray_test,
)
from follicle.analysis.duration.survival import (
    at_risk,
    kaplan_meier,
    log_rank,
    r_quantile,
    survival_at,
)
from follicle.analysis.duration.time_to_pregnancy import (
    first_pregnancy_times,
    long_form,
    time_to_pregnancy,
)

R_DIR = Path(__file__).parent / "r" / "survival"
EXPECTED = R_DIR / "expected"
TOL = {"rtol": 1e-9, "atol": 1e-12}
COHORTS = ("seed", "generated")
GROUP = {"all": "all", "under_35": "<35", "35_or_over": "≥35"}
PREFIX = {"all": "", "under_35": "under_35.", "35_or_over": "35_or_over."}
EXCLUDED = {
    "no_followup": "no follow-up after the first injection",
    "before_injection": "end point dated before the first injection",
}


def _expected(name: str) -> pd.DataFrame:
    return read_expected(
        EXPECTED / name, {"source": str, "group": str, "participant_id": str, "excluded": str}
    )


def _cases() -> dict[str, pd.DataFrame]:
    frame = pd.read_csv(R_DIR / "inputs" / "cases.csv")
    return {str(name): rows for name, rows in frame.groupby("case", sort=False)}


CASES = _cases()
CASE_TIMES = pd.read_csv(R_DIR / "inputs" / "case_times.csv")["time"].to_numpy(dtype=float)


def _case_subset(name: str, group: str) -> pd.DataFrame:
    rows = CASES[name]
    return rows if group == "all" else rows.loc[rows["group"].eq(group)]


@pytest.fixture(scope="module")
def results(cohorts: dict[str, Cohort]) -> dict[str, object]:
    return {name: time_to_pregnancy(cohort.women) for name, cohort in cohorts.items()}


def test_the_r_inputs_are_what_the_workbooks_hold_now(tmp_path: Path) -> None:
    for name, inputs in make_inputs.all_inputs(tmp_path).items():
        stored = (R_DIR / "inputs" / name).read_text(encoding="utf-8")
        assert make_inputs.csv_text(inputs) == stored, (
            f"inputs/{name} is stale: run r/survival/make_inputs.py, then fixtures.R"
        )


@pytest.mark.parametrize("cohort_name", make_inputs.DERIVED)
def test_times_and_status_match_r_derivation_from_the_dates(
    cohorts: dict[str, Cohort], cohort_name: str
) -> None:
    r = _expected(f"derived_{cohort_name}.csv")
    if cohort_name == "edges":
        women = frame.women(make_inputs.edge_workbook())
    else:
        women = cohorts[cohort_name].women
    ours = first_pregnancy_times(women)
    assert list(ours["participant_id"]) == list(r["participant_id"])
    np.testing.assert_array_equal(ours["age_group"], r["age_group"].map(GROUP))
    np.testing.assert_array_equal(ours["days"].to_numpy(dtype=float, na_value=np.nan), r["days"])
    np.testing.assert_array_equal(
        ours["status"].to_numpy(dtype=float, na_value=np.nan), r["status"]
    )
    reasons = r["excluded"].map(EXCLUDED)  # an empty cell (not excluded) maps to NaN
    np.testing.assert_array_equal(ours["excluded"].fillna("").to_numpy(), reasons.fillna(""))
    # The statuses must cover every outcome, or the fixtures test too little.
    assert {0, 1, 2} <= set(r["status"].dropna())


def _km_rows() -> list[object]:
    frame = _expected("km.csv")
    return [
        pytest.param(rows, id=f"{s}.{g}")
        for (s, g), rows in frame.groupby(["source", "group"], sort=False)
    ]


@pytest.mark.parametrize("rows", _km_rows())
def test_km_matches_r_survfit_loglog(rows: pd.DataFrame, results: dict[str, object]) -> None:
    source, group = rows["source"].iloc[0], rows["group"].iloc[0]
    if source in COHORTS:
        table = long_form(results[source].table)  # type: ignore[attr-defined]
        ours = table.loc[table["group"].eq(GROUP[group]) & table["estimator"].eq("KM")]
        ours = ours.set_index("month")
        present = ours.loc[rows["time"].to_numpy()]
        np.testing.assert_allclose(present["estimate"], 100 * (1 - rows["surv"]), **TOL)
        np.testing.assert_allclose(present["low"], 100 * (1 - rows["upper"]), **TOL)
        np.testing.assert_allclose(present["high"], 100 * (1 - rows["lower"]), **TOL)
        np.testing.assert_array_equal(present["at_risk"], rows["n_risk"])
        # Months after the last follow-up: R reports nothing, we report NaN.
        absent = ours.drop(index=rows["time"].to_numpy())
        assert absent["estimate"].isna().all()
        values = results[source].values  # type: ignore[attr-defined]
        for month, surv in zip(rows["time"], rows["surv"], strict=True):
            key = f"{PREFIX[group]}km.{month:g}.pct"
            np.testing.assert_allclose(values[key], 100 * (1 - surv), **TOL)
    else:
        data = _case_subset(source, group)
        curve = kaplan_meier(data["time"], data["status"].eq(1))
        surv, lower, upper = survival_at(curve, CASE_TIMES)
        at = np.searchsorted(CASE_TIMES, rows["time"].to_numpy())
        np.testing.assert_allclose(surv[at], rows["surv"], **TOL)
        np.testing.assert_allclose(lower[at], rows["lower"], **TOL)
        np.testing.assert_allclose(upper[at], rows["upper"], **TOL)
        np.testing.assert_array_equal(at_risk(curve.observed, CASE_TIMES)[at], rows["n_risk"])
        assert np.isnan(np.delete(surv, at)).all()


def _cuminc_rows() -> list[object]:
    frame = _expected("cuminc.csv")
    return [
        pytest.param(rows, id=f"{s}.{g}")
        for (s, g), rows in frame.groupby(["source", "group"], sort=False)
    ]


def _loglog_from_r(est: np.ndarray, var: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The interval a cmprsk user computes from timepoints(): est^exp(±z·sd/(est·log est))."""
    z = norm.ppf(0.975)
    with np.errstate(divide="ignore", invalid="ignore"):
        shift = z * np.sqrt(var) / (est * np.log(est))
        inside = (est > 0) & (est < 1)
        return np.where(inside, est ** np.exp(-shift), np.nan), np.where(
            inside, est ** np.exp(shift), np.nan
        )


@pytest.mark.parametrize("rows", _cuminc_rows())
def test_aj_matches_r_cmprsk_cuminc_timepoints(
    rows: pd.DataFrame, cohorts: dict[str, Cohort], results: dict[str, object]
) -> None:
    source, group = rows["source"].iloc[0], rows["group"].iloc[0]
    if source in COHORTS:
        times = first_pregnancy_times(cohorts[source].women)
        times = times.loc[times["excluded"].isna()]
        if group != "all":
            times = times.loc[times["age_group"].eq(GROUP[group])]
        data = pd.DataFrame({"time": times["months"], "status": times["status"].astype(int)})
    else:
        data = _case_subset(source, group)
    est, var = cumulative_incidence_at(aalen_johansen(data["time"], data["status"]), rows["time"])
    np.testing.assert_allclose(est, rows["est"], **TOL)
    np.testing.assert_allclose(var, rows["var"], **TOL)
    if source in COHORTS:
        table = long_form(results[source].table)  # type: ignore[attr-defined]
        ours = table.loc[table["group"].eq(GROUP[group]) & table["estimator"].eq("AJ")]
        low, high = _loglog_from_r(rows["est"].to_numpy(), rows["var"].to_numpy())
        np.testing.assert_allclose(ours["estimate"], 100 * rows["est"], **TOL)
        np.testing.assert_allclose(ours["low"], 100 * low, **TOL)
        np.testing.assert_allclose(ours["high"], 100 * high, **TOL)


@pytest.mark.parametrize(
    "row", [pytest.param(r, id=r["source"]) for _, r in _expected("survdiff.csv").iterrows()]
)
def test_log_rank_matches_r_survdiff(row: pd.Series, results: dict[str, object]) -> None:
    if row["source"] in COHORTS:
        values = results[row["source"]].values  # type: ignore[attr-defined]
        chisq, df, p = values["logrank.chisq"], values["logrank.df"], values["logrank.p"]
    else:
        data = CASES[row["source"]]
        test = log_rank(data["time"], data["status"].eq(1), data["group"])
        assert test is not None
        chisq, df, p = test.chisq, test.df, test.p
    np.testing.assert_allclose(chisq, row["chisq"], **TOL)
    np.testing.assert_allclose(p, row["p"], **TOL)
    assert df == row["df"]


@pytest.mark.parametrize(
    "row", [pytest.param(r, id=r["source"]) for _, r in _expected("gray.csv").iterrows()]
)
def test_gray_test_matches_r_cmprsk_cuminc_tests(
    row: pd.Series, results: dict[str, object]
) -> None:
    if row["source"] in COHORTS:
        values = results[row["source"]].values  # type: ignore[attr-defined]
        stat, df, p = values["gray.chisq"], values["gray.df"], values["gray.p"]
    else:
        data = CASES[row["source"]]
        test = gray_test(data["time"], data["status"], data["group"])
        assert test is not None
        stat, df, p = test.statistic, test.df, test.p
    np.testing.assert_allclose(stat, row["stat"], **TOL)
    # R computes 1 - pchisq(), exact only to about 1e-16 absolute; we use the survival function.
    np.testing.assert_allclose(p, row["p"], rtol=1e-9, atol=1e-15)
    assert df == row["df"]


@pytest.mark.parametrize(
    "row", [pytest.param(r, id=r["source"]) for _, r in _expected("followup.csv").iterrows()]
)
def test_median_followup_matches_r_reverse_km_quantile(
    row: pd.Series, results: dict[str, object]
) -> None:
    if row["source"] in COHORTS:
        median = results[row["source"]].values["followup_median"]  # type: ignore[attr-defined]
    else:
        data = CASES[row["source"]]
        median = r_quantile(kaplan_meier(data["time"], data["status"].eq(0)), 0.5)
    np.testing.assert_allclose(median, row["median"], **TOL)
