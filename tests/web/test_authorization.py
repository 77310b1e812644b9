"""The authorization matrix: every route × every role × own site / other site.

The expected answer of each cell is data (``ROUTES``). Every route of the application must
have an entry, so a new route without one fails :func:`test_every_route_is_in_the_matrix`.
"own" requests name the woman (or row, or site) of site A — the site of every test user
who has one — and "other" the same thing at site B: a coordinator of A must get the same
404 for B's woman as for an ID that does not exist. POSTs carry a valid CSRF token here;
:func:`test_unsafe_requests_need_the_sessions_csrf_token` sends none or a wrong one.

The JSON API's routes (/api/v1) have their own matrix, :mod:`tests.web.api.matrix`
(tokens, not sessions), and must all be there.

Answers: 200 page, 303 redirect (to the next page, or to /login for the anonymous),
403 role not allowed (or bad CSRF), 404 no such record *or* not one of the user's sites,
422 a form refused (e.g. a coordinator enrolling a woman at another site).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from sqlalchemy import func, select
from starlette.routing import BaseRoute, Mount

from follicle.store import records
from follicle.store.tables import (
    ROW_ID,
    VERSION,
    audit_log,
    participant_identity,
    workbook_table,
)
from follicle.web.api import PREFIX as API_PREFIX
from follicle.web.security import new_token
from follicle.workbook import schema

from .api.matrix import API_ROUTES
from .conftest import Browser, engine_of
from .registry_seed import ROLE_USERS, Seeded, condition_event, dispute

ROLES = ("admin", "coordinator", "reviewer", "analyst", "anonymous")
SITES = ("own", "other")
SITE_CODE = {"own": "A", "other": "B"}
SMALL = Path(__file__).parents[1] / "fixtures" / "workbooks" / "small"

_counter = itertools.count(1)


@dataclass
class Request:
    """One request of the matrix."""

    method: str
    url: str
    data: dict[str, Any] = field(default_factory=dict)
    files: list[tuple[str, tuple[str, bytes, str]]] | None = None


@dataclass
class Context:
    """What a request builder needs: the seeded registry and a fresh number."""

    app: FastAPI
    seeded: Seeded

    def pid(self, site: str) -> str:
        return self.seeded.women[SITE_CODE[site]].participant_id

    def key(self, site: str, table: str) -> str:
        return self.seeded.women[SITE_CODE[site]].keys[table]

    def version(self, table: str, key: str) -> int:
        if table == "participant_identity":
            t, column = participant_identity, participant_identity.c.participant_id
        else:
            t = workbook_table(table)
            column = t.c[schema.TABLES_BY_NAME[table].key or ROW_ID]
            key = key if schema.TABLES_BY_NAME[table].key else int(key)  # type: ignore[assignment]
        with engine_of(self.app).connect() as connection:
            found = connection.execute(select(t.c[VERSION]).where(column == key)).scalar()
        return int(found or 0)

    def fresh_condition(self, site: str) -> str:
        """A new condition row of the site's woman, to be deleted."""
        with engine_of(self.app).begin() as connection:
            saved = records.create(
                connection,
                self.seeded.users["admin"],
                "conditions",
                {
                    "participant_id": self.pid(site),
                    "condition": "other",
                    "diagnosis_date": "2020-10-01",
                    "notes": f"to delete {next(_counter)}",
                },
            )
        return saved.key


Builder = Callable[[Context, str], Request]


def _grid(
    admin: int | tuple[int, int],
    coordinator: int | tuple[int, int],
    reviewer: int | tuple[int, int],
    analyst: int | tuple[int, int],
    anonymous: int | tuple[int, int] = 303,
) -> dict[str, tuple[int, int]]:
    """Expected (own, other) answers per role; a single number means both."""
    cells = dict(zip(ROLES, (admin, coordinator, reviewer, analyst, anonymous), strict=True))
    return {role: v if isinstance(v, tuple) else (v, v) for role, v in cells.items()}


def _n() -> int:
    return next(_counter)


def _day(start: str, offset: int) -> str:
    from datetime import timedelta

    return (date.fromisoformat(start) + timedelta(days=offset)).isoformat()


