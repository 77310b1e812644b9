"""Sessions, cookies, CSRF and headers, through the real application."""

from __future__ import annotations

import re

import pytest
from fastapi import FastAPI

from follicle.store.access import accounts
from follicle.web.security import (
    CONTENT_SECURITY_POLICY,
    LOGIN_CSRF_COOKIE,
    MAX_BODY_BYTES,
    MAX_UPLOAD_BYTES,
    SESSION_COOKIE,
)

from .client import TestClient
from .conftest import Browser
from .registry_seed import PASSWORD, Seeded

URLENCODED_FORM = "application/x-www-form-urlencoded"
LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


def _login(client: TestClient, username: str, password: str) -> object:
    page = client.get("/login")
    token = LOGIN_CSRF.search(page.text)
    assert token is not None
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
    )


def test_signing_in_sets_a_strict_httponly_session_cookie(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, _ = app_and_seed
    client = TestClient(app, follow_redirects=False)
    answer = _login(client, "coord_a", PASSWORD)
    assert answer.status_code == 303  # type: ignore[attr-defined]
    cookie = next(
        h
        for h in answer.headers.get_list("set-cookie")
        if h.startswith(SESSION_COOKIE)  # type: ignore[attr-defined]
    )
    assert "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
    assert "Secure" not in cookie  # plain http in tests, FOLLICLE_SECURE_COOKIES unset
    assert client.get("/").headers["location"] == "/worklist"


def test_the_cookie_is_secure_over_https(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, _ = app_and_seed
    client = TestClient(app, base_url="https://testserver", follow_redirects=False)
    answer = _login(client, "coord_a", PASSWORD)
    cookie = next(
        h
        for h in answer.headers.get_list("set-cookie")
        if h.startswith(SESSION_COOKIE)  # type: ignore[attr-defined]
    )
    assert "Secure" in cookie


def test_a_wrong_password_and_an_unknown_user_get_the_same_answer(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, _ = app_and_seed
    client = TestClient(app, follow_redirects=False)
    wrong = _login(client, "coord_a", "not the password")
    unknown = _login(client, "nobody", "not the password")
    assert wrong.status_code == unknown.status_code == 401  # type: ignore[attr-defined]
    assert SESSION_COOKIE not in client.cookies


def test_the_account_locks_after_repeated_failures(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    from follicle.store.access.accounts import MAX_FAILED_LOGINS

    app, _ = app_and_seed
    client = TestClient(app, follow_redirects=False)
    for _ in range(MAX_FAILED_LOGINS):
        _login(client, "coord_a", "wrong")
    locked = _login(client, "coord_a", PASSWORD)
    assert locked.status_code == 401  # type: ignore[attr-defined]


def test_the_login_form_needs_its_csrf_cookie(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, _ = app_and_seed
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login")
    token = LOGIN_CSRF.search(page.text)
    assert token is not None
    client.cookies.delete(LOGIN_CSRF_COOKIE)
    answer = client.post(
        "/login", data={"username": "coord_a", "password": PASSWORD, "csrf_token": token.group(1)}
    )
    assert answer.status_code == 403


def test_logout_ends_the_session_on_the_server(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    stolen = browser.client.cookies[SESSION_COOKIE]
    assert browser.get("/worklist").status_code == 200
    assert browser.post("/logout").status_code == 303
    replay = TestClient(app, follow_redirects=False)
    replay.cookies.set(SESSION_COOKIE, stolen)
    assert replay.get("/worklist").status_code == 303


def test_next_never_leaves_the_site(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, _ = app_and_seed
    client = TestClient(app, follow_redirects=False)
    page = client.get("/login?next=//evil.example/")
    token = LOGIN_CSRF.search(page.text)
    assert token is not None
    answer = client.post(
        "/login",
        data={
            "username": "coord_a",
            "password": PASSWORD,
            "csrf_token": token.group(1),
            "next": "//evil.example/",
        },
    )
    assert answer.headers["location"] == "/"


def test_pages_carry_the_security_headers(app_and_seed: tuple[FastAPI, Seeded]) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    answer = browser.get(f"/participants/{seeded.women['A'].participant_id}")
    assert answer.status_code == 200
    assert answer.headers["content-security-policy"] == CONTENT_SECURITY_POLICY
    assert answer.headers["x-frame-options"] == "DENY"
    assert answer.headers["x-content-type-options"] == "nosniff"
    assert answer.headers["cache-control"] == "no-store"
    assert "<script>" not in answer.text  # CSP forbids inline scripts; none are needed


def test_htmx_requests_may_send_the_token_in_a_header(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    answer = browser.client.post(
        "/participants/assess",
        data={"birth_date": "1980-01-01"},
        headers={"X-CSRF-Token": browser.csrf, "HX-Request": "true"},
    )
    assert answer.status_code == 200
    assert 'id="assessment"' in answer.text


def test_every_form_on_every_page_carries_the_sessions_csrf_token(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    pages = {
        "coord_a": [
            "/worklist",
            "/participants",
            "/participants/new",
            "/participants/WA001",
            f"/participants/WA001?edit=pregnancies/{seeded.women['A'].keys['pregnancies']}",
            "/participants/WA001/checklist",
        ],
        "admin": ["/admin/users", "/data"],
        "analyst": ["/data"],
    }
    for username, urls in pages.items():
        browser = Browser(app, seeded.users[username])
        for url in urls:
            page = browser.get(url)
            assert page.status_code == 200, url
            forms = re.findall(r'<form method="post".*?</form>', page.text, flags=re.S)
            assert forms, url
            for form in forms:
                assert f'name="csrf_token" value="{browser.csrf}"' in form, (url, form[:200])


def test_a_body_past_the_bound_is_refused_before_anyone_is_signed_in(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    # Starlette sets no bound: the login form and an API body are read whole before the
    # sign-in check, so anyone could make a process hold or spool gigabytes.
    app, _ = app_and_seed
    client = TestClient(app, follow_redirects=False)
    big = b"x" * (MAX_BODY_BYTES + 1)
    login = client.post(
        "/login", content=b"username=" + big, headers={"content-type": URLENCODED_FORM}
    )
    assert login.status_code == 413
    assert "content-security-policy" in login.headers
    upload = client.post("/login", files={"file": ("f.bin", big, "application/octet-stream")})
    assert upload.status_code == 413
    api = client.post(
        "/api/v1/participants",
        content=b'{"participant_id": "' + big + b'"}',
        headers={"content-type": "application/json"},
    )
    assert api.status_code == 413
    assert api.headers["content-type"] == "application/problem+json"  # as every API error
    assert api.json()["code"] == "too_large"


def test_the_import_page_takes_a_workbook_past_the_bound_of_a_form(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    padded = b"participant_id\n" + b"# padding\n" * (MAX_BODY_BYTES // 10 + 1)
    answer = Browser(app, seeded.users["admin"]).post(
        "/data/import", files=[("workbook", ("participants.csv", padded, "text/csv"))]
    )
    assert len(padded) > MAX_BODY_BYTES
    assert answer.status_code == 422  # read and refused as a workbook, not as a body
    assert "Nothing was imported" in answer.text
    assert MAX_UPLOAD_BYTES > 100 * MAX_BODY_BYTES


def test_the_password_is_checked_outside_the_write_lock(
    app_and_seed: tuple[FastAPI, Seeded], monkeypatch: pytest.MonkeyPatch
) -> None:
    # Argon2 takes about 0.1 s: inside the registry's one write lock, a flood of wrong
    # sign-ins (anyone can send them) stalled every save.
    app, seeded = app_and_seed
    lock = app.state.registry._write_lock
    held: list[bool] = []
    check = accounts.check_sign_in

    def watched(*args: object, **kwargs: object) -> accounts.SignInCheck:
        held.append(lock.locked())
        return check(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(accounts, "check_sign_in", watched)
    client = TestClient(app, follow_redirects=False)
    assert _login(client, "nobody", "wrong").status_code == 401  # type: ignore[attr-defined]
    signed_in = _login(client, seeded.users["coord_a"].username, PASSWORD)
    assert signed_in.status_code == 303  # type: ignore[attr-defined]
    assert held == [False, False]
