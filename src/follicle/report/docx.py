"""``tables.docx``: the report tables as a manuscript's tables.

Journal style, "booktabs": a heavy rule above the header, a light rule below it, a heavy
rule under the last row, and no vertical lines or shading. The caption ("**Table 1.**
Demographic characteristics …") sits above the table and the footnotes below it, in
Times New Roman 10 pt (9 pt for footnotes). Numeric columns are right-aligned; section
headings are italic and the rows under them indented.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Emu, Inches, Length, Pt
from docx.table import Table, _Cell

from follicle.report.tables import ReportTable

#: Body font of the document.
FONT = "Times New Roman"
FONT_SIZE = Pt(10)
FOOTNOTE_SIZE = Pt(9)
#: The text width of a portrait Letter or A4 page with 1-inch margins (A4: 6.27 in).
TEXT_WIDTH = Inches(6.25)
#: Rule widths in eighths of a point (Word's unit): 1.5 pt heavy, 0.75 pt light.
HEAVY_RULE = 12
LIGHT_RULE = 6


def _rule(cell: _Cell, edge: str, size: int) -> None:
    """Draw a horizontal rule on the ``edge`` ("top"/"bottom") of ``cell``."""
    properties = cell._tc.get_or_add_tcPr()
    borders = properties.find(qn("w:tcBorders"))
    if borders is None:
        borders = OxmlElement("w:tcBorders")
        properties.append(borders)
    element = OxmlElement(f"w:{edge}")
    element.set(qn("w:val"), "single")
    element.set(qn("w:sz"), str(size))
    element.set(qn("w:space"), "0")
    element.set(qn("w:color"), "000000")
    borders.append(element)


def _no_borders(table: Table) -> None:
    """Remove every table-level border (the rules are drawn on cells)."""
    properties = table._tbl.tblPr
    borders = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        element.set(qn("w:val"), "nil")
        borders.append(element)
    properties.append(borders)


def _repeat_header(table: Table) -> None:
    """Repeat the header row on every page the table spans."""
    row_properties = table.rows[0]._tr.get_or_add_trPr()
    element = OxmlElement("w:tblHeader")
    element.set(qn("w:val"), "true")
    row_properties.append(element)


def _cell_text(
    cell: _Cell,
    text: str,
    *,
    bold: bool = False,
    italic: bool = False,
    right: bool = False,
    indent: bool = False,
) -> None:
    paragraph = cell.paragraphs[0]
    run = paragraph.add_run(text)
    run.bold = bold
    run.italic = italic
    paragraph.alignment = WD_ALIGN_PARAGRAPH.RIGHT if right else WD_ALIGN_PARAGRAPH.LEFT
    paragraph.paragraph_format.space_after = Pt(0)
    if indent:
        paragraph.paragraph_format.left_indent = Pt(10)


def column_widths(table: ReportTable, total: Length = TEXT_WIDTH) -> list[Length]:
    """Widths sharing ``total`` in proportion to each column's longest text.

    Every column gets at least 0.6 in, so short numeric columns stay on one line.
    """
    longest = [
        max([len(column), *(len(row[j]) for row in table.rows)], default=1)
        for j, column in enumerate(table.columns)
    ]
    share = [max(n, 1) for n in longest]
    raw = [total * n / sum(share) for n in share]
    floor = [max(w, Inches(0.6)) for w in raw]
    scale = total / sum(floor)
    return [Emu(int(w * scale)) for w in floor]


def add_table(document: DocumentObject, table: ReportTable) -> Table:
    """Append ``table`` (caption, booktabs table, footnotes) to ``document``."""
    caption = document.add_paragraph()
    caption.add_run(f"{table.label}." if table.label else "").bold = True
    caption.add_run(f" {table.title}" if table.label else table.title)
    caption.paragraph_format.keep_with_next = True
    caption.paragraph_format.space_after = Pt(4)

    numeric = table.numeric_columns
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.alignment = WD_TABLE_ALIGNMENT.CENTER
    grid.autofit = False
    _no_borders(grid)
    _repeat_header(grid)
    for j, width in enumerate(column_widths(table)):
        grid.columns[j].width = width
        for cell in grid.columns[j].cells:
            cell.width = width
    for j, column in enumerate(table.columns):
        cell = grid.rows[0].cells[j]
        _cell_text(cell, column, bold=True, right=numeric[j])
        _rule(cell, "top", HEAVY_RULE)
        _rule(cell, "bottom", LIGHT_RULE)
    for i, row in enumerate(table.rows):
        is_section = i in table.sections
        for j, text in enumerate(row):
            cell = grid.rows[i + 1].cells[j]
            _cell_text(
                cell,
                text,
                italic=is_section,
                right=numeric[j],
                indent=j == 0 and i in table.indented,
            )
            if i == len(table.rows) - 1:
                _rule(cell, "bottom", HEAVY_RULE)
    for note in table.footnotes:
        paragraph = document.add_paragraph()
        run = paragraph.add_run(note)
        run.font.size = FOOTNOTE_SIZE
        paragraph.paragraph_format.space_after = Pt(0)
    document.add_paragraph()
    return grid


def _set_font(document: DocumentObject) -> None:
    style = document.styles["Normal"]
    style.font.name = FONT
    style.font.size = FONT_SIZE
    # East-Asian text would otherwise fall back to the theme font.
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    fonts.set(qn("w:eastAsia"), FONT)


def write_docx(
    tables: Sequence[ReportTable], path: Path, *, heading: str = "Tables", notice: str = ""
) -> Path:
    """Write ``tables`` to ``path`` as a Word document and return the path.

    ``notice`` (the demo cohort's "not patient data" line) is printed under the heading,
    so tables copied out of the document keep it close.
    """
    document = Document()
    _set_font(document)
    document.core_properties.author = "follicle"
    document.core_properties.title = heading
    title = document.add_paragraph()
    title.add_run(heading).bold = True
    if notice:
        document.add_paragraph().add_run(notice).italic = True
    for table in tables:
        add_table(document, table)
    document.save(str(path))
    return path
