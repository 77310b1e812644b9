"""``tables.xlsx``: one sheet per report table, numbers kept as numbers.

Each sheet has the caption in the first row (the demo notice, if any, in the second), the
header (bold, rules above and below) in the third, then the rows and the footnotes. A cell
that shows one number stores the unrounded number with a number format that displays the
digits the report prints (:func:`follicle.report.tables.excel_format`), so the spreadsheet
reads like the report and still computes with full precision. The report passes tables made
with ``from_result(result, combine=False)``, so every number has its own column; composite
cells (``38 (36.19)``), when given, are written as text. Column widths follow the longest
cell.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from follicle.report.tables import ReportTable, excel_format

#: Excel limits a sheet name to 31 characters and forbids these.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_RULE = Side(style="thin", color="000000")
_MAX_WIDTH = 60


def sheet_name(table: ReportTable, taken: set[str]) -> str:
    """A valid, unique sheet name for ``table`` (its label, else its name)."""
    base = _SHEET_FORBIDDEN.sub("-", table.label or table.name or "Table").strip()[:31] or "Table"
    name, k = base, 2
    while name.lower() in taken:
        suffix = f" ({k})"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    taken.add(name.lower())
    return name


def _write_sheet(sheet: Worksheet, table: ReportTable, notice: str) -> None:
    sheet.cell(row=1, column=1, value=table.caption).font = Font(bold=True)
    if notice:
        sheet.cell(row=2, column=1, value=notice).font = Font(italic=True, color="8A4B00")
    header_row = 3
    for j, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=header_row, column=j, value=column)
        cell.font = Font(bold=True)
        cell.border = Border(top=_RULE, bottom=_RULE)
        cell.alignment = Alignment(horizontal="left" if j == 1 else "center", wrap_text=True)
    numeric = table.numeric_columns
    last = header_row + len(table.rows)
    for i, row in enumerate(table.rows):
        r = header_row + 1 + i
        for j, text in enumerate(row):
            cell = sheet.cell(row=r, column=j + 1)
            number = table.number(i, j)
            if number is not None and text:
                cell.value = number
                cell.number_format = excel_format(text)
            else:
                cell.value = text or None
            cell.alignment = Alignment(horizontal="right" if numeric[j] else "left")
            if i in table.sections:
                cell.font = Font(italic=True)
            if r == last:
                cell.border = Border(bottom=_RULE)
    for k, note in enumerate(table.footnotes):
        sheet.cell(row=last + 2 + k, column=1, value=note).font = Font(size=9)
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=1)
    _set_widths(sheet, table.columns, table.rows)


def _set_widths(sheet: Worksheet, columns: Sequence[str], rows: Sequence[Sequence[str]]) -> None:
    for j, column in enumerate(columns):
        longest = max([len(column), *(len(row[j]) for row in rows)], default=8)
        width = min(max(longest + 2, 8), _MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(j + 1)].width = width


def write_xlsx(tables: Sequence[ReportTable], path: Path, *, notice: str = "") -> Path:
    """Write ``tables`` to ``path``, a sheet per table in order, and return the path.

    ``notice`` (the demo cohort's "not patient data" line) goes under each caption.
    """
    book = Workbook()
    default = book.active
    taken: set[str] = set()
    for table in tables:
        _write_sheet(book.create_sheet(sheet_name(table, taken)), table, notice)
    if default is not None and len(book.worksheets) > 1:
        book.remove(default)
    book.properties.creator = "follicle"
    book.save(path)
    return path
