"""REDCap records both ways: written as REDCap imports them, read back to the same workbook."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from follicle.workbook import seed
from follicle.workbook.dictionary import RECORD_ID, choice_label, redcap_frame, repeating_frame
from follicle.workbook.frames import Workbook
from follicle.workbook.redcap import (
    INSTANCE,
    INSTRUMENT,
    read_records,
    record_columns,
    records_frame,
    write_records,
)
from follicle.workbook.schema import TABLES
from follicle.workbook.synthetic import synthetic_workbook
from follicle.workbook.validate import load_workbook, validate, validate_path

FIXTURES = Path(__file__).parents[1] / "fixtures"
SMALL = FIXTURES / "workbooks" / "small"
REDCAP = FIXTURES / "redcap"


@cache
def _small() -> Workbook:
    return load_workbook(SMALL)


def _rows(book: Workbook, name: str) -> pd.DataFrame:
    """A table's rows in a canonical order: REDCap groups rows by record, so a round trip
    keeps every row but not necessarily the workbook's order of them."""
    frame = book[name].reset_index(drop=True)
    order = frame.astype("string").fillna("\x00").sort_values(list(frame.columns)).index
    return frame.loc[order].reset_index(drop=True)


def assert_same_workbook(left: Workbook, right: Workbook) -> None:
    """Every table holds the same rows with the same typed values."""
    for table in TABLES:
        pd.testing.assert_frame_equal(
            _rows(left, table.name), _rows(right, table.name), obj=table.name
        )


def _round_trip(book: Workbook, tmp_path: Path) -> Workbook:
    path = write_records(book, tmp_path / "records.csv")
    result = validate_path(path)
    assert result.ok, result.problems[:5]
    assert not result.warnings or all(w.file == "records.csv" for w in result.warnings)
    return result.workbook()


# -- writing ---------------------------------------------------------------------------


def test_the_small_workbook_is_written_as_the_committed_records_file(tmp_path: Path) -> None:
    path = write_records(load_workbook(SMALL), tmp_path / "records.csv")
    assert path.read_bytes() == (REDCAP / "small_records.csv").read_bytes()


def test_records_have_one_record_row_per_woman_then_numbered_instances() -> None:
    records = records_frame(load_workbook(SMALL))
    assert list(records.columns) == record_columns()
    own = records[records[INSTRUMENT] == ""]
    assert own[RECORD_ID].tolist() == ["007", "008", "009", "010"]
    assert (own[INSTANCE] == "").all()
    contacts = records[records[INSTRUMENT] == "contacts"]
    assert contacts.groupby(RECORD_ID)[INSTANCE].agg(list).to_dict() == {
        "007": ["1", "2", "3"],
        "008": ["1", "2", "3"],
        "009": ["1", "2", "3"],
        "010": ["1"],
    }
    # An infant's record is its mother's, through the pregnancy.
    infants = records[records[INSTRUMENT] == "infants"]
    assert infants[[RECORD_ID, "infant_id", "inf_pregnancy_id"]].values.tolist() == [
        ["007", "B1", "G1"],
        ["009", "B2", "G3"],
        ["009", "B3", "G3"],
    ]


def _import_problems(records: pd.DataFrame) -> list[str]:
    """What REDCap's Data Import Tool would refuse in ``records``, given the dictionary.

    Its rules for a classic project with repeating instruments: every column is the record
    ID, a repeat column, a field of the dictionary or a form's ``_complete`` status; every
    value fits its field (a dropdown's code, 0/1 for yes/no, the text validation); a row of
    a repeating instrument has a number from 1 and values only in that instrument's fields.
    """
    dictionary = redcap_frame().set_index("Variable / Field Name")
    forms = set(dictionary["Form Name"])
    repeating = set(repeating_frame()["form_name"])
    found = []
    patterns = {
        "date_ymd": r"\d{4}-\d{2}-\d{2}",
        "integer": r"[-+]?\d+",
        "number": r"[-+]?(\d+(\.\d*)?|\.\d+)",
    }
    for column in records.columns:
        values = records[column]
        filled = values != ""
        if column in (RECORD_ID, INSTRUMENT, INSTANCE):
            continue
        if column.endswith("_complete") and column.removesuffix("_complete") in forms:
            form = column.removesuffix("_complete")
            ok = values[filled].isin(["0", "1", "2"])
        elif column in dictionary.index:
            field = dictionary.loc[column]
            form = field["Form Name"]
            kind = field["Field Type"]
            if kind == "dropdown":
                choices = field["Choices, Calculations, OR Slider Labels"].split(" | ")
                ok = values[filled].isin([c.split(", ", 1)[0] for c in choices])
            elif kind == "yesno":
                ok = values[filled].isin(["0", "1"])
            elif field["Text Validation Type OR Show Slider Number"] in patterns:
                pattern = patterns[field["Text Validation Type OR Show Slider Number"]]
                ok = values[filled].str.fullmatch(pattern)
                if field["Text Validation Min"]:
                    low = float(field["Text Validation Min"])
                    ok &= pd.to_numeric(values[filled]) >= low
            else:
                ok = pd.Series(True, index=values[filled].index)
        else:
            found.append(f"column {column} is not a field of the project")
            continue
        found += [f"{column}: {v!r}" for v in values[filled][~ok]]
        instrument = records.loc[filled, INSTRUMENT].replace("", "participants")
        found += [f"{column} on a row of {i}" for i in instrument[instrument != form]]
    marked = records[INSTRUMENT] != ""
    assert set(records.loc[marked, INSTRUMENT]) <= repeating
    numbered = records.loc[marked, INSTANCE].str.fullmatch(r"[1-9]\d*")
    found += [f"instance {v!r}" for v in records.loc[marked, INSTANCE][~numbered]]
    return found


