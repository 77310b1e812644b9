"""Who calls the API: a personal access token, sent as ``Authorization: Bearer <token>``.

The API accepts tokens only, never the pages' session cookie: a request a browser would
send on its own (with the cookie) is then never an API call, so the API needs no CSRF
token. Likewise the pages accept only their session, never a token: a leaked token opens
the API — audited, scoped, revocable — and nothing else.

Every route declares the roles it admits with :func:`token_require` (the same role groups
as the pages, :mod:`follicle.web.deps`); the *site* check is the store's, as for the pages.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from follicle.errors import PermissionDenied
from follicle.store.access import accounts, tokens
from follicle.store.access.accounts import User
from follicle.web.deps import (
    ADMIN,
    CLINICAL_READERS,
    ENROLLERS,
    EVERYONE,
    EXPORTERS,
    REVIEWERS,
    now,
    registry_of,
)
from follicle.web.registry import Registry
from follicle.web.request_log import TOKEN_USER

bearer = HTTPBearer(
    auto_error=False,
    scheme_name="token",
    description="A personal access token (`follicle token create USER`).",
)


def _lookup(reg: Registry, token: str) -> User | None:
    at = now()
    return reg.read_first(  # the lookup may record the token's use
        lambda connection, read_only: tokens.token_user(
            connection, token, now=at, read_only=read_only
        )
    )


def token_require(*roles: str) -> Callable[..., Awaitable[User]]:
    """A dependency that admits a live token of a user of one of ``roles``."""
    from follicle.web.api.problems import TokenRequired

    unknown = set(roles) - set(accounts.ROLES)
    if unknown or not roles:
        raise ValueError(f"unknown roles {sorted(unknown)}")

    async def token_user(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
    ) -> User:
        if credentials is None or not credentials.credentials:
            raise TokenRequired
        user = await run_in_threadpool(_lookup, registry_of(request), credentials.credentials)
        if user is None:
            raise TokenRequired
        setattr(request.state, TOKEN_USER, user)  # the request log names her number
        if user.role not in roles:
            raise PermissionDenied(f"a {user.role} may not do this")
        return user

    token_user.roles = roles  # type: ignore[attr-defined]  # read by the authz test
    return token_user


Admin = Annotated[User, Depends(token_require(*ADMIN))]
Enroller = Annotated[User, Depends(token_require(*ENROLLERS))]
ClinicalReader = Annotated[User, Depends(token_require(*CLINICAL_READERS))]
Exporter = Annotated[User, Depends(token_require(*EXPORTERS))]
Judge = Annotated[User, Depends(token_require(*REVIEWERS))]
AnyUser = Annotated[User, Depends(token_require(*EVERYONE))]
