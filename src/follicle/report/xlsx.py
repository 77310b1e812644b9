"""``tables.xlsx``: one sheet per report table, numbers kept as numbers, set up to print.

The first sheet, **Contents**, lists every table by number and title, each a link to its
sheet. Each table's sheet has the caption in the first row (the demo notice, if any, in
the second), the header (bold, rules above and below) in the third, then the rows and the
footnotes. A cell that shows one number stores the unrounded number with a number format
that displays the digits the report prints (:func:`follicle.report.tables.excel_format`),
so the spreadsheet reads like the report and still computes with full precision. The
report passes tables made with ``from_result(result, combine=False)``, so every number has
its own column; composite cells (``38 (36.19)``), when given, are written as text. Column
widths follow the longest cell.

Printing: every sheet is set to A4 (or Letter), fitted to one page wide (as many pages
tall as it needs), landscape when its columns are wider than a portrait page, with the
caption and header rows repeated on each page; the panes are frozen below the header and
right of the row labels, so they stay in view on screen too.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from follicle.report.tables import ReportTable, excel_format

if TYPE_CHECKING:
    from openpyxl.worksheet.worksheet import Worksheet

#: Excel limits a sheet name to 31 characters and forbids these.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_WIDTH = 60
#: Columns wider than this in all (Excel's character widths) print in landscape: about
#: what fits across a portrait A4 page at 100 %.
PORTRAIT_MAX_WIDTH = 95
#: The sheet of contents.
CONTENTS = "Contents"
#: openpyxl's paper-size codes.
_PAPER_SIZES = {"a4": 9, "letter": 1}
_HEADER_ROW = 3


def sheet_name(table: ReportTable, taken: set[str]) -> str:
    """A valid, unique sheet name for ``table`` (its label, else its name)."""
    base = _SHEET_FORBIDDEN.sub("-", table.label or table.name or "Table").strip()[:31] or "Table"
    name, k = base, 2
    while name.lower() in taken:
        suffix = f" ({k})"
        name, k = base[: 31 - len(suffix)] + suffix, k + 1
    taken.add(name.lower())
    return name


class _Styles:
    """The few styles of the tables, made once (openpyxl registers each one it is given)."""

    def __init__(self) -> None:
        from openpyxl.styles import Alignment, Border, Font, Side

        rule = Side(style="thin", color="000000")
        self.caption = Font(bold=True)
        self.notice = Font(italic=True, color="8A4B00")
        self.header = Font(bold=True)
        self.section = Font(italic=True)
        self.note = Font(size=9)
        self.link = Font(color="0563C1", underline="single")
        self.header_border = Border(top=rule, bottom=rule)
        self.last_border = Border(bottom=rule)
        self.header_left = Alignment(horizontal="left", wrap_text=True)
        self.header_centre = Alignment(horizontal="center", wrap_text=True)
        self.right = Alignment(horizontal="right")
        self.left = Alignment(horizontal="left")
        self.wrapped = Alignment(horizontal="left", vertical="top", wrap_text=True)


def _write_sheet(
    sheet: Worksheet, table: ReportTable, notice: str, styles: _Styles, paper: str
) -> None:
    sheet.cell(row=1, column=1, value=table.caption).font = styles.caption
    if notice:
        sheet.cell(row=2, column=1, value=notice).font = styles.notice
    header_row = _HEADER_ROW
    for j, column in enumerate(table.columns, start=1):
        cell = sheet.cell(row=header_row, column=j, value=column)
        cell.font = styles.header
        cell.border = styles.header_border
        cell.alignment = styles.header_left if j == 1 else styles.header_centre
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
            cell.alignment = styles.right if numeric[j] else styles.left
            if i in table.sections:
                cell.font = styles.section
            if r == last:
                cell.border = styles.last_border
    for k, note in enumerate(table.footnotes):
        sheet.cell(row=last + 2 + k, column=1, value=note).font = styles.note
    # Row labels and header stay in view when scrolling.
    sheet.freeze_panes = sheet.cell(row=header_row + 1, column=2 if len(table.columns) > 1 else 1)
    widths = _set_widths(sheet, table.columns, table.rows)
    # Long lines (caption, notice, footnotes) wrap within the table's width instead of
    # running on to the right, where they would widen the printed page.
    spanned = [1, 2] if notice else [1]
    spanned += [last + 2 + k for k in range(len(table.footnotes))]
    for r in spanned:
        _span(sheet, r, widths, styles)
    end = last + 1 + len(table.footnotes)
    sheet.print_area = f"A1:{_letter(max(len(table.columns), 1))}{end}"
    _print_setup(sheet, landscape=sum(widths) > PORTRAIT_MAX_WIDTH, paper=paper)


def _letter(column: int) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(column)


def _span(sheet: Worksheet, row: int, widths: Sequence[int], styles: _Styles) -> None:
    """Merge ``row``'s first cell across the table, wrapped, tall enough for its text.

    Excel does not grow a merged row to fit wrapped text, so the height is set from the
    text's length.
    """
    cell = sheet.cell(row=row, column=1)
    text = "" if cell.value is None else str(cell.value)
    total = sum(widths)
    if len(widths) > 1:
        sheet.merge_cells(start_row=row, start_column=1, end_row=row, end_column=len(widths))
    cell.alignment = styles.wrapped
    # About 1.1 characters of 9-11 pt text per unit of column width (a character of the
    # default font), 13 pt a line.
    lines = max(1, -(-len(text) // max(int(total * 1.1), 1)))
    sheet.row_dimensions[row].height = 13 * lines


def _print_setup(sheet: Worksheet, *, landscape: bool, paper: str) -> None:
    """One page wide, as tall as needed; caption and header repeated on every page."""
    setup = sheet.page_setup
    setup.orientation = "landscape" if landscape else "portrait"
    setup.paperSize = _PAPER_SIZES[paper]
    setup.fitToWidth = 1
    setup.fitToHeight = 0  # as many pages tall as the rows need
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = f"1:{_HEADER_ROW}"
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.6
    sheet.oddFooter.center.text = "&A, page &P of &N"


def _write_contents(
    sheet: Worksheet,
    tables: Sequence[ReportTable],
    names: Sequence[str],
    notice: str,
    styles: _Styles,
    paper: str,
) -> None:
    """The contents sheet: each table's number, title and a link to its sheet."""
    from openpyxl.worksheet.hyperlink import Hyperlink

    sheet.cell(row=1, column=1, value="Contents").font = styles.caption
    if notice:
        sheet.cell(row=2, column=1, value=notice).font = styles.notice
    for j, column in enumerate(("Table", "Title", "Sheet"), start=1):
        cell = sheet.cell(row=_HEADER_ROW, column=j, value=column)
        cell.font = styles.header
        cell.border = styles.header_border
        cell.alignment = styles.header_left
    for i, (table, name) in enumerate(zip(tables, names, strict=True)):
        r = _HEADER_ROW + 1 + i
        sheet.cell(row=r, column=1, value=table.label or "")
        sheet.cell(row=r, column=2, value=table.title)
        link = sheet.cell(row=r, column=3, value=name)
        quoted = name.replace("'", "''")
        # A link inside the workbook: a location, not a target (which would be a file).
        link.hyperlink = Hyperlink(ref=link.coordinate, location=f"'{quoted}'!A1", display=name)
        link.font = styles.link
        if i == len(tables) - 1:
            for j in (1, 2, 3):
                sheet.cell(row=r, column=j).border = styles.last_border
    rows = [(t.label or "", t.title, n) for t, n in zip(tables, names, strict=True)]
    _set_widths(sheet, ("Table", "Title", "Sheet"), rows)
    sheet.freeze_panes = sheet.cell(row=_HEADER_ROW + 1, column=1)
    _print_setup(sheet, landscape=False, paper=paper)


