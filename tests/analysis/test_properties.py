"""Invariants of Part 1 on generated cohorts of many seeds: counts add up, percentages are
percentages, p-values are probabilities."""

from __future__ import annotations

import math
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from analysis.cohorts import generated_workbook
from follicle.analysis.cohort import Cohort
from follicle.analysis.result import Result

# Rates that count infants (a twin counts twice) may exceed 100 %.
INFANT_RATES = (
    "live_birth_rate_per_treatment_cycle",
    "live_birth_rate_per_pregnancy",
    "ivf_live_birth_rate",
)


def _cohort(seed: int) -> Cohort:
    with tempfile.TemporaryDirectory() as folder:
        return Cohort(generated_workbook(Path(folder) / "wb", seed=seed))


def _check_percentages(result: Result) -> None:
    for name, value in result.values.items():
        if not name.endswith(".pct") or any(name.startswith(r) for r in INFANT_RATES):
            continue
        assert isinstance(value, float)
        assert math.isnan(value) or 0.0 <= value <= 100.0, (result.name, name, value)
        stem = name.removesuffix(".pct")
        if f"{stem}.n" not in result.values:
            continue  # an estimate in percent (a cumulative incidence), not a count item
        n, total = result.values[f"{stem}.n"], result.values[f"{stem}.total"]
        assert 0 <= n <= total  # type: ignore[operator]
        if total:
            assert value == 100.0 * n / total  # type: ignore[operator]


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(min_value=0, max_value=2**31 - 1))
def test_part1_invariants_hold_for_any_generated_cohort(seed: int) -> None:
    cohort = _cohort(seed)
    results = cohort.results()
    n, pregnancies = len(cohort.women), len(cohort.pregnancies)
    for result in results.values():
        _check_percentages(result)

    t1 = results["table1"].values
    for prefix, levels in (
        ("injections", ("1", "2", "3_plus")),
        ("menses_baseline", ("regular", "irregular", "amenorrhea")),
        ("menses_followup", ("regular", "irregular", "amenorrhea", "menopause", "unknown")),
    ):
        assert sum(t1[f"{prefix}.{level}.n"] for level in levels) == n  # type: ignore[misc]
    assert t1["age_under_35.n"] + t1["age_35_or_over.n"] == n  # type: ignore[operator]
    assert t1["age_min"] <= t1["age_mean"] <= t1["age_max"]  # type: ignore[operator]

    p = results["pregnancy"].values
    parts = ("spontaneous_only", "ivf_only", "both", "other_mode_only")
    assert sum(p[f"pregnant_{k}.n"] for k in parts) == p["women_pregnant.n"]  # type: ignore[misc]
    assert p["pregnancies"] == pregnancies >= p["women_pregnant.n"]  # type: ignore[operator]
    modes = ("pregnancies_spontaneous", "pregnancies_ivf", "pregnancies_other_mode")
    assert sum(p[k] for k in modes) == pregnancies  # type: ignore[misc]

    t2 = results["table2"].values
    for factor in ("age", "menses", "injections"):
        p_value, chi2 = t2[f"{factor}.p"], t2[f"{factor}.chi2"]
        if p_value is not None:
            assert 0.0 <= p_value <= 1.0
            assert chi2 >= 0
    assert t2["age.under_35.n"] + t2["age.35_or_over.n"] == t2["overall.n"]  # type: ignore[operator]

    f1 = results["figure1"]
    assert f1.table["total"].sum() == pregnancies
    assert results["figure2"].values["n"] == p["women_pregnant.n"]

    t3 = results["table3"].values
    assert t3["fetal.miscarriage.n"] == results["baby_outcomes"].values["miscarriages"]
    b = results["baby_outcomes"].values
    assert b["live_birth_pregnancies"] <= b["infants"] <= 2 * b["live_birth_pregnancies"]  # type: ignore[operator]
