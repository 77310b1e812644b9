"""tables.docx set for print: paper, widths from the content, landscape, repeated headers."""

from __future__ import annotations

from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn

from follicle.report.docx import (
    CELL_PADDING,
    FONT_SIZE,
    PAPERS,
    layout,
    text_width,
    text_widths,
    write_docx,
)
from follicle.report.tables import ReportTable


def _table(columns: tuple[str, ...], rows: list[tuple[str, ...]], **extra: object) -> ReportTable:
    return ReportTable(
        name="t", label="Table 9", title="A table", columns=columns, rows=tuple(rows), **extra
    )


NARROW = _table(
    ("Characteristic", "n (%)", "Mean ± SD (range)", "Median"),
    [
        ("Age at first injection (years)", "105", "37.91 ± 4.98 (24–45)", "39"),
        ("Regular", "70 (66.67)", "", ""),
    ],
)
#: Four interval columns: more than a portrait page holds without splitting a value.
WIDE = _table(
    ("Term", *(f"OR {k} (95% CI)" for k in range(4))),
    [("Age per year", *("12.35 (10.90–13.99)" for _ in range(4)))],
)


def test_text_is_measured_by_character_and_bold_is_wider() -> None:
    assert abs(text_width("0000") - 2 * text_width("00")) <= 1  # rounded up to a twip
    assert text_width("Median", bold=True) > text_width("Median")
    assert text_width("Mean ± SD", FONT_SIZE // 2) < text_width("Mean ± SD")


def test_no_value_is_narrower_than_its_column() -> None:
    plan = layout(NARROW)
    assert not plan.landscape
    for j, column in enumerate(NARROW.columns):
        if j:
            values = [row[j] for row in NARROW.rows]
            assert plan.widths[j] >= max(text_width(v) for v in values) + 2 * CELL_PADDING
        # Headers and labels wrap between words, never inside one.
        for word in column.split():
            assert plan.widths[j] >= text_width(word, bold=True) + 2 * CELL_PADDING
    assert sum(plan.widths) <= text_widths("a4")[0]


def test_a_table_wider_than_the_page_gets_a_landscape_page() -> None:
    plan = layout(WIDE)
    assert plan.landscape
    assert plan.size == FONT_SIZE
    assert sum(plan.widths) <= text_widths("a4")[1]


def test_a_table_too_wide_for_landscape_is_set_smaller() -> None:
    wider = _table(
        ("Term", *(f"OR {k} (95% CI)" for k in range(6))),
        [("Age per year", *("12.35 (10.90–13.99)" for _ in range(6)))],
    )
    plan = layout(wider)
    assert plan.landscape
    assert plan.size < FONT_SIZE
    assert sum(plan.widths) <= text_widths("a4")[1]


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_document_is_on_the_paper_asked_for_with_a_landscape_section(
    tmp_path: Path, paper: str
) -> None:
    path = write_docx([NARROW, WIDE, NARROW], tmp_path / "t.docx", paper=paper)  # type: ignore[arg-type]
    sections = docx.Document(str(path)).sections
    width, height = PAPERS[paper]
    shapes = [(s.page_width.twips, s.page_height.twips) for s in sections]
    assert shapes == [(width, height), (height, width), (width, height)]


def test_header_rows_repeat_and_no_row_splits_across_pages(tmp_path: Path) -> None:
    path = write_docx([NARROW], tmp_path / "t.docx")
    (grid,) = docx.Document(str(path)).tables
    header = grid.rows[0]._tr.trPr
    assert header.find(qn("w:tblHeader")) is not None
    for row in grid.rows:
        assert row._tr.trPr.find(qn("w:cantSplit")) is not None
    layout_element = grid._tbl.tblPr.find(qn("w:tblLayout"))
    assert layout_element.get(qn("w:type")) == "fixed"


def test_an_unknown_paper_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="a4, letter"):
        write_docx([NARROW], tmp_path / "t.docx", paper="legal")  # type: ignore[arg-type]
    assert not (tmp_path / "t.docx").exists()


def test_tables_without_rows_or_columns_still_make_valid_files(tmp_path: Path) -> None:
    import openpyxl

    from follicle.report.xlsx import write_xlsx

    bare = ReportTable(label="Table 1", title="Nothing to show", columns=(), rows=())
    empty = ReportTable(label="Table 2", title="No rows", columns=("", "n/N (%)"), rows=())
    document = docx.Document(str(write_docx([bare, empty], tmp_path / "t.docx")))
    assert len(document.tables) == 1
    assert "Table 1. Nothing to show" in [p.text for p in document.paragraphs]
    book = openpyxl.load_workbook(write_xlsx([bare, empty], tmp_path / "t.xlsx"))
    assert book.sheetnames == ["Contents", "Table 1", "Table 2"]
