"""The worklist: today's calls by default, only the user's sites, filters, sorting, paging,
counts, and names and phones for the roles that may see them."""

from __future__ import annotations

import html
import re
from datetime import date

from fastapi import FastAPI

from follicle.store.follow_up import worklist as schedule

from ..conftest import Browser, engine_of
from ..registry_seed import Seeded

STATUSES = ("overdue", "due", "upcoming", "missed", "done")


def _counts(page: str) -> dict[str, int]:
    found = re.findall(r"<strong>(\d+)</strong>([\w' ]+)</a>", html.unescape(page))
    names = {"Today's calls": "calls"}
    return {names.get(name, name.lower()): int(n) for n, name in found}


def test_a_coordinator_sees_her_sites_milestones_with_counts(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    page = Browser(app, seeded.users["coord_a"]).get("/worklist?status=all").text
    assert "WA001" in page
    assert "WB001" not in page
    counts = _counts(page)
    assert counts["all"] == sum(counts[s] for s in STATUSES)
    assert counts["calls"] == counts["due"] + counts["overdue"]
    assert counts["all"] == page.count('<span class="badge ')


def test_the_worklist_opens_on_todays_calls(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["admin"])
    with engine_of(app).connect() as connection:
        want = schedule.worklist_page(connection, seeded.users["admin"], today=date.today())
    page = browser.get("/worklist").text
    assert page.count('<span class="badge ') == len(want.rows)
    assert 'aria-current="true"><strong>' in page
    shown = re.findall(r'<span class="badge (\w+)"', page)
    assert set(shown) <= {"due", "overdue"}
    if not shown:
        assert "No calls to make today." in page


def test_filtering_by_status_keeps_the_counts(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["admin"])
    everything = _counts(browser.get("/worklist").text)
    for status in STATUSES:
        page = browser.get(f"/worklist?status={status}").text
        assert _counts(page) == everything
        assert page.count('<span class="badge ') == everything[status]
        assert page.count(f'<span class="badge {status}"') == everything[status]


def test_sorting_by_study_id_descending(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    page = (
        Browser(app, seeded.users["admin"])
        .get("/worklist?status=all&sort=participant_id&desc=true")
        .text
    )
    ids = re.findall(r'class="mono" href="/participants/(\w+)"', page)
    assert ids == sorted(ids, reverse=True)
    assert set(ids) == {"WA001", "WB001"}


def test_a_site_filter_outside_ones_sites_shows_nothing(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    page = Browser(app, seeded.users["coord_a"]).get("/worklist?site=B&status=all").text
    assert "WB001" not in page


def test_name_and_phone_for_coordinators_and_the_next_page(
    app_and_seed: tuple[FastAPI, Seeded], monkeypatch
) -> None:
    from follicle.web.routes import worklist

    app, seeded = app_and_seed
    page = Browser(app, seeded.users["coord_a"]).get("/worklist?status=all").text
    assert "Test Woman WA001" in page
    assert 'href="tel:+98215550100"' in page
    monkeypatch.setattr(worklist, "PER_PAGE", 2)
    browser = Browser(app, seeded.users["admin"])
    first = browser.get("/worklist?status=all").text
    total = _counts(first)["all"]
    assert first.count('<span class="badge ') == 2
    assert f"page 1 of {-(-total // 2)}" in first
    assert 'rel="next"' in first
    last = browser.get("/worklist?status=all&page=999").text
    assert 'rel="prev"' in last
    assert 'rel="next"' not in last
