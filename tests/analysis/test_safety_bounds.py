"""Safety with exact intervals, zero-event bounds and incidence (R agreement: test_r_safety)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from analysis.test_icmart import _infant, _pregnancy, tiny_cohort
from follicle.analysis.cohort import Cohort
from follicle.analysis.result import Result
from follicle.analysis.safety_bounds import (
    EXTRA_MATERNAL,
    PREGNANCY_ROWS,
    poisson_rate_ci,
    safety_bounds,
    woman_years,
)
from follicle.workbook.frames import Workbook
from follicle.workbook.schema import INFANT_CONDITIONS, MATERNAL_CONDITIONS

#: The tiny cohorts' follow-up: 2018-08-04 to 2023-02-01.
FOLLOWUP_DAYS = 1642


def _safety(cohort: Cohort, level: float = 0.95) -> Result:
    wb = cohort.workbook
    return safety_bounds(
        cohort.women,
        cohort.pregnancies,
        conditions=wb["conditions"],
        infants=wb["infants"],
        infant_conditions=wb["infant_conditions"],
        level=level,
    )


def _condition(pid: str, condition: str, when: str = "") -> dict[str, str]:
    return {"participant_id": pid, "condition": condition, "diagnosis_date": when}


def test_every_condition_has_a_row_zeros_included(seed_cohort: Cohort) -> None:
    table = _safety(seed_cohort).table
    keys = list(zip(table["section"], table["key"], strict=True))
    assert keys == (
        [("maternal", c) for c in MATERNAL_CONDITIONS]
        + [("maternal", k) for k, _ in EXTRA_MATERNAL]
        + [("pregnancy", k) for k, _ in PREGNANCY_ROWS]
        + [("infant", "death_first_year")]
        + [("infant", c) for c in INFANT_CONDITIONS]
    )
    assert (table["n"] == 0).sum() > 10


def test_seed_cohort_one_ovarian_cyst_and_the_rule_of_three(seed_cohort: Cohort) -> None:
    values = _safety(seed_cohort).values
    assert (values["maternal.ovarian_cyst.n"], values["maternal.ovarian_cyst.total"]) == (1, 105)
    np.testing.assert_allclose(
        values["maternal.endometriosis.upper"], 100 * (1 - 0.05 ** (1 / 105))
    )
    assert abs(values["maternal.endometriosis.upper"] - 300 / 105) < 0.1  # ≈ 3/N
    assert values["maternal.endometriosis.low"] == 0.0
    assert values["infant.total"] == 32
    assert (values["pregnancy.miscarriage.n"], values["pregnancy.miscarriage.total"]) == (12, 43)


def test_counts_agree_with_table_3(seed_cohort: Cohort, generated: Cohort) -> None:
    for cohort in (seed_cohort, generated):
        ours = _safety(cohort).values
        table3 = cohort.result("table3").values
        for key in [*MATERNAL_CONDITIONS, "autoimmune_any", "ectopic_pregnancy"]:
            assert ours[f"maternal.{key}.n"] == table3[f"maternal.{key}.n"], key
        for key in ("miscarriage", "stillbirth"):
            assert ours[f"pregnancy.{key}.n"] == table3[f"fetal.{key}.n"], key
        assert ours["infant.death_first_year.n"] == table3["fetal.death_first_year.infants"]
        assert ours["infant.leukemia.n"] == table3["fetal.leukemia.infants"]


def test_intervals_contain_estimates_and_bounds_exceed_them(generated: Cohort) -> None:
    table = _safety(generated).table
    assert (table["low"] <= table["pct"]).all()
    assert (table["pct"] <= table["high"]).all()
    assert (table["pct"] <= table["upper_one_sided"]).all()
    assert (table["upper_one_sided"] <= table["high"]).all()  # one-sided 95 % < two-sided 97.5 %
    rated = table.loc[table["section"].ne("pregnancy")]
    assert (rated["rate_low"] <= rated["rate"]).all()
    assert (rated["rate"] <= rated["rate_high"]).all()
    assert table.loc[table["section"].eq("pregnancy"), "rate"].isna().all()


def test_a_lower_level_gives_narrower_intervals(seed_cohort: Cohort) -> None:
    wide, narrow = _safety(seed_cohort).values, _safety(seed_cohort, level=0.9).values
    assert narrow["maternal.ovarian_cyst.high"] < wide["maternal.ovarian_cyst.high"]
    assert narrow["maternal.ovarian_cyst.rate_high"] < wide["maternal.ovarian_cyst.rate_high"]
    assert any("90 %" in n for n in _safety(seed_cohort, level=0.9).notes)


def test_woman_years_run_from_the_first_injection_and_incidence_per_100() -> None:
    cohort = tiny_cohort(
        ["P1", "P2"],
        conditions=[
            _condition("P1", "ovarian_cyst", "2019-05-01"),
            _condition("P1", "ovarian_cyst", "2020-05-01"),  # same woman: counts once
            _condition("P2", "ovarian_cyst"),  # undated: counted, as in Table 3
            _condition("P2", "breast_cancer", "2018-08-01"),  # before the first injection
        ],
    )
    assert woman_years(cohort.women) == pytest.approx(2 * FOLLOWUP_DAYS / 365.25, rel=1e-12)
    values = _safety(cohort).values
    assert values["maternal.ovarian_cyst.n"] == 2
    assert values["maternal.breast_cancer.n"] == 0
    assert values["maternal.ovarian_cyst.rate"] == pytest.approx(
        100 * 2 / (2 * FOLLOWUP_DAYS / 365.25), rel=1e-12
    )


def test_infants_are_the_denominator_twins_twice_a_stillborn_twin_not() -> None:
    cohort = tiny_cohort(
        ["P1", "P2"],
        [
            _pregnancy("G1", "P1", "2019-01-10", "live_birth", "2019-09-20", fetuses="2"),
            _pregnancy("G2", "P2", "2019-02-10", "live_birth", "2019-10-20", fetuses="2"),
        ],
        [
            _infant("B1", "G1", "2019-09-20", died="2020-09-19"),  # day 365: first year
            _infant("B2", "G1", "2019-09-20", died="2020-09-20"),  # day 366: not
            _infant("B3", "G2", "2019-10-20"),  # its twin was stillborn
        ],
        infant_conditions=[
            {"infant_id": "B3", "condition": "thyroid_disorder"},
            {"infant_id": "B3", "condition": "thyroid_disorder"},
        ],
    )
    result = _safety(cohort)
    values = result.values
    assert values["infant.total"] == 3
    assert values["infant.death_first_year.n"] == 1
    assert values["infant.thyroid_disorder.n"] == 1
    end = np.datetime64("2023-02-01")
    days = (
        (np.datetime64("2020-09-19") - np.datetime64("2019-09-20"))
        + (np.datetime64("2020-09-20") - np.datetime64("2019-09-20"))
        + (end - np.datetime64("2019-10-20"))
    ).astype(int)
    assert values["infant.child_years"] == pytest.approx(days / 365.25, rel=1e-12)


def test_unrecorded_infants_count_in_n_and_are_followed_from_the_outcome() -> None:
    cohort = tiny_cohort(
        ["P1"], [_pregnancy("G1", "P1", "2019-01-10", "live_birth", "2019-09-20", fetuses="2")]
    )
    result = _safety(cohort)
    days = (np.datetime64("2023-02-01") - np.datetime64("2019-09-20")).astype(int)
    assert result.values["infant.total"] == 2
    assert result.values["infant.child_years"] == pytest.approx(2 * days / 365.25, rel=1e-12)
    assert any("2 infants born alive have no infant record" in n for n in result.notes)


def test_no_pregnancy_leaves_infant_rows_undefined_not_missing() -> None:
    result = _safety(tiny_cohort(["P1", "P2", "P3"]))
    values = result.values
    assert values["infant.total"] == 0
    assert math.isnan(values["infant.autism_spectrum.pct"])
    assert math.isnan(values["infant.autism_spectrum.upper"])
    assert math.isnan(values["infant.autism_spectrum.rate"])
    np.testing.assert_allclose(values["maternal.other.upper"], 100 * (1 - 0.05 ** (1 / 3)))


def test_an_empty_cohort_has_every_row_and_no_warning() -> None:
    result = _safety(Cohort(Workbook.from_frames({})))
    assert len(result.table) == len(MATERNAL_CONDITIONS) + 2 + 2 + 1 + len(INFANT_CONDITIONS)
    assert result.values["maternal.woman_years"] == 0.0
    assert math.isnan(result.values["maternal.ovarian_cyst.rate"])
    assert math.isnan(result.values["maternal.ovarian_cyst.low"])


def test_poisson_interval_edges() -> None:
    low, high = poisson_rate_ci([0, 3, 2], [10.0, 0.0, 5.0])
    assert low[0] == 0.0
    assert high[0] == pytest.approx(-math.log(0.025) / 10.0, rel=1e-12)  # qgamma(.975, 1)
    assert math.isnan(low[1])
    assert math.isnan(high[1])
    assert 0 < low[2] < 2 / 5 < high[2]
    with pytest.raises(ValueError, match="level"):
        poisson_rate_ci(1, 1.0, level=95)
