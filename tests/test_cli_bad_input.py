"""Every kind of bad input the workbook issue lists, rejected through the CLI.

Each case corrupts a copy of the small fixture workbook in one way and checks that
``follicle validate --json`` names the file, row, column and value and the rule broken,
and that ``follicle import`` exits 1 and leaves an already-populated registry exactly as it
was.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from typer.testing import CliRunner

from editing import append_row, copy_workbook, drop_column, set_cell, to_xlsx
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
    result = runner.invoke(app, ["import", str(good)])
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
