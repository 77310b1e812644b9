"""Cell, table and rule checks of the validator, one behaviour per test."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from editing import SMALL, append_row, copy_workbook, drop_column, set_cell
from follicle.errors import WorkbookInvalid
from follicle.workbook.validate import load_workbook, validate_path


def _problems(folder: Path) -> set[tuple[str, int | None, str | None, str]]:
    return {(p.file, p.row, p.column, p.rule) for p in validate_path(folder).problems}


def test_the_small_fixture_is_valid_with_no_warnings() -> None:
    result = validate_path(SMALL)
    assert result.ok, result.problems
    assert result.warnings == ()


@pytest.mark.parametrize("spelling", ["yes", "No", "TRUE", "false", "1", "0", "Y", "n"])
def test_booleans_accept_every_documented_spelling(tmp_path: Path, spelling: str) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "participants", 2, "prior_cycle_cancelled", spelling)
    assert validate_path(folder).ok


def test_a_boolean_that_is_not_yes_or_no_is_an_error(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "participants", 2, "prior_cycle_cancelled", "maybe")
    assert ("participants.csv", 2, "prior_cycle_cancelled", "not_a_boolean") in _problems(folder)


@pytest.mark.parametrize("value", ["2.5", "four", "1e400"])
def test_a_count_must_be_a_whole_number(tmp_path: Path, value: str) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "participants", 2, "afc", value)
    assert ("participants.csv", 2, "afc", "not_an_integer") in _problems(folder)


def test_dose_must_be_strictly_positive(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "injections", 2, "dose_million_cells", "0")
    assert ("injections.csv", 2, "dose_million_cells", "below_minimum") in _problems(folder)


# Digits of other scripts (full-width, Arabic-Indic) crashed the date parser: Python's
# regular expressions read them as digits, then they did not convert.
@pytest.mark.parametrize(
    "value", ["14/05/1982", "1982-5-14", "yesterday", "１９８２-05-14", "١٩٨٢-05-14"]
)
def test_dates_must_be_iso(tmp_path: Path, value: str) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "participants", 2, "birth_date", value)
    assert ("participants.csv", 2, "birth_date", "not_a_date") in _problems(folder)


def test_a_vocabulary_error_suggests_the_right_case(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "injections", 2, "product", "mensc")
    (problem,) = validate_path(folder).problems
    assert "did you mean MenSC?" in problem.message


def test_a_required_cell_left_empty_is_an_error(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "contacts", 3, "mode", "")
    assert ("contacts.csv", 3, "mode", "required") in _problems(folder)


def test_dates_are_in_the_future_relative_to_the_import_day(tmp_path: Path) -> None:
    assert not validate_path(SMALL, today=date(2023, 1, 1)).ok
    assert validate_path(SMALL, today=date(2024, 2, 1)).ok


def test_an_outcome_date_is_required_unless_ongoing(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "pregnancies", 3, "outcome_date", "")
    assert ("pregnancies.csv", 3, "outcome_date", "outcome_date_missing") in _problems(folder)
    set_cell(folder, "pregnancies", 3, "outcome", "ongoing")
    assert validate_path(folder).ok


def test_an_event_after_the_end_of_follow_up_is_an_error(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "ivf_cycles", 2, "start_date", "2024-03-01")
    assert ("ivf_cycles.csv", 2, "start_date", "after_end_of_followup") in _problems(folder)


def test_an_event_after_her_death_is_an_error_a_contact_a_warning(tmp_path: Path) -> None:
    # 008 recorded deceased at her 2019-06-15 contact, then seen alive and injected again.
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "contacts", 5, "vital_status", "deceased")
    result = validate_path(folder)
    errors = {(p.file, p.row, p.column, p.rule) for p in result.problems}
    assert {p for p in errors if p[3] == "after_death"} == {
        ("injections.csv", 4, "injection_date", "after_death"),
    }
    # A later contact that says alive (or nothing: alive by default) contradicts the death,
    # but which of the two is wrong is for the coordinator to tell: a warning.
    assert {(w.file, w.row, w.column, w.rule) for w in result.warnings} >= {
        ("contacts.csv", 6, "vital_status", "contact_after_death"),  # empty: alive
        ("contacts.csv", 7, "vital_status", "contact_after_death"),  # alive
    }
    assert not any(p.rule == "contact_after_death" for p in result.problems)


def test_a_records_review_after_her_death_that_records_it_is_valid(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "contacts", 7, "vital_status", "deceased")  # her last contact
    assert validate_path(folder).ok
    set_cell(folder, "contacts", 6, "vital_status", "deceased")  # a later one says so too
    assert validate_path(folder).ok


def test_an_ivf_cycle_of_another_woman_is_an_error(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "pregnancies", 5, "ivf_cycle_id", "C01")
    assert ("pregnancies.csv", 5, "ivf_cycle_id", "ivf_cycle_other_woman") in _problems(folder)


def test_a_conception_before_its_ivf_cycle_started_is_a_warning(tmp_path: Path) -> None:
    # A warning: the conception date is an estimate, perhaps from the last period.
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "pregnancies", 4, "conception_date", "2020-05-31")  # C01 starts 06-01
    result = validate_path(folder)
    assert result.ok
    assert {(w.file, w.row, w.column, w.rule) for w in result.warnings} == {
        ("pregnancies.csv", 4, "conception_date", "conception_before_ivf_cycle")
    }
    set_cell(folder, "pregnancies", 4, "conception_date", "2020-06-01")  # its first day
    assert not validate_path(folder).warnings


def test_a_birth_far_from_the_outcome_date_is_an_error(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "infants", 2, "birth_date", "2020-01-25")
    assert ("infants.csv", 2, "birth_date", "birth_not_at_outcome") in _problems(folder)


def test_a_birth_three_centuries_from_the_outcome_date_is_an_error_not_a_crash(
    tmp_path: Path,
) -> None:
    # Both dates are valid; their difference in nanoseconds is past 64 bits.
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "infants", 2, "birth_date", "1719-01-25")
    assert ("infants.csv", 2, "birth_date", "birth_not_at_outcome") in _problems(folder)


def test_an_infant_condition_before_its_conception_is_an_error(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")  # B2 of G3, conceived 2020-06-15
    set_cell(folder, "infant_conditions", 2, "diagnosis_date", "2020-06-14")
    assert _problems(folder) == {
        ("infant_conditions.csv", 2, "diagnosis_date", "infant_condition_before_conception")
    }
    set_cell(folder, "infant_conditions", 2, "diagnosis_date", "2020-11-01")  # prenatal
    assert validate_path(folder).ok


def test_a_cell_that_did_not_parse_is_not_reported_again_as_empty_or_its_default(
    tmp_path: Path,
) -> None:
    # Each cell once, for what it holds: not also "outcome date required" (value ''), nor
    # "more infants than fetuses: fetuses is 1", nor "must record her deceased" (value '').
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "pregnancies", 3, "outcome_date", "2021-05-32")
    set_cell(folder, "pregnancies", 4, "fetuses", "two")  # G3 has two infants
    set_cell(folder, "contacts", 5, "vital_status", "deceased")
    set_cell(folder, "contacts", 6, "vital_status", "dead")
    set_cell(folder, "injections", 4, "injection_date", "2019-06-01")
    problems = validate_path(folder).problems
    assert {(p.row, p.column, p.value, p.rule) for p in problems} == {
        (3, "outcome_date", "2021-05-32", "not_a_date"),
        (4, "fetuses", "two", "not_an_integer"),
        (6, "vital_status", "dead", "not_in_vocabulary"),
    }
    after = validate_path(folder).warnings
    assert {(w.row, w.value, w.rule) for w in after if w.rule == "contact_after_death"} == {
        (7, "alive", "contact_after_death")
    }


def test_a_death_before_birth_is_an_error(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "infants", 2, "death_date", "2020-01-01")
    assert ("infants.csv", 2, "death_date", "death_before_birth") in _problems(folder)


def test_a_contact_before_consent_is_an_error(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "contacts", 2, "contact_date", "2019-01-01")
    assert ("contacts.csv", 2, "contact_date", "contact_before_consent") in _problems(folder)


def test_consent_after_the_first_injection_is_an_error(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "participants", 2, "consent_date", "2019-02-01")
    assert ("participants.csv", 2, "consent_date", "consent_before_first_injection") in _problems(
        folder
    )


def test_a_woman_without_injection_is_a_warning_not_an_error(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    append_row(folder, "participants", {
        "participant_id": "011", "site": "North", "birth_date": "1984-02-02",
        "menses_baseline": "regular",
    })  # fmt: skip
    result = validate_path(folder)
    assert result.ok
    assert [(w.row, w.rule) for w in result.warnings] == [(6, "no_injection")]


def test_load_workbook_raises_with_every_problem(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "participants", 2, "afc", "-1")
    set_cell(folder, "participants", 3, "afc", "-1")
    with pytest.raises(WorkbookInvalid) as caught:
        load_workbook(folder)
    assert [p.row for p in caught.value.problems] == [2, 3]


def test_a_missing_key_column_does_not_make_every_reference_unknown(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    drop_column(folder, "pregnancies", "pregnancy_id")
    assert _problems(folder) == {("pregnancies.csv", 1, "pregnancy_id", "missing_column")}


def test_injections_without_their_participant_column_do_not_leave_women_untreated(
    tmp_path: Path,
) -> None:
    folder = copy_workbook(tmp_path / "wb")
    drop_column(folder, "injections", "participant_id")
    result = validate_path(folder)
    rules = {(p.file, p.rule) for p in result.problems}
    assert rules == {("injections.csv", "missing_column")}
    assert result.warnings == ()


def test_consent_on_the_birth_date_is_an_error(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "participants", 2, "consent_date", "1982-05-14")
    assert ("participants.csv", 2, "consent_date", "consent_after_birth") in _problems(folder)


def test_an_outcome_before_the_conception_is_an_error(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "pregnancies", 3, "outcome_date", "2021-03-01")
    assert ("pregnancies.csv", 3, "outcome_date", "outcome_before_conception") in _problems(folder)


@pytest.mark.parametrize(
    ("value", "rule"),
    [
        ("2999-01-01", "future_date"),
        ("1066-10-14", "not_a_date"),
        # Year 0: Arrow reads it, Python's date cannot hold it (found by the API's fuzzing).
        ("0000-01-01", "not_a_date"),
    ],
)
def test_a_real_date_beyond_what_a_timestamp_holds_is_a_problem_not_a_crash(
    tmp_path: Path, value: str, rule: str
) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "contacts", 2, "contact_date", value)
    problems = validate_path(folder).problems
    assert [(p.file, p.row, p.column, p.value, p.rule) for p in problems] == [
        ("contacts.csv", 2, "contact_date", value, rule)
    ]


@pytest.mark.parametrize(
    "cells",
    [
        ["a", "b", None, ""],
        [" a", "b"],
        ["a ", "b"],
        ["a\t", "b"],
        ["\u00a0a", "b"],  # Unicode white space
        ["é", "b"],
        ["a b", "c"],
    ],
)
def test_cells_are_stripped_as_pandas_strips_them(cells: list[str | None]) -> None:
    from follicle.workbook.validate import _stripped

    raw = pd.Series(cells, dtype="string[pyarrow]").iloc[:]
    pd.testing.assert_series_equal(_stripped(raw), raw.str.strip())
    sliced = pd.Series(["  x  ", *cells], dtype="string[pyarrow]").iloc[1:]
    pd.testing.assert_series_equal(_stripped(sliced), sliced.str.strip())


@pytest.mark.parametrize("seed", range(6))
def test_rows_that_may_repeat_are_those_pandas_finds(seed: int) -> None:
    """``_repeated`` is ``DataFrame.duplicated(keep=False)`` on its columns, sorted or
    not; a column given as codes keeps every row that repeats (and perhaps more)."""
    import numpy as np

    from follicle.workbook.validate import _repeated

    rng = np.random.default_rng(seed)
    n = int(rng.integers(0, 40))
    ids = pd.Series(rng.choice(["A", "B", " B", "C", ""], n), dtype="string[pyarrow]")
    dates = pd.Series(rng.choice(["2020-01-01", "2020-01-02", ""], n), dtype="string[pyarrow]")
    if seed % 2:
        order = np.lexsort((dates.to_numpy(str), ids.to_numpy(str)))
        ids, dates = (
            ids.iloc[order].reset_index(drop=True),
            dates.iloc[order].reset_index(drop=True),
        )
    expected = pd.DataFrame({"a": ids, "b": dates}).duplicated(keep=False).to_numpy()
    assert (_repeated([ids, dates]) == expected).all()
    stripped = ids.str.strip()
    codes = pd.factorize(stripped.replace("", None))[0].astype(np.int64)
    kept = _repeated([codes, dates])
    assert (kept | ~expected).all()
