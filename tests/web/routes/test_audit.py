"""A woman's audit trail in the browser."""

from __future__ import annotations

from fastapi import FastAPI

from ..conftest import Browser
from ..registry_seed import Seeded


def test_the_trail_shows_each_change_with_who_and_why(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    key = seeded.women["A"].keys["conditions"]
    page = browser.get(f"/participants/WA001?edit=conditions/{key}").text
    assert (
        browser.post(
            f"/participants/WA001/records/conditions/{key}",
            {"resolved": "yes", "version": "1", "reason": "told by phone"},
        ).status_code
        == 303
    ), page[:100]
    trail = browser.get("/participants/WA001/audit").text
    for words in ("coord_a", "told by phone", "Conditions", "Pregnancies", "Infants", "admin"):
        assert words in trail
    assert "Test Woman" not in trail  # identity values never reach the audit log
    assert "WB001" not in trail


def test_an_id_differing_in_case_only_shows_her_trail_not_the_other_womans(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    # IDs are unique as written, so a coordinator of A may enrol "wb001" beside B's WB001;
    # her trail matched the rows' keys by LIKE, case-insensitive on SQLite, and showed
    # every change of WB001's rows (dates, outcomes, notes, reasons) to site A.
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    enrolment = {
        "participant_id": "wb001",
        "site": "A",
        "arm": "MenSC",
        "birth_date": "1985-01-01",
        "consent_date": "2020-01-01",
        "menses_baseline": "regular",
    }
    assert browser.post("/participants", enrolment).status_code == 303
    trail = browser.get("/participants/wb001/audit").text
    assert "wb001" in trail
    for other in ("WB001", "WB001-P1", "WB001-C1", "live_birth"):
        assert other not in trail, other


def test_the_trail_has_no_way_to_change_it(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    page = Browser(app, seeded.users["admin"]).get("/participants/WA001/audit").text
    body = page[page.index("<main") :]
    assert "<form" not in body


def test_the_trail_is_newest_first_with_date_and_time(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    import re

    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    key = seeded.women["A"].keys["conditions"]
    for version, resolved in ((1, "yes"), (2, "no")):
        browser.post(
            f"/participants/WA001/records/conditions/{key}",
            {"resolved": resolved, "version": str(version), "reason": f"call {version}"},
        )
    trail = browser.get("/participants/WA001/audit").text
    stamps = re.findall(r'<td class="mono nowrap" data-label="When">([^<]+)</td>', trail)
    assert stamps
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", s) for s in stamps)
    assert stamps == sorted(stamps, reverse=True)
    assert trail.index("call 2") < trail.index("call 1")
