"""The bound on failed sign-ins per client: the counting (a fake clock, no sleeping), the
table's bound, and the sign-in page that refuses a client past it before Argon2 runs."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from starlette.requests import Request

from follicle.store.access import accounts
from follicle.web.app import create_app
from follicle.web.security import SECURITY_HEADERS
from follicle.web.settings import WebSettings
from follicle.web.throttle import SignInThrottle, client_key

from .client import TestClient
from .conftest import engine_of
from .registry_seed import PASSWORD, Seeded

LOGIN_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class FakeClock:
    """Seconds that pass only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


# The counting -------------------------------------------------------------------------


def test_a_client_may_fail_its_bound_in_a_row_then_waits() -> None:
    clock = FakeClock()
    throttle = SignInThrottle(3, 60, clock=clock)  # then one attempt per 20 s
    assert [throttle.attempt("10.0.0.1") for _ in range(3)] == [None, None, None]
    assert throttle.attempt("10.0.0.1") == 20
    clock.now += 5
    assert throttle.attempt("10.0.0.1") == 15  # a refused attempt adds nothing
    clock.now += 15
    assert throttle.attempt("10.0.0.1") is None  # one drained: one more attempt
    assert throttle.attempt("10.0.0.1") == 20
    assert throttle.attempt("10.0.0.2") is None  # another client: its own count


def test_a_client_that_stops_has_its_whole_allowance_after_the_window() -> None:
    clock = FakeClock()
    throttle = SignInThrottle(3, 60, clock=clock)
    for _ in range(3):
        throttle.attempt("10.0.0.1")
    clock.now += 60
    assert [throttle.attempt("10.0.0.1") for _ in range(3)] == [None, None, None]
    assert throttle.attempt("10.0.0.1") is not None


def test_a_successful_attempt_is_given_back() -> None:
    clock = FakeClock()
    throttle = SignInThrottle(3, 60, clock=clock)
    for _ in range(10):
        assert throttle.attempt("10.0.0.1") is None
        throttle.succeeded("10.0.0.1")
    assert len(throttle) == 0  # nothing left to remember
    throttle.attempt("10.0.0.1")
    throttle.attempt("10.0.0.1")
    assert throttle.attempt("10.0.0.1") is None
    throttle.succeeded("10.0.0.1")  # two failures stay counted
    assert throttle.attempt("10.0.0.1") is None
    assert throttle.attempt("10.0.0.1") == 20


def test_attempts_in_flight_count_before_their_outcome() -> None:
    # A client sending many at once gets no more Argon2 than one sending them in turn.
    throttle = SignInThrottle(3, 60, clock=FakeClock())
    started = [throttle.attempt("10.0.0.1") for _ in range(50)]
    assert started.count(None) == 3


def test_the_table_is_bounded_whatever_the_addresses() -> None:
    clock = FakeClock()
    throttle = SignInThrottle(3, 60, max_clients=100, clock=clock)
    for i in range(10_000):  # an attacker rotating addresses
        throttle.attempt(f"host-{i}")
        assert len(throttle) <= 100
    # The least recently counted went first; the newest are still counted.
    throttle.attempt("host-9999")
    throttle.attempt("host-9999")
    assert throttle.attempt("host-9999") is not None


def test_drained_clients_are_forgotten() -> None:
    clock = FakeClock()
    throttle = SignInThrottle(3, 60, clock=clock)
    for i in range(50):
        throttle.attempt(f"host-{i}")
    clock.now += 60
    throttle.attempt("someone")
    assert len(throttle) == 1


def test_the_throttle_refuses_no_bound_at_all() -> None:
    with pytest.raises(ValueError, match="the throttle needs"):
        SignInThrottle(0, 60)
    with pytest.raises(ValueError, match="the throttle needs"):
        SignInThrottle(3, 0)


