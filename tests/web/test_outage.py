"""A database out of reach answers 503 with Retry-After — the error page on the pages,
problem+json on the API — and any other database error still a 500; the log names the
route's template, never the study ID in the path.

The real outage (a PostgreSQL cluster stopped under load) is in ``test_faults.py``; here
the routes raise the exceptions SQLAlchemy raises then, so each mapping is pinned down."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI
from sqlalchemy.exc import IntegrityError, InterfaceError, OperationalError

from follicle.web.api import PREFIX as API_PREFIX
from follicle.web.outage import RETRY_AFTER_SECONDS, is_outage

from .client import TestClient
from .conftest import make_app

PID = "WA123"


class _DriverError(Exception):
    """Stands for the driver's exception that SQLAlchemy wraps."""


def _raising(exc: Exception):  # type: ignore[no-untyped-def]
    def route(participant_id: str) -> None:
        raise exc

    return route


def _app(tmp_path, exc: Exception) -> FastAPI:  # type: ignore[no-untyped-def]
    app = make_app(f"sqlite:///{tmp_path / 'registry.db'}")
    app.add_api_route("/boom/{participant_id}", _raising(exc))
    api = next(r for r in app.routes if getattr(r, "path", "") == API_PREFIX)
    api.app.add_api_route(  # type: ignore[attr-defined]
        "/boom/{participant_id}", _raising(exc), methods=["GET", "POST"]
    )
    return app


def _lost_connection() -> OperationalError:
    return OperationalError("SELECT 1", {"participant_id": PID}, _DriverError("server closed"))


@pytest.mark.parametrize(
    "exc",
    [
        _lost_connection(),
        InterfaceError("SELECT 1", {}, _DriverError("connection already closed")),
    ],
    ids=["operational", "interface"],
)
def test_an_outage_is_a_503_page_with_retry_after(
    tmp_path, exc: Exception, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(_app(tmp_path, exc), raise_server_exceptions=False)
    with caplog.at_level(logging.WARNING):
        answer = client.get(f"/boom/{PID}")
    assert answer.status_code == 503
    assert answer.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    assert "text/html" in answer.headers["content-type"]
    assert "cannot be reached" in answer.text
    assert "/boom/{participant_id}" in caplog.text
    assert PID not in caplog.text


def test_an_outage_is_a_503_problem_on_the_api(tmp_path, caplog: pytest.LogCaptureFixture) -> None:
    client = TestClient(_app(tmp_path, _lost_connection()), raise_server_exceptions=False)
    with caplog.at_level(logging.WARNING):
        answer = client.post(f"{API_PREFIX}/boom/{PID}")
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == str(RETRY_AFTER_SECONDS)
    problem = answer.json()
    assert problem["code"] == "database_unavailable"
    assert problem["status"] == 503
    assert problem["instance"] == f"{API_PREFIX}/boom/{PID}"
    assert PID not in caplog.text


def test_another_database_error_stays_a_500(tmp_path) -> None:
    exc = IntegrityError("INSERT", {}, _DriverError("duplicate key"))
    client = TestClient(_app(tmp_path, exc), raise_server_exceptions=False)
    page = client.get(f"/boom/{PID}")
    problem = client.get(f"{API_PREFIX}/boom/{PID}")
    assert page.status_code == 500
    assert "retry-after" not in page.headers
    assert problem.status_code == 500
    assert problem.json()["code"] == "server_error"


def test_an_invalidated_connection_is_an_outage() -> None:
    from sqlalchemy.exc import DBAPIError

    dropped = DBAPIError("SELECT 1", {}, _DriverError("gone"), connection_invalidated=True)
    other = DBAPIError("SELECT 1", {}, _DriverError("bad"))
    assert is_outage(dropped)
    assert is_outage(_lost_connection())
    assert not is_outage(other)
    assert not is_outage(IntegrityError("INSERT", {}, _DriverError("duplicate key")))
