"""The bundled seed cohort gives back every aggregate Zafardoust et al. (2025) publish.

Each aggregate is recomputed here from the individual rows, with the definitions of
shared/spec/analysis.md, and compared with the published value at the published rounding
(shared/reference/seed_published.md). Nothing from follicle is used but the folder and the
schema, so that these tests hold the data, not an implementation.
"""

from __future__ import annotations

import math
import re
import subprocess
import sys
from datetime import date
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from follicle.workbook import seed
from follicle.workbook.schema import RULES_BY_CODE, TABLES, TABLES_BY_NAME

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "make_seed_cohort.py"
DAYS_PER_YEAR = 365.25
DAYS_PER_MONTH = 30.4375


# ----------------------------------------------------------------------------- loading
@pytest.fixture(scope="module")
def raw() -> dict[str, pd.DataFrame]:
    """Every table as text, exactly as in the files ("" = empty cell)."""
    folder = seed.path()
    return {
        t.name: pd.read_csv(folder / t.filename, dtype=str, keep_default_na=False) for t in TABLES
    }


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    out = frame.copy()
    for c in columns:
        out[c] = pd.to_datetime(out[c].replace("", None), format="%Y-%m-%d")
    return out


def completed_years(birth: pd.Series, on: pd.Series) -> pd.Series:
    """Completed years of age (anniversary rule)."""
    before = (on.dt.month < birth.dt.month) | (
        (on.dt.month == birth.dt.month) & (on.dt.day < birth.dt.day)
    )
    return on.dt.year - birth.dt.year - before.astype(int)


