"""Edit copies of fixture workbooks, cell by cell, for tests of bad input."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures" / "workbooks"
SMALL = FIXTURES / "small"


def copy_workbook(target: Path, source: Path = SMALL) -> Path:
    """Copy a fixture workbook folder to ``target`` and return it."""
    shutil.copytree(source, target)
    return target


def read_rows(folder: Path, table: str) -> list[list[str]]:
    """The rows of ``table`` (header first) as lists of text."""
    with (folder / f"{table}.csv").open(newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def write_rows(folder: Path, table: str, rows: list[list[str]]) -> None:
    """Overwrite ``table`` with ``rows`` (header first)."""
    with (folder / f"{table}.csv").open("w", newline="", encoding="utf-8") as fh:
        csv.writer(fh, lineterminator="\n").writerows(rows)


def set_cell(folder: Path, table: str, row: int, column: str, value: str) -> None:
    """Set the cell at spreadsheet ``row`` (header = 1) of ``column`` to ``value``."""
    rows = read_rows(folder, table)
    rows[row - 1][rows[0].index(column)] = value
    write_rows(folder, table, rows)


def append_row(folder: Path, table: str, values: dict[str, str]) -> int:
    """Append a row (unnamed columns empty); return its spreadsheet row number."""
    rows = read_rows(folder, table)
    rows.append([values.get(name, "") for name in rows[0]])
    write_rows(folder, table, rows)
    return len(rows)


def drop_column(folder: Path, table: str, column: str) -> None:
    """Remove ``column`` from ``table``."""
    rows = read_rows(folder, table)
    position = rows[0].index(column)
    write_rows(folder, table, [r[:position] + r[position + 1 :] for r in rows])


def to_xlsx(folder: Path, target: Path, *, skip: tuple[str, ...] = ()) -> Path:
    """Write the workbook folder as one .xlsx (cells as text), leaving out ``skip`` sheets."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for file in sorted(folder.glob("*.csv")):
        if file.stem in skip:
            continue
        sheet = book.create_sheet(file.stem)
        for row in read_rows(folder, file.stem):
            sheet.append(row)
    book.save(target)
    return target
