"""Reading CSV folders and .xlsx files into the same raw tables."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from editing import (
    SMALL,
    copy_workbook,
    read_rows,
    set_xlsx_cells,
    stale_dimensions,
    to_xlsx,
    write_rows,
)
from follicle.workbook.read import read_workbook
from follicle.workbook.validate import load_workbook, validate_path


def test_xlsx_and_csv_folders_give_the_same_workbook(tmp_path: Path) -> None:
    from_csv = load_workbook(SMALL)
    from_xlsx = load_workbook(to_xlsx(SMALL, tmp_path / "small.xlsx"))
    for name in from_csv:
        pd.testing.assert_frame_equal(from_csv[name], from_xlsx[name])


def test_xlsx_with_real_dates_and_numbers_reads_as_text(tmp_path: Path) -> None:
    import datetime

    import openpyxl

    target = to_xlsx(SMALL, tmp_path / "typed.xlsx")
    book = openpyxl.load_workbook(target)
    sheet = book["participants"]
    sheet["D2"] = datetime.datetime(1982, 5, 14)  # birth_date as an Excel date
    sheet["H2"] = 4.0  # afc typed as a number
    sheet["L2"] = False  # prior_cycle_cancelled as an Excel boolean
    book.save(target)
    raw = read_workbook(target)
    row = raw.tables["participants"].frame.loc[2]
    assert (row["birth_date"], row["afc"], row["prior_cycle_cancelled"]) == (
        "1982-05-14",
        "4",
        "no",
    )
    assert validate_path(target).ok


def test_ids_keep_their_leading_zeros() -> None:
    assert list(load_workbook(SMALL)["participants"]["participant_id"]) == [
        "007",
        "008",
        "009",
        "010",
    ]


def test_byte_order_mark_and_blank_rows_are_tolerated(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    rows = read_rows(folder, "contacts")
    write_rows(folder, "contacts", rows[:3] + [[""] * len(rows[0])] + rows[3:])
    data = (folder / "participants.csv").read_bytes()
    (folder / "participants.csv").write_bytes(b"\xef\xbb\xbf" + data)
    result = validate_path(folder)
    assert result.ok, result.problems
    assert result.row_counts["contacts"] == len(rows) - 1


def test_a_blank_row_keeps_the_spreadsheet_row_numbers_of_the_rows_below(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    rows = read_rows(folder, "injections")
    rows.insert(2, [""] * len(rows[0]))
    rows[4][rows[0].index("injection_date")] = "2019-13-01"
    write_rows(folder, "injections", rows)
    (problem,) = validate_path(folder).problems
    assert (problem.file, problem.row, problem.column) == ("injections.csv", 5, "injection_date")


def test_a_duplicated_header_is_an_error(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    rows = read_rows(folder, "infants")
    write_rows(folder, "infants", [r + [r[0]] for r in rows])
    rules = {p.rule for p in validate_path(folder).problems}
    assert "duplicate_column" in rules


def test_a_missing_folder_is_reported_not_raised(tmp_path: Path) -> None:
    (problem,) = validate_path(tmp_path / "nowhere.xlsx").problems
    assert problem.rule == "missing_file"


@pytest.mark.parametrize("form", ["csv", "xlsx"])
def test_a_file_that_cannot_be_read_is_reported_not_raised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, form: str
) -> None:
    # As for a user without the permission to read it (the tests may run as root, whom
    # file modes do not stop): the read itself fails.
    book = copy_workbook(tmp_path / "book")
    if form == "xlsx":
        book = to_xlsx(book, tmp_path / "book.xlsx")
    unreadable = book / "contacts.csv" if form == "csv" else book
    real_open = Path.open

    def denied(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == unreadable:
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", denied)
    (problem,) = validate_path(book).problems
    assert (problem.file, problem.rule) == (unreadable.name, "unreadable_file")
    assert "Permission denied" in problem.message


def test_xlsx_rows_beyond_a_stale_dimension_tag_are_read(tmp_path: Path) -> None:
    # Some tools write a <dimension> that is too small; read-only openpyxl trusts it.
    target = stale_dimensions(to_xlsx(SMALL, tmp_path / "stale.xlsx"), "A1:C2")
    raw = read_workbook(target)
    for name, table in raw.tables.items():
        expected = read_rows(SMALL, name)
        assert list(table.columns) == expected[0], name
        assert len(table.frame) == len(expected) - 1, name
    result = validate_path(target)
    assert result.ok, result.problems
    assert result.row_counts == validate_path(SMALL).row_counts


def _renumber_row(target: Path, member: str, old: int, new: int) -> Path:
    """Give row ``old`` of one sheet's XML (and its cells) the number ``new``, in place."""
    import re
    import zipfile

    with zipfile.ZipFile(target) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts:
            if info.filename == member:
                element = re.search(rf'<row r="{old}".*?</row>'.encode(), data)
                assert element is not None
                moved = re.sub(
                    rf'r="([A-Z]*){old}"'.encode(), rf'r="\g<1>{new}"'.encode(), element[0]
                )
                data = data.replace(element[0], moved)
            out.writestr(info, data)
    return target


def test_xlsx_rows_out_of_order_are_refused_not_lost(tmp_path: Path) -> None:
    # Row 10 of contacts written as row 12, before row 11: openpyxl's read-only reader
    # skipped row 11 (010's only contact) without a word, and the workbook was valid.
    target = to_xlsx(SMALL, tmp_path / "disorder.xlsx")
    _renumber_row(target, "xl/worksheets/sheet2.xml", 10, 12)
    problems = validate_path(target).problems
    assert [(p.file, p.rule) for p in problems] == [
        ("disorder.xlsx, sheet contacts", "not_xlsx")
    ], problems
    assert "row 11 comes after its row 12" in problems[0].message