@pytest.fixture(scope="module")
def tables(raw: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {
        "participants": _dates(raw["participants"], "birth_date", "consent_date"),
        "injections": _dates(raw["injections"], "injection_date"),
        "contacts": _dates(raw["contacts"], "contact_date"),
        "conditions": _dates(raw["conditions"], "diagnosis_date"),
        "ivf_cycles": _dates(raw["ivf_cycles"], "start_date"),
        "pregnancies": _dates(raw["pregnancies"], "conception_date", "outcome_date"),
        "infants": _dates(raw["infants"], "birth_date", "death_date"),
        "infant_conditions": raw["infant_conditions"],
    }


@pytest.fixture(scope="module")
def women(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """One row per woman with the derived variables of analysis.md."""
    p = tables["participants"].set_index("participant_id")
    inj = tables["injections"].groupby("participant_id").injection_date
    contacts = tables["contacts"].sort_values(["participant_id", "contact_date"])
    with_menses = contacts[contacts.menses != ""]
    pregs = tables["pregnancies"]
    out = pd.DataFrame(index=p.index)
    out["first_injection"] = inj.min()
    out["last_injection"] = inj.max()
    out["injections"] = inj.size()
    out["end"] = contacts.groupby("participant_id").contact_date.max()
    out["age"] = completed_years(p.birth_date, out.first_injection)
    out["age_followup"] = completed_years(p.birth_date, out.end)
    out["followup_years"] = (out.end - out.last_injection).dt.days / DAYS_PER_YEAR
    out["menses_baseline"] = p.menses_baseline
    out["menses_followup"] = with_menses.groupby("participant_id").menses.last()
    out["pregnancies"] = pregs.groupby("participant_id").size().reindex(out.index, fill_value=0)
    out["pregnant"] = out.pregnancies > 0
    for mode in ("spontaneous", "ivf"):
        ids = set(pregs.participant_id[pregs["mode"] == mode])
        out[f"pregnant_{mode}"] = out.index.isin(ids)
    out["both"] = out.pregnant_spontaneous & out.pregnant_ivf
    out["ivf_treated"] = out.index.isin(set(tables["ivf_cycles"].participant_id))
    return out


@pytest.fixture(scope="module")
def months(tables: dict[str, pd.DataFrame]) -> pd.DataFrame:
    """Each pregnancy with its months from the most recent injection on or before it."""
    inj = tables["injections"]
    rows = []
    for _, p in tables["pregnancies"].iterrows():
        mine = inj.injection_date[inj.participant_id == p.participant_id]
        ref = mine[mine <= p.conception_date].max()
        rows.append((p.pregnancy_id, p["mode"], (p.conception_date - ref).days / DAYS_PER_MONTH))
    return pd.DataFrame(rows, columns=["pregnancy_id", "mode", "months"])


def r(x: float, digits: int) -> str:
    return f"{x:.{digits}f}"


def pct(n: int, d: int) -> str:
    return f"{100 * n / d:.2f}"


# ------------------------------------------------------------------------ the cohort
def test_there_are_105_women_at_one_site_all_in_the_mensc_arm(tables):
    p = tables["participants"]
    assert len(p) == 105
    assert p.site.nunique() == 1
    assert p.site.iloc[0] == "Avicenna Fertility Center"
    assert set(p.arm) == {"MenSC"}
    assert set(tables["injections"]["product"]) == {"MenSC"}


def test_injections_fall_between_august_2018_and_september_2021(tables):
    dates = tables["injections"].injection_date
    assert (dates.min().year, dates.min().month) == (2018, 8)
    assert (dates.max().year, dates.max().month) == (2021, 9)


def test_70_women_had_one_injection_and_35_had_two(women):
    assert women.injections.value_counts().to_dict() == {1: 70, 2: 35}


def test_mean_age_at_first_injection_is_37_91_sd_4_98_range_24_to_45(women):
    assert r(women.age.mean(), 2) == "37.91"
    assert r(women.age.std(ddof=1), 2) == "4.98"
    assert (women.age.min(), women.age.max()) == (24, 45)


def test_23_women_are_under_35_and_82_are_35_or_older(women):
    assert (women.age < 35).sum() == 23
    assert (women.age >= 35).sum() == 82


def test_mean_age_at_follow_up_is_41_98_sd_5_00(women):
    assert r(women.age_followup.mean(), 2) == "41.98"
    assert r(women.age_followup.std(ddof=1), 2) == "5.00"


def test_ages_agree_whether_computed_by_anniversary_or_by_days(women, tables):
    birth = tables["participants"].set_index("participant_id").birth_date
    for when, age in ((women.first_injection, women.age), (women.end, women.age_followup)):
        by_days = np.floor((when - birth).dt.days / DAYS_PER_YEAR).astype(int)
        assert (by_days == age).all()


def test_follow_up_from_last_injection_is_mean_3_72_min_2_5_max_6(women):
    fu = women.followup_years
    assert r(fu.mean(), 2) == "3.72"
    assert r(fu.min(), 1) == "2.5"
    assert r(fu.max(), 1) == "6.0"


def test_the_latest_contact_is_a_final_phone_call_between_2022_and_mid_2025(tables):
    contacts = tables["contacts"].sort_values(["participant_id", "contact_date"])
    last = contacts.groupby("participant_id").tail(1)
    assert len(last) == 105
    assert set(last["mode"]) == {"phone"}
    assert set(last.milestone) == {"final"}
    assert set(last.checklist_complete) == {"yes"}
    assert (last.menses != "").all()
    assert last.contact_date.min() >= pd.Timestamp("2022-01-01")
    assert last.contact_date.max() <= pd.Timestamp("2025-06-30")
    # exactly one final contact per woman, and it is the latest
    assert (contacts.milestone == "final").sum() == 105
    assert not contacts.duplicated(["participant_id", "contact_date"]).any()


def test_contacts_follow_the_scheduled_visits_and_consent_precedes_injection(tables, women):
    c = tables["contacts"]
    assert set(c.milestone) == {"3m", "6m", "12m", "annual", "final"}
    assert set(c["mode"]) == {"clinic", "records", "phone"}
    assert set(c["mode"][c.milestone.isin(["3m", "6m", "12m"])]) == {"clinic"}
    assert set(c.vital_status) == {"alive"}
    p = tables["participants"].set_index("participant_id")
    lead = (women.first_injection - p.consent_date).dt.days
    assert lead.between(1, 60).all()
    assert (p.birth_date < p.consent_date).all()


# -------------------------------------------------------------------------------- menses
def test_menses_at_baseline_are_91_regular_and_14_irregular(women):
    assert women.menses_baseline.value_counts().to_dict() == {"regular": 91, "irregular": 14}


def test_menses_at_follow_up_are_84_regular_16_irregular_5_menopause(women):
    counts = women.menses_followup.value_counts().to_dict()
    assert counts == {"regular": 84, "irregular": 16, "menopause": 5}


def test_menstrual_transitions_are_12_and_1_from_regular_and_6_and_4_from_irregular(women):
    t = pd.crosstab(women.menses_baseline, women.menses_followup)
    assert t.loc["regular"].to_dict() == {"irregular": 12, "menopause": 1, "regular": 78}
    assert t.loc["irregular"].to_dict() == {"irregular": 4, "menopause": 4, "regular": 6}
    # the readings of seed_published (inconsistencies 2 and 3)
    assert pct(12, 91) == "13.19"
    assert pct(6, 14) == "42.86"


def test_some_women_report_menopause_before_their_final_call(tables, women):
    c = tables["contacts"]
    first_meno = c[c.menses == "menopause"].groupby("participant_id").contact_date.min()
    meno = women[women.menses_followup == "menopause"]
    assert set(first_meno.index) == set(meno.index)
    assert (first_meno < meno.end.reindex(first_meno.index)).sum() >= 1
    assert not meno.pregnant.any()


# ----------------------------------------------------------------------------- pregnancy
def test_38_women_became_pregnant_36_19_percent(women):
    assert women.pregnant.sum() == 38
    assert pct(38, 105) == "36.19"


def test_27_women_pregnant_spontaneously_13_by_ivf_and_2_both(women):
    assert women.pregnant_spontaneous.sum() == 27
    assert r(100 * women.pregnant_spontaneous.mean(), 1) == "25.7"
    assert women.pregnant_ivf.sum() == 13
    assert women.both.sum() == 2
    only_spont = women.pregnant_spontaneous & ~women.pregnant_ivf
    only_ivf = women.pregnant_ivf & ~women.pregnant_spontaneous
    assert (only_spont.sum(), only_ivf.sum()) == (25, 11)


def test_43_pregnancies_with_one_woman_twice_one_three_times_and_two_both(women, tables):
    assert len(tables["pregnancies"]) == 43
    repeats = women[women.pregnancies > 1]
    spont_only = repeats[~repeats.both]
    assert sorted(spont_only.pregnancies) == [2, 3]
    assert not spont_only.pregnant_ivf.any()
    assert sorted(repeats[repeats.both].pregnancies) == [2, 2]
    assert (women.pregnancies == 1).sum() == 34
    assert tables["pregnancies"]["mode"].value_counts().to_dict() == {"spontaneous": 30, "ivf": 13}


def test_pregnancy_by_age_group_is_12_of_23_and_26_of_82(women):
    young = women[women.age < 35]
    old = women[women.age >= 35]
    assert (young.pregnant.sum(), len(young)) == (12, 23)
    assert (old.pregnant.sum(), len(old)) == (26, 82)
    assert pct(12, 23) == "52.17"


def test_yates_chi_square_for_age_groups_is_2_4321_p_0_1189(women):
    table = pd.crosstab(women.age < 35, women.pregnant).to_numpy(dtype=float)
    expected = np.outer(table.sum(1), table.sum(0)) / table.sum()
    chi2 = (((np.abs(table - expected) - 0.5).clip(min=0) ** 2) / expected).sum()
    assert r(chi2, 4) == "2.4321"
    assert r(math.erfc(math.sqrt(chi2 / 2)), 4) == "0.1189"


def test_pregnancy_by_baseline_menses_is_33_of_91_and_5_of_14(women):
    by = women.groupby("menses_baseline").pregnant.agg(["sum", "size"])
    assert tuple(by.loc["regular"]) == (33, 91)
    assert tuple(by.loc["irregular"]) == (5, 14)
    assert (pct(33, 91), pct(5, 14)) == ("36.26", "35.71")


def test_pregnancy_by_injections_is_29_of_70_and_9_of_35(women):
    by = women.groupby("injections").pregnant.agg(["sum", "size"])
    assert tuple(by.loc[1]) == (29, 70)
    assert tuple(by.loc[2]) == (9, 35)
    assert (pct(29, 70), pct(9, 35)) == ("41.43", "25.71")


def test_women_with_two_injections_conceived_after_the_second(tables, women):
    pregs = tables["pregnancies"].join(women, on="participant_id")
    two = pregs[pregs.injections == 2]
    assert (two.conception_date > two.last_injection).all()


def test_months_to_spontaneous_pregnancy_median_3_range_1_to_24(months):
    m = months.months[months["mode"] == "spontaneous"]
    assert len(m) == 30
    assert r(m.median(), 0) == "3"
    assert r(m.median(), 1) == "3.0"
    assert (r(m.min(), 1), r(m.max(), 1)) == ("1.0", "24.0")
    # "a large proportion ... within the first 3 months"; "two cases ... after two years"
    assert (m <= 3).sum() > len(m) / 2
    assert (m * DAYS_PER_MONTH > 2 * DAYS_PER_YEAR).sum() == 2


def test_months_to_ivf_pregnancy_median_5_5_range_2_to_13(months):
    m = months.months[months["mode"] == "ivf"]
    assert len(m) == 13
    assert r(m.median(), 1) == "5.5"
    assert (r(m.min(), 1), r(m.max(), 1)) == ("2.0", "13.0")


def test_54_women_had_ivf_after_injection_and_13_of_them_became_pregnant_by_ivf(women):
    assert women.ivf_treated.sum() == 54
    assert (women.ivf_treated & women.pregnant_ivf).sum() == 13
    assert r(100 * 13 / 54, 0) == "24"


def test_each_ivf_pregnancy_names_her_cycle_started_up_to_20_days_before_conception(tables):
    pregs = tables["pregnancies"]
    cycles = tables["ivf_cycles"].set_index("cycle_id")
    ivf = pregs[pregs["mode"] == "ivf"]
    assert (ivf.ivf_cycle_id != "").all()
    assert (pregs.ivf_cycle_id[pregs["mode"] != "ivf"] == "").all()
    cycle = cycles.loc[ivf.ivf_cycle_id]
    assert (cycle.participant_id.to_numpy() == ivf.participant_id.to_numpy()).all()
    gap = (ivf.conception_date.to_numpy() - cycle.start_date.to_numpy()) / np.timedelta64(1, "D")
    assert ((gap >= 0) & (gap <= 20)).all()
    used = cycles.loc[ivf.ivf_cycle_id]
    assert (used.cancelled == "no").all()
    assert (used.embryos_transferred.astype(int) >= 1).all()


def test_ivf_cycles_look_like_poor_responder_cycles(tables):
    c = tables["ivf_cycles"]
    cancelled = c[c.cancelled == "yes"]
    done = c[c.cancelled == "no"]
    assert len(cancelled) > 0
    assert (cancelled.oocytes_retrieved == "").all()
    oocytes = done.oocytes_retrieved.astype(int)
    embryos = done.embryos_transferred.astype(int)
    assert oocytes.between(0, 6).all()
    assert (embryos <= oocytes).all()
    assert embryos.between(0, 2).all()


def test_age_of_the_pregnant_women_median_36_range_24_to_43(women):
    ages = women.age[women.pregnant]
    assert ages.median() == 36
    assert (ages.min(), ages.max()) == (24, 43)


def boxplot_whiskers(values: list[int]) -> tuple[float, float]:
    """R's boxplot.stats(x)$stats[c(1, 5)]: Tukey hinges (fivenum), coef 1.5."""
    x = sorted(values)
    n = len(x)
    n4 = math.floor((n + 3) / 2) / 2
    hinges = [0.5 * (x[math.floor(d) - 1] + x[math.ceil(d) - 1]) for d in (n4, n + 1 - n4)]
    iqr = hinges[1] - hinges[0]
    inside = [v for v in x if hinges[0] - 1.5 * iqr <= v <= hinges[1] + 1.5 * iqr]
    return min(inside), max(inside)


def test_published_whiskers_24_to_42_cannot_hold_with_median_36_and_maximum_43(women):
    ages = women.age[women.pregnant].tolist()
    assert boxplot_whiskers(ages) == (24, 43)  # documented in the README
    # whatever the data: an upper hinge >= 36 puts 43 inside the upper fence whenever
    # 24 is inside the lower one
    for q1 in np.arange(24, 36.5, 0.5):
        for q3 in np.arange(36, 43.5, 0.5):
            low_ok = q1 - 1.5 * (q3 - q1) <= 24
            assert not (low_ok and 43 > q3 + 1.5 * (q3 - q1))


# ------------------------------------------------------------------------------ outcomes
def test_12_miscarriages_and_31_live_births_one_twin_giving_32_infants(tables):
    pregs = tables["pregnancies"]
    assert pregs.outcome.value_counts().to_dict() == {"live_birth": 31, "miscarriage": 12}
    live = pregs[pregs.outcome == "live_birth"]
    assert live.fetuses.value_counts().to_dict() == {"1": 30, "2": 1}
    assert (pregs.fetuses[pregs.outcome != "live_birth"] == "1").all()
    assert live["mode"][live.fetuses == "2"].tolist() == ["ivf"]
    infants = tables["infants"]
    assert len(infants) == 32
    per = infants.pregnancy_id.value_counts()
    assert set(per.index) == set(live.pregnancy_id)
    assert sorted(per.to_numpy()) == [1] * 30 + [2]


def test_live_birth_rates_as_published_are_30_48_and_74_42_percent(tables):
    infants = len(tables["infants"])
    assert pct(infants, 105) == "30.48"
    assert pct(infants, len(tables["pregnancies"])) == "74.42"


def test_ivf_live_birth_rate_16_6_percent_is_9_infants_of_54_ivf_treated_women(tables, women):
    pregs = tables["pregnancies"].set_index("pregnancy_id")
    ivf_infants = (pregs.loc[tables["infants"].pregnancy_id, "mode"] == "ivf").sum()
    assert ivf_infants == 9
    assert math.floor(1000 * ivf_infants / women.ivf_treated.sum()) / 10 == 16.6
    assert ((pregs["mode"] == "ivf") & (pregs.outcome == "live_birth")).sum() == 8


def test_one_ovarian_cyst_during_a_pregnancy_resolved_and_no_other_conditions(tables):
    c = tables["conditions"]
    assert len(c) == 1
    row = c.iloc[0]
    assert (row.condition, row.during_pregnancy, row.resolved) == ("ovarian_cyst", "yes", "yes")
    pregs = tables["pregnancies"]
    hers = pregs[pregs.participant_id == row.participant_id]
    inside = (hers.conception_date <= row.diagnosis_date) & (
        row.diagnosis_date <= hers.outcome_date
    )
    assert inside.sum() == 1


def test_no_ectopic_pregnancy_no_infant_death_and_no_infant_condition(tables):
    assert not (tables["pregnancies"].outcome == "ectopic").any()
    assert tables["infants"].death_date.isna().all()
    assert len(tables["infant_conditions"]) == 0


def test_gestational_ages_birth_dates_and_weights_are_plausible(tables):
    pregs = tables["pregnancies"]
    weeks = pregs.gestational_weeks.astype(float)
    assert (weeks[pregs.outcome == "miscarriage"] < 20).all()
    assert weeks[pregs.outcome == "live_birth"].between(34, 41).all()
    infants = tables["infants"].merge(pregs, on="pregnancy_id", suffixes=("", "_p"))
    assert len(infants) == 32
    assert (infants.birth_date == infants.outcome_date).all()
    assert (infants.gestational_weeks == infants.gestational_weeks_p).all()
    assert set(infants.sex) <= {"female", "male"}
    assert infants.birth_weight_g.astype(int).between(1500, 4500).all()


# ------------------------------------------------------------------- baseline markers
def test_baseline_markers_are_plausible_poor_responder_values_with_some_missing(raw):
    p = raw["participants"]
    for column in ("amh_ng_ml", "afc", "fsh_iu_l", "prior_max_oocytes"):
        assert 0 < (p[column] == "").sum() < 20, column
    amh = p.amh_ng_ml[p.amh_ng_ml != ""].astype(float)
    afc = p.afc[p.afc != ""].astype(int)
    oocytes = p.prior_max_oocytes[p.prior_max_oocytes != ""].astype(int)
    assert (amh < 1.2).mean() > 0.75
    assert (amh >= 1.2).any()  # something for POSEIDON groups 1-2
    assert (afc < 7).mean() > 0.75
    assert (oocytes <= 3).mean() > 0.7
    prior = p.prior_ivf_cycles[p.prior_ivf_cycles != ""].astype(int)
    assert prior.between(0, 6).all()
    no_prior = p[p.prior_ivf_cycles == "0"]
    assert (no_prior.prior_max_oocytes == "").all()


# ------------------------------------------------------------------ format and schema
def test_every_table_has_the_schema_header_in_schema_order():
    folder = seed.path()
    for table in TABLES:
        with open(folder / table.filename, encoding="utf-8") as handle:
            header = handle.readline().rstrip("\n").split(",")
        assert tuple(header) == table.column_names, table.name


def test_ids_follow_the_p_c_g_i_patterns(raw):
    patterns = {
        ("participants", "participant_id"): r"P\d{3}",
        ("ivf_cycles", "cycle_id"): r"C\d{3}",
        ("pregnancies", "pregnancy_id"): r"G\d{3}",
        ("infants", "infant_id"): r"I\d{3}",
    }
    for (table, column), pattern in patterns.items():
        values = raw[table][column]
        assert values.map(lambda v, p=pattern: re.fullmatch(p, v) is not None).all()
        assert values.tolist() == [f"{pattern[0]}{i:03d}" for i in range(1, len(values) + 1)]


def test_every_cell_respects_its_column_definition(raw):
    today = date.today().isoformat()
    for table in TABLES:
        frame = raw[table.name]
        if table.key:
            assert frame[table.key].is_unique, table.name
        for col in table.columns:
            values = frame[col.name]
            filled = values[values != ""]
            where = f"{table.name}.{col.name}"
            if col.required:
                assert len(filled) == len(values), where
            if col.vocabulary:
                assert filled.isin(col.vocabulary).all(), where
            if col.dtype == "date":
                assert filled.str.fullmatch(r"\d{4}-\d{2}-\d{2}").all(), where
                assert (filled <= today).all(), where
                pd.to_datetime(filled, format="%Y-%m-%d")
            if col.dtype == "boolean":
                assert filled.isin(["yes", "no"]).all(), where
            if col.dtype == "integer":
                assert filled.str.fullmatch(r"\d+").all(), where
            if col.dtype in ("integer", "number") and col.minimum is not None:
                x = filled.astype(float)
                assert ((x > col.minimum) if col.exclusive_minimum else (x >= col.minimum)).all()
            if col.references:
                parent, key = col.references.split(".")
                assert filled.isin(set(raw[parent][key])).all(), where


def _rule_checks(t: dict[str, pd.DataFrame], w: pd.DataFrame) -> dict[str, bool]:
    p = t["participants"].set_index("participant_id")
    pregs = t["pregnancies"].join(w, on="participant_id")
    cycles = t["ivf_cycles"].set_index("cycle_id")
    named = pregs[pregs.ivf_cycle_id != ""]
    contacts = t["contacts"].join(p.consent_date, on="participant_id")
    infants = t["infants"].merge(t["pregnancies"], on="pregnancy_id", suffixes=("", "_p"))
    counts = t["infants"].pregnancy_id.value_counts()
    fetuses = t["pregnancies"].set_index("pregnancy_id").fetuses.astype(int)

    def within(table: str, column: str) -> tuple[bool, bool]:
        frame = t[table].join(w[["first_injection", "end"]], on="participant_id")
        values = frame[column].dropna()
        frame = frame.loc[values.index]
        return (values >= frame.first_injection).all(), (values <= frame.end).all()

    bounds = [within(*tc) for tc in (
        ("injections", "injection_date"),
        ("conditions", "diagnosis_date"),
        ("ivf_cycles", "start_date"),
        ("pregnancies", "conception_date"),
    )]  # fmt: skip
    ordered = t["pregnancies"].sort_values(["participant_id", "conception_date"])
    previous_end = ordered.groupby("participant_id").outcome_date.shift()
    return {
        "consent_after_birth": (p.birth_date < p.consent_date).all(),
        "consent_before_first_injection": (p.consent_date <= w.first_injection).all(),
        "age_at_first_injection": w.age.between(18, 55).all(),
        "contact_before_consent": (contacts.contact_date >= contacts.consent_date).all(),
        "before_first_injection": all(b[0] for b in bounds),
        "after_end_of_followup": all(b[1] for b in bounds)
        and (pregs.outcome_date <= pregs.end).all(),
        "outcome_before_conception": (pregs.outcome_date >= pregs.conception_date).all(),
        "outcome_date_missing": pregs.outcome_date.notna().all(),
        "ivf_cycle_other_woman": (
            cycles.loc[named.ivf_cycle_id].participant_id.to_numpy()
            == named.participant_id.to_numpy()
        ).all(),
        "ivf_cycle_wrong_mode": (named["mode"] == "ivf").all(),
        "conception_before_ivf_cycle": (
            named.conception_date.to_numpy() >= cycles.loc[named.ivf_cycle_id].start_date.to_numpy()
        ).all(),
        "pregnancies_overlap": (
            ordered.conception_date[previous_end.notna()] > previous_end.dropna()
        ).all(),
        "infant_of_non_live_birth": (infants.outcome == "live_birth").all(),
        "more_infants_than_fetuses": (counts <= fetuses.loc[counts.index]).all(),
        "birth_not_at_outcome": (
            (infants.birth_date - infants.outcome_date).abs().dt.days <= 1
        ).all(),
        "same_day_injection": not t["injections"]
        .duplicated(["participant_id", "injection_date"])
        .any(),
        "infant_condition_before_conception": (
            t["infant_conditions"]
            .merge(infants, on="infant_id")
            .pipe(
                lambda ic: (
                    ic.diagnosis_date.isna()
                    | (pd.to_datetime(ic.diagnosis_date) >= pd.to_datetime(ic.conception_date))
                )
            )
            .all()
        ),
        # The seed records no death: nothing can come after one.
        "after_death": not (t["contacts"].vital_status == "deceased").any(),
        "contact_after_death": not (t["contacts"].vital_status == "deceased").any(),
        "death_before_birth": (
            t["infants"].death_date.isna() | (t["infants"].death_date >= t["infants"].birth_date)
        ).all(),
        # The seed carries no judgments (an optional table): their rules hold vacuously.
        # Each is broken on purpose by a fixture of its own (tests/workbook/test_judgment_rules.py).
        **{
            code: "judgments" not in t
            for code, rule in RULES_BY_CODE.items()
            if rule.tables[0] == "judgments"
        },
    }


def test_every_consistency_rule_of_the_schema_holds(tables, women):
    checks = _rule_checks(tables, women)
    assert set(RULES_BY_CODE) <= set(checks), "a schema rule has no check here"
    broken = [code for code in RULES_BY_CODE if not checks[code]]
    assert broken == []


def test_the_folder_holds_the_eight_tables_and_a_readme_saying_it_is_not_patient_data():
    folder = seed.path()
    names = {f.name for f in folder.iterdir() if f.suffix in (".csv", ".md")}
    assert names == {t.filename for t in TABLES} | {"README.md"}
    readme = (folder / "README.md").read_text(encoding="utf-8")
    assert "NOT patient data" in readme
    assert "Zafardoust" in readme
    assert "not patient data" in (seed.__doc__ or "")
    assert set(TABLES_BY_NAME) == {t.name for t in TABLES}


def test_rerunning_the_script_reproduces_byte_identical_files(tmp_path):
    subprocess.run([sys.executable, str(SCRIPT), str(tmp_path)], check=True, capture_output=True)
    folder = seed.path()
    expected = sorted(f.name for f in folder.iterdir() if f.suffix in (".csv", ".md"))
    produced = sorted(f.name for f in tmp_path.iterdir())
    assert produced == expected
    for name in expected:
        assert (tmp_path / name).read_bytes() == (folder / name).read_bytes(), name
