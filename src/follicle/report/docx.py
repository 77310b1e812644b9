"""``tables.docx``: the report tables as a manuscript's tables, ready to print.

Journal style, three lines ("booktabs"): a heavy rule above the header, a light rule below
it, a heavy rule under the last row, no vertical lines or shading. The caption
("**Table 1.** Demographic characteristics …") sits above the table and the footnotes below
it, in Times New Roman 10 pt (9 pt for footnotes). Numeric columns are right-aligned;
section headings are italic and the rows under them indented.

Printing:

* **Paper.** A4 by default, US Letter on request (:data:`PAPERS`), 2.5 cm (1 in) margins.
* **Column widths from the content.** Each column is at least as wide as its longest cell
  (values never wrap: "70/105 (66.67)" and "57.20–74.95" stay whole) and its longest word
  (headers and row labels wrap only between words); what is left of the text width goes
  to the columns whose text would otherwise wrap, the row labels first. Text is measured
  with the metrics of Times (:data:`_TIMES`; LibreOffice's Liberation Serif has the same
  widths), bold 8 % wider, with a margin.
* **Landscape where needed.** A table whose columns do not fit the portrait text width
  gets a landscape section of its own (still too wide: 9 pt, then 8 pt).
* **Across pages.** The header row repeats on every page and no row is split.

The document is written as WordprocessingML text and parsed once: setting properties cell
by cell through python-docx's object model costs a second for a report's fifteen tables.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Literal
from xml.sax.saxutils import escape

from follicle.report.tables import ReportTable

#: Body font of the document.
FONT = "Times New Roman"
#: Font sizes in half-points (Word's unit): 10 pt body, 9 pt footnotes.
FONT_SIZE = 20
FOOTNOTE_SIZE = 18
#: Rule widths in eighths of a point (Word's unit): 1.5 pt heavy, 0.75 pt light.
HEAVY_RULE = 12
LIGHT_RULE = 6
#: Page sizes (width, height) in twentieths of a point ("twips"), portrait.
PAPERS: dict[str, tuple[int, int]] = {"a4": (11906, 16838), "letter": (12240, 15840)}
Paper = Literal["a4", "letter"]
#: Page margin on every side: 1 inch (2.54 cm).
MARGIN = 1440
#: Left and right padding inside each cell (twips): 0.06 in.
CELL_PADDING = 86
#: Indent of the rows under a section heading (twips).
INDENT = 200
#: Smaller sizes (half-points) tried, in order, for a table too wide even in landscape.
_SMALLER = (18, 16)

_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"

#: Advance widths of Times Roman (Adobe's metrics; per 1,000 em; Liberation Serif's are
#: the same) for the characters the report prints; anything else counts as :data:`_WIDE`.
_TIMES: dict[str, int] = {
    " ": 250, "!": 333, '"': 408, "#": 500, "$": 500, "%": 833, "&": 778, "'": 333,
    "(": 333, ")": 333, "*": 500, "+": 564, ",": 250, "-": 333, ".": 250, "/": 278,
    ":": 278, ";": 278, "<": 564, "=": 564, ">": 564, "?": 444, "@": 921, "[": 333,
    "\\": 278, "]": 333, "^": 469, "_": 500, "`": 333, "{": 480, "|": 200, "}": 480,
    "~": 541, "–": 500, "—": 1000, "−": 564, "±": 564, "×": 564, "≥": 549, "≤": 549,
    "·": 250, "²": 300, "³": 300, "°": 400, "χ": 549, "µ": 500, "μ": 576, "…": 1000,
    "‘": 333, "’": 333, "“": 444, "”": 444, "≈": 549, "÷": 564, "′": 250,
    **dict.fromkeys("0123456789", 500),
    **dict(zip("ABCDEFGHIJKLMNOPQRSTUVWXYZ",
               (722, 667, 667, 722, 611, 556, 722, 722, 333, 389, 722, 611, 889, 722,
                722, 556, 722, 667, 556, 611, 722, 722, 944, 722, 722, 611), strict=True)),
    **dict(zip("abcdefghijklmnopqrstuvwxyz",
               (444, 500, 444, 500, 444, 333, 500, 500, 278, 278, 500, 278, 778, 500,
                500, 500, 500, 333, 389, 278, 500, 500, 722, 500, 500, 444), strict=True)),
}  # fmt: skip


def _widths(values: tuple[int, ...]) -> dict[str, int]:
    return dict(zip(_TIMES, values, strict=True))


#: DejaVu Serif's widths for the same characters: what LibreOffice draws for Times New
#: Roman on a machine with neither Times nor Liberation Serif (read from its TrueType
#: files at 1,000 units per em).
_DEJAVU_SERIF = _widths(
    (
        318, 402, 460, 838, 636, 950, 890, 275, 390, 390, 500, 838, 318, 338, 318, 337,
        337, 337, 838, 838, 838, 536, 1000, 390, 337, 390, 838, 500, 500, 636, 337, 636,
        838, 500, 1000, 838, 838, 838, 838, 838, 318, 401, 401, 500, 606, 650, 650, 1000,
        318, 318, 511, 511, 838, 838, 227, 636, 636, 636, 636, 636, 636, 636, 636, 636,
        636, 722, 735, 765, 802, 730, 694, 799, 872, 395, 401, 747, 664, 1024, 875, 820,
        673, 820, 753, 685, 667, 843, 722, 1028, 712, 660, 695, 596, 640, 560, 640, 592,
        370, 640, 644, 320, 310, 606, 320, 948, 644, 602, 640, 640, 478, 513, 402, 644,
        565, 856, 564, 565, 527,
    )
)  # fmt: skip
_DEJAVU_SERIF_BOLD = _widths(
    (
        348, 439, 521, 838, 696, 950, 903, 306, 473, 473, 523, 838, 348, 415, 348, 365,
        369, 369, 838, 838, 838, 586, 1000, 473, 365, 473, 838, 500, 500, 643, 364, 643,
        838, 500, 1000, 838, 838, 838, 838, 838, 348, 438, 438, 500, 658, 732, 732, 1000,
        348, 348, 575, 575, 838, 838, 264, 696, 696, 696, 696, 696, 696, 696, 696, 696,
        696, 776, 845, 796, 867, 762, 710, 854, 945, 468, 473, 869, 703, 1107, 914, 871,
        752, 871, 831, 722, 744, 872, 776, 1123, 776, 714, 730, 648, 699, 609, 699, 636,
        430, 699, 727, 380, 362, 693, 380, 1058, 727, 667, 699, 699, 527, 563, 462, 727,
        581, 861, 596, 581, 568,
    )
)  # fmt: skip
#: What a character may take, whichever of those fonts draws it: a column measured so
#: holds its text on one line in Word (Times) and in LibreOffice (either stand-in).
_REGULAR = {c: max(_TIMES[c], _DEJAVU_SERIF[c]) for c in _TIMES}
#: Bold Times is up to 8 % wider than roman.
_BOLD = {c: max(round(_TIMES[c] * 1.08), _DEJAVU_SERIF_BOLD[c]) for c in _TIMES}
#: A character of none of the tables (a full em).
_WIDE = 1000
#: Room to spare on every measure.
_SPARE = 1.03


def text_width(text: str, size: int = FONT_SIZE, *, bold: bool = False) -> int:
    """Width of ``text`` on one line in twips, at ``size`` half-points.

    Parameters
    ----------
    text
        The text, set in :data:`FONT`.
    size
        Font size in half-points (20 = 10 pt).
    bold
        Whether the text is bold.

    Returns
    -------
    int
        The width in twentieths of a point, rounded up, with :data:`_SPARE` room: the
        widest that Times New Roman or a stand-in for it (Liberation Serif, DejaVu Serif)
        draws it.
    """
    widths = _BOLD if bold else _REGULAR
    em = sum(widths.get(c, _WIDE) for c in text) / 1000
    points = em * size / 2 * _SPARE
    return int(points * 20) + 1


def _words(text: str) -> list[str]:
    return text.split() or [""]


@dataclass(frozen=True)
class Layout:
    """How one table is set: its column widths (twips), font size and orientation."""

    widths: tuple[int, ...]
    size: int
    landscape: bool


def text_widths(paper: Paper = "a4") -> tuple[int, int]:
    """The text width (twips) of a portrait and of a landscape page of ``paper``."""
    width, height = PAPERS[paper]
    return width - 2 * MARGIN, height - 2 * MARGIN


def _needs(table: ReportTable, size: int) -> tuple[list[int], list[int]]:
    """Each column's least width (no value and no word split) and its width on one line.

    Numeric columns hold values, which never break, not even at their spaces
    ("70/105 (66.67)"); text columns (row labels, notes) wrap between words, so their least
    width is their longest word.
    """
    least, full = [], []
    pad = 2 * CELL_PADDING
    numeric = table.numeric_columns
    for j, column in enumerate(table.columns):
        cells = [row[j] for row in table.rows]
        indents = [INDENT if j == 0 and i in table.indented else 0 for i in range(len(cells))]
        head_words = max(text_width(w, size, bold=True) for w in _words(column))
        head_full = text_width(column, size, bold=True)
        whole = [text_width(text, size) + k for text, k in zip(cells, indents, strict=True)]
        if numeric[j]:
            least.append(max([head_words, *whole]) + pad)
        else:
            words = [
                text_width(w, size) + k
                for text, k in zip(cells, indents, strict=True)
                for w in _words(text)
            ]
            least.append(max([head_words, *words]) + pad)
        full.append(max([head_full, *whole]) + pad)
    return least, full


def layout(table: ReportTable, paper: Paper = "a4") -> Layout:
    """Column widths, font size and orientation that print ``table`` without splitting.

    The portrait page is used when every column's least width fits its text width; else
    a landscape page; else landscape at a smaller size. Width left over goes first to the
    row labels (column 0), then to headers that would wrap, in proportion to what each
    still lacks of its one-line width; what remains after that is shared by every column,
    so the table spans the text width.
    """
    portrait, landscape = text_widths(paper)
    for size, wide in ((FONT_SIZE, False), (FONT_SIZE, True), *((s, True) for s in _SMALLER)):
        least, full = _needs(table, size)
        room = landscape if wide else portrait
        if sum(least) <= room or size == _SMALLER[-1]:
            break
    widths = list(least)
    spare = room - sum(widths)
    if spare > 0:
        lack = [max(f - w, 0) for f, w in zip(full, widths, strict=True)]
        if lack and lack[0]:
            first = min(lack[0], spare)
            widths[0] += first
            spare -= first
            lack[0] -= first
        total = sum(lack)
        if total and spare > 0:
            share = min(1.0, spare / total)
            given = [int(n * share) for n in lack]
            widths = [w + g for w, g in zip(widths, given, strict=True)]
            spare -= sum(given)
        # The rest spreads over every column, so the table spans the text width (journal
        # style) and every column has room beyond its measure.
        extra = spare // max(len(widths), 1)
        widths = [w + extra for w in widths]
    return Layout(tuple(widths), size, wide)


def _run(text: str, *, bold: bool = False, italic: bool = False, size: int | None = None) -> str:
    props = "".join(
        (
            "<w:b/>" if bold else "",
            "<w:i/>" if italic else "",
            f'<w:sz w:val="{size}"/><w:szCs w:val="{size}"/>' if size else "",
        )
    )
    props = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f"<w:r>{props}{_text(text)}</w:r>"


#: A hyphen inside a word ("post-injection", "age-adjusted"): a line may not break there.
_WORD_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")


def _text(text: str) -> str:
    """The run's text, each hyphen inside a word written as Word's non-breaking hyphen, so
    that a table cell wraps between words and never splits one."""
    pieces = _WORD_HYPHEN.split(text)
    return "<w:noBreakHyphen/>".join(
        f'<w:t xml:space="preserve">{escape(piece)}</w:t>' for piece in pieces
    )


def _paragraph(runs: str, *, keep_next: bool = False, after: int = 0, style: str = "") -> str:
    props = "".join(
        (
            f'<w:pStyle w:val="{style}"/>' if style else "",
            "<w:keepNext/>" if keep_next else "",
            f'<w:spacing w:before="0" w:after="{after}"/>',
        )
    )
    return f"<w:p><w:pPr>{props}</w:pPr>{runs}</w:p>"


def _cell(
    text: str,
    width: int,
    *,
    size: int,
    header: bool = False,
    italic: bool = False,
    right: bool = False,
    indent: bool = False,
    bottom: int = 0,
) -> str:
    """One ``<w:tc>``: a header cell is bold and kept with the next row (so a page never
    ends on a header); ``bottom`` draws a rule of that width under the cell."""
    borders = (
        f'<w:tcBorders><w:bottom w:val="single" w:sz="{bottom}" w:space="0" '
        f'w:color="000000"/></w:tcBorders>'
        if bottom
        else ""
    )
    paragraph = "".join(
        (
            "<w:pPr>",
            "<w:keepNext/>" if header else "",
            '<w:spacing w:before="0" w:after="0"/>',
            f'<w:ind w:left="{INDENT}"/>' if indent else "",
            '<w:jc w:val="right"/>' if right else "",
            "</w:pPr>",
        )
    )
    run = _run(text, bold=header, italic=italic, size=size if size != FONT_SIZE else None)
    return (
        f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{borders}</w:tcPr>'
        f"<w:p>{paragraph}{run}</w:p></w:tc>"
    )


def table_xml(table: ReportTable, plan: Layout) -> str:
    """The ``<w:tbl>`` of ``table`` set as ``plan`` says (three rules, header repeated)."""
    numeric = table.numeric_columns
    widths = plan.widths
    size = plan.size
    rule = f'w:val="single" w:sz="{HEAVY_RULE}" w:space="0" w:color="000000"'
    nil = "".join(f'<w:{e} w:val="nil"/>' for e in ("left", "right", "insideH", "insideV"))
    margins = "".join(f'<w:{e} w:w="{CELL_PADDING}" w:type="dxa"/>' for e in ("left", "right"))
    parts = [
        "<w:tbl><w:tblPr>",
        f'<w:tblW w:w="{sum(widths)}" w:type="dxa"/><w:jc w:val="center"/>',
        f"<w:tblBorders><w:top {rule}/>{nil}<w:bottom {rule}/></w:tblBorders>",
        '<w:tblLayout w:type="fixed"/>',
        f"<w:tblCellMar>{margins}</w:tblCellMar>",
        '<w:tblLook w:val="0020" w:firstRow="1" w:lastRow="0" w:firstColumn="0" '
        'w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>',
        "</w:tblPr><w:tblGrid>",
        *(f'<w:gridCol w:w="{w}"/>' for w in widths),
        "</w:tblGrid>",
        "<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>",
        *(
            _cell(column, widths[j], size=size, header=True, right=numeric[j], bottom=LIGHT_RULE)
            for j, column in enumerate(table.columns)
        ),
        "</w:tr>",
    ]
    for i, row in enumerate(table.rows):
        section = i in table.sections
        parts.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
        parts.extend(
            _cell(
                text,
                widths[j],
                size=size,
                italic=section,
                right=numeric[j],
                indent=j == 0 and i in table.indented,
            )
            for j, text in enumerate(row)
        )
        parts.append("</w:tr>")
    parts.append("</w:tbl>")
    return "".join(parts)


def _section(paper: Paper, *, landscape: bool, final: bool = False) -> str:
    """A ``<w:sectPr>``: page size, orientation and margins (a new page for each)."""
    width, height = PAPERS[paper]
    if landscape:
        width, height = height, width
    orient = ' w:orient="landscape"' if landscape else ""
    body = (
        ('<w:type w:val="nextPage"/>' if not final else "")
        + f'<w:pgSz w:w="{width}" w:h="{height}"{orient}/>'
        + f'<w:pgMar w:top="{MARGIN}" w:right="{MARGIN}" w:bottom="{MARGIN}" '
        f'w:left="{MARGIN}" w:header="708" w:footer="708" w:gutter="0"/>'
    )
    return f"<w:sectPr>{body}</w:sectPr>"


def _table_block(table: ReportTable, plan: Layout) -> list[str]:
    """Caption, table and footnotes of one table, as body XML."""
    label = _run(f"{table.label}.", bold=True) + _run(f" {table.title}") if table.label else ""
    caption = _paragraph(label or _run(table.title), keep_next=True, after=80)
    notes = [_paragraph(_run(note, size=FOOTNOTE_SIZE)) for note in table.footnotes]
    # A table of no column is its caption and notes (Word rejects a table without a grid).
    grid = [table_xml(table, plan)] if table.columns else []
    return [caption, *grid, *notes, _paragraph("", after=200)]


def body_xml(
    tables: Sequence[ReportTable], *, heading: str, notice: str, paper: Paper
) -> tuple[str, bool]:
    """The document body (without its final ``sectPr``) and the last section's orientation.

    Consecutive tables of the same orientation share a section; a change of orientation
    ends the section before it (a paragraph carrying that section's properties, as Word
    stores them).
    """
    blocks = [_paragraph(_run(heading, bold=True), after=120)]
    if notice:
        blocks.append(_paragraph(_run(notice, italic=True), after=120))
    landscape = False
    for table in tables:
        plan = layout(table, paper)
        if plan.landscape != landscape:
            blocks.append(f"<w:p><w:pPr>{_section(paper, landscape=landscape)}</w:pPr></w:p>")
            landscape = plan.landscape
        blocks.extend(_table_block(table, plan))
    return "".join(blocks), landscape


def write_docx(
    tables: Sequence[ReportTable],
    path: Path,
    *,
    heading: str = "Tables",
    notice: str = "",
    paper: Paper = "a4",
) -> Path:
    """Write ``tables`` to ``path`` as a Word document and return the path.

    Parameters
    ----------
    tables
        The report tables, in order.
    path
        The ``.docx`` file to write (replaced when it exists).
    heading
        The document's first line and title.
    notice
        The demo cohort's "not patient data" line, printed under the heading, so tables
        copied out of the document keep it close.
    paper
        ``"a4"`` or ``"letter"``.
    """
    from docx import Document
    from docx.oxml import parse_xml
    from docx.oxml.ns import qn
    from docx.shared import Pt

    if paper not in PAPERS:
        raise ValueError(f"unknown paper {paper!r}: choose from {', '.join(PAPERS)}")
    document = Document()
    style = document.styles["Normal"]
    style.font.name = FONT
    fonts = style.element.get_or_add_rPr().get_or_add_rFonts()
    # East-Asian text would otherwise fall back to the theme font.
    fonts.set(qn("w:eastAsia"), FONT)
    style.font.size = Pt(FONT_SIZE / 2)
    document.core_properties.author = "follicle"
    document.core_properties.title = heading

    text, landscape = body_xml(tables, heading=heading, notice=notice, paper=paper)
    final = _section(paper, landscape=landscape, final=True)
    fragment = parse_xml(f'<w:body xmlns:w="{_W}">{text}{final}</w:body>')
    body = document.element.body
    for child in list(body):
        body.remove(child)
    for child in list(fragment):
        body.append(child)
    document.save(str(path))
    return path
