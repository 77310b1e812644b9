"""Each renderer on a small set of Results: HTML, DOCX, XLSX and results.json."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest
from docx.oxml.ns import qn
from markupsafe import escape

from follicle.analysis.result import Result
from follicle.report.docx import write_docx
from follicle.report.figures import ReportFigure
from follicle.report.html import page_order, render_html
from follicle.report.methods import write_methods
from follicle.report.provenance import DEMO_NOTICE, Provenance
from follicle.report.results_json import ENVELOPE, results_document, write_results_json
from follicle.report.tables import ReportTable, from_result
from follicle.report.xlsx import write_xlsx


def _html(tables: list[ReportTable], figures: list[ReportFigure], prov: Provenance) -> str:
    methods = write_methods(tables, prov, figures=figures, women=105, pregnancies=43)
    return render_html(tables, figures, prov, methods)


def test_html_has_every_table_label_title_and_cell(
    tables: list[ReportTable], figures: list[ReportFigure], provenance: Provenance
) -> None:
    page = _html(tables, figures, provenance)
    for table in tables:
        assert f'<span class="label">{table.label}.</span>' in page
        assert table.title in page
        for row in table.rows:
            for cell in row:
                assert f">{escape(cell)}<" in page or not cell
    assert page.count('<table class="report"') == len(tables)


def test_html_embeds_every_figure_inline_with_its_caption(
    tables: list[ReportTable], figures: list[ReportFigure], provenance: Provenance
) -> None:
    page = _html(tables, figures, provenance)
    for figure in figures:
        assert f'data-figure="{figure.name}"' in page
        assert f'<span class="label">{figure.label}.</span> {figure.title}' in page
        assert f"A note under {figure.name}." in page
    assert page.count("<svg ") == len(figures)


def test_html_is_self_contained(
    tables: list[ReportTable], figures: list[ReportFigure], provenance: Provenance
) -> None:
    page = _html(tables, figures, provenance)
    assert "<script" not in page
    assert "<link" not in page
    assert not re.search(r'(?:src|href)="(?:https?:)?//', page)
    assert "@media print" in page
    assert "break-inside: avoid" in page


def test_figures_follow_the_table_they_name(
    tables: list[ReportTable], figures: list[ReportFigure]
) -> None:
    order = [
        (i.table.name if i.table else "") or (i.figure.name if i.figure else "")
        for i in page_order(tables, figures)
    ]
    assert order == ["table1", "menstrual_transitions", "figure1", "table2", "figure2"]


def test_html_escapes_text_from_the_data(
    figures: list[ReportFigure], provenance: Provenance
) -> None:
    table = ReportTable("Table 9", "<b>not bold</b>", ("Site",), (("<script>x</script>",),))
    page = _html([table], figures, provenance)
    assert "<script>x</script>" not in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page
    assert "&lt;b&gt;not bold&lt;/b&gt;" in page


def test_html_methods_name_the_tests_software_and_counts(
    tables: list[ReportTable], figures: list[ReportFigure], provenance: Provenance
) -> None:
    page = _html(tables, figures, provenance)
    methods = page.split('id="methods"')[1].split('id="results"')[0]
    assert "105 women" in methods
    assert "43 pregnancies" in methods
    assert "Pearson&#39;s Chi-squared test with Yates&#39; continuity correction" in methods
    assert '(<a href="#table-2">Table 2</a>)' in methods
    for name in ("follicle", "Python", "pandas", "SciPy", "matplotlib"):
        assert f"{name} {provenance.software[name]}" in methods


def test_html_provenance_has_source_checksums_and_date(
    tables: list[ReportTable], figures: list[ReportFigure], provenance: Provenance
) -> None:
    page = _html(tables, figures, provenance)
    section = page.split('id="provenance"')[1]
    assert "/data/cohort" in section
    assert "a" * 64 in section
    assert "participants.csv" in section
    assert provenance.generated in section
    assert DEMO_NOTICE not in page


def test_html_of_the_demo_cohort_says_it_is_not_patient_data(
    tables: list[ReportTable], figures: list[ReportFigure], provenance: Provenance
) -> None:
    demo = Provenance(**{**provenance.__dict__, "demo": True})
    page = _html(tables, figures, demo)
    assert page.count(DEMO_NOTICE) == 2  # at the top and in the provenance


def test_docx_opens_and_holds_every_table_in_booktabs_style(
    tables: list[ReportTable], tmp_path: Path
) -> None:
    path = write_docx(tables, tmp_path / "tables.docx")
    document = docx.Document(str(path))
    assert len(document.tables) == len(tables)
    texts = [p.text for p in document.paragraphs]
    for table, grid in zip(tables, document.tables, strict=True):
        assert f"{table.label}. {table.title}" in texts
        assert tuple(c.text for c in grid.rows[0].cells) == table.columns
        for row, printed in zip(grid.rows[1:], table.rows, strict=True):
            assert tuple(c.text for c in row.cells) == printed
        for note in table.footnotes:
            assert note in texts
        # Caption above: the paragraph right before the table is its caption.
        body = list(document.element.body)
        caption = body[body.index(grid._tbl) - 1]
        assert "".join(caption.itertext()).startswith(table.label)
        _assert_booktabs(grid)
    widths = [c.width for c in document.tables[0].rows[0].cells]
    assert widths[0] == max(widths)  # the stub column, with the long labels, is widest
    assert document.styles["Normal"].font.name == "Times New Roman"
    assert document.styles["Normal"].font.size.pt == 10


def _cell_borders(cell: docx.table._Cell) -> list[Any]:
    properties = cell._tc.tcPr
    borders = None if properties is None else properties.find(qn("w:tcBorders"))
    return [] if borders is None else list(borders)


def _assert_booktabs(grid: docx.table.Table) -> None:
    """Three rules: heavy above the header and under the last row, light under the header."""
    table_borders = {e.tag.split("}")[1]: e for e in grid._tbl.tblPr.find(qn("w:tblBorders"))}
    for edge, element in table_borders.items():
        if edge in ("top", "bottom"):
            assert element.get(qn("w:val")) == "single"
        else:
            assert element.get(qn("w:val")) == "nil"
    heavy = int(table_borders["top"].get(qn("w:sz")))
    assert int(table_borders["bottom"].get(qn("w:sz"))) == heavy
    for cell in grid.rows[0].cells:
        edges = {e.tag.split("}")[1]: e for e in _cell_borders(cell)}
        assert set(edges) == {"bottom"}
        assert heavy > int(edges["bottom"].get(qn("w:sz")))
    for row in grid.rows[1:]:
        for cell in row.cells:
            assert _cell_borders(cell) == []


def test_xlsx_has_a_sheet_per_table_with_numbers_as_numbers(
    results: dict[str, Result], tmp_path: Path
) -> None:
    wide = [from_result(r, combine=False) for n, r in results.items() if n != "figure1"]
    path = write_xlsx(wide, tmp_path / "tables.xlsx")
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["Contents", "Table 1", "Menstrual transitions", "Table 2"]
    sheet = book["Table 2"]
    assert sheet["A1"].value.startswith("Table 2. Pregnancy")
    header = [c.value for c in sheet[3]]
    assert header == ["Factor", "n", "N", "%", "χ²", "df", "p", "Method"]
    assert all(c.font.bold for c in sheet[3])
    pregnant = {c.column_letter: c for c in sheet[4]}
    assert pregnant["B"].value == 38
    assert pregnant["D"].value == pytest.approx(36.190476)
    assert pregnant["D"].number_format == "0.00"
    age = {c.column_letter: c for c in sheet[7]}
    assert age["G"].value == pytest.approx(0.11893)
    assert age["G"].number_format == "0.0000"
    last = {c.column_letter: c for c in sheet[3 + len(wide[2].rows)]}
    assert last["G"].value == pytest.approx(0.00005)
    assert last["G"].number_format == '[<0.0001]"< 0.0001";0.0000'
    assert sheet.cell(row=3 + len(wide[2].rows) + 2, column=1).value == wide[2].footnotes[0]
    assert sheet.column_dimensions["A"].width >= len("Age at first injection")


def test_results_json_has_the_envelope_and_every_result(
    results: dict[str, Result], provenance: Provenance, tmp_path: Path
) -> None:
    path = write_results_json(results, provenance, tmp_path / "results.json")
    document = json.loads(path.read_text(encoding="utf-8"))
    assert tuple(document) == ENVELOPE
    assert document["follicle_version"] == provenance.software["follicle"]
    assert document["generated"] == provenance.generated
    assert document["provenance"]["checksums"] == {
        "algorithm": "SHA-256",
        "files": {"participants.csv": "a" * 64, "pregnancies.csv": "b" * 64},
    }
    assert document["provenance"]["demo"] is False
    assert set(document["results"]) == set(results)
    table2 = document["results"]["table2"]
    assert table2["label"] == "Table 2"
    assert table2["values"]["age.p"] == 0.11893
    assert table2["values"]["overall.pct"] is None  # NaN is not JSON


def test_results_json_is_strict_json(results: dict[str, Result], provenance: Provenance) -> None:
    text = json.dumps(results_document(results, provenance), allow_nan=False)
    assert "NaN" not in text


def test_xlsx_opens_on_a_contents_sheet_linking_every_table(
    results: dict[str, Result], tmp_path: Path
) -> None:
    wide = [from_result(r, combine=False) for n, r in results.items() if n != "figure1"]
    book = openpyxl.load_workbook(write_xlsx(wide, tmp_path / "tables.xlsx", notice=DEMO_NOTICE))
    contents = book.worksheets[0]
    assert contents.title == "Contents"
    assert contents["A2"].value == DEMO_NOTICE
    rows = [[c.value for c in row] for row in contents.iter_rows(min_row=4, max_col=3)]
    assert rows == [
        [t.label, t.title, name] for t, name in zip(wide, book.sheetnames[1:], strict=True)
    ]
    for row, name in zip(
        contents.iter_rows(min_row=4, max_col=3), book.sheetnames[1:], strict=True
    ):
        assert row[2].hyperlink.location == f"'{name}'!A1"


def test_xlsx_sheets_are_set_up_to_print(results: dict[str, Result], tmp_path: Path) -> None:
    wide = [from_result(r, combine=False) for n, r in results.items() if n != "figure1"]
    book = openpyxl.load_workbook(write_xlsx(wide, tmp_path / "t.xlsx", paper="letter"))
    for sheet, table in zip(book.worksheets[1:], wide, strict=True):
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
        # 1 is the file format's default for fitToWidth, which XlsxWriter leaves out.
        assert sheet.page_setup.fitToWidth in (None, 1)
        assert sheet.page_setup.fitToHeight == 0
        assert sheet.page_setup.paperSize == 1  # Letter
        assert sheet.page_setup.orientation in ("portrait", "landscape")
        assert sheet.print_title_rows.replace("$", "") == "1:3"
        assert sheet.freeze_panes == "B4"
        last = openpyxl.utils.get_column_letter(len(table.columns))
        assert sheet.print_area.replace("$", "").endswith(
            f"!A1:{last}{3 + len(table.rows) + 1 + len(table.footnotes)}"
        )
