"""Table 1 by a group as the report prints it: one column per group plus Overall."""

from __future__ import annotations

import pytest

from follicle.analysis.cohort import Cohort
from follicle.analysis.stratified import table1_by
from follicle.report.tables import from_result
from follicle.workbook import seed
from follicle.workbook.validate import load_workbook


@pytest.fixture(scope="module")
def seed_cohort() -> Cohort:
    return Cohort(load_workbook(seed.path()))


def test_each_group_is_one_column_of_mean_sd_or_n_pct(seed_cohort: Cohort) -> None:
    printed = from_result(table1_by(seed_cohort.stratification_frame, by="age_group"))
    assert printed.columns == ("Characteristic", "<35", "≥35", "Overall", "p (test)", "SMD")
    rows = {row[0]: row for row in reversed(printed.rows)}  # the first row of each label
    assert rows["Age at first injection (years)"][1:4] == (
        "30.61 ± 3.07",
        "39.96 ± 3.14",
        "37.91 ± 4.98",
    )
    assert rows["Age at first injection (years)"][4] == "< 0.0001 (Welch t-test)"
    # menses before injection, the first "Irregular"
    assert rows["Irregular"][1:4] == ("3 (13.04)", "11 (13.41)", "14 (13.33)")


def test_a_spreadsheet_keeps_every_number_in_its_own_column(seed_cohort: Cohort) -> None:
    printed = from_result(table1_by(seed_cohort.stratification_frame, by="site"), combine=False)
    assert "Overall.mean" in printed.columns
    assert "SMD" in printed.columns


def test_median_rows_print_median_and_quartiles(seed_cohort: Cohort) -> None:
    result = table1_by(seed_cohort.stratification_frame, by="age_group", statistic="median")
    printed = from_result(result)
    assert printed.columns == ("Characteristic", "<35", "≥35", "Overall", "p (test)", "SMD")
    rows = {row[0]: row for row in reversed(printed.rows)}
    values = result.values
    for column, group in zip(range(1, 4), ("<35", "≥35", "Overall"), strict=True):
        median, q1, q3 = (values[f"age.{group}.{s}"] for s in ("median", "q1", "q3"))
        assert (
            rows["Age at first injection (years)"][column] == f"{median:.2f} [{q1:.2f}, {q3:.2f}]"
        )
    assert rows["Irregular"][1:4] == ("3 (13.04)", "11 (13.41)", "14 (13.33)")
