"""The logistic regression agrees with R: fixtures written by r/regression/fixtures.R.

R derives the model's variables from raw rows on its own (age in completed years at the
first injection, injections, pregnant, which markers pass the 80 % rule, the complete
cases), builds the design with ``factor()`` (reference levels: regular menses, one
injection) and fits ``glm(family = binomial)``: coefficients, standard errors, Wald
p-values, ``confint.default`` and ``AIC`` of the adjusted model and of each covariate alone,
on the seed cohort (AMH and AFC in the model), the generated cohort (amenorrhea, three
injections, no markers) and the generated cohort with AMH and AFC set by
``make_inputs.with_markers`` (AMH in, AFC out). Regenerate with::

    .venv/bin/python tests/analysis/r/regression/make_inputs.py
    Rscript tests/analysis/r/regression/fixtures.R
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from analysis.r.regression import make_inputs
from analysis.rfixtures import read_expected
from follicle.analysis.cohort import Cohort
from follicle.analysis.regression import design, fit_logistic, logistic_regression
from follicle.analysis.result import Result

R_DIR = Path(__file__).parent / "r" / "regression"
EXPECTED = R_DIR / "expected"
# Both sides iterate to the maximum (R: glm.control(epsilon = 1e-12); follicle: a deviance
# change below 1e-10), so they agree far closer than the 1e-6 required.
TOL = {"rtol": 1e-9, "atol": 1e-12}
#: R's model names -> the covariate whose terms the crude model holds.
CRUDE_COVARIATE = {
    "crude_age": "age",
    "crude_menses": "menses",
    "crude_injections": "injections",
    "crude_amh_ng_ml": "amh_ng_ml",
    "crude_afc": "afc",
}


def _expected(name: str) -> pd.DataFrame:
    return read_expected(EXPECTED / name)


COEFFICIENTS = _expected("coefficients.csv")
MODELS = _expected("models.csv")


@pytest.fixture(scope="module")
def inputs(seed_cohort: Cohort, generated: Cohort) -> dict[str, tuple[pd.DataFrame, pd.DataFrame]]:
    """Each case's women and participants frames, as the analysis receives them."""
    return {
        "seed": (seed_cohort.women, seed_cohort.workbook["participants"]),
        "generated": (generated.women, generated.workbook["participants"]),
        "generated_markers": (
            generated.women,
            make_inputs.with_markers(generated.workbook["participants"]),
        ),
    }


@pytest.fixture(scope="module")
def results(inputs: dict[str, tuple[pd.DataFrame, pd.DataFrame]]) -> dict[str, Result]:
    """The regression result of each case."""
    return {case: logistic_regression(*frames) for case, frames in inputs.items()}


def test_the_r_inputs_are_what_python_derives_now(tmp_path: Path) -> None:
    for name, frame in make_inputs.all_inputs(tmp_path).items():
        stored = (R_DIR / "inputs" / name).read_text(encoding="utf-8")
        assert make_inputs.csv_text(frame) == stored, (
            f"inputs/{name} is stale: run r/regression/make_inputs.py, then fixtures.R"
        )


def test_the_cases_cover_markers_in_out_and_absent() -> None:
    markers = MODELS.set_index("case")["markers"].fillna("")
    assert markers.to_dict() == {
        "seed": "amh_ng_ml;afc",
        "generated": "",
        "generated_markers": "amh_ng_ml",
    }


@pytest.mark.parametrize("case", list(MODELS["case"]))
def test_model_size_and_aic_match_r_glm(results: dict[str, Result], case: str) -> None:
    r = MODELS.set_index("case").loc[case]
    values = results[case].values
    assert (values["n_women"], values["n"], values["events"]) == (
        r["n_women"],
        r["n"],
        r["events"],
    )
    assert values["dropped"] == r["n_women"] - r["n"]
    np.testing.assert_allclose(values["aic"], r["aic"], **TOL)
    terms = COEFFICIENTS.query("case == @case and model == 'adjusted'")["term"]
    assert list(results[case].table["key"]) == [t for t in terms if t != "intercept"]
    assert values["parameters"] == len(terms) - 1


def _rows(model: str) -> list[Any]:
    chosen = COEFFICIENTS.loc[COEFFICIENTS["model"].eq(model)]
    return [pytest.param(row, id=f"{row['case']}.{row['term']}") for _, row in chosen.iterrows()]


@pytest.mark.parametrize("row", _rows("adjusted"))
def test_adjusted_odds_ratios_match_r_glm_confint_default(
    results: dict[str, Result], row: pd.Series
) -> None:
    values = results[row["case"]].values
    term = row["term"]
    np.testing.assert_allclose(values[f"{term}.coef"], row["estimate"], **TOL)
    np.testing.assert_allclose(values[f"{term}.se"], row["std_error"], **TOL)
    np.testing.assert_allclose(values[f"{term}.p"], row["p_value"], **TOL)
    if term != "intercept":
        np.testing.assert_allclose(values[f"{term}.or"], np.exp(row["estimate"]), **TOL)
        np.testing.assert_allclose(values[f"{term}.or_low"], np.exp(row["conf_low"]), **TOL)
        np.testing.assert_allclose(values[f"{term}.or_high"], np.exp(row["conf_high"]), **TOL)


@pytest.mark.parametrize("row", [r for m in CRUDE_COVARIATE for r in _rows(m)])
def test_unadjusted_odds_ratios_match_r_glm_of_each_covariate_alone(
    inputs: dict[str, tuple[pd.DataFrame, pd.DataFrame]],
    results: dict[str, Result],
    row: pd.Series,
) -> None:
    d = design(*inputs[row["case"]])
    terms = d.groups[CRUDE_COVARIATE[row["model"]]]
    fit = fit_logistic(d.x.loc[:, list(terms)], d.y)
    term = row["term"]
    np.testing.assert_allclose(fit.coef[term], row["estimate"], **TOL)
    np.testing.assert_allclose(fit.se[term], row["std_error"], **TOL)
    np.testing.assert_allclose(fit.p[term], row["p_value"], **TOL)
    if term != "intercept":
        values = results[row["case"]].values
        np.testing.assert_allclose(values[f"{term}.crude_or"], np.exp(row["estimate"]), **TOL)
        np.testing.assert_allclose(values[f"{term}.crude_or_low"], np.exp(row["conf_low"]), **TOL)
        np.testing.assert_allclose(values[f"{term}.crude_or_high"], np.exp(row["conf_high"]), **TOL)
        np.testing.assert_allclose(values[f"{term}.crude_p"], row["p_value"], **TOL)
