"""Every error of the API is an RFC 9457 problem, with the security headers of every answer."""

from __future__ import annotations

import json
import logging
from typing import Any

import anyio
import pytest
from fastapi import FastAPI

from follicle.store import records
from follicle.web.api.problems import pointer
from follicle.web.security import SECURITY_HEADERS

from ..client import TestClient
from ..registry_seed import Seeded
from .conftest import API, Api


def _is_problem(answer, status: int, code: str, path: str) -> None:  # type: ignore[no-untyped-def]
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"] == "application/problem+json"
    body = answer.json()
    assert (body["status"], body["code"], body["type"]) == (status, code, "about:blank")
    assert body["instance"] == "/api/v1" + path
    for header, value in SECURITY_HEADERS.items():
        assert answer.headers[header] == value
    assert answer.headers["cache-control"] == "no-store"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [
        ("GET", "/no-such-resource", 404, "not_found"),
        ("GET", "/participants/WA001/no_such_table", 404, "not_found"),
        ("PUT", "/participants", 405, "method_not_allowed"),
    ],
)
def test_unknown_paths_and_methods_are_problems(
    seeded_app: tuple[FastAPI, Seeded], method: str, path: str, status: int, code: str
) -> None:
    app, seeded = seeded_app
    _is_problem(Api(app, seeded.users["admin"]).request(method, path), status, code, path)


def test_a_path_the_mount_cannot_match_is_still_a_problem(
    seeded_app: tuple[FastAPI, Seeded],
) -> None:
    # A line break in a path segment (as a raw ASGI path: HTTP clients drop it) matches no
    # route of the API's mount, so the pages' 404 handler answers: in JSON, for /api/.
    app, _ = seeded_app
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "GET",
        "scheme": "http",
        "path": "/api/v1/participants/a\nb",
        "raw_path": b"/api/v1/participants/a%0Ab",
        "root_path": "",
        "query_string": b"",
        "headers": [(b"host", b"testserver")],
        "client": ("127.0.0.1", 1),
        "server": ("testserver", 80),
        "state": {},
    }
    anyio.run(app, scope, receive, send)
    start = sent[0]
    headers = {k.decode(): v.decode() for k, v in start["headers"]}
    assert start["status"] == 404
    assert headers["content-type"] == "application/problem+json"
    body = json.loads(b"".join(m.get("body", b"") for m in sent[1:]))
    assert (body["code"], body["instance"]) == ("not_found", "/api/v1/participants/a%0Ab")


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/participants", "GET, POST"),
        ("/participants/WA001", "GET, PATCH"),
        ("/participants/WA001/conditions/1", "DELETE, GET, PATCH"),
    ],
)
def test_a_method_not_allowed_names_every_method_of_the_path(
    seeded_app: tuple[FastAPI, Seeded], path: str, allowed: str
) -> None:
    app, seeded = seeded_app
    answer = Api(app, seeded.users["admin"]).request("OPTIONS", path)
    _is_problem(answer, 405, "method_not_allowed", path)
    assert answer.headers["allow"] == allowed


def test_a_body_that_is_not_json_is_400(seeded_app: tuple[FastAPI, Seeded]) -> None:
    app, seeded = seeded_app
    answer = Api(app, seeded.users["admin"]).post(
        "/participants", content=b"{not json", headers={"Content-Type": "application/json"}
    )
    _is_problem(answer, 400, "bad_request", "/participants")


def test_no_token_is_401_with_the_scheme_to_use(seeded_app: tuple[FastAPI, Seeded]) -> None:
    app, _ = seeded_app
    answer = Api(app, None).get("/participants")
    _is_problem(answer, 401, "token_required", "/participants")
    assert answer.headers["www-authenticate"] == 'Bearer realm="follicle"'


def test_a_server_error_is_a_problem_that_says_nothing_of_its_cause(
    seeded_app: tuple[FastAPI, Seeded],
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    app, seeded = seeded_app

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("WA001 lives at 1 Secret Street")

    monkeypatch.setattr(records, "list_participants", broken)
    with caplog.at_level(logging.ERROR, logger="follicle.web.api.problems"):
        answer = Api(app, seeded.users["admin"]).get("/participants")
    _is_problem(answer, 500, "server_error", "/participants")
    assert "Secret" not in answer.text
    assert "Secret" not in caplog.text
    assert "RuntimeError" in caplog.text


def test_a_server_error_does_not_leave_the_application_with_its_message(
    seeded_app: tuple[FastAPI, Seeded], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Starlette raises the exception again once the API's problem is sent; out of the
    # application, the server logged it whole: its message (a woman's data) and traceback.
    app, seeded = seeded_app

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("WA001 lives at 1 Secret Street")

    monkeypatch.setattr(records, "list_participants", broken)
    client = TestClient(app, raise_server_exceptions=True)  # what leaves the app, raised
    token = Api(app, seeded.users["admin"]).token
    answer = client.get(f"{API}/participants", headers={"Authorization": f"Bearer {token}"})
    _is_problem(answer, 500, "server_error", "/participants")


def test_a_refused_value_that_is_no_character_is_escaped_in_the_answer(
    seeded_app: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = seeded_app
    answer = Api(app, seeded.users["admin"]).post(
        "/participants/WA001/conditions",
        content=b'{"condition": "other", "notes": "\\ud800"}',
        headers={"Content-Type": "application/json"},
    )
    _is_problem(answer, 422, "invalid", "/participants/WA001/conditions")
    assert answer.json()["errors"][0]["pointer"] == "#/notes"


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("afc", "#/afc"),
        ("pregnancies[0].outcome_date", "#/pregnancies/0/outcome_date"),
        (
            "pregnancies[1].infants[2].conditions.leukemia.answer",
            "#/pregnancies/1/infants/2/conditions/leukemia/answer",
        ),
        ("a/b~c", "#/a~1b~0c"),
    ],
)
def test_field_names_become_json_pointers(name: str, expected: str) -> None:
    assert pointer(name) == expected