def _set_widths(
    sheet: Worksheet, columns: Sequence[str], rows: Sequence[Sequence[str]]
) -> list[int]:
    from openpyxl.utils import get_column_letter

    widths = []
    for j, column in enumerate(columns):
        longest = max([len(column), *(len(row[j]) for row in rows)], default=8)
        width = min(max(longest + 2, 8), _MAX_WIDTH)
        sheet.column_dimensions[get_column_letter(j + 1)].width = width
        widths.append(width)
    return widths


def write_xlsx(
    tables: Sequence[ReportTable], path: Path, *, notice: str = "", paper: str = "a4"
) -> Path:
    """Write ``tables`` to ``path``, a contents sheet then a sheet per table, in order.

    Parameters
    ----------
    tables
        The report tables (``from_result(result, combine=False)``).
    path
        The ``.xlsx`` file to write (replaced when it exists).
    notice
        The demo cohort's "not patient data" line, put under each caption.
    paper
        ``"a4"`` or ``"letter"``, for printing.

    Returns
    -------
    Path
        ``path``.
    """
    from openpyxl import Workbook

    if paper not in _PAPER_SIZES:
        raise ValueError(f"unknown paper {paper!r}: choose from {', '.join(_PAPER_SIZES)}")
    book = Workbook()
    styles = _Styles()
    contents = book.active or book.create_sheet()
    contents.title = CONTENTS
    taken: set[str] = {CONTENTS.lower()}
    names = []
    for table in tables:
        name = sheet_name(table, taken)
        names.append(name)
        _write_sheet(book.create_sheet(name), table, notice, styles, paper)
    _write_contents(contents, tables, names, notice, styles, paper)
    book.properties.creator = "follicle"
    book.save(path)
    return path
