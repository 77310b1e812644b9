"""The review pages: the queue, blind judgments, errors shown on the page, the decision.

The seeded registry's woman of site A (WA001) reports a pregnancy, an infant, a condition
and an infant condition; the reviewers of A are ``reviewer_a`` and ``spare``.
"""

from __future__ import annotations

import re

from fastapi import FastAPI
from sqlalchemy import func, select

from follicle.store.follow_up import adjudication
from follicle.store.tables import judgments

from ..conftest import Browser, engine_of
from ..registry_seed import Seeded

PREGNANCY = "/review/pregnancy/WA001-P1"


def _judgments(app: FastAPI) -> int:
    with engine_of(app).connect() as connection:
        return int(connection.execute(select(func.count()).select_from(judgments)).scalar() or 0)


def test_a_reviewer_opens_on_the_events_waiting_for_her(app_and_seed: tuple[FastAPI, Seeded]):
    app, seeded = app_and_seed
    page = Browser(app, seeded.users["reviewer_a"]).get("/review").text
    assert "4 events waiting for your judgment" in page
    assert "WB001" not in page
    counts = {name: int(n) for n, name in re.findall(r"<strong>(\d+)</strong>([\w ]+)</a>", page)}
    assert counts["Waiting for my judgment"] == 4
    assert counts["To review"] == 4
    everything = Browser(app, seeded.users["admin"]).get("/review").text
    assert "8 events" in everything


def test_judging_hides_the_first_judgment_from_the_second_reviewer_until_she_judges(
    app_and_seed: tuple[FastAPI, Seeded],
):
    app, seeded = app_and_seed
    first = Browser(app, seeded.users["reviewer_a"])
    saved = first.post(
        PREGNANCY,
        {
            "recorded_value": "live_birth",
            "verdict": "reclassify",
            "corrected_value": "stillbirth",
            "reason": "hospital letter",
        },
    )
    assert saved.status_code == 303
    assert saved.headers["location"] == f"{PREGNANCY}?saved=judgment"
    assert "Your judgment was recorded" in first.get(saved.headers["location"]).text
    second = Browser(app, seeded.users["spare"])
    before = second.get(PREGNANCY).text
    assert "stillbirth" not in before.lower().split("corrected value")[0]
    assert "hospital letter" not in before
    assert "shown once both of you have judged" in before
    assert (
        second.post(PREGNANCY, {"recorded_value": "live_birth", "verdict": "confirm"}).status_code
        == 303
    )
    after = second.get(PREGNANCY).text
    assert "hospital letter" in after
    assert "Disputed" in after


def test_a_judgment_without_its_reason_is_refused_on_the_page_and_nothing_is_saved(
    app_and_seed: tuple[FastAPI, Seeded],
):
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["reviewer_a"])
    answer = browser.post(PREGNANCY, {"recorded_value": "live_birth", "verdict": "reject"})
    assert answer.status_code == 422
    assert "reject needs a reason" in answer.text
    assert "Nothing was saved" in answer.text
    assert _judgments(app) == 0
    stale = browser.post(PREGNANCY, {"recorded_value": "miscarriage", "verdict": "confirm"})
    assert stale.status_code == 409
    assert "changed since you opened it" in stale.text
    assert _judgments(app) == 0


def test_the_adjudicator_decides_a_dispute_from_the_disputes_page(
    app_and_seed: tuple[FastAPI, Seeded],
):
    app, seeded = app_and_seed
    with engine_of(app).begin() as connection:
        for who, verdict, reason in (("reviewer_a", "confirm", ""), ("spare", "reject", "dup")):
            adjudication.judge(
                connection,
                seeded.users[who],
                event_type="pregnancy",
                event_key="WA001-P1",
                recorded_value="live_birth",
                verdict=verdict,
                reason=reason,
            )
    admin = Browser(app, seeded.users["admin"])
    disputes = admin.get("/review/disputes").text
    assert "1 disputed event" in disputes
    assert PREGNANCY in disputes
    refused = admin.post(
        f"{PREGNANCY}/decision", {"recorded_value": "live_birth", "verdict": "confirm"}
    )
    assert refused.status_code == 422
    assert "a decision needs a reason" in refused.text
    decided = admin.post(
        f"{PREGNANCY}/decision",
        {"recorded_value": "live_birth", "verdict": "confirm", "reason": "birth certificate"},
    )
    assert decided.status_code == 303
    page = admin.get(PREGNANCY).text
    assert "Decided" in page
    assert "birth certificate" in page
    assert "0 disputed events" in admin.get("/review/disputes").text


def test_the_queue_is_paged(app_and_seed: tuple[FastAPI, Seeded], monkeypatch) -> None:
    from follicle.web.routes import review

    monkeypatch.setattr(review, "PAGE_SIZE", 3)
    app, seeded = app_and_seed
    admin = Browser(app, seeded.users["admin"])
    first = admin.get("/review").text
    assert "8 events · page 1 of 3" in first
    assert first.count('<span class="badge to_review">') == 3
    last = admin.get("/review?mine=false&page=3").text
    assert last.count('<span class="badge to_review">') == 2
    assert 'rel="prev"' in last
    assert 'rel="next"' not in last
    assert "page 3 of 3" in admin.get("/review?page=99").text  # past the end: the last page


def test_the_event_page_shows_its_date_as_a_day(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    page = Browser(app, seeded.users["reviewer_a"]).get(
        "/review/condition/WA001|ovarian_cyst|2020-09-01"
    )
    assert page.status_code == 200
    assert "· 2020-09-01 ·" in page.text
    assert "00:00:00" not in page.text