def _small_files() -> list[tuple[str, tuple[str, bytes, str]]]:
    return [("workbook", (p.name, p.read_bytes(), "text/csv")) for p in sorted(SMALL.glob("*.csv"))]


def _checklist_fields() -> dict[str, str]:
    return {
        "form_token": "t" + new_token(),
        "contact_date": _day("2021-06-02", _n()),
        "mode": "phone",
        "milestone": "unscheduled",
        "menses": "regular",
        "vital_status": "alive",
        **{f"conditions.{c}.answer": "no" for c in schema.MATERNAL_CONDITIONS},
    }


def _checklist(c: Context, site: str) -> Request:
    return Request("POST", f"/participants/{c.pid(site)}/checklist", _checklist_fields())


def _checklist_saved(c: Context, site: str) -> Request:
    """The confirmation of a checklist saved for the site's woman."""
    from follicle.store.follow_up.checklist import ChecklistForm, save_checklist

    fields = {**_checklist_fields(), "participant_id": c.pid(site)}
    with engine_of(c.app).begin() as connection:
        save_checklist(connection, c.seeded.users["admin"], ChecklistForm.from_form(fields))
    token = fields["form_token"]
    return Request("GET", f"/participants/{c.pid(site)}/checklist/saved?token={token}")


def _edit(c: Context, site: str) -> Request:
    key = c.key(site, "conditions")
    return Request(
        "POST",
        f"/participants/{c.pid(site)}/records/conditions/{key}",
        {
            "resolved": "yes" if _n() % 2 else "no",
            "version": c.version("conditions", key),
            "reason": "matrix",
        },
    )


def _delete(c: Context, site: str) -> Request:
    key = c.fresh_condition(site)
    return Request(
        "POST",
        f"/participants/{c.pid(site)}/records/conditions/{key}/delete",
        {"version": c.version("conditions", key), "reason": "matrix"},
    )


def _fresh_event(c: Context, site: str) -> str:
    """A new condition event of the site's woman."""
    day = _day("2020-03-01", _n() % 450)
    return condition_event(engine_of(c.app), c.seeded.users["admin"], c.pid(site), day)


def _judge(c: Context, site: str) -> Request:
    key = _fresh_event(c, site)
    return Request(
        "POST",
        f"/review/condition/{quote(key, safe='')}",
        {"recorded_value": "other", "verdict": "confirm"},
    )


def _decide(c: Context, site: str) -> Request:
    """A disputed event: two reviews that disagree."""
    key = _fresh_event(c, site)
    dispute(engine_of(c.app), c.pid(site), key, (f"M{_n():06d}", f"M{_n():06d}"))
    return Request(
        "POST",
        f"/review/condition/{quote(key, safe='')}/decision",
        {"recorded_value": "other", "verdict": "confirm", "reason": "matrix"},
    )


def _report_file(c: Context, site: str) -> Request:
    """The JSON of a finished report of the site (computed in the request: see conftest)."""
    jobs = c.app.state.report_jobs
    with engine_of(c.app).connect() as connection:
        from follicle.store.exporting.report_source import registry_state

        state = registry_state(connection)
    from follicle.web.live_report import compute

    def run(job: Any) -> None:
        compute(engine_of(c.app), job, actor="test")

    job = jobs.current((state, SITE_CODE[site], False), run)
    assert job.status == "done", job.error
    return Request("GET", f"/report/files/{job.id}/results.json")


