"""The report page for every reader: axe-core in Chromium, text alternatives, headers, print.

Issue 14: four figures had no text alternative (axe-core: serious), eight table headers
were empty, Table 4 had seven empty "0/0" rows, and printed, headings were stranded at page
ends. axe-core (from npm; ``.ci/run`` installs it into ``.cache/npm``, or set
``FOLLICLE_AXE_JS`` to its ``axe.min.js``) runs on the bundled cohort's page in headless
Chromium; no violation of serious or critical impact may remain. Skipped without Chromium
or axe-core, except under CI (env ``CI`` set), where that is a failure.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import follicle
from follicle.report.alt_text import describe
from follicle.report.build import build_report
from follicle.report.tables import drop_empty_rows, empty_rows, from_result
from follicle.workbook import seed
from live import chromium

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(
    os.environ.get(
        "FOLLICLE_AXE_JS", ROOT / ".cache" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
    )
)


@pytest.fixture(scope="module")
def report(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Any]:
    """The bundled cohort's report page (HTML only) and the cohort."""
    out = tmp_path_factory.mktemp("a11y")
    cohort = follicle.load(seed.path())
    paths = build_report(cohort, out, formats="html")
    assert paths.html is not None
    return paths.html, cohort


def test_every_figure_says_what_it_shows(report: tuple[Path, Any]) -> None:
    page, cohort = report
    html = page.read_text(encoding="utf-8")
    svgs = re.findall(r"<svg ([^>]*)>", html)
    labelled = [re.search(r'aria-label="([^"]+)"', s) for s in svgs if 'role="img"' in s]
    figures = [name for name in cohort.results() if name.startswith("figure")]
    assert len(labelled) == len(figures) == 4
    for match, name in zip(labelled, figures, strict=True):
        assert match is not None
        text = match.group(1)
        assert len(text) > 80, text  # a statement, not a title
        result = cohort.result(name)
        # The numbers it states are the figure's own.
        for key in ("n", "pregnancies"):
            if key in result.values:
                assert str(result.values[key]) in text


def test_the_alternative_states_the_numbers_plotted() -> None:
    cohort = follicle.load(seed.path())
    forest = describe("figure_forest", cohort.result("figure_forest"))
    table = cohort.result("figure_forest").table
    for label, ratio in zip(table["label"], table["or"], strict=True):
        assert f"{label} {ratio:.2f}" in forest
    box = describe("figure2", cohort.result("figure2"))
    values = cohort.result("figure2").values
    assert f"median {values['median']:.0f} years" in box


def test_no_table_header_is_empty(report: tuple[Path, Any]) -> None:
    html = report[0].read_text(encoding="utf-8")
    assert not re.search(r"<th[^>]*>\s*</th>", html)


def test_rows_of_no_one_are_left_out_with_a_note() -> None:
    cohort = follicle.load(seed.path())
    result = cohort.result("intervals")
    table = from_result(result)
    empty = empty_rows(table)
    assert empty  # the seed has no woman with amenorrhea before the injection
    shown, wide = drop_empty_rows(table, from_result(result, combine=False))
    assert len(shown.rows) == len(table.rows) - len(empty)
    assert not empty_rows(shown)
    assert not any(row[1].startswith("0/0") for row in shown.rows)
    assert shown.footnotes[-1].startswith("Rows counting no woman (0/0) are not shown: ")
    assert [row[0] for row in wide.rows] == [row[0] for row in shown.rows]
    assert len(wide.numbers) == len(wide.rows)


def test_a_parts_heading_is_printed_with_what_follows_it(report: tuple[Path, Any]) -> None:
    html = report[0].read_text(encoding="utf-8")
    headings = re.findall(r'<h3 class="part"', html)
    assert headings
    opened = re.findall(r'<div class="opens-part">\s*<h3 class="part"', html)
    assert len(opened) == len(headings)
    assert ".opens-part { break-inside: avoid;" in html
    assert "h2, h3, .caption { break-after: avoid;" in html


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """One headless Chromium for the module: Playwright's sync API allows one at a time."""
    with chromium() as opened:
        yield opened


@pytest.fixture(scope="module")
def axe_results(report: tuple[Path, Any], browser: Any) -> dict[str, Any]:
    """axe-core's results on the page, in headless Chromium."""
    if not AXE.exists():
        if os.environ.get("CI"):
            pytest.fail(f"{AXE} required under CI (.ci/run installs it)")
        pytest.skip(f"{AXE} not installed")
    page = browser.new_page()
    page.goto(report[0].resolve().as_uri())
    page.add_script_tag(content=AXE.read_text(encoding="utf-8"))
    results: dict[str, Any] = page.evaluate("async () => await axe.run(document)")
    page.close()
    return results


@pytest.mark.browser
def test_axe_finds_no_serious_or_critical_violation(axe_results: dict[str, Any]) -> None:
    assert axe_results["passes"]  # axe ran its rules
    bad = [
        (v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3])
        for v in axe_results["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, bad


@pytest.mark.browser
def test_on_a_phone_only_the_wide_tables_scroll(report: tuple[Path, Any], browser: Any) -> None:
    """At 390 px the page itself never scrolls sideways: each table sits in a focusable
    region of its own that does (Table 1 is wider than a phone)."""
    page = browser.new_page(viewport={"width": 390, "height": 800})
    page.goto(report[0].resolve().as_uri())
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    tables = page.locator("table.report")
    assert page.locator(".table-scroll[tabindex='0'] > table.report").count() == tables.count()
    widest = page.evaluate(
        "Math.max(...[...document.querySelectorAll('.table-scroll')]"
        ".map(e => e.scrollWidth - e.clientWidth))"
    )
    assert widest > 0  # some table does scroll within its region
    page.close()


def test_an_unknown_figure_is_described_by_its_caption_and_first_note() -> None:
    import pandas as pd

    from follicle.analysis.result import Result

    result = Result(
        "figure_new", "Figure 9", "Something new", pd.DataFrame(), {}, ("It shows a rise.",)
    )
    assert describe("figure_new", result) == "Figure 9: Something new. It shows a rise."


def test_an_unnumbered_figure_is_described_by_its_title_alone() -> None:
    """Outside the report (no number given yet) the text alternative has no empty label."""
    import pandas as pd

    from follicle.analysis.result import Result

    result = Result("figure_new", "", "Something new", pd.DataFrame(), {}, ("It rises.",))
    assert describe("figure_new", result) == "Something new. It rises."
