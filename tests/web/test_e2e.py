"""End to end in a real browser: headless Chromium against ``follicle serve``.

The test creates a registry (a temporary SQLite file) with one site and one coordinator,
starts the real server (``python -m follicle serve``) on a free loopback port, and walks
the coordinator's day: sign in, enrol a woman (watching the POR assessment), record an
injection, find her on the worklist, fill in a telephone checklist with a pregnancy, its
live birth and the infant — first with a mistake, which must be shown beside its field
with every value kept — then see the timeline and the audit trail.

Needs Debian's Chromium at /usr/bin/chromium; skipped without it, except under CI.
Screenshots go to ``$FOLLICLE_SCREENSHOTS`` when it is set.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from follicle.store.access import accounts
from follicle.store.engine import ensure_schema, make_engine
from live import chromium, serving

if TYPE_CHECKING:
    from playwright.sync_api import Page

pytestmark = pytest.mark.browser

PASSWORD = "a coordinator's long password"
TODAY = date.today()
# Her 12-month milestone is overdue with its window still open: one of today's calls.
INJECTION = TODAY - timedelta(days=380)
CONSENT = INJECTION - timedelta(days=20)
CONCEPTION = INJECTION + timedelta(days=60)
BIRTH = CONCEPTION + timedelta(days=266)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The base URL of ``follicle serve`` on a new registry with one coordinator."""
    folder = tmp_path_factory.mktemp("e2e")
    url = f"sqlite:///{folder / 'registry.db'}"
    engine = make_engine(url)
    ensure_schema(engine)
    with engine.begin() as connection:
        accounts.create_site(connection, "TEH", "Tehran fertility centre", actor="test")
        accounts.create_user(connection, "midwife", PASSWORD, "coordinator", ["TEH"], actor="test")
    engine.dispose()
    with serving(url, folder / "server.log") as base:
        yield base


@pytest.fixture(scope="module")
def page() -> Iterator[Page]:
    """A Playwright page in headless Chromium (skipped without Chromium, outside CI)."""
    with chromium() as browser:
        yield browser.new_page(viewport={"width": 1280, "height": 900})


def _shot(page: Page, name: str) -> None:
    folder = os.environ.get("FOLLICLE_SCREENSHOTS")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(folder) / f"{name}.png"), full_page=True)


def test_a_coordinators_day(server: str, page: Page) -> None:
    errors: list[str] = []  # console errors; the one expected 422 (the mistake) aside
    page.on(
        "console",
        lambda m: errors.append(m.text) if m.type == "error" and "422" not in m.text else None,
    )

    # Sign in.
    page.goto(f"{server}/")
    page.fill("#username", "midwife")
    page.fill("#password", PASSWORD)
    page.click("button:has-text('Sign in')")
    page.wait_for_url(f"{server}/worklist")

    # Enrol a woman; the POR assessment follows the form.
    page.click("nav >> text=Enrol")
    page.fill("#f-participant_id", "E2E001")
    page.fill("#f-birth_date", "1982-05-06")
    page.fill("#f-consent_date", CONSENT.isoformat())
    page.select_option("#f-menses_baseline", "irregular")
    page.fill("#f-amh_ng_ml", "0.5")
    page.fill("#f-afc", "4")
    page.fill("#f-prior_ivf_cycles", "2")
    page.fill("#f-prior_max_oocytes", "2")
    page.locator("#f-prior_max_oocytes").blur()
    page.wait_for_selector("#assessment >> text=Bologna criteria met")
    assert "Group 4" in page.inner_text("#assessment")
    page.fill("#f-full_name", "Maryam Example")
    page.fill("#f-phone", "+98 21 5550 0199")
    page.click("button:has-text('Enrol')")
    page.wait_for_url(f"{server}/participants/E2E001")

    # Record an injection.
    page.click("#injections summary")
    form = page.locator("#injections form")
    form.locator("[name=injection_date]").fill(INJECTION.isoformat())
    form.locator("[name=ovary]").select_option("both")
    form.locator("[name=route]").select_option("transvaginal")
    form.locator("button[type=submit]").click()
    page.wait_for_selector("#injections td:has-text('" + INJECTION.isoformat() + "')")

    # She is on the worklist.
    page.click("nav >> text=Worklist")
    row = page.locator("table.worklist tbody tr", has_text="E2E001").first
    assert row.is_visible()
    _shot(page, "worklist")

    # The telephone checklist, with a pregnancy, its live birth and the infant.
    row.locator("a:has-text('Record contact')").click()
    page.wait_for_selector("h1:has-text('Telephone checklist')")
    page.select_option("#f-menses", "regular")
    page.check("input[name='conditions.ovarian_cyst.answer'][value=yes]")
    page.fill("input[name='conditions.ovarian_cyst.diagnosis_date']", CONCEPTION.isoformat())
    for radio in page.locator("fieldset input[type=radio][name^='conditions.'][value=no]").all():
        if radio.get_attribute("name") != "conditions.ovarian_cyst.answer":
            radio.check()
    page.click("#add-pregnancy")
    page.wait_for_selector("#pregnancy-0")
    page.fill("[name='pregnancies[0].conception_date']", CONCEPTION.isoformat())
    page.select_option("[name='pregnancies[0].mode']", "spontaneous")
    page.fill("[name='pregnancies[0].fetuses']", "1")
    page.select_option("[name='pregnancies[0].outcome']", "live_birth")
    wrong = (CONCEPTION - timedelta(days=10)).isoformat()  # before conception: a mistake
    page.fill("[name='pregnancies[0].outcome_date']", wrong)
    page.fill("[name='pregnancies[0].gestational_weeks']", "38")
    page.click("#add-infant-0")
    page.wait_for_selector("#infant-0-0")
    page.fill("[name='pregnancies[0].infants[0].birth_date']", BIRTH.isoformat())
    page.select_option("[name='pregnancies[0].infants[0].sex']", "female")
    page.fill("[name='pregnancies[0].infants[0].birth_weight_g']", "3150")
    infant = "input[type=radio][name^='pregnancies[0].infants[0].conditions.'][value=no]"
    for radio in page.locator(infant).all():
        radio.check()
    page.click("button:has-text('Save the contact')")

    # The mistake is shown beside its field, and every value is kept.
    page.wait_for_selector(".alert.error")
    field = page.locator("#pregnancy-0 .field.invalid").first
    assert field.is_visible()
    assert page.input_value("[name='pregnancies[0].outcome_date']") == wrong
    assert page.input_value("[name='pregnancies[0].conception_date']") == CONCEPTION.isoformat()
    assert page.input_value("[name='pregnancies[0].infants[0].birth_weight_g']") == "3150"
    assert page.is_checked("input[name='conditions.ovarian_cyst.answer'][value=yes]")
    assert page.input_value("#f-menses") == "regular"
    _shot(page, "checklist")

    page.fill("[name='pregnancies[0].outcome_date']", BIRTH.isoformat())
    page.click("button:has-text('Save the contact')")
    page.wait_for_url(f"{server}/participants/E2E001/checklist/saved?token=*")
    confirmation = page.inner_text("main")
    for recorded in ("Contact saved.", "Ovarian cyst", "Live birth", BIRTH.isoformat()):
        assert recorded in confirmation, recorded
    _shot(page, "checklist_saved")
    page.click("main a:has-text('E2E001')")
    page.wait_for_url(f"{server}/participants/E2E001")

    # The timeline holds it all.
    timeline = page.inner_text(".timeline")
    for kind in (
        "Injection",
        "Pregnancy conceived",
        "Pregnancy ended",
        "Infant born",
        "Follow-up contact",
        "Condition diagnosed",
    ):
        assert kind in timeline
    _shot(page, "participant")

    # And the audit trail says who did it.
    page.click("text=Audit trail")
    audit = page.inner_text("table.audit")
    assert "midwife" in audit
    for table in ("Participants", "Injections", "Contacts", "Pregnancies", "Infants"):
        assert table in audit
    _shot(page, "audit")
    assert not errors, errors


