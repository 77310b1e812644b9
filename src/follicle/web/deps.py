"""What a route declares in its signature: who may call it, and the registry.

Every route depends on :func:`require` with the roles allowed to call it, so the role check
sits in each signature (a route without one fails ``tests/web/test_authorization.py``).
The *site* check is the store's: a service asked for a woman of a site the user may not
see raises :class:`~follicle.errors.NotFound`, exactly as for an unknown ID, so IDs cannot
be probed. POST and the other unsafe methods also need the session's CSRF token.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData

from follicle.errors import PermissionDenied
from follicle.store.access import accounts
from follicle.store.access.accounts import User
from follicle.web.registry import Registry
from follicle.web.security import SESSION_COOKIE, UNSAFE_METHODS, csrf_matches

#: Role groups, named for what they allow.
ADMIN = ("admin",)
ENROLLERS = ("admin", "coordinator")  # enrol, record, run follow-up contacts
CLINICAL_READERS = ("admin", "coordinator", "reviewer")  # participant pages, audit trail
EXPORTERS = ("admin", "analyst")  # the data page: full (admin) or de-identified export
REVIEWERS = ("admin", "reviewer")  # the review of reported events (judge, decide)
EVERYONE = accounts.ROLES


class LoginRequired(Exception):
    """No valid session: the answer is a redirect to the login page."""


class CsrfRejected(PermissionDenied):
    """An unsafe request without the session's CSRF token."""

    def __init__(self) -> None:
        super().__init__("the form has expired or did not come from this site: reload the page")


@dataclass(frozen=True)
class Auth:
    """The signed-in user of a request, with the session's token and CSRF token."""

    user: User
    csrf_token: str
    token: str


def registry_of(request: Request) -> Registry:
    """The application's registry (engine, settings, writer lock)."""
    found: Registry = request.app.state.registry
    return found


async def registry(request: Request) -> Registry:
    """:func:`registry_of`, as a dependency. A coroutine because FastAPI runs a plain
    function dependency on a worker thread: a hop there and back, for every request, to
    read an attribute."""
    return registry_of(request)


def now() -> datetime:
    """The current time, UTC (sessions, lockouts and audit entries use it)."""
    return datetime.now(UTC)


def _lookup(reg: Registry, token: str) -> Auth | None:
    at, ttl = now(), reg.settings.session_ttl
    found = reg.read_first(  # sliding expiry: the lookup may touch the session
        lambda connection, read_only: accounts.session_user(
            connection, token, now=at, ttl=ttl, read_only=read_only
        )
    )
    if found is None:
        return None
    user, csrf = found
    return Auth(user, csrf, token)


async def current_auth(request: Request) -> Auth | None:
    """The request's session, or ``None`` (no cookie, unknown or expired token)."""
    if "auth" in request.state._state:
        cached: Auth | None = request.state.auth
        return cached
    token = request.cookies.get(SESSION_COOKIE)
    auth = await run_in_threadpool(_lookup, registry_of(request), token) if token else None
    request.state.auth = auth
    return auth


def require(*roles: str) -> Callable[[Request], AsyncIterator[User]]:
    """A dependency that admits a signed-in user of one of ``roles`` (CSRF-checked)."""
    unknown = set(roles) - set(accounts.ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    async def signed_in_user(request: Request) -> AsyncIterator[User]:
        auth = await current_auth(request)
        if auth is None:
            raise LoginRequired
        if auth.user.role not in roles:
            raise PermissionDenied("your role does not give access to this page")
        if request.method not in UNSAFE_METHODS:
            yield auth.user
            return
        form = await request.form()
        try:
            if not csrf_matches(auth.csrf_token, request, form):
                raise CsrfRejected
            yield auth.user
        finally:
            await form.close()  # uploaded files are spooled to disk: release them

    signed_in_user.roles = roles  # type: ignore[attr-defined]  # read by the authz test
    return signed_in_user


async def form_data(request: Request) -> FormData:
    """The request's form (already parsed by the CSRF check; Starlette caches it)."""
    return await request.form()


RegistryDep = Annotated[Registry, Depends(registry)]
FormDep = Annotated[FormData, Depends(form_data)]
Admin = Annotated[User, Depends(require(*ADMIN))]
Enroller = Annotated[User, Depends(require(*ENROLLERS))]
ClinicalReader = Annotated[User, Depends(require(*CLINICAL_READERS))]
Exporter = Annotated[User, Depends(require(*EXPORTERS))]
Reviewer = Annotated[User, Depends(require(*REVIEWERS))]
AnyUser = Annotated[User, Depends(require(*EVERYONE))]
