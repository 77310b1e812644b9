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

Written with XlsxWriter, which streams each cell with its format once: openpyxl (which
reads workbooks elsewhere) builds an object per cell and costs about 0.2 s of CPU to
import, more than writing the whole file this way (issue 13).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from follicle.report.tables import ReportTable, excel_format

if TYPE_CHECKING:
    from xlsxwriter.format import Format
    from xlsxwriter.workbook import Workbook
    from xlsxwriter.worksheet import Worksheet

#: Excel limits a sheet name to 31 characters and forbids these.
_SHEET_FORBIDDEN = re.compile(r"[\[\]:*?/\\]")
_MAX_WIDTH = 60
#: Points per line of text in the default 11-point font.
_LINE_HEIGHT = 15
#: Columns wider than this in all (Excel's character widths) print in landscape: about
#: what fits across a portrait A4 page at 100 %.
PORTRAIT_MAX_WIDTH = 95
#: The sheet of contents.
CONTENTS = "Contents"
#: Excel's paper-size codes.
_PAPER_SIZES = {"a4": 9, "letter": 1}
#: The header's row, counted from 1 as Excel shows it (XlsxWriter counts from 0).
_HEADER_ROW = 3
#: The default page margins (inches) of Excel and of the files written before, except
#: the narrower sides that leave the table more room.
_MARGINS = {"left": 0.6, "right": 0.6, "top": 1.0, "bottom": 1.0}
_HEADER_FOOTER_MARGIN = 0.5
_RULE = 1  # a thin line
_FORMATS: dict[str, dict[str, Any]] = {
    "caption": {"bold": True},
    "notice": {"italic": True, "font_color": "#8A4B00"},
    "header": {"bold": True},
    "section": {"italic": True},
    "note": {"font_size": 9},
    "link": {"font_color": "#0563C1", "underline": 1},
    "header_border": {"top": _RULE, "bottom": _RULE},
    "last_border": {"bottom": _RULE},
    "header_left": {"align": "left", "text_wrap": True},
    "header_centre": {"align": "center", "text_wrap": True},
    "right": {"align": "right"},
    "left": {"align": "left"},
    "wrapped": {"align": "left", "valign": "top", "text_wrap": True},
    "top": {"valign": "top"},
}


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
    """The cell formats of the tables, each combination added to the workbook once
    (every format added is written to the file, used or not)."""

    def __init__(self, book: Workbook) -> None:
        @cache
        def combined(*parts: str, number_format: str = "") -> Format:
            properties: dict[str, Any] = {}
            for part in parts:
                properties |= _FORMATS[part]
            if number_format:
                properties["num_format"] = number_format
            return book.add_format(properties)

        self.of = combined


def _write_sheet(
    sheet: Worksheet, table: ReportTable, notice: str, styles: _Styles, paper: str
) -> None:
    header_row = _HEADER_ROW - 1
    for j, column in enumerate(table.columns):
        align = "header_left" if j == 0 else "header_centre"
        sheet.write_string(header_row, j, column, styles.of("header", "header_border", align))
    numeric = table.numeric_columns
    last = header_row + len(table.rows)
    for i, row in enumerate(table.rows):
        r = header_row + 1 + i
        parts: tuple[str, ...] = ("section",) if i in table.sections else ()
        parts += ("last_border",) if r == last else ()
        for j, text in enumerate(row):
            align = "right" if numeric[j] else "left"
            number = table.number(i, j)
            if number is not None and text:
                fmt = styles.of(*parts, align, number_format=excel_format(text))
                sheet.write_number(r, j, number, fmt)
            elif text:
                sheet.write_string(r, j, text, styles.of(*parts, align))
            else:
                sheet.write_blank(r, j, None, styles.of(*parts, align))
    # Row labels and header stay in view when scrolling.
    sheet.freeze_panes(header_row + 1, 1 if len(table.columns) > 1 else 0)
    widths = _set_widths(sheet, table.columns, table.rows)
    # Long lines (caption, notice, footnotes) wrap within the table's width instead of
    # running on to the right, where they would widen the printed page.
    _span(sheet, 0, table.caption, widths, styles.of("caption", "wrapped"))
    if notice:
        _span(sheet, 1, notice, widths, styles.of("notice", "wrapped"))
    for k, note in enumerate(table.footnotes):
        _span(sheet, last + 2 + k, note, widths, styles.of("note", "wrapped"))
    end = last + 1 + len(table.footnotes)
    sheet.print_area(0, 0, end, max(len(table.columns), 1) - 1)
    _print_setup(sheet, landscape=sum(widths) > PORTRAIT_MAX_WIDTH, paper=paper)


