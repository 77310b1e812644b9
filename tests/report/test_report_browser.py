"""The report page in a real browser: headless Chromium shows every table and figure.

Needs Debian's Chromium at /usr/bin/chromium (Playwright drives it; no browser download).
Skipped when it is absent, except under CI (env ``CI`` set), where that is a failure.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import pytest
from report_samples import NOW, SMALL

from follicle.analysis.cohort import Cohort
from follicle.report.build import build_report, report_results
from live import chromium

if TYPE_CHECKING:
    from playwright.sync_api import Page


pytestmark = pytest.mark.browser


@pytest.fixture(scope="module")
def page_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """``file://`` URL of the report of the small fixture workbook."""
    out = tmp_path_factory.mktemp("browser-report")
    paths = build_report(Cohort.from_path(SMALL), out, now=NOW)
    return paths.html.resolve().as_uri()


@pytest.fixture(scope="module")
def browser_page() -> Iterator[Page]:
    """A Playwright page in headless Chromium (skipped without Chromium, outside CI)."""
    with chromium() as browser:
        yield browser.new_page(viewport={"width": 1200, "height": 900})


def test_every_figure_and_table_is_visible(browser_page: Page, page_url: str) -> None:
    page = browser_page
    requests: list[str] = []
    page.on("request", lambda request: requests.append(request.url))
    page.goto(page_url)

    figures = page.locator("figure")
    assert figures.count() == 4
    for i in range(figures.count()):
        graphic = figures.nth(i).locator("svg, img").first
        graphic.scroll_into_view_if_needed()
        assert graphic.is_visible()
        box = graphic.bounding_box()
        assert box is not None
        assert box["width"] > 100
        assert box["height"] > 100
        assert figures.nth(i).locator("figcaption").inner_text().startswith(f"Figure {i + 1}.")

    tables = page.locator("table.report")
    results, _ = report_results(Cohort.from_path(SMALL))
    labels = [r.label for name, r in results.items() if not name.startswith("figure")]
    assert tables.count() == len(labels)
    captions = page.locator(".table-block .caption").all_inner_texts()
    assert [c.split(".")[0] for c in captions] == labels
    for i in range(tables.count()):
        table = tables.nth(i)
        assert table.is_visible()
        assert table.locator("tbody tr").count() > 0

    # Self-contained: nothing but the page itself is requested.
    assert requests == [page_url]


def test_the_page_prints_without_splitting_figures(browser_page: Page, page_url: str) -> None:
    page = browser_page
    page.goto(page_url)
    page.emulate_media(media="print")
    assert page.locator("nav").is_hidden()
    rule = page.evaluate("getComputedStyle(document.querySelector('figure')).breakInside")
    assert rule == "avoid"
    page.emulate_media(media="screen")