def test_an_excel_date_time_in_a_date_column_gives_its_date(tmp_path: Path) -> None:
    import datetime

    target = to_xlsx(SMALL, tmp_path / "times.xlsx")
    set_xlsx_cells(target, "injections", {"B2": datetime.datetime(2019, 1, 20, 10, 30)})
    set_xlsx_cells(target, "participants", {"C2": datetime.datetime(2019, 1, 20, 10, 30)})
    raw = read_workbook(target)
    assert raw.tables["injections"].frame.loc[2, "injection_date"] == "2019-01-20"
    # Not a date column (arm is text): the time is kept, as a CSV would show it.
    assert raw.tables["participants"].frame.loc[2, "arm"] == "2019-01-20 10:30:00"
    assert validate_path(target).ok


def test_a_date_time_typed_as_text_is_still_not_a_date(tmp_path: Path) -> None:
    target = to_xlsx(SMALL, tmp_path / "text.xlsx")
    set_xlsx_cells(target, "injections", {"B2": "2019-01-20 10:30"})
    (problem,) = validate_path(target).problems
    assert (problem.row, problem.column, problem.rule) == (2, "injection_date", "not_a_date")


def test_only_a_sheet_with_formulas_is_read_a_second_time(tmp_path: Path) -> None:
    import openpyxl

    from follicle.workbook import read

    target = to_xlsx(SMALL, tmp_path / "plain.xlsx")
    book = openpyxl.load_workbook(target, read_only=True)
    try:
        assert not read._has_formulas(book["participants"])
    finally:
        book.close()
    set_xlsx_cells(target, "participants", {"B3": "=A3"})
    book = openpyxl.load_workbook(target, read_only=True)
    try:
        assert read._has_formulas(book["participants"])
    finally:
        book.close()


def test_old_mac_line_endings_with_semicolons_in_the_notes_are_still_commas(
    tmp_path: Path,
) -> None:
    # With CR alone ending each line, the header is the text before the first CR, not the
    # whole file (whose notes' semicolons outnumbered the header's commas).
    folder = copy_workbook(tmp_path / "wb")
    rows = read_rows(folder, "conditions")
    notes = rows[0].index("notes")
    for row in rows[1:]:
        row[notes] = "a; b; c; d; e; f; g; h; i; j; k; l"
    write_rows(folder, "conditions", rows)
    conditions = folder / "conditions.csv"
    conditions.write_bytes(conditions.read_bytes().replace(b"\r\n", b"\r").replace(b"\n", b"\r"))
    result = validate_path(folder)
    assert result.ok, result.problems


def test_a_formatted_empty_cell_far_out_is_no_part_of_the_sheet(tmp_path: Path) -> None:
    # A cell left formatted at XFD20000 made every row 16,384 cells wide: gigabytes for a
    # valid workbook, then "damaged".
    import openpyxl
    from openpyxl.styles import Font

    book_path = to_xlsx(SMALL, tmp_path / "book.xlsx")
    book = openpyxl.load_workbook(book_path)
    book["conditions"].cell(20_000, 16_384).font = Font(bold=True)
    book.save(book_path)
    result = validate_path(book_path)
    assert result.ok, result.problems


def test_a_value_in_excels_last_cell_is_named_not_read(tmp_path: Path) -> None:
    book_path = to_xlsx(SMALL, tmp_path / "book.xlsx")
    import openpyxl

    book = openpyxl.load_workbook(book_path)
    book["conditions"].cell(1_048_576, 16_384).value = "x"
    book.save(book_path)
    (problem,) = validate_path(book_path).problems
    assert (problem.file, problem.row, problem.rule) == (
        "book.xlsx, sheet conditions",
        1_048_576,
        "sheet_too_large",
    )
    assert "column 16,384 of row 1048576" in problem.message


def test_a_file_whose_first_line_is_blank_says_where_the_header_is(tmp_path: Path) -> None:
    # An empty first line gave the fast reader no column at all (found by hypothesis).
    folder = copy_workbook(tmp_path / "wb")
    (folder / "conditions.csv").write_bytes(b"\n0")
    problems = validate_path(folder).problems
    assert [(p.file, p.row, p.rule) for p in problems] == [
        ("conditions.csv", 1, "header_not_in_row_1")
    ]


@pytest.mark.parametrize(
    ("date1904", "meant"), [(False, "2018-08-04"), (True, "2022-08-05")], ids=["1900", "1904"]
)
def test_a_date_typed_as_a_serial_is_read_in_the_files_date_system(
    tmp_path: Path, date1904: bool, meant: str
) -> None:
    import datetime

    import openpyxl
    from openpyxl.utils.datetime import CALENDAR_MAC_1904

    target = to_xlsx(SMALL, tmp_path / "serial.xlsx")
    book = openpyxl.load_workbook(target)
    if date1904:
        # Real date cells are stored as serials of the file's own system: they must come
        # back as the same dates.
        book.epoch = CALENDAR_MAC_1904
        book["participants"]["D2"] = datetime.datetime(1982, 5, 14)
    cell = book["participants"]["E2"]  # consent_date, typed as a bare number
    cell.value, cell.number_format = 43316, "General"
    book.save(target)

    if date1904:
        assert read_workbook(target).tables["participants"].frame.loc[2, "birth_date"] == (
            "1982-05-14"
        )
    problems = [p for p in validate_path(target).problems if p.rule == "not_a_date"]
    assert [(p.row, p.column, p.value) for p in problems] == [(2, "consent_date", "43316")]
    assert f"which is the date {meant}" in problems[0].message
