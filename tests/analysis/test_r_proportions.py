"""Intervals, 2 × 2 tables and benchmarks agree with R (tests/analysis/r/proportions/).

R (``fixtures.R``) derives the women's variables from the raw inputs itself and runs
``prop.test(correct = FALSE)``, ``binom.test`` (two-sided and ``alternative = "less"``),
``t.test``, ``chisq.test`` (with and without Yates), ``fisher.test`` and the two-sample
``prop.test`` on both cohorts and on edge cases. ``fisher.test``'s estimate and interval come
from ``uniroot`` at its default tolerance (about 1e-4), so they are compared loosely, and
tightly against the same R code solved to 1e-13. Regenerate with::

    .venv/bin/python tests/analysis/r/proportions/make_inputs.py
    Rscript tests/analysis/r/proportions/fixtures.R
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.r.proportions import make_inputs
from analysis.rfixtures import read_expected
from follicle.analysis.benchmarks import _binomial_p, benchmarks
from follicle.analysis.cohort import PART1, Cohort
from follicle.analysis.stats.intervals import (
    intervals,
    mean_ci,
    proportion_ci,
    upper_bound_one_sided,
)
from follicle.analysis.two_by_two import analyse_table, two_by_two_tests

R_DIR = Path(__file__).parent / "r" / "proportions"
EXPECTED = R_DIR / "expected"
TOL = {"rtol": 1e-9, "atol": 1e-12}
#: The conditional MLE: scipy solves to 1e-13, as the tightened R code does.
TIGHT = {"rtol": 1e-7, "atol": 1e-9}
#: R fisher.test's own uniroot tolerance is .Machine$double.eps^0.25 ≈ 1.2e-4.
LOOSE = {"rtol": 1e-3, "atol": 1e-4}
#: Where each R mean sits among the `intervals` values.
MEAN_NAMES = {
    "age_mean": "table1.age_mean",
    "age_followup_mean": "table1.age_followup_mean",
    "followup_years_mean": "table1.followup_years_mean",
    "months_spontaneous_mean": "pregnancy.months_spontaneous_mean",
    "months_ivf_mean": "pregnancy.months_ivf_mean",
    "pregnant_age_mean": "figure2.mean",
}


def _expected(name: str) -> pd.DataFrame:
    return read_expected(EXPECTED / name, {"case": str, "id": str})


COUNTS = _expected("counts.csv")
TABLES = _expected("tables.csv").set_index("case")
MEANS = _expected("means.csv").set_index("case")
RATES = _expected("rates.csv").set_index("case")
BENCH = _expected("benchmarks.csv")
EDGE_TABLES = [c for c in TABLES.index if "." not in c]
COHORT_TABLES = [c for c in TABLES.index if "." in c]


def test_the_r_inputs_are_what_python_derives_now(tmp_path: Path) -> None:
    for name, frame in make_inputs.all_inputs(tmp_path).items():
        stored = (R_DIR / "inputs" / name).read_text(encoding="utf-8")
        assert make_inputs.csv_text(frame) == stored, (
            f"inputs/{name} is stale: run make_inputs.py, then fixtures.R"
        )


@pytest.mark.parametrize(
    ("method", "level", "low", "high"),
    [
        ("wilson", 0.95, "wilson_low", "wilson_high"),
        ("wilson", 0.90, "wilson90_low", "wilson90_high"),
        ("clopper-pearson", 0.95, "exact_low", "exact_high"),
        ("clopper-pearson", 0.99, "exact99_low", "exact99_high"),
    ],
)
def test_proportion_ci_matches_prop_test_and_binom_test(
    method: str, level: float, low: str, high: str
) -> None:
    lo, hi = proportion_ci(COUNTS["n"], COUNTS["total"], method=method, level=level)
    np.testing.assert_allclose(lo, COUNTS[low], **TOL)
    np.testing.assert_allclose(hi, COUNTS[high], **TOL)


def test_upper_bound_matches_binom_test_less() -> None:
    bound = upper_bound_one_sided(COUNTS["n"], COUNTS["total"])
    np.testing.assert_allclose(bound, COUNTS["upper_one_sided"], **TOL)


def test_binomial_p_matches_binom_test() -> None:
    p = [
        _binomial_p(int(n), int(t), float(p0))
        for n, t, p0 in COUNTS[["n", "total", "p0"]].itertuples(index=False)
    ]
    np.testing.assert_allclose(np.asarray(p, dtype=float), COUNTS["binom_p"], **TOL)


@pytest.mark.parametrize("case", [c for c in MEANS.index if "." not in c])
def test_mean_ci_matches_t_test(case: str) -> None:
    values = make_inputs.EDGE_VECTORS[case]
    np.testing.assert_allclose(mean_ci(values), MEANS.loc[case, ["low", "high"]], **TOL)


def _check_table(ours: dict[str, object], r: pd.Series) -> None:
    def close(name: str, column: str, tol: dict[str, float] = TOL, scale: float = 1.0) -> None:
        value = ours[name]
        expected = r[column] * scale
        np.testing.assert_allclose(
            np.nan if value is None else float(value),  # type: ignore[arg-type]
            expected,
            err_msg=name,
            **tol,
        )

    close("min_expected", "min_expected")
    close("chisq_p", "chisq_p")
    close("chisq_uncorrected_p", "chisq_uncorrected_p")
    close("fisher_p", "fisher_p")
    close("odds_ratio", "odds_ratio")
    close("odds_ratio_low", "woolf_low")
    close("odds_ratio_high", "woolf_high")
    close("risk_difference", "risk_difference", scale=100)
    close("risk_difference_low", "wald_low", scale=100)
    close("risk_difference_high", "wald_high", scale=100)
    close("risk_difference_newcombe_low", "newcombe_low", scale=100)
    close("risk_difference_newcombe_high", "newcombe_high", scale=100)
    # A zero margin too: R's estimate 0 in (0, Inf), and so follicle's.
    for suffix, column in (("", "estimate"), ("_low", "low"), ("_high", "high")):
        close(f"odds_ratio_mle{suffix}", f"fisher_tight_{column}", TIGHT)
        close(f"odds_ratio_mle{suffix}", f"fisher_{column}", LOOSE)


@pytest.mark.parametrize("case", EDGE_TABLES)
def test_edge_tables_match_fisher_test_chisq_test_and_prop_test(case: str) -> None:
    r = TABLES.loc[case]
    cells = np.array([[r["a"], r["b"]], [r["c"], r["d"]]])
    _check_table(analyse_table(cells), r)


@pytest.mark.parametrize("case", COHORT_TABLES)
def test_two_by_two_matches_r_on_the_cohorts(cohorts: dict[str, Cohort], case: str) -> None:
    cohort_name, factor = case.split(".")
    result = two_by_two_tests(cohorts[cohort_name].women)
    assert cohorts[cohort_name].result("two_by_two").values.keys() == result.values.keys()
    rows = result.table.loc[result.table["key"].str.split(".").str[0] == factor]
    assert len(rows) == 2
    first, second = rows.iloc[0], rows.iloc[1]
    r = TABLES.loc[case]
    assert (first["n"], first["total"]) == (r["a"], r["a"] + r["b"])
    assert (second["n"], second["total"]) == (r["c"], r["c"] + r["d"])
    assert first["p"] == result.values[f"{factor}.primary_p"]
    assert first["or"] == result.values[f"{factor}.odds_ratio"]
    prefix = f"{factor}."
    ours = {k[len(prefix) :]: v for k, v in result.values.items() if k.startswith(prefix)}
    _check_table(ours, r)
    expected_primary = "fisher" if r["min_expected"] < 5 else "chisq"
    assert ours["primary_test"] == expected_primary
    assert ours["primary_p"] == ours[f"{expected_primary}_p"]


@pytest.mark.parametrize("cohort_name", make_inputs.COHORTS)
@pytest.mark.parametrize(
    ("method", "low", "high"),
    [("wilson", "wilson_low", "wilson_high"), ("clopper-pearson", "exact_low", "exact_high")],
)
def test_intervals_of_every_count_item_match_r(
    cohorts: dict[str, Cohort], cohort_name: str, method: str, low: str, high: str
) -> None:
    cohort = cohorts[cohort_name]
    part1 = {name: cohort.result(name) for name in PART1}
    values = intervals(part1, cohort.women, cohort.pregnancies, method=method).values
    rows = COUNTS.loc[COUNTS["case"].str.startswith(f"{cohort_name}.")]
    assert len(rows) > 40
    keys = rows["case"].str.removeprefix(f"{cohort_name}.")
    np.testing.assert_allclose([values[f"{k}.low"] for k in keys], 100 * rows[low], **TOL)
    np.testing.assert_allclose([values[f"{k}.high"] for k in keys], 100 * rows[high], **TOL)
    assert [values[f"{k}.n"] for k in keys] == rows["n"].tolist()


@pytest.mark.parametrize("cohort_name", make_inputs.COHORTS)
def test_intervals_of_the_means_match_t_test(cohorts: dict[str, Cohort], cohort_name: str) -> None:
    values = cohorts[cohort_name].result("intervals").values
    for r_name, name in MEAN_NAMES.items():
        r = MEANS.loc[f"{cohort_name}.{r_name}"]
        assert values[f"{name}_n"] == r["n"]
        ours = [values[name], values[f"{name}_low"], values[f"{name}_high"]]
        np.testing.assert_allclose(ours, r[["mean", "low", "high"]], err_msg=name, **TOL)


@pytest.mark.parametrize("cohort_name", make_inputs.COHORTS)
def test_benchmarks_match_binom_test(cohorts: dict[str, Cohort], cohort_name: str) -> None:
    cohort = cohorts[cohort_name]
    values = benchmarks(cohort.women, cohort.pregnancies).values
    assert cohort.result("benchmarks").values.keys() == values.keys()
    for measure in ("spontaneous_pregnancy", "ivf_pregnancy", "live_birth"):
        r = RATES.loc[f"{cohort_name}.{measure}"]
        assert (values[f"{measure}.n"], values[f"{measure}.total"]) == (r["n"], r["total"])
        ours = [values[f"{measure}.low"], values[f"{measure}.high"]]
        np.testing.assert_allclose(ours, 100 * r[["wilson_low", "wilson_high"]], **TOL)
    rows = BENCH.loc[BENCH["cohort"] == cohort_name]
    assert len(rows) == 8
    ours_p = [values[f"{m}.{i}.p"] for m, i in zip(rows["measure"], rows["id"], strict=True)]
    np.testing.assert_allclose(np.asarray(ours_p, dtype=float), rows["p_value"], **TOL)
