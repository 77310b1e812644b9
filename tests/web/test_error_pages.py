"""An unexpected error answers a plain 500 page with every security header, and the log
names where it happened without the URL or the message (which may hold a study ID). A body
past its bound is the pages' error page too, not Starlette's plain text."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

from follicle.web.routes.checklist import MAX_FORM_BYTES
from follicle.web.security import MAX_BODY_BYTES, MAX_UPLOAD_BYTES, SECURITY_HEADERS

from .client import TestClient
from .conftest import Browser, make_app
from .registry_seed import Seeded


@pytest.fixture
def failing_app(tmp_path) -> FastAPI:
    app = make_app(f"sqlite:///{tmp_path / 'registry.db'}")

    def boom(participant_id: str) -> None:
        raise RuntimeError(f"secret detail about {participant_id}")

    app.add_api_route("/boom/{participant_id}", boom)

    def half(participant_id: str) -> StreamingResponse:
        def chunks() -> Iterator[bytes]:
            yield b"<!doctype html>"
            raise RuntimeError(f"secret detail about {participant_id}")

        return StreamingResponse(chunks(), media_type="text/html")

    app.add_api_route("/half/{participant_id}", half)
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


def test_an_error_after_half_an_answer_leaves_without_its_message(
    failing_app: FastAPI, caplog: pytest.LogCaptureFixture
) -> None:
    # The server drops the connection on an exception it gets; it logs that exception with
    # its message and cause, which may hold a woman's data: it gets a bare one instead.
    client = TestClient(failing_app, raise_server_exceptions=True)
    with caplog.at_level(logging.ERROR, logger="follicle.web"):
        with pytest.raises(RuntimeError) as raised:
            client.get("/half/P0042")
    shown = "".join(traceback.format_exception(raised.value))  # with its cause, if shown
    assert "secret detail" not in shown
    assert "P0042" not in str(raised.value)
    assert "RuntimeError" in caplog.text
    assert "secret detail" not in caplog.text


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


URLENCODED_FORM = "application/x-www-form-urlencoded"


def _is_the_error_page(answer, status: int) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == status
    assert answer.headers["content-type"] == "text/html; charset=utf-8"
    assert "<h1>Too large to accept</h1>" in answer.text
    assert "Nothing was saved" in answer.text
    assert 'href="/static/registry.css"' in answer.text  # the pages' layout
    for name, value in SECURITY_HEADERS.items():
        assert answer.headers[name] == value
    assert answer.headers["cache-control"] == "no-store"


def test_a_form_past_the_bound_gets_the_error_page(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    anonymous = TestClient(app, follow_redirects=False)
    big = b"x" * (MAX_BODY_BYTES + 1)
    login = anonymous.post(
        "/login", content=b"username=" + big, headers={"content-type": URLENCODED_FORM}
    )
    _is_the_error_page(login, 413)
    assert "larger than this page accepts (at most 1 MiB)" in login.text
    assert "Content Too Large" not in login.text
    upload = anonymous.post("/login", files={"file": ("f.bin", big, "application/octet-stream")})
    _is_the_error_page(upload, 413)
    checklist = Browser(app, seeded.users["coord_a"]).post(
        "/participants/WA001/checklist",
        {"contact_date": "2025-01-01", "conditions.other.notes": "x" * (MAX_FORM_BYTES + 1)},
    )
    _is_the_error_page(checklist, 413)
    assert "(at most 256 KiB)" in checklist.text


def test_a_workbook_past_the_bound_points_to_the_command_line(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    # Announced by its Content-Length: refused before a byte of it is read.
    app, seeded = app_and_seed
    answer = Browser(app, seeded.users["admin"]).client.post(
        "/data/import",
        content=b"x",
        headers={
            "content-type": "multipart/form-data; boundary=b",
            "content-length": str(MAX_UPLOAD_BYTES + 1),
        },
    )
    _is_the_error_page(answer, 413)
    assert "(at most 256 MiB)" in answer.text
    assert "follicle import" in answer.text


def test_the_apis_body_past_the_bound_stays_a_problem(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, _ = app_and_seed
    answer = TestClient(app).post(
        "/api/v1/participants",
        content=b"x" * (MAX_BODY_BYTES + 1),
        headers={"content-type": "application/json"},
    )
    assert answer.status_code == 413
    assert answer.headers["content-type"] == "application/problem+json"
