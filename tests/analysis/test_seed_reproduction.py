"""The seed cohort gives back what Zafardoust et al. (2025) printed, to the printed rounding.

The published numbers are typed here, in the test, from shared/reference/seed_published.md
(the Cohort, Pregnancy and Outcomes tables) — never in src/. Where the paper contradicts
itself, the test pins the recomputed value and names the inconsistency (numbered as in
seed_published.md, "Reported inconsistencies").
"""

from __future__ import annotations

import math

import pytest

from follicle.analysis.cohort import Cohort
from follicle.workbook.schema import MATERNAL_CONDITIONS


def r2(x: object, digits: int = 2) -> float:
    """Round as a paper prints (half away from zero is irrelevant at these values)."""
    return round(float(x), digits)  # type: ignore[arg-type]


def truncated(x: object, digits: int = 1) -> float:
    """The paper sometimes truncates instead of rounding (13.19 printed 13.1)."""
    return math.floor(float(x) * 10**digits) / 10**digits  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def v(seed_cohort: Cohort) -> dict[str, object]:
    """Every value of Part 1, prefixed with its result's name."""
    return {
        f"{name}.{key}": value
        for name, result in seed_cohort.results().items()
        for key, value in result.values.items()
    }


# -- Cohort (Results, Table 1) ---------------------------------------------------------


def test_women_and_age_at_first_injection(v: dict) -> None:
    assert v["table1.n_women"] == 105
    assert (r2(v["table1.age_mean"]), r2(v["table1.age_sd"])) == (37.91, 4.98)
    assert (v["table1.age_min"], v["table1.age_max"]) == (24, 45)


def test_women_under_and_over_35(v: dict) -> None:
    assert (v["table1.age_under_35.n"], v["table1.age_35_or_over.n"]) == (23, 82)


def test_age_at_follow_up(v: dict) -> None:
    assert f"{v['table1.age_followup_mean']:.2f} ± {v['table1.age_followup_sd']:.2f}" == (
        "41.98 ± 5.00"
    )


def test_injections_given_from_aug_2018_to_sep_2021(v: dict) -> None:
    assert str(v["table1.injection_period_start"]).startswith("2018-08-")
    assert str(v["table1.injection_period_end"]).startswith("2021-09-")


def test_one_and_two_injections(v: dict) -> None:
    assert (v["table1.injections.1.n"], v["table1.injections.2.n"]) == (70, 35)


def test_follow_up_from_the_last_injection(v: dict) -> None:
    assert r2(v["table1.followup_years_mean"]) == 3.72
    assert r2(v["table1.followup_years_min"], 1) == 2.5
    assert r2(v["table1.followup_years_max"], 0) == 6
    # Inconsistency 1: Table 1 prints 3.14; the ages (37.91 -> 41.98) support 3.72.
    assert r2(v["table1.followup_years_mean"]) != 3.14


def test_menses_before_injection_and_at_follow_up(v: dict) -> None:
    assert (v["table1.menses_baseline.regular.n"], v["table1.menses_baseline.irregular.n"]) == (
        91,
        14,
    )
    followup = tuple(
        v[f"table1.menses_followup.{m}.n"] for m in ("regular", "irregular", "menopause")
    )
    assert followup == (84, 16, 5)


def test_transitions_from_regular_menses(v: dict) -> None:
    assert v["menstrual_transitions.regular.irregular.n"] == 12
    assert truncated(v["menstrual_transitions.regular.irregular.pct"]) == 13.1  # printed 13.1
    assert v["menstrual_transitions.regular.menopause.n"] == 1
    # Inconsistency 3: "1 woman (1.9 %)" of 91 is 1.10 %.
    assert r2(v["menstrual_transitions.regular.menopause.pct"]) == 1.10


