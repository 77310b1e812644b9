"""Tables and figures numbered once, in report order, and the same in every output (issue 14,
item 2): HTML captions, anchors and contents, Word captions, Excel sheets and contents,
``results.json``."""

from __future__ import annotations

import json
import re
from pathlib import Path

import docx
import openpyxl
import pandas as pd
import pytest

import follicle
import follicle.workbook.seed as seed
from follicle.analysis.result import Result
from follicle.report.build import build_report
from follicle.report.html import anchor
from follicle.report.numbering import PAPER_NUMBERS, Number, assign, numbered

LABEL = re.compile(r"^(Table|Figure) (\d+)$")


# -- the numbers themselves ------------------------------------------------------------


def test_tables_and_figures_are_counted_apart_in_the_order_given() -> None:
    names = ["table1", "menstrual_transitions", "figure1", "table2", "figure2", "audit"]
    numbers = assign(names)
    assert list(numbers) == names
    assert [numbers[n].label for n in names] == [
        "Table 1",
        "Table 2",
        "Figure 1",
        "Table 3",
        "Figure 2",
        "Table 4",
    ]


def test_what_is_a_figure_is_the_callers_rule() -> None:
    """The report counts as figures only what the cohort draws (``build._drawer``)."""
    numbers = assign(["figure1", "figure_undrawn", "table1"], is_figure=lambda n: n == "figure1")
    assert [n.label for n in numbers.values()] == ["Figure 1", "Table 1", "Table 2"]


def test_the_papers_number_is_named_only_where_it_differs() -> None:
    numbers = assign(["table1", "pregnancy", "figure1", "table2", "figure2", "table3"])
    assert numbers["table1"].paper_note == ""  # Table 1 in the paper and here
    assert numbers["figure2"].paper_note == ""
    assert numbers["pregnancy"].paper is None
    assert numbers["table2"] == Number("Table", 3, "Table 2")
    assert numbers["table2"].caption_title("Pregnancy by age") == (
        "Pregnancy by age (the paper's Table 2)"
    )
    assert numbers["table3"].caption_title("Complications") == (
        "Complications (the paper's Table 3)"
    )


def _result(name: str, table: pd.DataFrame | None = None) -> Result:
    return Result(name, "", f"The title of {name}", pd.DataFrame() if table is None else table)


def test_numbered_results_carry_their_number_and_print_references_as_numbers() -> None:
    intervals = pd.DataFrame(
        {"section": ["table1", "figure1", "elsewhere"], "item": ["a", "b", "c"], "n": [1, 2, 3]}
    )
    results = {
        "table1": _result("table1"),
        "figure1": _result("figure1"),
        "intervals": _result("intervals", intervals),
    }
    out = numbered(results, assign(results))
    assert [r.label for r in out.values()] == ["Table 1", "Figure 1", "Table 2"]
    # A name the report does not hold is left as it is.
    assert list(out["intervals"].table["section"]) == ["Table 1", "Figure 1", "elsewhere"]
    assert list(results["intervals"].table["section"]) == ["table1", "figure1", "elsewhere"]
    assert out["table1"].title == "The title of table1"


def test_a_result_without_a_number_is_refused() -> None:
    results = {"table1": _result("table1"), "table2": _result("table2")}
    with pytest.raises(KeyError, match="table2"):
        numbered(results, assign(["table1"]))


def test_the_analysis_leaves_every_result_unnumbered_and_the_report_numbers_them() -> None:
    """The number is the report's: no analysis result carries one of its own, and a notebook
    gets the report's numbers from ``follicle.report.report_results``."""
    from follicle.report import report_results

    cohort = follicle.load(seed.path(), by="site")
    assert {name: r.label for name, r in cohort.results().items() if r.label} == {}
    results, numbers = report_results(cohort)
    assert [r.label for r in results.values()] == [n.label for n in numbers.values()]
    assert results["table1_by"].label == "Table 7"  # first beyond the paper's eight results


# -- the same numbers in every output --------------------------------------------------


def _html_sequence(page: str) -> tuple[list[str], list[str], list[str], int]:
    """(caption labels, block ids, contents links, blocks) of the results, in page order."""
    results = page[page.index('<section id="results">') : page.index('<section id="provenance"')]
    labels = re.findall(r'<span class="label">([^<]*)\.</span>', results)
    ids = re.findall(r'(?:<figure|class="block table-block") id="([^"]+)" data-name=', results)
    blocks = len(re.findall(r" data-name=", results))
    nav = page[page.index("<nav") : page.index("</nav>")]
    links = [
        href
        for href in re.findall(r'<li><a href="#([^"]+)">', nav)
        if href.startswith(("table-", "figure-"))
    ]
    return labels, ids, links, blocks


def _docx_captions(path: Path) -> list[str]:
    document = docx.Document(str(path))
    found = [re.match(r"^(Table \d+)\. ", p.text) for p in document.paragraphs]
    return [m.group(1) for m in found if m]


def _xlsx_sequence(path: Path) -> tuple[list[str], list[str], list[str]]:
    """(sheet names, contents' Table column, each sheet's caption label)."""
    book = openpyxl.load_workbook(path)
    sheets = [name for name in book.sheetnames if name != "Contents"]
    contents = book["Contents"]
    header = next(r for r in range(1, 10) if contents.cell(row=r, column=1).value == "Table")
    listed = [
        str(row[0])
        for row in contents.iter_rows(min_row=header + 1, max_col=1, values_only=True)
        if row[0]
    ]
    captions = [str(book[name].cell(row=1, column=1).value).split(".")[0] for name in sheets]
    return sheets, listed, captions


