"""The API's authorization matrix (:mod:`.matrix`), and what a token may and may not open.

Roles and sites hold for tokens exactly as for sessions: a coordinator's token gets the same
404 for another site's woman as for an ID that does not exist; writes are refused to
reviewers and analysts; the analyst's token gets the de-identified export only. Tokens
open the API only, sessions the pages only.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from follicle.store.access.accounts import set_user_active
from follicle.store.access.tokens import create_token, revoke_token, token_id_of
from follicle.store.tables import audit_log

from ..conftest import Browser, engine_of, make_app
from ..registry_seed import ROLE_USERS, Seeded, seed
from .conftest import Api
from .matrix import API_ROUTES, ROLES, Context, prepare

CASES = [(route, role, site) for route in API_ROUTES for role in ROLES for site in ("own", "other")]


@pytest.fixture(scope="module")
def matrix_app(web_db_url: str) -> Iterator[tuple[FastAPI, Seeded, dict[str, Api]]]:
    """A seeded registry prepared for the matrix, and one API client per role."""
    app = make_app(web_db_url)
    seeded = seed(engine_of(app))
    prepare(app, seeded)
    clients = {role: Api(app, seeded.users[user]) for role, user in ROLE_USERS.items()}
    clients["anonymous"] = Api(app, None)
    yield app, seeded, clients
    engine_of(app).dispose()


@pytest.fixture(scope="module")
def context(matrix_app: tuple[FastAPI, Seeded, dict[str, Api]]) -> Context:
    app, seeded, _ = matrix_app
    return Context(app, seeded)


@pytest.mark.parametrize(
    ("route", "role", "site"), CASES, ids=[f"{m} {p} {r} {s}" for (m, p), r, s in CASES]
)
def test_api_matrix(
    matrix_app: tuple[FastAPI, Seeded, dict[str, Api]],
    context: Context,
    route: tuple[str, str],
    role: str,
    site: str,
) -> None:
    _, _, clients = matrix_app
    build, expected = API_ROUTES[route]
    request = build(context, site)
    answer = clients[role].request(request.method, request.path, request.body)
    want = expected[role][0 if site == "own" else 1]
    assert answer.status_code == want, answer.text[:500]
    if want >= 400:
        assert answer.headers["content-type"] == "application/problem+json"
    if want == 401:
        assert answer.headers["www-authenticate"].startswith("Bearer")


def _entries(app: FastAPI) -> int:
    with engine_of(app).connect() as connection:
        return int(connection.execute(select(func.count()).select_from(audit_log)).scalar() or 0)


def test_another_sites_woman_and_an_unknown_id_give_the_same_answer(
    matrix_app: tuple[FastAPI, Seeded, dict[str, Api]],
) -> None:
    _, seeded, clients = matrix_app
    coordinator = clients["coordinator"]
    other = coordinator.get(f"/participants/{seeded.women['B'].participant_id}")
    unknown = coordinator.get("/participants/NO-SUCH-WOMAN")
    assert other.status_code == unknown.status_code == 404
    assert other.json()["detail"] == unknown.json()["detail"]


@pytest.mark.parametrize("table", ["pregnancies", "infants", "ivf_cycles", "conditions"])
def test_another_sites_row_under_ones_own_woman_is_not_found(
    matrix_app: tuple[FastAPI, Seeded, dict[str, Api]], context: Context, table: str
) -> None:
    app, _, clients = matrix_app
    key = context.key("other", table)
    before = _entries(app)
    url = f"/participants/{context.pid('own')}/{table}/{key}"
    body = {"version": context.version(table, key), "reason": "guess"}
    assert clients["coordinator"].get(url).status_code == 404
    assert clients["coordinator"].patch(url, body).status_code == 404
    assert clients["coordinator"].delete(url, body).status_code == 404
    assert clients["admin"].delete(url, body).status_code == 404  # not hers, whoever asks
    assert _entries(app) == before


def test_the_participant_list_holds_only_the_tokens_sites_and_no_names(
    matrix_app: tuple[FastAPI, Seeded, dict[str, Api]],
) -> None:
    _, seeded, clients = matrix_app
    listed = clients["coordinator"].get("/participants").json()
    assert {p["site"] for p in listed} == {"A"}
    assert seeded.women["A"].participant_id in {p["participant_id"] for p in listed}
    assert all("full_name" not in p and "phone" not in p for p in listed)


def test_a_session_cookie_does_not_open_the_api(
    matrix_app: tuple[FastAPI, Seeded, dict[str, Api]],
) -> None:
    app, seeded, _ = matrix_app
    browser = Browser(app, seeded.users["admin"])
    answer = browser.get("/api/v1/participants")
    assert answer.status_code == 401


def test_a_token_does_not_open_the_pages(
    matrix_app: tuple[FastAPI, Seeded, dict[str, Api]],
) -> None:
    _, _, clients = matrix_app
    answer = clients["admin"].client.get("/participants")
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/login")


def test_writes_need_no_csrf_token_with_a_bearer_token(
    matrix_app: tuple[FastAPI, Seeded, dict[str, Api]], context: Context
) -> None:
    _, _, clients = matrix_app
    request = API_ROUTES[("POST", "/participants/{participant_id}/conditions")][0](context, "own")
    answer = clients["coordinator"].post(request.path, request.body)
    assert answer.status_code == 201, answer.text


@pytest.mark.parametrize("state", ["revoked", "expired", "user disabled", "malformed"])
def test_a_dead_token_is_refused(
    matrix_app: tuple[FastAPI, Seeded, dict[str, Api]], state: str
) -> None:
    app, seeded, _ = matrix_app
    user = seeded.users["spare"]
    now = datetime.now(UTC)
    with engine_of(app).begin() as connection:
        made_at = now - timedelta(days=2) if state == "expired" else now
        token = create_token(
            connection, user.username, now=made_at, lifetime=timedelta(days=1)
        ).token
    client = Api(app, None, token=token)
    assert client.get("/participants").status_code == 200 or state == "expired"
    with engine_of(app).begin() as connection:
        if state == "revoked":
            revoke_token(connection, token_id_of(connection, token), now=now)
        elif state == "user disabled":
            set_user_active(connection, user.id, False)
    if state == "malformed":
        client.client.headers["Authorization"] = f"Basic {token}"
    answer = client.get("/participants")
    assert answer.status_code == 401
    assert answer.json()["code"] == "token_required"
    if state == "user disabled":
        with engine_of(app).begin() as connection:
            set_user_active(connection, user.id, True)
