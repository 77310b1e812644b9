"""Edit copies of fixture workbooks, cell by cell, for tests of bad input."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

from hypothesis import strategies as st

from follicle.workbook.schema import TABLES

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


def replace_bytes(folder: Path, table: str, old: bytes, new: bytes) -> None:
    """Replace the first ``old`` in the bytes of ``table``'s file (for encoding damage)."""
    file = folder / f"{table}.csv"
    data = file.read_bytes()
    assert old in data, (table, old)
    file.write_bytes(data.replace(old, new, 1))


def set_xlsx_cells(target: Path, sheet: str, cells: dict[str, object]) -> Path:
    """Set cells (``{"B3": value}``) of one sheet of an .xlsx, as Excel-typed values."""
    import openpyxl

    book = openpyxl.load_workbook(target)
    for cell, value in cells.items():
        book[sheet][cell] = value
    book.save(target)
    return target


def stale_dimensions(target: Path, ref: str = "A1:C2") -> Path:
    """Rewrite every sheet's ``<dimension>`` tag of an .xlsx to ``ref``, as some tools do."""
    import re
    import zipfile

    with zipfile.ZipFile(target) as source:
        parts = [(info, source.read(info)) for info in source.infolist()]
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info, data in parts:
            if info.filename.startswith("xl/worksheets/sheet"):
                data = re.sub(
                    rb'<dimension ref="[^"]*"/>', f'<dimension ref="{ref}"/>'.encode(), data
                )
            out.writestr(info, data)
    return target


# -- random corruptions, for property-based tests ---------------------------------------

TABLE_NAMES = [t.name for t in TABLES]

#: Values that each break some rule somewhere, plus arbitrary text.
NASTY = st.one_of(
    st.sampled_from(
        ["", " ", "0", "-1", "1.5", "1e309", "nan", "NA", "yes", "2021-02-30", "2099-01-01",
         "1900-01-01", "007", "G1", "C01", "B2", "regular", "live_birth", "ivf", "=1+1",
         "\x00", "😀", '"', ",", "\n"]
    ),
    st.text(max_size=12),
)  # fmt: skip


@st.composite
def corruptions(draw: st.DrawFn) -> list[tuple[str, str, int, int, str]]:
    """A few edits: (table, kind, row, column, value)."""
    edits = []
    for _ in range(draw(st.integers(1, 4))):
        table = draw(st.sampled_from(TABLE_NAMES))
        kind = draw(st.sampled_from(["cell", "cell", "cell", "drop_row", "dup_row",
                                     "drop_column", "truncate", "header"]))  # fmt: skip
        edits.append((table, kind, draw(st.integers(0, 20)), draw(st.integers(0, 20)),
                      draw(NASTY)))  # fmt: skip
    return edits


def apply(folder: Path, edits: list[tuple[str, str, int, int, str]]) -> None:
    """Apply the drawn edits to the workbook folder."""
    for table, kind, r, c, value in edits:
        try:
            rows = read_rows(folder, table)
        except (csv.Error, UnicodeDecodeError):
            continue  # an earlier edit already made this file unreadable
        if not rows or not rows[0]:
            continue
        width = len(rows[0])
        body = len(rows) - 1
        if kind == "cell" and body:
            row = rows[1 + r % body]
            if c % width < len(row):
                row[c % width] = value
            else:  # a short row (a blank line an earlier edit made): the cell is added
                row.append(value)
        elif kind == "drop_row" and body:
            del rows[1 + r % body]
        elif kind == "dup_row" and body:
            rows.append(list(rows[1 + r % body]))
        elif kind == "drop_column":
            rows = [row[: c % width] + row[c % width + 1 :] for row in rows]
        elif kind == "header":
            rows[0][c % width] = value
        elif kind == "truncate":
            (folder / f"{table}.csv").write_text(value, encoding="utf-8")
            continue
        write_rows(folder, table, rows)
