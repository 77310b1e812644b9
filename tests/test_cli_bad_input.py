"""Every kind of bad input the workbook issue lists, rejected through the CLI.

Each case corrupts a copy of the small fixture workbook in one way and checks that
``follicle validate --json`` names the file, row, column and value and the rule broken,
and that ``follicle import`` exits 1 and leaves an already-populated registry exactly as it
was.
"""

from __future__ import annotations

import json
import os
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from editing import (
    append_row,
    copy_workbook,
    drop_column,
    read_rows,
    replace_bytes,
    set_cell,
    set_xlsx_cells,
    to_xlsx,
    write_rows,
)
from follicle.cli import app

# Wide enough that Rich never folds a message or a path in the checked output.
runner = CliRunner(env={"COLUMNS": "400"})


@dataclass(frozen=True)
class Case:
    """A corruption and the problem it must produce."""

    corrupt: Callable[[Path], Path]
    file: str
    row: int | None
    column: str | None
    value: str | None
    rule: str


def _edit(table: str, row: int, column: str, value: str) -> Callable[[Path], Path]:
    def corrupt(folder: Path) -> Path:
        set_cell(folder, table, row, column, value)
        return folder

    return corrupt


def _append(table: str, **values: str) -> Callable[[Path], Path]:
    def corrupt(folder: Path) -> Path:
        append_row(folder, table, values)
        return folder

    return corrupt


def _drop(table: str, column: str) -> Callable[[Path], Path]:
    def corrupt(folder: Path) -> Path:
        drop_column(folder, table, column)
        return folder

    return corrupt


def _write_bytes(table: str, data: bytes) -> Callable[[Path], Path]:
    def corrupt(folder: Path) -> Path:
        (folder / f"{table}.csv").write_bytes(data)
        return folder

    return corrupt


def _xlsx_without(sheet: str) -> Callable[[Path], Path]:
    def corrupt(folder: Path) -> Path:
        return to_xlsx(folder, folder.parent / "cohort.xlsx", skip=(sheet,))

    return corrupt


def _bytes(table: str, old: bytes, new: bytes) -> Callable[[Path], Path]:
    def corrupt(folder: Path) -> Path:
        replace_bytes(folder, table, old, new)
        return folder

    return corrupt


def _separated_by(table: str, separator: str) -> Callable[[Path], Path]:
    def corrupt(folder: Path) -> Path:
        rows = read_rows(folder, table)
        text = "\n".join(separator.join(r) for r in rows) + "\n"
        (folder / f"{table}.csv").write_text(text, encoding="utf-8")
        return folder

    return corrupt


def _late_nul(folder: Path) -> Path:
    # A long but valid note first, so that the NUL lies beyond the binary sniff (8 KiB).
    set_cell(folder, "infant_conditions", 2, "notes", "on treatment. " * 700)
    append_row(folder, "infant_conditions", {"infant_id": "B1", "condition": "other",
                                              "notes": "bad\x00note"})  # fmt: skip
    return folder


def _twice_infant_condition(folder: Path) -> Path:
    # A short note keeps the value narrow enough for the readable table not to wrap.
    set_cell(folder, "infant_conditions", 2, "notes", "hypothyroid")
    append_row(folder, "infant_conditions", {"infant_id": "B2", "condition": "thyroid_disorder",
                                             "diagnosis_date": "2022-01-05",
                                             "notes": "hypothyroid"})  # fmt: skip
    return folder


def _xlsx_cells(sheet: str, **cells: object) -> Callable[[Path], Path]:
    def corrupt(folder: Path) -> Path:
        return set_xlsx_cells(to_xlsx(folder, folder.parent / "cohort.xlsx"), sheet, cells)

    return corrupt


def _xlsx_sheet_renamed(sheet: str, title: str) -> Callable[[Path], Path]:
    def corrupt(folder: Path) -> Path:
        import openpyxl

        target = to_xlsx(folder, folder.parent / "cohort.xlsx")
        book = openpyxl.load_workbook(target)
        # Through another title: openpyxl would call "Participants" a clash and add a "1".
        book[sheet].title = "renaming"
        book["renaming"].title = title
        book.save(target)
        return target

    return corrupt