#: (method, path) → (request builder, expected answers per role as (own, other)).
ROUTES: dict[tuple[str, str], tuple[Builder, dict[str, tuple[int, int]]]] = {
    ("GET", "/login"): (lambda c, s: Request("GET", "/login"), _grid(200, 200, 200, 200, 200)),
    # Without the login form's double-submit cookie the sign-in is refused.
    ("POST", "/login"): (
        lambda c, s: Request("POST", "/login", {"username": "admin", "password": "x"}),
        _grid(403, 403, 403, 403, 403),
    ),
    ("POST", "/logout"): (lambda c, s: Request("POST", "/logout"), _grid(303, 303, 303, 303)),
    ("GET", "/"): (lambda c, s: Request("GET", "/"), _grid(303, 303, 303, 303)),
    ("GET", "/worklist"): (
        lambda c, s: Request("GET", f"/worklist?site={SITE_CODE[s]}"),
        _grid(200, 200, 403, 403),
    ),
    ("GET", "/participants"): (
        lambda c, s: Request("GET", f"/participants?site={SITE_CODE[s]}"),
        _grid(200, 200, 200, 403),
    ),
    ("GET", "/participants/new"): (
        lambda c, s: Request("GET", "/participants/new"),
        _grid(200, 200, 403, 403),
    ),
    ("POST", "/participants/assess"): (
        lambda c, s: Request("POST", "/participants/assess", {"birth_date": "1984-01-01"}),
        _grid(200, 200, 403, 403),
    ),
    ("POST", "/participants"): (
        lambda c, s: Request(
            "POST",
            "/participants",
            {
                "participant_id": f"M{_n():04d}",
                "site": SITE_CODE[s],
                "birth_date": "1986-05-05",
                "consent_date": "2024-01-02",
                "menses_baseline": "regular",
                "full_name": "New Woman",
            },
        ),
        _grid(303, (303, 422), 403, 403),
    ),
    ("GET", "/participants/{participant_id}"): (
        lambda c, s: Request("GET", f"/participants/{c.pid(s)}"),
        _grid(200, (200, 404), (200, 404), 403),
    ),
    ("POST", "/participants/{participant_id}/records/{table_name}"): (
        lambda c, s: Request(
            "POST",
            f"/participants/{c.pid(s)}/records/conditions",
            {"condition": "other", "diagnosis_date": "2020-11-01", "notes": f"added {_n()}"},
        ),
        _grid(303, (303, 404), 403, 403),
    ),
    ("POST", "/participants/{participant_id}/records/{table_name}/{key}"): (
        _edit,
        _grid(303, (303, 404), 403, 403),
    ),
    ("POST", "/participants/{participant_id}/records/{table_name}/{key}/delete"): (
        _delete,
        _grid(303, (303, 404), 403, 403),
    ),
    ("GET", "/participants/{participant_id}/checklist"): (
        lambda c, s: Request("GET", f"/participants/{c.pid(s)}/checklist"),
        _grid(200, (200, 404), 403, 403),
    ),
    ("POST", "/participants/{participant_id}/checklist"): (
        _checklist,
        _grid(303, (303, 404), 403, 403),
    ),
    ("GET", "/participants/{participant_id}/checklist/saved"): (
        _checklist_saved,
        _grid(200, (200, 404), 403, 403),
    ),
    ("GET", "/participants/{participant_id}/audit"): (
        lambda c, s: Request("GET", f"/participants/{c.pid(s)}/audit"),
        _grid(200, (200, 404), (200, 404), 403),
    ),
    ("GET", "/checklist/blocks/pregnancy"): (
        lambda c, s: Request("GET", "/checklist/blocks/pregnancy?index=1"),
        _grid(200, 200, 403, 403),
    ),
    ("GET", "/checklist/blocks/infant"): (
        lambda c, s: Request("GET", "/checklist/blocks/infant?pregnancy=0&index=1"),
        _grid(200, 200, 403, 403),
    ),
    ("GET", "/checklist/blocks/ivf"): (
        lambda c, s: Request("GET", "/checklist/blocks/ivf?index=0"),
        _grid(200, 200, 403, 403),
    ),
    ("GET", "/admin/users"): (
        lambda c, s: Request("GET", "/admin/users"),
        _grid(200, 403, 403, 403),
    ),
    ("POST", "/admin/users"): (
        lambda c, s: Request(
            "POST",
            "/admin/users",
            {
                "username": f"user{_n()}",
                "password": "a long enough password",
                "role": "coordinator",
                "sites": SITE_CODE[s],
            },
        ),
        _grid(303, 403, 403, 403),
    ),
    ("POST", "/admin/users/{user_id}/sites"): (
        lambda c, s: Request(
            "POST", f"/admin/users/{c.seeded.users['spare'].id}/sites", {"sites": SITE_CODE[s]}
        ),
        _grid(303, 403, 403, 403),
    ),
    ("POST", "/admin/sites"): (
        lambda c, s: Request("POST", "/admin/sites", {"code": f"S{_n()}", "name": "New site"}),
        _grid(303, 403, 403, 403),
    ),
    ("GET", "/review"): (
        lambda c, s: Request("GET", f"/review?site={SITE_CODE[s]}"),
        _grid(200, 403, 200, 403),
    ),
    ("GET", "/review/disputes"): (
        lambda c, s: Request("GET", f"/review/disputes?site={SITE_CODE[s]}"),
        _grid(200, 403, 403, 403),  # the matrix's reviewer is not a designated adjudicator
    ),
    ("GET", "/review/{event_type}/{event_key:path}"): (
        lambda c, s: Request("GET", f"/review/pregnancy/{c.key(s, 'pregnancies')}"),
        _grid(200, 403, (200, 404), 403),
    ),
    # Only reviewers judge (an admin decides); another site's event is as if absent.
    ("POST", "/review/{event_type}/{event_key:path}"): (
        _judge,
        _grid(403, 403, (303, 404), 403),
    ),
    ("POST", "/review/{event_type}/{event_key:path}/decision"): (
        _decide,
        _grid(303, 403, 403, 403),
    ),
    ("GET", "/report"): (
        lambda c, s: Request("GET", f"/report?site={SITE_CODE[s]}"),
        _grid(200, 403, 403, 200),
    ),
    ("GET", "/report/progress"): (
        lambda c, s: Request("GET", f"/report/progress?site={SITE_CODE[s]}"),
        _grid(200, 403, 403, 200),
    ),
    # A site's report is the admin's: an analyst asking for it gets the same 404 as for a
    # report that does not exist.
    ("GET", "/report/files/{job_id}/{name}"): (
        _report_file,
        _grid(200, 403, 403, 404),
    ),
    ("GET", "/data"): (lambda c, s: Request("GET", "/data"), _grid(200, 403, 403, 200)),
    ("POST", "/data/import"): (
        lambda c, s: Request("POST", "/data/import", {"create_sites": "yes"}, files=_small_files()),
        _grid(200, 403, 403, 403),
    ),
    ("POST", "/data/export"): (
        lambda c, s: Request("POST", "/data/export", {"kind": "deidentified", "format": "csv"}),
        _grid(200, 403, 403, 200),
    ),
}

