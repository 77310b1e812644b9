"""Paging of the API's growing lists: ``limit`` and ``offset``, the ``Link`` to the next page.

One registry per database (SQLite, PostgreSQL): the web seed's two women plus
:data:`MORE_A` women at site A and :data:`MORE_B` at site B, seeded alike (an injection in
2020 and a row in every table), so that the worklist holds more milestones than a default
page. Every list is read
whole (``limit=1000``) and page by page, following ``Link``; the pages must add up to the
whole, in order, with no other site's woman on any of them.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI

from follicle.web.api import create_api
from follicle.web.api.paging import DEFAULT_LIMIT, MAX_LIMIT

from ..conftest import engine_of, make_app
from ..registry_seed import Seeded, seed, woman
from .conftest import API, Api

MORE_A = 11
MORE_B = 5
WOMEN_A = [f"WA{n:03d}" for n in range(1, MORE_A + 2)]
WOMEN_B = [f"WB{n:03d}" for n in range(1, MORE_B + 2)]

_NEXT = re.compile(r'^<([^>]+)>; rel="next"$')


@pytest.fixture(scope="module")
def paged_app(web_db_url: str) -> Iterator[tuple[FastAPI, Seeded]]:
    """The app on the web seed plus more women at both sites."""
    app = make_app(web_db_url)
    seeded = seed(engine_of(app))
    admin = seeded.users["admin"]
    with engine_of(app).begin() as connection:
        for pid in WOMEN_A[1:]:
            woman(connection, admin, pid, "A")
        for pid in WOMEN_B[1:]:
            woman(connection, admin, pid, "B")
    yield app, seeded
    engine_of(app).dispose()


def _client(paged_app: tuple[FastAPI, Seeded], user: str) -> Api:
    app, seeded = paged_app
    return Api(app, seeded.users[user])


def _next(answer: Any) -> str | None:
    """The path below /api/v1 that ``Link`` names, or None on the last page."""
    link = answer.headers.get("link")
    if link is None:
        return None
    found = _NEXT.match(link)
    assert found, link
    url = found.group(1)
    assert url.startswith(API + "/"), url
    return url.removeprefix(API)


def _pages(client: Api, path: str, items: str | None = None) -> list[list[Any]]:
    """Every page of ``path``, following ``Link`` (``items``: the body's list member)."""
    pages = []
    url: str | None = path
    while url is not None:
        answer = client.get(url)
        assert answer.status_code == 200, answer.text
        body = answer.json()
        pages.append(body[items] if items else body)
        url = _next(answer)
        assert len(pages) <= 100, "the pages never end"
    return pages


def test_the_participant_list_pages_by_study_id_and_ends(paged_app) -> None:
    client = _client(paged_app, "coord_a")
    first = client.get("/participants", params={"limit": 5})
    assert first.status_code == 200
    assert [w["participant_id"] for w in first.json()] == WOMEN_A[:5]
    assert _next(first) == "/participants?limit=5&offset=5"
    assert "x-total-count" not in first.headers

    second = client.get(_next(first))
    assert [w["participant_id"] for w in second.json()] == WOMEN_A[5:10]

    last = client.get(_next(second))
    assert [w["participant_id"] for w in last.json()] == WOMEN_A[10:]
    assert "link" not in last.headers


def test_a_page_that_ends_exactly_at_the_last_woman_has_no_next(paged_app) -> None:
    client = _client(paged_app, "coord_a")
    answer = client.get("/participants", params={"limit": len(WOMEN_A)})
    assert [w["participant_id"] for w in answer.json()] == WOMEN_A
    assert "link" not in answer.headers


def test_an_offset_past_the_end_is_an_empty_last_page(paged_app) -> None:
    client = _client(paged_app, "coord_a")
    answer = client.get("/participants", params={"offset": 500})
    assert answer.status_code == 200
    assert answer.json() == []
    assert "link" not in answer.headers


@pytest.mark.parametrize("limit", [1, 4, 7])
def test_the_pages_add_up_to_every_woman_the_user_may_see(paged_app, limit: int) -> None:
    for user, women in (
        ("coord_a", WOMEN_A),
        ("coord_b", WOMEN_B),
        ("admin", sorted(WOMEN_A + WOMEN_B)),
    ):
        client = _client(paged_app, user)
        pages = _pages(client, f"/participants?limit={limit}")
        assert all(len(p) == limit for p in pages[:-1])
        assert 0 < len(pages[-1]) <= limit
        assert [w["participant_id"] for p in pages for w in p] == women, user


def test_the_next_link_keeps_the_filters_of_the_request(paged_app) -> None:
    client = _client(paged_app, "admin")
    pages = _pages(client, "/participants?site=B&q=wb00&limit=2")
    assert [w["participant_id"] for p in pages for w in p] == WOMEN_B
    answer = client.get("/participants", params={"site": "B", "q": "wb00", "limit": 2})
    path, _, query = _next(answer).partition("?")
    assert path == "/participants"
    assert sorted(query.split("&")) == ["limit=2", "offset=2", "q=wb00", "site=B"]


def test_another_site_asked_for_by_name_gives_no_page_of_its_women(paged_app) -> None:
    client = _client(paged_app, "coord_a")
    answer = client.get("/participants", params={"site": "B", "limit": 1})
    assert answer.status_code == 200
    assert answer.json() == []
    assert "link" not in answer.headers


def test_the_worklist_pages_by_default_and_the_pages_add_up(paged_app) -> None:
    client = _client(paged_app, "coord_a")
    whole = client.get("/worklist", params={"limit": MAX_LIMIT})
    assert whole.status_code == 200
    everything = whole.json()["items"]
    assert len(everything) > DEFAULT_LIMIT, "the registry should outgrow a default page"
    assert "link" not in whole.headers
    assert whole.headers["x-total-count"] == str(len(everything))
    assert {m["site"] for m in everything} == {"A"}
    assert {m["participant_id"] for m in everything} == set(WOMEN_A)

    first = client.get("/worklist")
    assert first.json()["items"] == everything[:DEFAULT_LIMIT]
    assert first.json()["counts"] == whole.json()["counts"]
    assert first.headers["x-total-count"] == str(len(everything))
    assert _next(first) == f"/worklist?limit={DEFAULT_LIMIT}&offset={DEFAULT_LIMIT}"

    pages = _pages(client, "/worklist?sort=participant_id&desc=true&limit=9", items="items")
    ordered = client.get(
        "/worklist", params={"sort": "participant_id", "desc": "true", "limit": MAX_LIMIT}
    )
    assert [m for p in pages for m in p] == ordered.json()["items"]


def test_the_worklist_of_a_status_counts_and_pages_that_status(paged_app) -> None:
    client = _client(paged_app, "coord_b")
    whole = client.get("/worklist", params={"status": "missed", "limit": MAX_LIMIT}).json()
    pages = _pages(client, "/worklist?status=missed&limit=6", items="items")
    assert [m for p in pages for m in p] == whole["items"]
    assert {m["status"] for m in whole["items"]} == {"missed"}
    assert {m["participant_id"] for m in whole["items"]} <= set(WOMEN_B)
    assert len(whole["items"]) == whole["counts"]["missed"]


def test_todays_calls_are_the_due_and_overdue_milestones_as_on_the_page(paged_app) -> None:
    client = _client(paged_app, "coord_a")
    whole = client.get("/worklist", params={"limit": MAX_LIMIT}).json()
    calls = client.get("/worklist", params={"status": "calls", "limit": MAX_LIMIT}).json()
    wanted = [m for m in whole["items"] if m["status"] in ("due", "overdue")]
    assert calls["items"] == wanted
    assert len(wanted) == calls["counts"]["calls"] == whole["counts"]["calls"] > 0


def test_the_audit_trail_pages_newest_first(paged_app) -> None:
    client = _client(paged_app, "reviewer_a")
    whole = client.get("/participants/WA001/audit", params={"limit": MAX_LIMIT})
    lines = whole.json()
    assert len(lines) > 10
    assert whole.headers["x-total-count"] == str(len(lines))
    pages = _pages(client, "/participants/WA001/audit?limit=4")
    assert [line for p in pages for line in p] == lines
    assert [line["id"] for line in lines] == sorted((line["id"] for line in lines), reverse=True)


def test_the_audit_trail_of_another_sites_woman_is_not_found_whatever_the_page(
    paged_app,
) -> None:
    client = _client(paged_app, "coord_a")
    for params in ({}, {"limit": 1}, {"limit": 1000, "offset": 0}):
        answer = client.get("/participants/WB001/audit", params=params)
        assert answer.status_code == 404, params


@pytest.mark.parametrize("path", ["/participants", "/worklist", "/participants/WA001/audit"])
@pytest.mark.parametrize(
    ("parameter", "value"),
    [
        ("limit", "0"),
        ("limit", "-1"),
        ("limit", str(MAX_LIMIT + 1)),
        ("limit", "ten"),
        ("limit", "2.5"),
        ("offset", "-1"),
        ("offset", "next"),
        ("offset", str(2**31)),
    ],
)
def test_a_bad_page_is_a_problem_naming_the_parameter(
    paged_app, path: str, parameter: str, value: str
) -> None:
    client = _client(paged_app, "admin")
    answer = client.get(path, params={parameter: value})
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    problem = answer.json()
    assert problem["code"] == "invalid"
    assert [(e["parameter"], e["value"]) for e in problem["errors"]] == [(parameter, value)]


@pytest.mark.parametrize("limit", [1, MAX_LIMIT])
def test_the_bounds_of_limit_are_accepted(paged_app, limit: int) -> None:
    client = _client(paged_app, "admin")
    answer = client.get("/participants", params={"limit": limit})
    assert answer.status_code == 200
    assert len(answer.json()) == min(limit, len(WOMEN_A) + len(WOMEN_B))


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/participants", "get"),
        ("/worklist", "get"),
        ("/participants/{participant_id}/audit", "get"),
    ],
)
def test_the_document_states_the_paging_of_each_list(path: str, method: str) -> None:
    operation = create_api(None).openapi()["paths"][path][method]  # type: ignore[arg-type]
    parameters = {p["name"]: p for p in operation["parameters"] if p["in"] == "query"}
    limit = parameters["limit"]["schema"]
    assert (limit["minimum"], limit["maximum"], limit["default"]) == (1, MAX_LIMIT, DEFAULT_LIMIT)
    offset = parameters["offset"]["schema"]
    assert (offset["minimum"], offset["default"]) == (0, 0)
    assert set(operation["responses"]["200"]["headers"]) == {"Link", "X-Total-Count"}
    assert "application/json" in operation["responses"]["200"]["content"]
