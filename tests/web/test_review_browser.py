"""The review pages and the live report in a real browser, at 1280 px and 390 px (a phone).

Two reviewers of North judge the same event independently and disagree; the admin decides
it from the disputes page. An analyst opens the live report: it is computed in the
background while the page shows its progress, then offers the report and its downloads.
At either width no page scrolls sideways and every control of the verdict form is at
least 24 × 24 px (WCAG 2.2 target size). Headless Chromium against ``follicle serve``, as
``test_e2e.py``; skipped without Chromium, except under CI.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from editing import SMALL
from follicle.store.access import accounts
from follicle.store.engine import ensure_schema, make_engine
from follicle.store.importing.importer import import_workbook
from follicle.workbook.validate import load_workbook
from live import chromium, serving

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PASSWORD = "a reviewer's long password"
WIDTHS = {"desktop": (1280, 900), "phone": (390, 844)}
#: Each width judges its own pregnancy of North (the small workbook's woman 007).
EVENTS = {"desktop": ("G1", "live_birth"), "phone": ("G2", "miscarriage")}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``follicle serve`` on the small workbook, with two North reviewers and an admin."""
    folder = tmp_path_factory.mktemp("review")
    url = f"sqlite:///{folder / 'registry.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    import_workbook(engine, load_workbook(SMALL))
    with engine.begin() as connection:
        accounts.create_site(connection, "North", "North clinic", actor="test")
        accounts.create_user(connection, "ada", PASSWORD, "admin", actor="test")
        accounts.create_user(connection, "anna", PASSWORD, "analyst", actor="test")
        for name in ("rita", "rex"):
            accounts.create_user(connection, name, PASSWORD, "reviewer", ["North"], actor="test")
    engine.dispose()
    with serving(url, folder / "server.log") as base:
        yield base


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Headless Chromium (skipped without it, outside CI)."""
    with chromium() as browser:
        yield browser


def _signed_in(
    browser: Browser, server: str, username: str, width: str, start: str = "/review"
) -> Page:
    w, h = WIDTHS[width]
    page = browser.new_context(viewport={"width": w, "height": h}, accept_downloads=True).new_page()
    page.goto(f"{server}/login?next={start}")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{server}{start}")
    return page


def _fits(page: Page) -> None:
    """No sideways scrolling; every form control and button at least 24 × 24 px."""
    overflow: Any = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    wide = page.evaluate(
        """() => [...document.querySelectorAll('body *')]
            .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth)
            .slice(0, 5).map(e => e.tagName + '.' + e.className)"""
    )
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px: {wide}"
    small = page.evaluate(
        """() => [...document.querySelectorAll(
              'main input:not([type=hidden]), main select, main textarea, main button')]
            .filter(e => e.offsetParent !== null)
            .map(e => [e.name || e.textContent.trim(), e.getBoundingClientRect()])
            .filter(([, r]) => r.width < 24 || r.height < 24)
            .map(([n, r]) => `${n} ${Math.round(r.width)}x${Math.round(r.height)}`)"""
    )
    assert small == [], f"{page.url}: controls under 24 px: {small}"


def _shot(page: Page, name: str) -> None:
    folder = os.environ.get("FOLLICLE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("width", list(WIDTHS))
def test_two_reviewers_disagree_and_the_admin_decides(
    server: str, browser: Browser, width: str
) -> None:
    key, outcome = EVENTS[width]
    event = f"{server}/review/pregnancy/{key}"

    rita = _signed_in(browser, server, "rita", width)
    assert "Waiting for my judgment" in rita.content()
    _fits(rita)
    _shot(rita, f"review-queue-{width}")
    rita.click(f"a[href='/review/pregnancy/{key}']")
    rita.wait_for_url(event)
    _fits(rita)
    rita.check("input[name=verdict][value=reject]")
    rita.click("button:has-text('Record my judgment')")
    assert "reject needs a reason" in rita.content()  # kept on the page, nothing saved
    rita.check("input[name=verdict][value=reject]")
    rita.fill("#reason", "entered twice")
    rita.click("button:has-text('Record my judgment')")
    rita.wait_for_url(f"{event}?saved=judgment")
    assert "Your judgment was recorded" in rita.content()
    _fits(rita)

    rex = _signed_in(browser, server, "rex", width)
    rex.goto(event)
    assert "entered twice" not in rex.content()  # blind until both have judged
    rex.check("input[name=verdict][value=confirm]")
    rex.click("button:has-text('Record my judgment')")
    rex.wait_for_url(f"{event}?saved=judgment")
    assert "entered twice" in rex.content()
    assert "Disputed" in rex.content()

    ada = _signed_in(browser, server, "ada", width)
    ada.goto(f"{server}/review/disputes")
    _fits(ada)
    _shot(ada, f"review-disputes-{width}")
    ada.click(f"a[href='/review/pregnancy/{key}']")
    ada.wait_for_url(event)
    _fits(ada)
    ada.check("input[name=verdict][value=confirm]")
    ada.fill("#reason-d", "discharge letter seen")
    ada.click("button:has-text('Record the decision')")
    ada.wait_for_url(f"{event}?saved=decision")
    assert "Decided" in ada.content()
    assert outcome.replace("_", " ").capitalize() in ada.content()
    _fits(ada)
    _shot(ada, f"review-event-{width}")


@pytest.mark.parametrize("width", list(WIDTHS))
def test_an_analyst_watches_the_live_report_being_computed_then_downloads_it(
    server: str, browser: Browser, width: str
) -> None:
    anna = _signed_in(browser, server, "anna", width, start="/report")
    _fits(anna)
    # The first visit computes (unless the other width's visit already did, at this state).
    anna.wait_for_selector("text=Open the report", timeout=240_000)
    _fits(anna)
    _shot(anna, f"report-{width}")
    with anna.expect_download() as download:
        anna.click("a:has-text('Word')")
    assert download.value.suggested_filename == "follicle-report.docx"
    anna.click("text=Open the report")
    anna.wait_for_selector("h1")
    assert "Table 1" in anna.content()
    assert "P0" not in anna.content()


#: The pages of the roles the tests above do not walk: the admin's and the analyst's.
ROLE_PAGES = {
    "ada": ("/worklist", "/participants", "/admin/users", "/data", "/review", "/report"),
    "anna": ("/data", "/report"),
    "rita": ("/participants", "/review"),
}


@pytest.mark.parametrize("width", list(WIDTHS))
@pytest.mark.parametrize("username", list(ROLE_PAGES))
def test_every_roles_pages_fit_the_screen(
    server: str, browser: Browser, width: str, username: str
) -> None:
    pages = ROLE_PAGES[username]
    page = _signed_in(browser, server, username, width, start=pages[0])
    for path in pages:
        page.goto(f"{server}{path}")
        assert page.url.startswith(f"{server}{path}"), page.url  # not sent elsewhere
        _fits(page)
        _shot(page, f"{username}{path.replace('/', '-')}-{width}")