#: Routes anyone may call (no role): the sign-in form and its submission.
PUBLIC = {("GET", "/login"), ("POST", "/login")}


def api_routes(routes: Iterable[BaseRoute], prefix: str = "") -> Iterator[tuple[str, APIRoute]]:
    """(full path, route) of the routes in ``routes``, also inside included routers (FastAPI
    ≥ 0.16x keeps each ``include_router`` as one node; the routers here have no prefix) and
    mounted applications (the JSON API at /api/v1)."""
    for route in routes:
        if isinstance(route, APIRoute):
            yield prefix + route.path, route
        elif hasattr(route, "original_router"):
            yield from api_routes(route.original_router.routes, prefix)
        elif isinstance(route, Mount) and isinstance(route.app, FastAPI):
            yield from api_routes(route.app.routes, prefix + route.path)


def app_routes(app: FastAPI) -> set[tuple[str, str]]:
    """Every (method, path) the application answers (static files aside)."""
    return {
        (method, path)
        for path, route in api_routes(app.routes)
        for method in route.methods
        if method != "HEAD"
    }


def test_every_route_is_in_the_matrix(seeded_app: tuple[FastAPI, Seeded]) -> None:
    app, _ = seeded_app
    api = {(method, API_PREFIX + path) for method, path in API_ROUTES}
    assert app_routes(app) == set(ROUTES) | api


def test_every_route_but_sign_in_declares_its_roles(seeded_app: tuple[FastAPI, Seeded]) -> None:
    app, _ = seeded_app
    for _path, route in api_routes(app.routes):
        roles = [
            d.call.roles  # type: ignore[union-attr]
            for d in route.dependant.dependencies
            if hasattr(d.call, "roles")
        ]
        for method in route.methods:
            if (method, route.path) in PUBLIC:
                assert not roles
            else:
                assert len(roles) == 1, route.path


def _send(browser: Browser, request: Request, *, csrf: str | None = None) -> Any:
    if request.method == "GET":
        return browser.get(request.url)
    return browser.post(request.url, request.data, files=request.files, csrf=csrf)


