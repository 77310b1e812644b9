"""An unexpected error answers a plain 500 page with every security header, and the log
names where it happened without the URL or the message (which may hold a study ID)."""

from __future__ import annotations

import logging

import pytest
from fastapi import FastAPI

from follicle.web.security import SECURITY_HEADERS

from .client import TestClient
from .conftest import Browser, make_app
from .registry_seed import Seeded


@pytest.fixture
def failing_app(tmp_path) -> FastAPI:
    app = make_app(f"sqlite:///{tmp_path / 'registry.db'}")

    def boom(participant_id: str) -> None:
        raise RuntimeError(f"secret detail about {participant_id}")

    app.add_api_route("/boom/{participant_id}", boom)
    return app


def test_a_500_carries_the_security_headers(
    failing_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    client = TestClient(failing_app, raise_server_exceptions=False)
    with caplog.at_level(logging.ERROR, logger="follicle.web"):
        answer = client.get("/boom/P0042")
    assert answer.status_code == 500
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value
    assert answer.headers["cache-control"] == "no-store"
    assert "Nothing was saved" in answer.text
    assert "secret detail" not in answer.text
    logged = caplog.text
    assert "RuntimeError" in logged
    assert "P0042" not in logged
    assert "secret detail" not in logged


@pytest.mark.parametrize(
    ("who", "url"),
    [
        ("admin", "/admin/users/99999999999999999999/sites"),
        ("coord_a", "/participants/WA001/records/contacts/99999999999999999999"),
        ("coord_a", "/participants/WA001/records/contacts/-99999999999999999999/delete"),
    ],
)
def test_a_number_past_any_key_is_not_found_not_an_error(
    app_and_seed: tuple[FastAPI, Seeded], who: str, url: str
) -> None:
    # The drivers refuse a number past 64 bits (OverflowError) rather than find nothing.
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users[who])
    answer = browser.post(url, {"reason": "x"})
    assert answer.status_code == 404