def test_transitions_from_irregular_menses(v: dict) -> None:
    assert v["menstrual_transitions.irregular.regular.n"] == 6
    assert v["menstrual_transitions.irregular.menopause.n"] == 4
    # Inconsistency 2: the text's 25 % and 16 % divide by "24"; Table 1's 14 closes the
    # transitions (84 = 91 - 12 - 1 + 6), giving 42.86 % and 28.57 %.
    assert v["menstrual_transitions.irregular.total"] == 14
    assert r2(v["menstrual_transitions.irregular.regular.pct"]) == 42.86
    assert r2(v["menstrual_transitions.irregular.menopause.pct"]) == 28.57


# -- Pregnancy (Results, Table 2, Figures 1-2) ------------------------------------------


def test_women_pregnant(v: dict) -> None:
    assert v["pregnancy.women_pregnant.n"] == 38
    assert r2(v["pregnancy.women_pregnant.pct"]) == 36.19
    assert r2(v["table2.overall.pct"]) == 36.19  # inconsistency 4: not 36.15


def test_spontaneous_ivf_and_both(v: dict) -> None:
    assert v["pregnancy.pregnant_spontaneous.n"] == 27
    assert r2(v["pregnancy.pregnant_spontaneous.pct"], 1) == 25.7
    assert v["pregnancy.pregnant_ivf.n"] == 13
    assert v["pregnancy.pregnant_both.n"] == 2
    assert v["pregnancy.pregnant_spontaneous_only.n"] == 25
    assert v["pregnancy.pregnant_ivf_only.n"] == 11


def test_repeat_pregnancies(v: dict) -> None:
    # "One woman became pregnant twice, and another three times": pregnancies of one mode.
    assert v["pregnancy.women_with_2_pregnancies_same_mode"] == 1
    assert v["pregnancy.women_with_3_pregnancies_same_mode"] == 1
    # Inconsistency 10: 43 = 38 + 1 + 2 + 2 only if the two "both" women count twice.
    assert v["pregnancy.women_with_2_pregnancies"] == 3


def test_months_to_spontaneous_pregnancy(v: dict) -> None:
    assert r2(v["pregnancy.months_spontaneous_median"], 0) == 3
    assert r2(v["pregnancy.months_spontaneous_min"], 0) == 1
    assert r2(v["pregnancy.months_spontaneous_max"], 0) == 24
    whole = (
        v["pregnancy.months_spontaneous_whole_min"],
        v["pregnancy.months_spontaneous_whole_max"],
    )
    assert whole == (1, 24)  # Figure 1's whole months span the same range


def test_ivf_treated_women_and_the_twin_pregnancy(v: dict) -> None:
    assert v["pregnancy.ivf_treated.n"] == 54
    assert (v["pregnancy.pregnant_ivf.n"], v["pregnancy.pregnant_ivf.total"]) == (13, 54)
    assert r2(v["pregnancy.pregnant_ivf.pct"], 0) == 24
    assert v["pregnancy.multiple_pregnancies_ivf"] == 1


def test_months_to_ivf_pregnancy(v: dict) -> None:
    assert r2(v["pregnancy.months_ivf_median"], 1) == 5.5
    # Inconsistency 5: the discussion's "5 months" is the whole-month median.
    assert v["pregnancy.months_ivf_whole_median"] == 5
    assert r2(v["pregnancy.months_ivf_min"], 0) == 2
    assert r2(v["pregnancy.months_ivf_max"], 0) == 13


def test_pregnancy_by_age(v: dict) -> None:
    assert (v["table2.age.under_35.n"], v["table2.age.under_35.total"]) == (12, 23)
    assert r2(v["table2.age.under_35.pct"]) == 52.17
    assert (v["table2.age.35_or_over.n"], v["table2.age.35_or_over.total"]) == (26, 82)
    assert r2(v["table2.age.35_or_over.pct"], 1) == 31.7
    assert r2(v["table2.age.chi2"], 4) == 2.4321
    assert v["table2.age.df"] == 1
    assert r2(v["table2.age.p"], 4) == 0.1189
    # Inconsistency 6: "significantly higher odds" under 35, although p = 0.1189.
    assert v["table2.age.p"] > 0.05