@pytest.mark.parametrize(
    ("host", "key"),
    [
        ("203.0.113.7", "203.0.113.7"),
        ("::ffff:203.0.113.7", "203.0.113.7"),  # an IPv4 client on an IPv6 socket
        ("2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
        ("2001:db8:1:2:ffff:ffff:ffff:fffe", "2001:db8:1:2::/64"),  # the same host's /64
        ("2001:db8:1:3::1", "2001:db8:1:3::/64"),
        ("testclient", "testclient"),
    ],
)
def test_the_client_is_its_address_and_an_ipv6_one_its_network(host: str, key: str) -> None:
    request = Request({"type": "http", "client": (host, 5000), "headers": []})
    assert client_key(request) == key


def test_no_client_address_is_one_client() -> None:
    assert client_key(Request({"type": "http", "client": None, "headers": []})) == ""


def test_the_bound_comes_from_the_settings(tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FOLLICLE_SIGN_IN_FAILURES", "7")
    monkeypatch.setenv("FOLLICLE_SIGN_IN_WINDOW_MINUTES", "2")
    settings = WebSettings()
    assert (settings.sign_in_failures, settings.sign_in_window.total_seconds()) == (7, 120)
    app = create_app(f"sqlite:///{tmp_path / 'registry.db'}", settings=settings)
    throttle = app.state.sign_in_throttle
    assert (throttle.failures, throttle.window) == (7, 120)
    engine_of(app).dispose()
    defaults = WebSettings.model_construct()
    assert (defaults.sign_in_failures, defaults.sign_in_window_minutes) == (20, 15)
    with pytest.raises(ValueError, match="sign_in_failures"):
        WebSettings(sign_in_failures=0)


# The sign-in page -----------------------------------------------------------------------


@pytest.fixture
def throttled_app(seeded_app: tuple[FastAPI, Seeded]) -> Iterator[tuple[FastAPI, FakeClock]]:
    """The seeded application with a throttle of 3 failures a minute on a fake clock."""
    app, _ = seeded_app
    clock = FakeClock()
    before = app.state.sign_in_throttle
    app.state.sign_in_throttle = SignInThrottle(3, 60, clock=clock)
    yield app, clock
    app.state.sign_in_throttle = before


def _login(client: TestClient, username: str, password: str, **headers: str):  # type: ignore[no-untyped-def]
    token = LOGIN_CSRF.search(client.get("/login").text)
    assert token is not None
    return client.post(
        "/login",
        data={"username": username, "password": password, "csrf_token": token.group(1)},
        headers=headers,
    )


def _client(app: FastAPI, host: str) -> TestClient:
    return TestClient(app, follow_redirects=False, client=(host, 40000))


def test_a_client_past_the_bound_gets_429_before_the_password_is_checked(
    throttled_app: tuple[FastAPI, FakeClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, clock = throttled_app
    checked = []
    real = accounts.check_sign_in
    monkeypatch.setattr(
        accounts, "check_sign_in", lambda *a, **k: checked.append(1) or real(*a, **k)
    )
    client = _client(app, "198.51.100.1")
    for _ in range(3):
        assert _login(client, "nobody", "wrong").status_code == 401
    assert len(checked) == 3
    refused = _login(client, "coord_a", PASSWORD)  # the right password too: not looked at
    assert len(checked) == 3  # no Argon2
    assert refused.status_code == 429
    assert refused.headers["retry-after"] == "20"
    assert "Too many failed sign-ins from this computer or network" in refused.text
    assert "wait 20 seconds" in refused.text
    assert 'name="csrf_token"' in refused.text  # the sign-in form, to try again later
    for name, value in SECURITY_HEADERS.items():
        assert refused.headers[name] == value
    assert "follicle_session" not in refused.headers.get("set-cookie", "")
    clock.now += 20
    assert _login(client, "coord_a", PASSWORD).status_code == 303


def test_other_clients_still_sign_in(throttled_app: tuple[FastAPI, FakeClock]) -> None:
    app, _ = throttled_app
    attacker = _client(app, "198.51.100.1")
    for _ in range(4):
        _login(attacker, "nobody", "wrong")
    assert _login(attacker, "nobody", "wrong").status_code == 429
    assert _login(_client(app, "198.51.100.2"), "coord_a", PASSWORD).status_code == 303


def test_successful_sign_ins_do_not_count(throttled_app: tuple[FastAPI, FakeClock]) -> None:
    app, _ = throttled_app
    client = _client(app, "198.51.100.3")
    for _ in range(4):
        assert _login(client, "coord_a", PASSWORD).status_code == 303
    assert _login(client, "nobody", "wrong").status_code == 401


def test_a_forwarded_for_header_does_not_make_a_new_client(
    throttled_app: tuple[FastAPI, FakeClock],
) -> None:
    # Only uvicorn reads X-Forwarded-For, and only from a proxy it trusts; the application
    # itself never does, so a client cannot name itself anew on each attempt.
    app, _ = throttled_app
    client = _client(app, "198.51.100.4")
    for i in range(3):
        _login(client, "nobody", "wrong", **{"X-Forwarded-For": f"192.0.2.{i}"})
    answer = _login(client, "nobody", "wrong", **{"X-Forwarded-For": "192.0.2.99"})
    assert answer.status_code == 429


def test_a_failed_registry_does_not_count_as_a_failed_sign_in(
    throttled_app: tuple[FastAPI, FakeClock], monkeypatch: pytest.MonkeyPatch
) -> None:
    app, _ = throttled_app

    def broken(*_args: object, **_kwargs: object) -> None:
        raise RuntimeError("the registry failed")

    monkeypatch.setattr(accounts, "check_sign_in", broken)
    client = TestClient(app, follow_redirects=False, raise_server_exceptions=False)
    for _ in range(5):
        assert _login(client, "coord_a", PASSWORD).status_code == 500
    assert len(app.state.sign_in_throttle) == 0