def _not_a_file(table: str, kind: str) -> Callable[[Path], Path]:
    def corrupt(folder: Path) -> Path:
        file = folder / f"{table}.csv"
        file.unlink()
        if kind == "folder":
            file.mkdir()
        else:
            os.mkfifo(file)  # read, it would wait for a writer forever
        return folder

    return corrupt


def _encoded(table: str, codec: str) -> Callable[[Path], Path]:
    def corrupt(folder: Path) -> Path:
        file = folder / f"{table}.csv"
        file.write_bytes(file.read_text(encoding="utf-8").encode(codec))
        return folder

    return corrupt


CONTACT_ROW_3 = "007,2019-07-20,clinic,6m,regular,no,alive"

CASES = {
    "duplicate participant ID": Case(
        _append("participants", participant_id="007", site="North", birth_date="1982-05-14",
                menses_baseline="regular"),
        "participants.csv", 6, "participant_id", "007", "duplicate_id",
    ),
    "unknown participant": Case(
        _append("injections", participant_id="999", injection_date="2020-01-01"),
        "injections.csv", 7, "participant_id", "999", "unknown_reference",
    ),
    "unknown pregnancy": Case(
        _append("infants", infant_id="B9", pregnancy_id="G9", birth_date="2020-01-20"),
        "infants.csv", 5, "pregnancy_id", "G9", "unknown_reference",
    ),
    "unknown IVF cycle": Case(
        _edit("pregnancies", 4, "ivf_cycle_id", "C99"),
        "pregnancies.csv", 4, "ivf_cycle_id", "C99", "unknown_reference",
    ),
    "unknown infant": Case(
        _append("infant_conditions", infant_id="B9", condition="other"),
        "infant_conditions.csv", 3, "infant_id", "B9", "unknown_reference",
    ),
    "impossible date": Case(
        _edit("injections", 2, "injection_date", "2021-02-30"),
        "injections.csv", 2, "injection_date", "2021-02-30", "not_a_date",
    ),
    "value outside a vocabulary": Case(
        _edit("participants", 2, "menses_baseline", "sometimes"),
        "participants.csv", 2, "menses_baseline", "sometimes", "not_in_vocabulary",
    ),
    "date in the future": Case(
        _edit("contacts", 4, "contact_date", "2099-01-01"),
        "contacts.csv", 4, "contact_date", "2099-01-01", "future_date",
    ),
    "missing required column": Case(
        _drop("participants", "site"),
        "participants.csv", 1, "site", None, "missing_column",
    ),
    "negative count": Case(
        _edit("participants", 3, "afc", "-2"),
        "participants.csv", 3, "afc", "-2", "below_minimum",
    ),
    "infant of a pregnancy that did not end in a live birth": Case(
        _append("infants", infant_id="B9", pregnancy_id="G4", birth_date="2021-03-01"),
        "infants.csv", 5, "pregnancy_id", "G4", "infant_of_non_live_birth",
    ),
    "more infants than fetuses": Case(
        _append("infants", infant_id="B9", pregnancy_id="G1", birth_date="2020-01-20"),
        "pregnancies.csv", 2, "fetuses", "1", "more_infants_than_fetuses",
    ),
    "overlapping pregnancies": Case(
        _edit("pregnancies", 3, "conception_date", "2019-12-01"),
        "pregnancies.csv", 3, "conception_date", "2019-12-01", "pregnancies_overlap",
    ),
    "conception before the first injection": Case(
        _edit("pregnancies", 2, "conception_date", "2019-01-02"),
        "pregnancies.csv", 2, "conception_date", "2019-01-02", "before_first_injection",
    ),
    "a woman aged 12": Case(
        _edit("participants", 2, "birth_date", "2007-01-01"),
        "participants.csv", 2, "birth_date", "2007-01-01", "age_at_first_injection",
    ),
    "empty file": Case(
        _write_bytes("conditions", b""), "conditions.csv", None, None, None, "empty_file"
    ),
    "file that is not CSV": Case(
        _write_bytes("pregnancies", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00"),
        "pregnancies.csv", None, None, None, "not_csv",
    ),
    "xlsx with a missing sheet": Case(
        _xlsx_without("infants"), "cohort.xlsx, sheet infants", None, None, None,
        "missing_sheet",
    ),
    "xlsx sheet named with a capital": Case(
        _xlsx_sheet_renamed("participants", "Participants"), "cohort.xlsx, sheet participants",
        None, None, None, "missing_sheet",
    ),
    "xlsx formula with no saved value": Case(
        _xlsx_cells("participants", B3='=A3&"x"'), "cohort.xlsx, sheet participants", 3,
        "site", '=A3&"x"', "formula_without_value",
    ),
    "NUL byte in a cell beyond the first 8 KiB": Case(
        _late_nul, "infant_conditions.csv", 3, "notes", "bad\\x00note", "control_character",
    ),
    "tab inside a cell that is not free text": Case(
        _edit("participants", 2, "site", "North\tEast"),
        "participants.csv", 2, "site", "North\\tEast", "control_character",
    ),
    "two injections of one woman on one date": Case(
        _append("injections", participant_id="008", injection_date="2019-09-20", ovary="right"),
        "injections.csv", 7, "injection_date", "2019-09-20", "same_day_injection",
    ),
    "a contact entered twice": Case(
        _bytes("contacts", b"007,2019-04-20", CONTACT_ROW_3.encode() + b"\n007,2019-04-20"),
        "contacts.csv", 4, None, CONTACT_ROW_3, "duplicate_row",
    ),
    "an infant condition entered twice": Case(
        _twice_infant_condition, "infant_conditions.csv", 3, None,
        "B2,thyroid_disorder,2022-01-05,hypothyroid", "duplicate_row",
    ),
    "semicolon-separated file": Case(
        _separated_by("contacts", ";"), "contacts.csv", None, None, None, "wrong_separator"
    ),
    "tab-separated file": Case(
        _separated_by("ivf_cycles", "\t"), "ivf_cycles.csv", None, None, None,
        "wrong_separator",
    ),
    "file that is not UTF-8": Case(
        _bytes("contacts", b"2019-06-15,clinic", b"2019-06-15,clin\x99c"),
        "contacts.csv", 5, None, None, "not_utf8",
    ),
    "quoted value never closed": Case(
        _bytes("contacts", b"2020-09-20,records", b'2020-09-20,"records'),
        "contacts.csv", 6, None, None, "not_csv",
    ),
    "site code longer than a registered site's": Case(
        _edit("participants", 3, "site", "N" * 101),
        "participants.csv", 3, "site", "N" * 101, "not_a_site_code",
    ),
    "C1 control character in a site code": Case(
        _edit("participants", 2, "site", "No\x85rth"),
        "participants.csv", 2, "site", "No\\x85rth", "not_a_site_code",
    ),
    "zero-width space in a site code": Case(
        _edit("participants", 4, "site", "Sou\u200bth"),
        "participants.csv", 4, "site", "Sou\\u200bth", "not_a_site_code",
    ),
    "a folder in place of a CSV file": Case(
        _not_a_file("contacts", "folder"), "contacts.csv", None, None, None, "not_a_file"
    ),
    "a named pipe in place of a CSV file": Case(
        _not_a_file("conditions", "fifo"), "conditions.csv", None, None, None, "not_a_file"
    ),
    "UTF-16 file with a byte-order mark": Case(
        _encoded("contacts", "utf-16"), "contacts.csv", None, None, None, "not_utf8"
    ),
    "UTF-16 file without a byte-order mark": Case(
        _encoded("ivf_cycles", "utf-16-le"), "ivf_cycles.csv", None, None, None, "not_utf8"
    ),
    "row with more cells than the header": Case(
        _bytes("contacts", b"2023-06-10,phone,final,menopause,yes,alive",
               b"2023-06-10,phone,final,menopause,yes,alive,extra"),
        "contacts.csv", 7, None, None, "not_csv",
    ),
}  # fmt: skip


def _snapshot(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every row of every table of an SQLite registry, sorted."""
    with sqlite3.connect(database) as con:
        names = [r[0] for r in con.execute("select name from sqlite_master where type='table'")]
        return {n: sorted(map(repr, con.execute(f'select * from "{n}"'))) for n in names}  # type: ignore[misc]


@pytest.fixture
def registry(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An SQLite registry already holding the small fixture workbook."""
    database = tmp_path / "registry.db"
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", f"sqlite:///{database}")
    good = copy_workbook(tmp_path / "good")
    result = runner.invoke(app, ["import", str(good), "--create-sites"])
    assert result.exit_code == 0, result.output
    return database


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_rejected_with_file_row_column_and_value(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    workbook = case.corrupt(copy_workbook(tmp_path / "bad"))
    result = runner.invoke(app, ["validate", str(workbook), "--json"])
    assert result.exit_code == 1, result.output
    report = json.loads(result.stdout)
    assert report["valid"] is False
    located = [(e["file"], e["row"], e["column"], e["value"], e["rule"]) for e in report["errors"]]
    assert (case.file, case.row, case.column, case.value, case.rule) in located, located
    for error in report["errors"]:
        assert error["message"], error


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_is_shown_readably_and_exits_1(name: str, tmp_path: Path) -> None:
    case = CASES[name]
    workbook = case.corrupt(copy_workbook(tmp_path / "bad"))
    result = runner.invoke(app, ["validate", str(workbook)], env={"COLUMNS": "300"})
    assert result.exit_code == 1
    assert case.file.split(",")[0] in result.output
    assert case.rule in result.output


@pytest.mark.parametrize("name", list(CASES))
def test_bad_input_import_changes_nothing(name: str, tmp_path: Path, registry: Path) -> None:
    before = _snapshot(registry)
    case = CASES[name]
    workbook = case.corrupt(copy_workbook(tmp_path / "bad"))
    # A new woman rides along with the corruption: she must not be written either.
    if workbook.is_dir():
        append_row(workbook, "participants", {
            "participant_id": "NEW1", "site": "North", "birth_date": "1980-01-01",
            "menses_baseline": "regular",
        })  # fmt: skip
    result = runner.invoke(app, ["import", str(workbook)])
    assert result.exit_code == 1, result.output
    assert "nothing was written" in result.output or "error" in result.output
    assert _snapshot(registry) == before


def test_a_refused_import_into_a_new_registry_leaves_no_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)  # the default registry: follicle.db here
    monkeypatch.delenv("FOLLICLE_DATABASE_URL", raising=False)
    workbook = copy_workbook(tmp_path / "good")
    result = runner.invoke(app, ["import", str(workbook)])  # its sites are not registered
    assert result.exit_code == 1, result.output
    assert "site_not_registered" in result.output
    assert sorted(p.name for p in tmp_path.iterdir()) == ["good"]
    # Once it can be imported, it is.
    assert runner.invoke(app, ["import", str(workbook), "--create-sites"]).exit_code == 0
    assert (tmp_path / "follicle.db").is_file()


def test_valid_workbook_exits_0_with_rows_per_table(tmp_path: Path) -> None:
    workbook = copy_workbook(tmp_path / "good")
    result = runner.invoke(app, ["validate", str(workbook)])
    assert result.exit_code == 0, result.output
    assert "is valid" in result.output
    assert "infant_conditions" in result.output


def test_unknown_columns_are_listed_as_ignored(tmp_path: Path) -> None:
    workbook = copy_workbook(tmp_path / "good")
    rows = (workbook / "participants.csv").read_text().splitlines()
    rows = [rows[0] + ",favourite_colour"] + [r + ",blue" for r in rows[1:]]
    (workbook / "participants.csv").write_text("\n".join(rows) + "\n")
    result = runner.invoke(app, ["validate", str(workbook), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["ignored_columns"] == {
        "participants.csv": ["favourite_colour"]
    }


def test_all_errors_are_found_not_only_the_first(tmp_path: Path) -> None:
    workbook = copy_workbook(tmp_path / "bad")
    for name in ("impossible date", "value outside a vocabulary", "negative count"):
        CASES[name].corrupt(workbook)
    result = runner.invoke(app, ["validate", str(workbook), "--json"])
    rules = {e["rule"] for e in json.loads(result.stdout)["errors"]}
    assert {"not_a_date", "not_in_vocabulary", "below_minimum"} <= rules


# -- the words of the messages, and what is *not* reported --------------------------------


def _report(workbook: Path) -> dict[str, Any]:
    result = runner.invoke(app, ["validate", str(workbook), "--json"])
    assert result.exit_code in (0, 1), result.output
    report: dict[str, Any] = json.loads(result.stdout)
    return report


def _errors(report: dict[str, Any]) -> list[tuple[str, int | None, str | None, str]]:
    return [(e["file"], e["row"], e["column"], e["rule"]) for e in report["errors"]]


def _message(report: dict[str, Any], rule: str) -> str:
    (message,) = [e["message"] for e in report["errors"] if e["rule"] == rule]
    return str(message)


@pytest.mark.parametrize(
    ("table", "separator", "words"),
    [("contacts", ";", "';'"), ("ivf_cycles", "\t", "tabs"), ("injections", ";", "';'")],
)
def test_a_file_with_the_wrong_separator_is_one_problem_and_nothing_else(
    tmp_path: Path, table: str, separator: str, words: str
) -> None:
    report = _report(_separated_by(table, separator)(copy_workbook(tmp_path / "wb")))
    # No missing columns, no unknown cycles, no "she has no injection/contact" cascade.
    assert _errors(report) == [(f"{table}.csv", None, None, "wrong_separator")]
    assert report["warnings"] == []
    assert _message(report, "wrong_separator").startswith(
        f"the file seems to be separated by {words} — a workbook CSV is comma-separated"
    )


def test_a_malformed_csv_is_explained_in_plain_words_at_its_row(tmp_path: Path) -> None:
    unclosed = _report(CASES["quoted value never closed"].corrupt(copy_workbook(tmp_path / "a")))
    assert _message(unclosed, "not_csv").startswith(
        'a quoted value is never closed: the quote (") that opens in row 6'
    )
    wide = CASES["row with more cells than the header"].corrupt(copy_workbook(tmp_path / "b"))
    assert _message(_report(wide), "not_csv").startswith("row 7 has 8 cells but the header has 7")


def test_a_file_that_is_not_utf8_names_the_row_and_the_byte(tmp_path: Path) -> None:
    report = _report(CASES["file that is not UTF-8"].corrupt(copy_workbook(tmp_path / "wb")))
    message = _message(report, "not_utf8")
    assert "row 5 holds a byte (0x99) that cannot be read, just after '008,2019-06-15,clin'" in (
        message
    )
    assert "save it again as CSV UTF-8" in message


def test_a_byte_order_mark_does_not_shift_the_row_of_a_bad_byte(tmp_path: Path) -> None:
    folder = CASES["file that is not UTF-8"].corrupt(copy_workbook(tmp_path / "wb"))
    (folder / "contacts.csv").write_bytes(b"\xef\xbb\xbf" + (folder / "contacts.csv").read_bytes())
    assert _errors(_report(folder)) == [("contacts.csv", 5, None, "not_utf8")]


def test_an_injection_date_that_does_not_parse_is_reported_once(tmp_path: Path) -> None:
    # 009's only injection: her IVF cycles and pregnancy must not be "before it" or
    # "with no injection recorded" — her injection row is there, only its date is wrong.
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "injections", 5, "injection_date", "2020-02-31")
    report = _report(folder)
    assert _errors(report) == [("injections.csv", 5, "injection_date", "not_a_date")]
    assert report["warnings"] == []


def test_a_contact_date_that_does_not_parse_leaves_the_end_of_follow_up_unknown(
    tmp_path: Path,
) -> None:
    # 009's last contact: without it her end of follow-up would seem to be 2020-05-10, and
    # her IVF cycles and pregnancy after it would be false errors.
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "contacts", 10, "contact_date", "2024-02-30")
    assert _errors(_report(folder)) == [("contacts.csv", 10, "contact_date", "not_a_date")]


def test_events_of_a_woman_with_no_injection_row_are_still_errors(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    rows = read_rows(folder, "injections")
    (folder / "injections.csv").write_text(
        "\n".join(",".join(r) for r in rows if r[0] != "009") + "\n", encoding="utf-8"
    )
    report = _report(folder)
    untreated = [
        (e["file"], e["row"])
        for e in report["errors"]
        if e["message"].endswith("but she has no injection recorded")
    ]
    assert untreated == [("ivf_cycles.csv", 2), ("ivf_cycles.csv", 3), ("pregnancies.csv", 4)]
    assert [(w["row"], w["rule"]) for w in report["warnings"]] == [(4, "no_injection")]


@pytest.mark.parametrize(
    ("table", "values", "message"),
    [
        ("injections", {"participant_id": "999", "injection_date": "2020-03-01"},
         "participant_id names a participant that is not in {participants}"),
        ("pregnancies", {"pregnancy_id": "G9", "participant_id": "009",
                         "conception_date": "2021-06-01", "mode": "ivf", "ivf_cycle_id": "C99",
                         "outcome": "ongoing"},
         "ivf_cycle_id names an IVF cycle that is not in {ivf_cycles}"),
        ("infants", {"infant_id": "B9", "pregnancy_id": "G9", "birth_date": "2020-01-20"},
         "pregnancy_id names a pregnancy that is not in {pregnancies}"),
        ("infant_conditions", {"infant_id": "B9", "condition": "other"},
         "infant_id names an infant that is not in {infants}"),
    ],
)  # fmt: skip
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_an_unknown_reference_names_the_table_as_read_with_the_right_article(
    tmp_path: Path, table: str, values: dict[str, str], message: str, kind: str
) -> None:
    workbook = copy_workbook(tmp_path / "wb")
    append_row(workbook, table, values)
    if kind == "xlsx":
        workbook = to_xlsx(workbook, tmp_path / "cohort.xlsx")
    names = {
        t: (f"{t}.csv" if kind == "csv" else f"the sheet {t}")
        for t in ("participants", "ivf_cycles", "pregnancies", "infants")
    }
    report = _report(workbook)
    assert _message(report, "unknown_reference") == message.format(**names)


def test_a_sheet_named_in_capitals_is_pointed_out_and_listed_as_ignored(tmp_path: Path) -> None:
    corrupt = CASES["xlsx sheet named with a capital"].corrupt
    report = _report(corrupt(copy_workbook(tmp_path / "wb")))
    # One problem: the tables that refer to participants are not checked against nothing.
    assert _errors(report) == [("cohort.xlsx, sheet participants", None, None, "missing_sheet")]
    assert _message(report, "missing_sheet") == (
        "the sheet participants is missing (there is a sheet Participants: "
        "sheet names are lower-case)"
    )
    assert report["ignored_files"] == ["cohort.xlsx, sheet Participants"]


def test_a_csv_file_named_in_capitals_is_pointed_out(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    (folder / "infants.csv").rename(folder / "Infants.csv")
    if (folder / "infants.csv").exists():
        pytest.skip("a case-insensitive file system finds Infants.csv as infants.csv")
    report = _report(folder)
    assert _message(report, "missing_file") == (
        "the file infants.csv is missing from the workbook folder (there is a file "
        "Infants.csv: file names are lower-case)"
    )


def test_extra_files_and_sheets_are_listed_as_ignored(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    (folder / "notes.csv").write_text("anything,at all\n", encoding="utf-8")
    (folder / "README.txt").write_text("not a table\n", encoding="utf-8")
    report = _report(folder)
    assert report["valid"] is True
    assert report["ignored_files"] == ["notes.csv"]

    import openpyxl

    target = to_xlsx(copy_workbook(tmp_path / "other"), tmp_path / "cohort.xlsx")
    book = openpyxl.load_workbook(target)
    book.create_sheet("Notes")["A1"] = "coordinator's notes"
    book.save(target)
    report = _report(target)
    assert report["valid"] is True
    assert report["ignored_files"] == ["cohort.xlsx, sheet Notes"]


def test_a_formula_with_no_saved_value_is_not_called_empty(tmp_path: Path) -> None:
    corrupt = _xlsx_cells("participants", B3='=A3&"x"', B4=None)
    report = _report(corrupt(copy_workbook(tmp_path / "wb")))
    sheet = "cohort.xlsx, sheet participants"
    # B3 is a formula Excel never calculated; B4 is really empty.
    assert _errors(report) == [
        (sheet, 3, "site", "formula_without_value"),
        (sheet, 4, "site", "required"),
    ]
    assert "open and save the file in Excel first" in _message(report, "formula_without_value")


@pytest.mark.parametrize(
    ("value", "shown", "words"),
    [
        ("North\x00", "North\\x00", "contains a NUL byte (U+0000), which the registry cannot"),
        ("No\x1frth", "No\\x1frth", "contains an invisible control character (U+001F), which"),
        ("North\nEast", "North\\nEast", "contains a line break, which only free-text notes may"),
    ],
)
def test_a_control_character_is_named_and_shown_escaped(
    tmp_path: Path, value: str, shown: str, words: str
) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "participants", 5, "site", value)
    report = _report(folder)
    (error,) = report["errors"]
    assert (error["row"], error["column"], error["value"]) == (5, "site", shown)
    assert error["message"].startswith(f"site {words}")


def test_a_nul_byte_is_named_even_beyond_the_binary_sniff(tmp_path: Path) -> None:
    # The first 8 KiB are sniffed for a binary file; the cell check reads everything.
    report = _report(_late_nul(copy_workbook(tmp_path / "wb")))
    assert _message(report, "control_character") == (
        "notes contains a NUL byte (U+0000), which the registry cannot store: retype the "
        "value without it"
    )


def test_a_file_full_of_nuls_is_still_called_binary(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    (folder / "contacts.csv").write_bytes(b"\x00" * 4096 + b"participant_id\n")
    assert _errors(_report(folder)) == [("contacts.csv", None, None, "not_csv")]


@pytest.mark.parametrize(
    ("codec", "words"),
    [
        ("utf-16", "UTF-16 (little-endian)"),  # Excel's "Unicode Text": with a byte-order mark
        ("utf-16-le", "UTF-16 (little-endian)"),
        ("utf-16-be", "UTF-16 (big-endian)"),
        ("utf-32", "UTF-32 (little-endian)"),
    ],
)
def test_a_utf16_file_is_named_by_its_encoding_not_called_binary(
    tmp_path: Path, codec: str, words: str
) -> None:
    folder = _encoded("contacts", codec)(copy_workbook(tmp_path / "wb"))
    report = _report(folder)
    assert _errors(report) == [("contacts.csv", None, None, "not_utf8")]
    assert _message(report, "not_utf8") == (
        f"the file is encoded as {words}, not UTF-8: save it as CSV UTF-8 (in Excel: Save "
        "As, CSV UTF-8 (Comma delimited))"
    )


@pytest.mark.parametrize(
    ("kind", "words"), [("folder", "a folder"), ("fifo", "a named pipe (FIFO)")]
)
def test_a_folder_or_pipe_in_place_of_a_csv_file_is_not_called_missing(
    tmp_path: Path, kind: str, words: str
) -> None:
    folder = _not_a_file("contacts", kind)(copy_workbook(tmp_path / "wb"))
    report = _report(folder)  # a pipe is never opened: this returns
    assert _errors(report) == [("contacts.csv", None, None, "not_a_file")]
    assert _message(report, "not_a_file") == (
        f"contacts.csv is {words}, not a file: each table of a workbook folder is a CSV file"
    )


def test_a_named_pipe_called_xlsx_is_not_opened(tmp_path: Path) -> None:
    pipe = tmp_path / "cohort.xlsx"
    os.mkfifo(pipe)
    report = _report(pipe)
    assert _errors(report) == [("cohort.xlsx", None, None, "not_a_file")]
    assert "cohort.xlsx is a named pipe (FIFO), not a file" in _message(report, "not_a_file")


@pytest.mark.parametrize(
    ("value", "shown", "words"),
    [
        ("N" * 101, "N" * 101, "is 101 characters long: a site code has at most 100"),
        ("No\x85rth", "No\\x85rth", "contains a control character (U+0085), which a site"),
        ("Sou\u200bth", "Sou\\u200bth", "contains an invisible mark (U+200B), which a site"),
        ("\u202eNorth", "\\u202eNorth", "contains an invisible mark (U+202E), which a site"),
    ],
)
def test_a_site_code_the_registry_would_refuse_is_refused_at_validation(
    tmp_path: Path, value: str, shown: str, words: str
) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "participants", 5, "site", value)
    report = _report(folder)
    (error,) = report["errors"]
    assert (error["file"], error["row"], error["column"], error["value"], error["rule"]) == (
        "participants.csv",
        5,
        "site",
        shown,
        "not_a_site_code",
    )
    assert error["message"].startswith(f"site {words}")


def test_tabs_and_line_breaks_are_allowed_in_free_text_notes(tmp_path: Path) -> None:
    folder = copy_workbook(tmp_path / "wb")
    set_cell(folder, "conditions", 2, "notes", "cyst\t3 cm\r\nresolved")
    assert _report(folder)["valid"] is True


def test_repeated_rows_name_the_row_they_repeat(tmp_path: Path) -> None:
    same_day = CASES["two injections of one woman on one date"].corrupt
    message = _message(_report(same_day(copy_workbook(tmp_path / "a"))), "same_day_injection")
    assert message.startswith("a woman cannot have two injections on the same date")
    assert message.endswith("(row 4 is her injection of the same date)")
    twice = CASES["a contact entered twice"].corrupt
    message = _message(_report(twice(copy_workbook(tmp_path / "b"))), "duplicate_row")
    assert message.startswith("this row repeats row 2 exactly")


def test_rows_of_a_table_without_ids_that_differ_in_one_cell_are_not_duplicates(
    tmp_path: Path,
) -> None:
    folder = copy_workbook(tmp_path / "wb")
    append_row(folder, "conditions", {"participant_id": "007", "condition": "ovarian_cyst",
                                      "diagnosis_date": "2019-08-01", "during_pregnancy": "yes",
                                      "resolved": "no"})  # fmt: skip
    assert _report(folder)["valid"] is True


def test_a_huge_cell_or_column_name_is_shown_shortened(tmp_path: Path) -> None:
    # Rich took minutes to wrap a line of a few hundred thousand characters (a damaged line
    # with its line breaks lost); the terminal shows the start and the length, --json all.
    folder = copy_workbook(tmp_path / "wb")
    rows = read_rows(folder, "participants")
    rows[0].append("[bold]" + "y" * 300_000)
    rows[1][0] = "P" + "9" * 300_000
    for row in rows[1:]:
        row.append("")
    write_rows(folder, "participants", rows)
    result = runner.invoke(app, ["validate", str(folder)])
    assert result.exit_code == 1
    assert "(300,006 characters)" in result.output  # the column, its markup not applied
    assert "[bold]yyy" in result.output
    assert "(300,003 characters)" in result.output  # the value, quoted
    assert len(result.output) < 100_000
