"""The worklist: only the user's sites, filters, sorting and counts."""

from __future__ import annotations

import re

from fastapi import FastAPI

from ..conftest import Browser
from ..registry_seed import Seeded


def _counts(page: str) -> dict[str, int]:
    found = re.findall(r"<strong>(\d+)</strong>(\w+)</a>", page)
    return {name.lower(): int(n) for n, name in found}


def test_a_coordinator_sees_her_sites_milestones_with_counts(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    page = Browser(app, seeded.users["coord_a"]).get("/worklist").text
    assert "WA001" in page
    assert "WB001" not in page
    counts = _counts(page)
    assert counts["all"] == sum(counts[s] for s in ("overdue", "due", "upcoming", "done"))
    assert counts["all"] == page.count('<span class="badge ')


def test_filtering_by_status_keeps_the_counts(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["admin"])
    everything = _counts(browser.get("/worklist").text)
    for status in ("overdue", "due", "upcoming", "done"):
        page = browser.get(f"/worklist?status={status}").text
        assert _counts(page) == everything
        assert page.count('<span class="badge ') == everything[status]
        assert page.count(f'<span class="badge {status}"') == everything[status]


def test_sorting_by_study_id_descending(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    page = Browser(app, seeded.users["admin"]).get("/worklist?sort=participant_id&desc=true").text
    ids = re.findall(r'class="mono" href="/participants/(\w+)"', page)
    assert ids == sorted(ids, reverse=True)
    assert set(ids) == {"WA001", "WB001"}


def test_a_site_filter_outside_ones_sites_shows_nothing(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    page = Browser(app, seeded.users["coord_a"]).get("/worklist?site=B").text
    assert "WB001" not in page