PHONE = {"width": 390, "height": 844}

#: WCAG 2.2 target size (minimum), in CSS pixels.
TARGET = 24

_MEASURE = """() => {
  const seen = [];
  for (const el of document.querySelectorAll('a, button, input, select, textarea, summary')) {
    if (el.type === 'hidden') continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (box.width === 0 || style.visibility === 'hidden' || style.display === 'none') continue;
    if (el.classList.contains('skip')) continue;
    seen.push({what: el.outerHTML.slice(0, 80), w: box.width, h: box.height});
  }
  return {scroll: document.documentElement.scrollWidth, controls: seen};
}"""


def _fits_a_phone(page: Page, name: str) -> None:
    """No sideways scrolling at 390 px, and every control at least 24 × 24 px."""
    found = page.evaluate(_MEASURE)
    assert found["scroll"] <= PHONE["width"], f"{name}: {found['scroll']} px wide"
    small = [c for c in found["controls"] if c["w"] < TARGET - 0.5 or c["h"] < TARGET - 0.5]
    assert not small, f"{name}: {small[:5]}"
    _shot(page, f"phone_{name}")


def test_the_coordinators_pages_fit_a_phone(server: str, page: Page) -> None:
    """After the day above: the same pages at 390 × 844 (a phone held upright)."""
    page.set_viewport_size(PHONE)
    try:
        page.goto(f"{server}/worklist")
        if "/login" in page.url:
            page.fill("#username", "midwife")
            page.fill("#password", PASSWORD)
            page.click("button:has-text('Sign in')")
            page.wait_for_url(f"{server}/worklist")
        _fits_a_phone(page, "worklist")
        page.goto(f"{server}/worklist?status=all")
        _fits_a_phone(page, "worklist_all")
        page.goto(f"{server}/participants/E2E001/checklist")
        _fits_a_phone(page, "checklist")
        for radio in page.locator("input[type=radio][name^='conditions.'][value=no]").all():
            radio.check()
        page.click("button:has-text('Save the contact')")
        page.wait_for_url(f"{server}/participants/E2E001/checklist/saved?token=*")
        _fits_a_phone(page, "checklist_saved")
        page.goto(f"{server}/participants/E2E001/audit")
        _fits_a_phone(page, "audit")
        page.goto(f"{server}/participants/E2E001")
        _fits_a_phone(page, "participant")
        page.goto(f"{server}/participants")
        _fits_a_phone(page, "participants")
        page.goto(f"{server}/participants/new")
        _fits_a_phone(page, "enrol")
    finally:
        page.set_viewport_size({"width": 1280, "height": 900})
