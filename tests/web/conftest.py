"""Fixtures of the web tests: a seeded two-site registry, its app, and signed-in clients.

``web_db_url`` is the module-scoped sibling of the suite's ``db_url`` (SQLite, and
PostgreSQL when ``FOLLICLE_TEST_POSTGRES_URL`` is set; required under CI): the
authorization matrix makes hundreds of requests against one seeded registry.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from fastapi import FastAPI
from sqlalchemy import Engine

from follicle.store.access.accounts import User
from follicle.web.app import create_app
from follicle.web.live_report import ReportJobs
from follicle.web.security import SESSION_COOKIE
from follicle.web.settings import WebSettings
from testdb import postgres_schema, postgres_url

from .client import TestClient
from .registry_seed import Seeded, seed, session_for

CSRF_INPUT = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def web_db_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """An empty registry database for one test module."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('web') / 'registry.db'}"
        return
    yield from postgres_schema(postgres_url())


def make_app(url: str) -> FastAPI:
    """The application on ``url`` with the settings the tests assume."""
    app = create_app(url, settings=WebSettings(secure_cookies=False, session_minutes=60))
    # The live report computes in the request here: no background job races a test's
    # counts of audit entries, or outlives its database.
    app.state.report_jobs = ReportJobs(background=False)
    return app


def engine_of(app: FastAPI) -> Engine:
    """The application's engine."""
    engine: Engine = app.state.registry.engine
    return engine


@pytest.fixture(scope="module")
def seeded_app(web_db_url: str) -> Iterator[tuple[FastAPI, Seeded]]:
    """The application on a seeded two-site registry (shared by a module's tests)."""
    app = make_app(web_db_url)
    seeded = seed(engine_of(app))
    yield app, seeded
    engine_of(app).dispose()


@pytest.fixture
def app_and_seed(db_url: str) -> Iterator[tuple[FastAPI, Seeded]]:
    """A fresh application on a fresh seeded registry (one test)."""
    app = make_app(db_url)
    seeded = seed(engine_of(app))
    yield app, seeded
    engine_of(app).dispose()


class Browser:
    """A TestClient signed in as one user, which knows its CSRF token."""

    def __init__(self, app: FastAPI, user: User | None) -> None:
        self.client = TestClient(app, follow_redirects=False)
        self.csrf = ""
        self.user = user
        if user is not None:
            token, self.csrf = session_for(engine_of(app), user)
            self.client.cookies.set(SESSION_COOKIE, token)

    def get(self, url: str, **kwargs: object):  # type: ignore[no-untyped-def]
        return self.client.get(url, **kwargs)  # type: ignore[arg-type]

    def post(
        self, url: str, data: dict | None = None, *, csrf: str | None = None, **kwargs: object
    ):  # type: ignore[no-untyped-def]
        """POST a form with the session's CSRF token (or ``csrf`` instead, "" for none)."""
        body = dict(data or {})
        token = self.csrf if csrf is None else csrf
        if token:
            body["csrf_token"] = token
        return self.client.post(url, data=body, **kwargs)  # type: ignore[arg-type]


@pytest.fixture
def browser_for() -> Callable[[FastAPI, User | None], Browser]:
    """Make a signed-in (or anonymous, with ``None``) client."""
    return Browser
