"""Signing in and out, and the home page (which sends each role to its own start page)."""

from __future__ import annotations

import hmac
import math

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from starlette.concurrency import run_in_threadpool

from follicle.errors import PermissionDenied
from follicle.store.access import accounts
from follicle.web.deps import AnyUser, FormDep, RegistryDep, current_auth, now
from follicle.web.pages import render
from follicle.web.registry import Registry
from follicle.web.security import (
    CSRF_FIELD,
    LOGIN_CSRF_COOKIE,
    SESSION_COOKIE,
    clear_cookie,
    new_token,
    set_cookie,
)
from follicle.web.throttle import SignInThrottle, client_key

router = APIRouter()

#: Where each role starts.
START_PAGES = {
    "admin": "/worklist",
    "coordinator": "/worklist",
    "reviewer": "/participants",
    "analyst": "/data",
}

#: The one message for every failed login (unknown user, wrong password, locked account).
LOGIN_FAILED = "The username or password is wrong, or the account is locked for a while."


def too_many_failures(seconds: int) -> str:
    """What a client refused by the sign-in throttle is told (it waits ``seconds``)."""
    wait = f"{seconds} seconds" if seconds < 90 else f"{math.ceil(seconds / 60)} minutes"
    return (
        "Too many failed sign-ins from this computer or network. Please wait "
        f"{wait} and try again. No account has been locked by this."
    )


def _safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site (never another host)."""
    if target and target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return None


def _login_page(
    request: Request,
    *,
    error: str = "",
    username: str = "",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Response:
    token = new_token()
    response = render(
        request,
        "login.html",
        {
            "login_csrf": token,
            "error": error,
            "username": username,
            "next": _safe_next(request.query_params.get("next")) or "",
        },
        status_code=status,
        headers=headers,
    )
    set_cookie(
        response,
        request,
        LOGIN_CSRF_COOKIE,
        token,
        force_secure=request.app.state.registry.settings.secure_cookies,
    )
    return response


@router.get("/login")
async def login_page(request: Request) -> Response:
    """The sign-in form (anyone)."""
    return _login_page(request)


def _sign_in(reg: Registry, username: str, password: str) -> tuple[str, str] | None:
    # The password is checked (Argon2, about 0.1 s of CPU) before the registry's write
    # lock is taken, not while holding it: a flood of wrong sign-ins stalled every save.
    # Unknown users too take the (short) write turn, so that the time of the answer does
    # not tell them from known ones.
    with reg.read() as connection:
        checked = accounts.check_sign_in(connection, username, password)
    with reg.write() as connection:
        try:
            user = accounts.record_sign_in(connection, checked, now=now())
        except PermissionDenied:
            return None
        return accounts.create_session(connection, user.id, now=now(), ttl=reg.settings.session_ttl)


@router.post("/login")
async def login(request: Request, form: FormDep, reg: RegistryDep) -> Response:
    """Check the password; on success start a session and go to the start page."""
    username = str(form.get("username", "")).strip()
    password = str(form.get("password", ""))
    expected = request.cookies.get(LOGIN_CSRF_COOKIE, "")
    given = str(form.get(CSRF_FIELD, ""))
    if not expected or not hmac.compare_digest(expected.encode(), given.encode()):
        return _login_page(
            request,
            error="The sign-in form expired. Please try again.",
            username=username,
            status=403,
        )
    # Counted before the password is checked, so that a client past its bound costs no
    # Argon2; given back if it signs in (or the registry fails), failures only count.
    throttle: SignInThrottle = request.app.state.sign_in_throttle
    client = client_key(request)
    wait = throttle.attempt(client)
    if wait is not None:
        return _login_page(
            request,
            error=too_many_failures(wait),
            username=username,
            status=429,
            headers={"Retry-After": str(wait)},
        )
    try:
        session = await run_in_threadpool(_sign_in, reg, username, password)
    except Exception:
        throttle.succeeded(client)  # not a failed sign-in but the registry's (a 503)
        raise
    if session is None:
        return _login_page(request, error=LOGIN_FAILED, username=username, status=401)
    throttle.succeeded(client)
    token, _csrf = session
    target = _safe_next(str(form.get("next", ""))) or "/"
    response = RedirectResponse(target, status_code=303)
    secure = reg.settings.secure_cookies
    set_cookie(response, request, SESSION_COOKIE, token, force_secure=secure)
    clear_cookie(response, request, LOGIN_CSRF_COOKIE, force_secure=secure)
    return response


def _sign_out(reg: Registry, token: str) -> None:
    with reg.write() as connection:
        accounts.delete_session(connection, token)


@router.post("/logout")
async def logout(request: Request, user: AnyUser, reg: RegistryDep) -> Response:
    """End the session (the server forgets it) and return to the sign-in page."""
    auth = await current_auth(request)
    if auth is not None:
        await run_in_threadpool(_sign_out, reg, auth.token)
    response = RedirectResponse("/login", status_code=303)
    clear_cookie(response, request, SESSION_COOKIE, force_secure=reg.settings.secure_cookies)
    return response


@router.get("/")
async def home(user: AnyUser) -> Response:
    """Each role's start page."""
    return RedirectResponse(START_PAGES[user.role], status_code=303)