def _consecutive(labels: list[str], kind: str) -> list[str]:
    return [f"{kind} {i}" for i in range(1, sum(lb.startswith(kind) for lb in labels) + 1)]


JUDGED = Path(__file__).parents[1] / "fixtures" / "workbooks" / "judged"


@pytest.fixture(scope="module", params=["seed_by_site", "arms", "judged"])
def rendered(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, Path]:
    """The report of the bundled cohort with Table 1 by site (a table the paper lacks, in
    the middle of the sequence), and of a cohort of three arms (the comparison of arms,
    with its figures, at the end), and of a workbook whose events were reviewed (the review's
    table before the audit)."""
    root = tmp_path_factory.mktemp(request.param)
    if request.param == "seed_by_site":
        cohort = follicle.load(seed.path(), by="site")
    elif request.param == "judged":
        cohort = follicle.load(JUDGED)
    else:
        from follicle.workbook.synthetic import write_synthetic
        from follicle.workbook.synthetic_arms import parse_arms, parse_hazard_ratios

        shares = parse_arms("MenSC:0.5,PRP:0.25,control:0.25")
        folder = write_synthetic(
            root / "arms",
            400,
            seed=15,
            arms=shares,
            hazard_ratios=parse_hazard_ratios("1.5", shares),
        )
        cohort = follicle.load(folder)
    build_report(cohort, root / "report", formats="html,json,docx,xlsx")
    return request.param, root / "report"


def test_every_output_numbers_the_same_tables_and_figures_consecutively(
    rendered: tuple[str, Path],
) -> None:
    case, rendered_dir = rendered
    document = json.loads((rendered_dir / "results.json").read_text(encoding="utf-8"))["results"]
    in_json = [entry["number"] for entry in document.values()]
    assert all(entry["label"] == entry["number"] for entry in document.values())
    assert all(LABEL.match(n) for n in in_json), in_json

    labels, ids, links, blocks = _html_sequence((rendered_dir / "index.html").read_text("utf-8"))
    assert labels == in_json
    assert blocks == len(labels)  # no table or figure without a number
    assert ids == [anchor(label) for label in labels]
    assert links == ids

    tables = [n for n in in_json if n.startswith("Table")]
    figures = [n for n in in_json if n.startswith("Figure")]
    assert tables == _consecutive(in_json, "Table")
    assert figures == _consecutive(in_json, "Figure")
    assert len(figures) >= 4  # the paper's two and the report's own
    added = {"seed_by_site": "table1_by", "arms": "figure_arms_forest", "judged": "review"}
    assert added[case] in document

    assert _docx_captions(rendered_dir / "tables.docx") == tables
    sheets, listed, captions = _xlsx_sequence(rendered_dir / "tables.xlsx")
    assert sheets == listed == captions == tables


def test_the_papers_tables_say_their_number_in_the_paper(rendered: tuple[str, Path]) -> None:
    _, rendered_dir = rendered
    document = json.loads((rendered_dir / "results.json").read_text(encoding="utf-8"))["results"]
    page = (rendered_dir / "index.html").read_text("utf-8")
    word = "\n".join(p.text for p in docx.Document(str(rendered_dir / "tables.docx")).paragraphs)
    contents = openpyxl.load_workbook(rendered_dir / "tables.xlsx")["Contents"]
    titles = [str(row[1]) for row in contents.iter_rows(values_only=True) if row[1]]
    for name, paper in PAPER_NUMBERS.items():
        entry = document[name]
        assert entry["paper_number"] == paper
        if entry["number"] == paper:
            assert "the paper's" not in entry["title"]
            continue
        note = f"(the paper&#39;s {paper})"  # as HTML escapes it
        assert f"{entry['title']} {note}" in page
        if paper.startswith("Table"):
            caption = f"{entry['number']}. {entry['title']} (the paper's {paper})"
            assert caption in word
            assert f"{entry['title']} (the paper's {paper})" in titles
    assert all(
        entry["paper_number"] is None
        for name, entry in document.items()
        if name not in PAPER_NUMBERS
    )


def test_the_intervals_table_groups_its_rows_under_the_numbers_of_their_tables(
    rendered: tuple[str, Path],
) -> None:
    _, rendered_dir = rendered
    document = json.loads((rendered_dir / "results.json").read_text(encoding="utf-8"))["results"]
    page = (rendered_dir / "index.html").read_text("utf-8")
    start = page.index('data-name="intervals"')
    block = page[start : page.index("</table>", start)]
    sections = re.findall(r'<tr class="section">\s*<td[^>]*>([^<]*)</td>', block)
    part1 = ["table1", "menstrual_transitions", "pregnancy", "figure1", "table2", "figure2"]
    numbers = [document[name]["number"] for name in (*part1, "table3", "baby_outcomes")]
    assert sections[:2] == numbers[:2]  # Table 1 and the menstrual transitions lead
    assert sections == [n for n in numbers if n in sections]  # in report order


def test_a_long_title_in_the_contents_wraps_in_a_taller_row(rendered: tuple[str, Path]) -> None:
    _, rendered_dir = rendered
    contents = openpyxl.load_workbook(rendered_dir / "tables.xlsx")["Contents"]
    width = contents.column_dimensions["B"].width
    long = [
        cell
        for cell in contents["B"]
        if isinstance(cell.value, str) and len(cell.value) > 1.2 * width
    ]
    assert long  # the seed's report has titles longer than the column
    for cell in long:
        assert cell.alignment.wrap_text, cell.value
        assert (contents.row_dimensions[cell.row].height or 0) >= 30, cell.value
