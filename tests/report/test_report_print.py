"""tables.docx and tables.xlsx as printed: rendered to PDF by LibreOffice, read back as text.

Issue 14: in LibreOffice the Word tables broke values in the middle ("70/105" over
"(66.67)", "Media" over "n") and the spreadsheet printed as 70 A4 pages. Here both files of
the bundled cohort's report go through ``soffice --headless --convert-to pdf`` and
``pdftotext -layout``; every value of every table must then appear whole on one line.

Needs LibreOffice (Debian's ``libreoffice-writer`` and ``libreoffice-calc``) and
``pdftotext`` (``poppler-utils``), which ``.ci/run`` installs. Skipped when they are
absent, except under CI (env ``CI`` set), where that is a failure.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable
from pathlib import Path

import pytest

import follicle
from follicle.report.build import _report_tables, build_report, report_results
from follicle.report.tables import ReportTable
from follicle.workbook import seed

pytestmark = pytest.mark.office


def _tools() -> tuple[str, str]:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    pdftotext = shutil.which("pdftotext")
    if soffice and pdftotext:
        return soffice, pdftotext
    missing = "LibreOffice (soffice)" if not soffice else "pdftotext"
    if os.environ.get("CI"):
        pytest.fail(f"{missing} is required under CI (.ci/run installs it)")
    pytest.skip(f"{missing} is not installed")


def _pdf(document: Path, out: Path, soffice: str) -> Path:
    out.mkdir(parents=True, exist_ok=True)
    # A profile of its own: a LibreOffice already running (or another test) cannot block it.
    profile = (out / "profile").resolve().as_uri()
    subprocess.run(
        [soffice, f"-env:UserInstallation={profile}", "--headless", "--convert-to", "pdf",
         "--outdir", str(out), str(document)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = out / f"{document.stem}.pdf"
    assert pdf.is_file(), f"LibreOffice wrote no PDF of {document.name}"
    return pdf


def _lines(pdf: Path, pdftotext: str) -> list[str]:
    text = subprocess.run(
        [pdftotext, "-layout", str(pdf), "-"], check=True, capture_output=True, text=True
    ).stdout
    # Column gaps become one space, so a value is found whatever the layout's spacing.
    return [_normal(line) for line in text.splitlines()]


def _normal(text: str) -> str:
    """Spaces collapsed; the minus sign as a spreadsheet prints a negative number ("-")."""
    return " ".join(text.replace("\u2212", "-").replace("\u2011", "-").split())


def _occurrences(value: str, lines: Iterable[str]) -> int:
    pattern = re.compile(rf"(?<![\w.]){re.escape(value)}(?![\w])")
    return sum(len(pattern.findall(line)) for line in lines)


def _assert_whole(values: Counter[str], lines: list[str], what: str) -> None:
    """Each value is found on a single line at least as often as the tables hold it."""
    broken = {v: (n, _occurrences(v, lines)) for v, n in values.items()}
    broken = {v: counts for v, counts in broken.items() if counts[1] < counts[0]}
    assert not broken, f"{what}: values split across lines (value: (cells, found)): {broken}"


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The bundled cohort's tables, its DOCX and XLSX as PDF text lines, and page counts."""
    soffice, pdftotext = _tools()
    root = tmp_path_factory.mktemp("print")
    cohort = follicle.load(seed.path())
    paths = build_report(cohort, root / "report", formats="docx,xlsx")
    assert paths.docx is not None
    assert paths.xlsx is not None
    numbered, numbers = report_results(cohort)
    results = [r for n, r in numbered.items() if not n.startswith("figure")]
    # The tables as the documents hold them (rows of no one left out).
    tables, wide = _report_tables(results, numbers)
    docx_pdf = _pdf(paths.docx, root / "docx", soffice)
    xlsx_pdf = _pdf(paths.xlsx, root / "xlsx", soffice)
    return {
        "tables": tables,
        "wide": wide,
        "docx": _lines(docx_pdf, pdftotext),
        "xlsx": _lines(xlsx_pdf, pdftotext),
        "docx_pdf": docx_pdf,
        "xlsx_pdf": xlsx_pdf,
    }


def _values(tables: list[ReportTable], *, numeric_only: bool) -> Counter[str]:
    counts: Counter[str] = Counter()
    for table in tables:
        keep = table.numeric_columns
        for row in table.rows:
            for j, text in enumerate(row):
                text = _normal(text)
                # One-character values ("1", "0") are found anywhere: they prove nothing.
                if len(text) > 1 and (keep[j] or not numeric_only):
                    counts[text] += 1
    return counts


def _words(tables: list[ReportTable]) -> Counter[str]:
    """Every word of the headers and text cells, each counted once per table."""
    counts: Counter[str] = Counter()
    for table in tables:
        words = {w for text in table.columns for w in _normal(text).split()}
        words |= {w for row in table.rows for text in row for w in _normal(text).split()}
        counts.update(w for w in words if len(w) > 3)
    return Counter(dict.fromkeys(counts, 1))


def test_every_value_of_the_word_tables_prints_whole_on_one_line(
    printed: dict[str, object],
) -> None:
    tables = printed["tables"]
    lines = printed["docx"]
    assert isinstance(tables, list)
    assert isinstance(lines, list)
    _assert_whole(_values(tables, numeric_only=True), lines, "tables.docx")


def test_no_word_of_the_word_tables_is_split(printed: dict[str, object]) -> None:
    tables = printed["tables"]
    lines = printed["docx"]
    assert isinstance(tables, list)
    assert isinstance(lines, list)
    _assert_whole(_words(tables), lines, "tables.docx")


def test_the_word_tables_print_on_a4(printed: dict[str, object]) -> None:
    pdf = printed["docx_pdf"]
    assert isinstance(pdf, Path)
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False)
    if info.returncode == 0:
        sizes = re.findall(r"Page size:\s+([\d.]+) x ([\d.]+) pts", info.stdout)
        width, height = (float(x) for x in sizes[0])
        assert {round(width), round(height)} == {595, 842}  # A4 in points


def test_every_value_of_the_spreadsheet_prints_whole_on_one_line(
    printed: dict[str, object],
) -> None:
    tables = printed["wide"]
    lines = printed["xlsx"]
    assert isinstance(tables, list)
    assert isinstance(lines, list)
    _assert_whole(_values(tables, numeric_only=True), lines, "tables.xlsx")


def test_the_spreadsheet_prints_each_sheet_one_page_wide(printed: dict[str, object]) -> None:
    """Fitted to the page width: every sheet's header prints on one line of one page."""
    tables = printed["wide"]
    lines = printed["xlsx"]
    assert isinstance(tables, list)
    assert isinstance(lines, list)
    for table in tables:
        header = " ".join(_normal(c) for c in table.columns if c)
        assert any(header in line for line in lines), f"{table.label}: header split: {header}"