def test_records_fit_the_dictionary_as_redcaps_import_checks_them() -> None:
    book = load_workbook(seed.path())
    records = records_frame(book)
    assert _import_problems(records) == []
    # The check itself catches a code that is not a choice and a value in another form.
    broken = records.copy()
    broken.loc[0, "menses_baseline"] = "Regular"
    broken.loc[1, "site"] = "North"
    assert _import_problems(broken) == [
        "site on a row of injections",
        "menses_baseline: 'Regular'",
    ]


def test_numbers_are_written_out_without_an_exponent() -> None:
    book = load_workbook(SMALL)
    participants = book["participants"].copy()
    participants["amh_ng_ml"] = pd.array([1e-05, 1e20, 0.1, None], dtype="Float64")
    book = Workbook.from_frames({**book.frames, "participants": participants})
    records = records_frame(book)
    written = records.loc[records[INSTRUMENT] == "", "amh_ng_ml"].tolist()
    assert written == ["0.00001", "100000000000000000000", "0.1", ""]


# -- reading ---------------------------------------------------------------------------


def test_redcaps_own_export_reads_back_to_the_workbook() -> None:
    # REDCap's CSV raw data: a byte-order mark, CRLF, the data access group column and
    # forms left Incomplete (0) or Unverified (1).
    result = validate_path(REDCAP / "redcap_export.csv")
    assert result.ok, result.problems
    assert dict(result.ignored) == {}
    assert_same_workbook(result.workbook(), load_workbook(SMALL))
    assert set(result.checksums) == {"redcap_export.csv"}


def test_a_labels_export_reads_back_to_the_same_codes(tmp_path: Path) -> None:
    records = pd.read_csv(REDCAP / "small_records.csv", dtype=str, keep_default_na=False)
    dictionary = redcap_frame()
    for variable in dictionary.loc[dictionary["Field Type"] == "dropdown", "Variable / Field Name"]:
        filled = records[variable] != ""
        records.loc[filled, variable] = records.loc[filled, variable].map(choice_label)
    assert "Live birth" in set(records["outcome"])
    records.to_csv(tmp_path / "labels.csv", index=False)
    book = load_workbook(tmp_path / "labels.csv")
    assert_same_workbook(book, load_workbook(SMALL))


def test_the_bundled_cohort_survives_the_round_trip(tmp_path: Path) -> None:
    book = load_workbook(seed.path())
    assert_same_workbook(_round_trip(book, tmp_path), book)


@pytest.mark.parametrize(("women", "seed_"), [(300, 1), (300, 2), (1000, 3)])
def test_synthetic_cohorts_survive_the_round_trip(tmp_path: Path, women: int, seed_: int) -> None:
    folder = tmp_path / "cohort"
    folder.mkdir()
    for name, frame in synthetic_workbook(women, seed=seed_).items():
        frame.to_csv(folder / f"{name}.csv", index=False)
    book = load_workbook(folder)
    assert len(book["infants"]) > 0
    assert_same_workbook(_round_trip(book, tmp_path), book)


_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs"), blacklist_characters="\u2028\u2029"),
    min_size=1,
    max_size=30,
)
_NOTES = st.lists(
    st.one_of(_TEXT, st.sampled_from(["\n", "\t", '"', ",", "\r\n", " "])), max_size=6
).map("".join)


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    site=_TEXT.map(str.strip).filter(bool),
    note=_NOTES.filter(lambda s: s.strip() != ""),
    amh=st.floats(min_value=0, max_value=1e300, allow_nan=False, allow_subnormal=False),
)
def test_any_text_and_number_survives_the_round_trip(
    tmp_path: Path, site: str, note: str, amh: float
) -> None:
    book = _small()
    participants = book["participants"].copy()
    participants["site"] = pd.array([site] * len(participants), dtype="string")
    participants["amh_ng_ml"] = pd.array([amh, None, amh, 0.0], dtype="Float64")
    conditions = book["conditions"].copy()
    conditions["notes"] = pd.array([note], dtype="string")
    book = Workbook.from_frames(
        {**book.frames, "participants": participants, "conditions": conditions}
    )
    assert_same_workbook(_round_trip(book, tmp_path), book)