def _span(sheet: Worksheet, row: int, text: str, widths: Sequence[int], fmt: Format) -> None:
    """``text`` in ``row``'s first cell, merged across the table, wrapped, tall enough.

    Excel does not grow a merged row to fit wrapped text, so the height is set from the
    text's length.
    """
    if len(widths) > 1:
        sheet.merge_range(row, 0, row, len(widths) - 1, text, fmt)
    else:
        sheet.write_string(row, 0, text, fmt)
    # About 1.1 characters of 9-11 pt text per unit of column width (a character of the
    # default font), 13 pt a line.
    lines = max(1, -(-len(text) // max(int(sum(widths) * 1.1), 1)))
    sheet.set_row(row, 13 * lines)


def _print_setup(sheet: Worksheet, *, landscape: bool, paper: str) -> None:
    """One page wide, as tall as needed; caption and header repeated on every page."""
    if landscape:
        sheet.set_landscape()
    else:
        sheet.set_portrait()
    sheet.set_paper(_PAPER_SIZES[paper])
    sheet.fit_to_pages(1, 0)  # as many pages tall as the rows need
    sheet.repeat_rows(0, _HEADER_ROW - 1)
    sheet.center_horizontally()
    sheet.set_margins(**_MARGINS)
    sheet.set_header("", {"margin": _HEADER_FOOTER_MARGIN})
    sheet.set_footer("&C&A, page &P of &N", {"margin": _HEADER_FOOTER_MARGIN})


def _write_contents(
    sheet: Worksheet,
    tables: Sequence[ReportTable],
    names: Sequence[str],
    notice: str,
    styles: _Styles,
    paper: str,
) -> None:
    """The contents sheet: each table's number, title and a link to its sheet."""
    sheet.write_string(0, 0, "Contents", styles.of("caption"))
    if notice:
        sheet.write_string(1, 0, notice, styles.of("notice"))
    header_row = _HEADER_ROW - 1
    for j, column in enumerate(("Table", "Title", "Sheet")):
        sheet.write_string(
            header_row, j, column, styles.of("header", "header_border", "header_left")
        )
    for i, (table, name) in enumerate(zip(tables, names, strict=True)):
        r = header_row + 1 + i
        ruled = ("last_border",) if i == len(tables) - 1 else ()
        sheet.write_string(r, 0, table.label or "", styles.of("top", *ruled))
        # A long title wraps within the column (the row grows) rather than being cut off
        # by the link beside it.
        sheet.write_string(r, 1, table.title, styles.of("wrapped", *ruled))
        quoted = name.replace("'", "''")
        # A link inside the workbook: a location, not a file.
        sheet.write_url(
            r, 2, f"internal:'{quoted}'!A1", styles.of("link", "top", *ruled), string=name
        )
    rows = [(t.label or "", t.title, n) for t, n in zip(tables, names, strict=True)]
    title_width = _set_widths(sheet, ("Table", "Title", "Sheet"), rows)[1]
    # Neither Excel nor LibreOffice grows a row for wrapped text written by a library:
    # give each wrapped title the lines it needs (a width unit holds about 1.15 characters
    # of running text in the default font).
    for i, table in enumerate(tables):
        lines = math.ceil(len(table.title) / (title_width * 1.15))
        if lines > 1:
            sheet.set_row(header_row + 1 + i, _LINE_HEIGHT * lines)
    sheet.freeze_panes(header_row + 1, 0)
    _print_setup(sheet, landscape=False, paper=paper)


def _set_widths(
    sheet: Worksheet, columns: Sequence[str], rows: Sequence[Sequence[str]]
) -> list[int]:
    widths = []
    for j, column in enumerate(columns):
        longest = max([len(column), *(len(row[j]) for row in rows)], default=8)
        width = min(max(longest + 2, 8), _MAX_WIDTH)
        sheet.set_column(j, j, width)
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
    from xlsxwriter import Workbook

    if paper not in _PAPER_SIZES:
        raise ValueError(f"unknown paper {paper!r}: choose from {', '.join(_PAPER_SIZES)}")
    # Cells are written by type (write_string, write_number): text that looks like a
    # formula or a web address stays text.
    with Workbook(str(path)) as book:
        book.set_properties({"author": "follicle"})
        styles = _Styles(book)
        contents = book.add_worksheet(CONTENTS)
        taken: set[str] = {CONTENTS.lower()}
        names = []
        for table in tables:
            name = sheet_name(table, taken)
            names.append(name)
            _write_sheet(book.add_worksheet(name), table, notice, styles, paper)
        _write_contents(contents, tables, names, notice, styles, paper)
    return path