CASES = [(route, role, site) for route in ROUTES for role in ROLES for site in SITES]


@pytest.mark.parametrize(
    ("route", "role", "site"), CASES, ids=[f"{m} {p} {r} {s}" for (m, p), r, s in CASES]
)
def test_matrix(
    seeded_app: tuple[FastAPI, Seeded], route: tuple[str, str], role: str, site: str
) -> None:
    app, seeded = seeded_app
    build, expected = ROUTES[route]
    user = None if role == "anonymous" else seeded.users[ROLE_USERS[role]]
    browser = Browser(app, user)
    answer = _send(browser, build(Context(app, seeded), site))
    want = expected[role][0 if site == "own" else 1]
    assert answer.status_code == want, answer.text[:500]
    if role == "anonymous" and want == 303:
        assert answer.headers["location"].startswith("/login")


def _audit_entries(app: FastAPI) -> int:
    with engine_of(app).connect() as connection:
        return int(connection.execute(select(func.count()).select_from(audit_log)).scalar() or 0)


UNSAFE = [r for r in ROUTES if r[0] == "POST" and r not in PUBLIC]


@pytest.mark.parametrize("route", UNSAFE, ids=[p for _, p in UNSAFE])
@pytest.mark.parametrize("token", ["missing", "wrong", "another session's"])
def test_unsafe_requests_need_the_sessions_csrf_token(
    seeded_app: tuple[FastAPI, Seeded], route: tuple[str, str], token: str
) -> None:
    app, seeded = seeded_app
    build, expected = ROUTES[route]
    role = next(r for r in ROLES if expected[r][0] in (200, 303))
    user = seeded.users[ROLE_USERS[role]]
    browser = Browser(app, user)
    csrf = {"missing": "", "wrong": new_token(), "another session's": Browser(app, user).csrf}[
        token
    ]
    request = build(Context(app, seeded), "own")
    before = _audit_entries(app)
    answer = _send(browser, request, csrf=csrf)
    assert answer.status_code == 403
    assert _audit_entries(app) == before


GUESSES = [
    # (what a coordinator of A tries, on her own woman's URL, with B's row keys)
    ("pregnancies", "edit"),
    ("infants", "edit"),
    ("ivf_cycles", "edit"),
    ("injections", "edit"),
    ("conditions", "delete"),
    ("infant_conditions", "delete"),
    ("participant_identity", "edit"),
]


@pytest.mark.parametrize(("table", "action"), GUESSES)
def test_another_sites_row_keys_under_ones_own_woman_are_not_found(
    seeded_app: tuple[FastAPI, Seeded], table: str, action: str
) -> None:
    app, seeded = seeded_app
    c = Context(app, seeded)
    browser = Browser(app, seeded.users["coord_a"])
    key = c.key("other", table)
    url = f"/participants/{c.pid('own')}/records/{table}/{key}"
    if action == "delete":
        url += "/delete"
    before = _audit_entries(app)
    answer = browser.post(url, {"version": c.version(table, key), "reason": "guess"})
    assert answer.status_code == 404
    assert "not one you may see" in answer.text
    assert _audit_entries(app) == before


def test_another_sites_woman_and_an_unknown_id_give_the_same_answer(
    seeded_app: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = seeded_app
    browser = Browser(app, seeded.users["coord_a"])
    other = browser.get(f"/participants/{seeded.women['B'].participant_id}")
    unknown = browser.get("/participants/NO-SUCH-WOMAN")
    assert other.status_code == unknown.status_code == 404
    assert other.text == unknown.text


def test_an_analyst_cannot_have_the_full_export(seeded_app: tuple[FastAPI, Seeded]) -> None:
    app, seeded = seeded_app
    browser = Browser(app, seeded.users["analyst"])
    answer = browser.post("/data/export", {"kind": "full", "format": "csv"})
    assert answer.status_code == 403


def test_static_files_are_public(seeded_app: tuple[FastAPI, Seeded]) -> None:
    app, _ = seeded_app
    answer = Browser(app, None).get("/static/registry.css")
    assert answer.status_code == 200
    assert "no-store" not in answer.headers.get("cache-control", "")
