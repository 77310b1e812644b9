"""Table 3 and the baby outcomes, checked by hand on the small fixture."""

from __future__ import annotations

import pytest

from follicle.analysis.cohort import Cohort
from follicle.analysis.safety_tables import COVERED_INFANT_CONDITIONS
from follicle.workbook.schema import INFANT_CONDITIONS, MATERNAL_CONDITIONS


def test_every_infant_condition_has_a_table3_row() -> None:
    assert set(INFANT_CONDITIONS) == COVERED_INFANT_CONDITIONS


def test_table3_shows_every_maternal_condition_with_zeros(small: Cohort) -> None:
    result = small.result("table3")
    maternal = result.table.loc[result.table["section"] == "maternal"]
    assert list(maternal["key"]) == [*MATERNAL_CONDITIONS, "autoimmune_any", "ectopic_pregnancy"]
    v = result.values
    assert (v["maternal.ovarian_cyst.n"], v["maternal.ovarian_cyst.total"]) == (1, 4)
    assert v["maternal.ovarian_cyst.pct"] == pytest.approx(25.0)
    assert all(v[f"maternal.{c}.n"] == 0 for c in MATERNAL_CONDITIONS if c != "ovarian_cyst")
    assert v["maternal.ectopic_pregnancy.n"] == 0


def test_table3_fetal_outcomes_by_hand(small: Cohort) -> None:
    v = small.result("table3").values
    assert v["fetal.total"] == 4
    assert (v["fetal.miscarriage.n"], v["fetal.miscarriage.pct"]) == (2, 50.0)
    assert (v["fetal.thyroid_disorder.n"], v["fetal.thyroid_disorder.infants"]) == (1, 1)
    assert v["fetal.death_first_year.n"] == 0
    assert v["fetal.childhood_cancer.n"] == 0


def test_table3_counts_deaths_within_365_days_and_pooled_cancers(generated: Cohort) -> None:
    v = generated.result("table3").values
    infants = generated.workbook["infants"]
    ids = generated.pregnancies["pregnancy_id"]
    infants = infants.loc[infants["pregnancy_id"].isin(ids)]
    lived = (infants["death_date"] - infants["birth_date"]).dt.days
    assert v["fetal.death_first_year.infants"] == int(lived.le(365).sum())
    assert lived.gt(365).any()  # a later death is not counted
    conds = generated.workbook["infant_conditions"]
    cancers = conds.loc[conds["condition"].isin(["lymphoma", "childhood_cancer_other"])]
    assert v["fetal.childhood_cancer.infants"] == cancers["infant_id"].nunique()
    ectopic = generated.pregnancies.loc[generated.pregnancies["outcome"] == "ectopic"]
    assert v["maternal.ectopic_pregnancy.n"] == ectopic["participant_id"].nunique() > 0


def test_baby_outcomes_by_hand(small: Cohort) -> None:
    result = small.result("baby_outcomes")
    v = result.values
    assert (v["pregnancies"], v["live_birth_pregnancies"], v["miscarriages"]) == (4, 2, 2)
    assert (v["infants"], v["multiple_births"]) == (3, 1)
    assert v["live_birth_rate_per_treatment_cycle.pct"] == pytest.approx(75.0)  # 3 / 4 women
    assert v["live_birth_rate_per_pregnancy.pct"] == pytest.approx(75.0)  # 3 / 4 pregnancies
    assert (v["ivf_live_birth_rate.n"], v["ivf_live_birth_rate.total"]) == (2, 2)  # twins
    assert v["ivf_live_birth_pregnancies"] == 1
    assert any("twin birth counts twice" in note for note in result.notes)


def test_baby_outcomes_show_the_twin_pregnancies(small: Cohort) -> None:
    table = small.baby_outcomes()
    rows = dict(zip(table["item"], table["n"], strict=True))
    assert rows["Twin (multiple) pregnancies"] == table.attrs["values"]["multiple_births"] == 1
    items = list(table["item"])
    assert items.index("Twin (multiple) pregnancies") == 2  # after the live births
