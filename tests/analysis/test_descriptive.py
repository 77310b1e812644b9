"""Table 1 and the menstrual transitions, checked by hand on the small fixture."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from follicle.analysis.cohort import Cohort
from follicle.analysis.descriptive import menstrual_transitions, summarize, table1

FOLLOWUP_DAYS = np.array([1563, 1359, 1452, 1166])  # see test_frame.py


def test_table1_values_by_hand(small: Cohort) -> None:
    v = small.result("table1").values
    assert v["n_women"] == 4
    assert v["n_excluded"] == 0
    assert v["age_mean"] == pytest.approx(34.75)
    assert v["age_sd"] == pytest.approx(math.sqrt(52.75 / 3))  # ages 36, 39, 29, 35
    assert (v["age_median"], v["age_min"], v["age_max"]) == (35.5, 29, 39)
    assert v["age_followup_mean"] == pytest.approx(38.5)  # 40, 43, 33, 38
    assert v["followup_years_mean"] == pytest.approx(FOLLOWUP_DAYS.mean() / 365.25)
    assert v["followup_years_min"] == pytest.approx(1166 / 365.25)
    assert (v["age_under_35.n"], v["age_35_or_over.n"]) == (1, 3)
    assert v["age_under_35.pct"] == pytest.approx(25.0)
    assert (v["injections.1.n"], v["injections.2.n"], v["injections.3_plus.n"]) == (3, 1, 0)
    assert v["menses_baseline.regular.n"] == 2
    assert v["menses_baseline.amenorrhea.n"] == 1
    for level in ("regular", "irregular", "amenorrhea", "menopause"):
        assert v[f"menses_followup.{level}.n"] == 1
        assert v[f"menses_followup.{level}.pct"] == pytest.approx(25.0)
    assert v["menses_followup.unknown.n"] == 0


def test_table1_rows_show_present_levels_and_the_papers_levels(small: Cohort) -> None:
    table = small.result("table1").table
    baseline = table.loc[table["characteristic"] == "Menses before injection", "level"]
    assert list(baseline) == ["regular", "irregular", "amenorrhea"]
    injections = table.loc[table["characteristic"] == "Injections", "level"]
    assert list(injections) == ["1", "2"]  # no woman had three: row hidden
    assert list(table.columns) == [
        "characteristic", "level", "n", "pct", "mean", "sd", "median", "min", "max",
        "integer_valued",
    ]  # fmt: skip


def test_table1_counts_the_women_left_out(generated: Cohort) -> None:
    result = generated.result("table1")
    assert result.values["n_excluded"] == 15
    assert "15 enrolled women with no injection left out" in result.notes[0]


def test_transitions_by_hand(small: Cohort) -> None:
    result = small.result("menstrual_transitions")
    v = result.values
    assert v["regular.total"] == 2
    assert (v["regular.regular.n"], v["regular.irregular.n"]) == (1, 1)
    assert v["regular.irregular.pct"] == pytest.approx(50.0)
    assert v["irregular.menopause.n"] == 1
    assert v["irregular.menopause.pct"] == 100.0
    assert v["amenorrhea.amenorrhea.n"] == 1
    assert list(result.table["menses_baseline"]) == ["regular", "irregular", "amenorrhea"]
    assert "unknown" not in result.table.columns  # every woman has a recorded pattern


def test_transition_rows_add_up_to_the_baseline_counts(generated: Cohort) -> None:
    result = generated.result("menstrual_transitions")
    table = result.table.set_index("menses_baseline")
    counts = table[["regular", "irregular", "amenorrhea", "menopause", "unknown"]]
    assert (counts.sum(axis=1) == table["total"]).all()
    pct = table[[c for c in table.columns if c.endswith("_pct")]]
    np.testing.assert_allclose(pct.sum(axis=1), 100.0)
    baseline = generated.result("table1").values
    for level in ("regular", "irregular", "amenorrhea"):
        assert result.values[f"{level}.total"] == baseline[f"menses_baseline.{level}.n"]


def test_an_empty_baseline_row_has_undefined_percentages(seed_cohort: Cohort) -> None:
    v = seed_cohort.result("menstrual_transitions").values
    assert v["amenorrhea.total"] == 0
    assert math.isnan(v["amenorrhea.regular.pct"])


def test_summarize_is_r_mean_sd_median_range() -> None:
    s = summarize(pd.Series([1, 2, 3, 4, None], dtype="Float64"))
    assert s == {"n": 4, "mean": 2.5, "sd": pytest.approx(1.2909944487358056), "median": 2.5,
                 "min": 1.0, "max": 4.0}  # fmt: skip
    assert math.isnan(summarize(pd.Series([5.0]))["sd"])  # R: sd of one value is NA
    empty = summarize(pd.Series([], dtype="Float64"))
    assert empty["n"] == 0
    assert math.isnan(empty["mean"])


def test_table1_and_transitions_are_pure_functions_of_the_women_frame(small: Cohort) -> None:
    assert table1(small.women).values["n_women"] == 4
    assert menstrual_transitions(small.women).name == "menstrual_transitions"


def test_table1_gives_the_injection_period(small: Cohort) -> None:
    result = small.result("table1")
    assert result.values["injection_period_start"] == "2019-01-20"
    assert result.values["injection_period_end"] == "2020-06-05"
    table = result.table
    row = table.loc[table["characteristic"] == "Injections given"]
    assert list(row["level"]) == ["Jan 2019 \u2013 Jun 2020"]
    # Right after the follow-up, before the counts of injections.
    follow_up = table.index[table["characteristic"].str.startswith("Follow-up")][0]
    assert row.index[0] == follow_up + 1


def test_table1_says_which_variables_are_integer_valued(small: Cohort) -> None:
    table = small.result("table1").table.set_index("characteristic")
    flags = table["integer_valued"]
    assert flags["Age at first injection (years)"]  # completed years
    assert flags["Age at end of follow-up (years)"]
    assert not flags["Follow-up from last injection (years)"]  # days / 365.25
    assert flags.loc[["Age group", "Injections"]].isna().all()  # counts: no range


@pytest.mark.parametrize("empty", ["regular", "irregular", "amenorrhea"])
def test_transitions_name_every_pair_when_a_baseline_pattern_has_no_woman(
    seed_cohort: Cohort, empty: str
) -> None:
    """Issue 14: with pandas 2, ``stack()`` dropped the all-NaN row of an empty baseline
    pattern and the pairs no longer lined up with the counts."""
    from follicle.workbook.schema import MENSES_BASELINE, MENSES_FOLLOWUP

    women = seed_cohort.women.copy()
    other = "regular" if empty != "regular" else "irregular"
    women["menses_baseline"] = women["menses_baseline"].replace(empty, other)
    v = menstrual_transitions(women).values
    assert v[f"{empty}.total"] == 0
    for baseline in MENSES_BASELINE:
        for followup in (*MENSES_FOLLOWUP, "unknown"):
            assert v[f"{baseline}.{followup}.total"] == v[f"{baseline}.total"]
    assert sum(int(v[f"{other}.{f}.n"] or 0) for f in MENSES_FOLLOWUP) == v[f"{other}.total"]
    assert math.isnan(float(v[f"{empty}.regular.pct"] or "nan"))