def test_every_mistake_of_a_bad_records_file_is_located_by_row_and_field() -> None:
    result = validate_path(REDCAP / "bad_records.csv")
    found = [(p.file, p.row, p.column, p.value, p.rule) for p in result.problems]
    assert found == [
        ("bad_records.csv", 4, "redcap_repeat_instrument", "visits", "unknown_instrument"),
        ("bad_records.csv", 5, "redcap_repeat_instance", "", "repeat_instance"),
        # Infant B1 of record 007 names pregnancy G3 of record 009: said once where it is,
        # and then, since G3 now has three infants and B1 was born a year before it ended,
        # by the workbook's own rules.
        ("bad_records.csv", 10, "inf_birth_date", "2020-01-20", "birth_not_at_outcome"),
        ("bad_records.csv", 10, "inf_pregnancy_id", "G3", "record_mismatch"),
        ("bad_records.csv", 11, "injection_date", "2019-03-15", "field_of_another_instrument"),
        ("bad_records.csv", 15, "redcap_repeat_instance", "1", "repeat_instance"),
        ("bad_records.csv", 24, "fetuses", "2", "more_infants_than_fetuses"),
        ("bad_records.csv", 24, "preg_mode", "icsi", "not_in_vocabulary"),
        ("bad_records.csv", 26, "inf_birth_date", "2021-02-30", "not_a_date"),
    ]
    messages = {p.rule: p.message for p in result.problems}
    assert messages["record_mismatch"] == (
        "inf_pregnancy_id names pregnancy G3 of record 009, not of this record 007"
    )
    assert "the record's own row (participants)" in messages["field_of_another_instrument"]


def test_a_records_file_without_its_record_id_says_which_column(tmp_path: Path) -> None:
    records = pd.read_csv(REDCAP / "small_records.csv", dtype=str, keep_default_na=False)
    records.rename(columns={RECORD_ID: "record_id"}).to_csv(tmp_path / "r.csv", index=False)
    raw = read_records(tmp_path / "r.csv")
    assert raw.tables == {}
    ((problem),) = raw.problems
    assert (problem.file, problem.row, problem.column, problem.rule) == (
        "r.csv",
        1,
        "participant_id",
        "missing_column",
    )
    assert "CSV raw data" in problem.message


def test_a_missing_required_field_is_named_by_its_redcap_variable(tmp_path: Path) -> None:
    records = pd.read_csv(REDCAP / "small_records.csv", dtype=str, keep_default_na=False)
    records.drop(columns=["inf_birth_date"]).to_csv(tmp_path / "r.csv", index=False)
    result = validate(read_records(tmp_path / "r.csv"))
    assert [(p.row, p.column, p.rule) for p in result.problems] == [
        (1, "inf_birth_date", "missing_column")
    ]


def test_other_columns_are_listed_as_ignored_and_redcaps_own_are_not(tmp_path: Path) -> None:
    records = pd.read_csv(REDCAP / "redcap_export.csv", dtype=str, keep_default_na=False)
    records["redcap_event_name"] = ""
    records["bmi"] = ""
    records.to_csv(tmp_path / "r.csv", index=False)
    result = validate_path(tmp_path / "r.csv")
    assert result.ok
    assert dict(result.ignored) == {"r.csv": ("bmi",)}


def test_a_single_csv_that_is_not_redcap_records_is_not_a_workbook() -> None:
    result = validate_path(SMALL / "participants.csv")
    ((problem),) = result.problems
    assert problem.rule == "not_a_workbook"
    assert "redcap_repeat_instrument" in problem.message


def test_each_instrument_ends_with_its_status_column() -> None:
    columns = record_columns()
    statuses = [c for c in columns if c.removesuffix("_complete") in {t.name for t in TABLES}]
    assert statuses == [f"{t.name}_complete" for t in TABLES]
    # A field that merely ends in _complete (contacts.checklist_complete) is data.
    assert "checklist_complete" in columns


@pytest.mark.parametrize("left_out", ["pregnancy_id", "infant_id"])
def test_a_records_file_without_a_key_field_is_a_located_problem(
    tmp_path: Path, left_out: str
) -> None:
    # A REDCap export of selected fields: the key an infant (or its condition) names is
    # absent, so the records cannot be linked; that is said, not raised.
    records = pd.read_csv(REDCAP / "small_records.csv", dtype=str, keep_default_na=False)
    path = tmp_path / "records.csv"
    records.drop(columns=[left_out]).to_csv(path, index=False)
    problems = validate_path(path).problems
    assert [(p.row, p.column, p.rule) for p in problems] == [(1, left_out, "missing_column")]