def test_pregnancy_by_menses(v: dict) -> None:
    assert (v["table2.menses.regular.n"], v["table2.menses.regular.total"]) == (33, 91)
    assert r2(v["table2.menses.regular.pct"]) == 36.26
    assert (v["table2.menses.irregular.n"], v["table2.menses.irregular.total"]) == (5, 14)
    assert r2(v["table2.menses.irregular.pct"], 1) == 35.7
    # Inconsistency 9: exactly 0 mathematically; R's (and follicle's) noise is 6.0062e-31.
    assert f"{v['table2.menses.chi2']:.4e}" == "6.0062e-31"
    assert v["table2.menses.df"] == 1
    assert r2(v["table2.menses.p"], 4) == 1


def test_pregnancy_by_injections(v: dict) -> None:
    assert (v["table2.injections.1.n"], v["table2.injections.1.total"]) == (29, 70)
    assert r2(v["table2.injections.1.pct"], 1) == 41.4
    assert (v["table2.injections.2.n"], v["table2.injections.2.total"]) == (9, 35)
    assert r2(v["table2.injections.2.pct"]) == 25.71
    # The paper reports no test here; follicle computes one.
    assert 0 < v["table2.injections.p"] < 1


def test_ages_of_the_women_who_became_pregnant(v: dict) -> None:
    assert v["figure2.n"] == 38
    assert v["figure2.median"] == 36
    assert (v["figure2.min"], v["figure2.max"]) == (24, 43)
    assert v["figure2.lower_whisker"] == 24
    # Inconsistency 12: whiskers "24 to 42" with a maximum of 43 and median 36 are
    # impossible under R's rule; the upper whisker is the maximum, 43.
    assert v["figure2.upper_whisker"] == 43
    assert v["figure2.n_outliers"] == 0


# -- Outcomes and safety (Results, Table 3) ----------------------------------------------


def test_pregnancies_miscarriages_live_births_infants(v: dict) -> None:
    assert v["baby_outcomes.pregnancies"] == 43
    assert v["baby_outcomes.miscarriages"] == 12
    assert v["baby_outcomes.live_birth_pregnancies"] == 31
    assert v["baby_outcomes.infants"] == 32
    assert v["baby_outcomes.multiple_births"] == 1


def test_the_published_live_birth_rates(v: dict) -> None:
    assert r2(v["baby_outcomes.live_birth_rate_per_treatment_cycle.pct"]) == 30.48
    assert r2(v["baby_outcomes.live_birth_rate_per_pregnancy.pct"]) == 74.42
    assert truncated(v["baby_outcomes.ivf_live_birth_rate.pct"]) == 16.6  # 9 / 54 = 16.67
    assert (
        v["baby_outcomes.ivf_live_birth_rate.n"],
        v["baby_outcomes.ivf_live_birth_rate.total"],
    ) == (
        9,
        54,
    )


def test_maternal_conditions(v: dict) -> None:
    assert v["table3.maternal.total"] == 105
    assert v["table3.maternal.ovarian_cyst.n"] == 1
    zero = [c for c in MATERNAL_CONDITIONS if c != "ovarian_cyst"]
    assert all(v[f"table3.maternal.{c}.n"] == 0 for c in zero)
    assert v["table3.maternal.ectopic_pregnancy.n"] == 0
    assert v["table3.maternal.autoimmune_any.n"] == 0


def test_fetal_and_neonatal_outcomes(v: dict) -> None:
    assert v["table3.fetal.total"] == 43
    assert v["table3.fetal.miscarriage.n"] == 12  # the paper's "abortion"
    for key in (
        "death_first_year",
        "leukemia",
        "autism",
        "childhood_cancer",
        "thyroid_disorder",
        "congenital_anomaly",
        "other",
    ):
        assert v[f"table3.fetal.{key}.n"] == 0, key
