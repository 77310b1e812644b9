"""Sessions, CSRF and HTTP security headers.

Sessions are server-side: the browser holds only a random token in the cookie
``follicle_session``; the registry stores its SHA-256 with the user, the expiry and the
session's CSRF token (:mod:`follicle.store.access.accounts`). Logging out deletes the row, so a
copied cookie stops working at once.

The cookie is ``HttpOnly`` (scripts cannot read it), ``SameSite=Strict`` (no other site
can make the browser send it) and ``Secure`` when the request came over HTTPS or
``FOLLICLE_SECURE_COOKIES=1`` (behind a TLS proxy that does not pass the scheme on).

CSRF: every POST, PUT, PATCH and DELETE must carry the session's CSRF token, in the form
field ``csrf_token`` or (HTMX requests) the header ``X-CSRF-Token``; the base layout puts
both in every page. The login form, which has no session yet, uses a double-submit
token: a random cookie ``follicle_login_csrf`` that the form must repeat.

Headers: a Content-Security-Policy that allows only the application's own scripts,
styles and images (no inline script: htmx is served from ``/static``), framing denied,
no MIME sniffing, no referrer, and ``Cache-Control: no-store`` on every page (they show
patients' data) — only ``/static/`` may be cached.
"""

from __future__ import annotations

import hmac
import logging
import secrets
import traceback
from collections.abc import Callable, Mapping

from starlette.middleware.body_limit import MAX_BODY_SIZE_SCOPE_KEY
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

SESSION_COOKIE = "follicle_session"
LOGIN_CSRF_COOKIE = "follicle_login_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})

#: The largest request body any page or API route reads, in bytes, counted as it arrives
#: (413 beyond it). Starlette and FastAPI set none: a form or JSON body is read whole
#: before the route's sign-in check runs, so without a bound anyone could make a process
#: hold (or spool to disk) gigabytes. A record, a checklist or a review is a few KiB.
MAX_BODY_BYTES = 1024 * 1024
#: The workbook upload of the import page (admins only; they are signed in before the
#: form is read): 100,000 women's CSV files are about 42 MiB. Larger registries import
#: from the command line (``follicle import``).
MAX_UPLOAD_BYTES = 256 * 1024 * 1024

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)

SECURITY_HEADERS: dict[str, str] = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
}


def is_secure(request: Request, *, force: bool) -> bool:
    """Whether cookies set in answer to ``request`` must be marked ``Secure``."""
    return force or request.url.scheme == "https"


def set_cookie(
    response: Response, request: Request, name: str, value: str, *, force_secure: bool
) -> None:
    """Set an HttpOnly, SameSite=Strict session-scoped cookie (Secure over HTTPS)."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=is_secure(request, force=force_secure),
        path="/",
    )


def clear_cookie(response: Response, request: Request, name: str, *, force_secure: bool) -> None:
    """Tell the browser to forget cookie ``name``."""
    response.delete_cookie(
        name,
        path="/",
        httponly=True,
        samesite="strict",
        secure=is_secure(request, force=force_secure),
    )


def new_token() -> str:
    """A random URL-safe token (256 bits)."""
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, request: Request, form: Mapping[str, object]) -> bool:
    """Whether the request repeats the CSRF token ``expected`` (field or HTMX header)."""
    if not expected:
        return False
    given = request.headers.get(CSRF_HEADER) or form.get(CSRF_FIELD)
    if not isinstance(given, str) or not given:
        return False
    return hmac.compare_digest(given.encode(), expected.encode())


#: The page of an unexpected error: no detail of what failed (that goes to the log).
SERVER_ERROR_PAGE = (
    b"<!doctype html><html lang=en><meta charset=utf-8><title>Server error</title>"
    b"<h1>Something went wrong on the server</h1><p>Nothing was saved by this request. "
    b"Please go back and try again; if it happens again, tell the registry's administrator "
    b"the time it happened.</p></html>"
)

_log = logging.getLogger("follicle.web")


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` and ``no-store`` to every response.

    An exception that no handler turned into an answer also gets its answer here — a 500
    with the same headers — rather than from Starlette's outermost error middleware, which
    sits outside this one and would send a bare "Internal Server Error" without them. The
    log gets the exception's type and where it was raised, never its message or the URL,
    which may hold a study ID. Nor does the exception itself go on to the server, which
    would log its message and traceback: once the whole answer is out (the JSON API's own
    500, which Starlette raises again after sending it) it stops here; after half an answer
    a bare exception is raised in its place, so that the server drops the connection.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = str(scope.get("path", "")).startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.decode().lower() for k, _ in headers}
                extra = dict(SECURITY_HEADERS)
                if not static:
                    extra["cache-control"] = "no-store"
                headers.extend(
                    (k.encode(), v.encode()) for k, v in extra.items() if k not in present
                )
                message["headers"] = headers
            await send(message)

        started = finished = False

        async def send_tracked(message: Message) -> None:
            nonlocal started, finished
            if message["type"] == "http.response.start":
                started = True
            elif message["type"] == "http.response.body" and not message.get("more_body"):
                finished = True
            await send_with_headers(message)

        try:
            await self.app(scope, receive, send_tracked)
        except Exception as exc:  # noqa: BLE001 - the last boundary: every error gets a page
            frames = traceback.extract_tb(exc.__traceback__)
            where = ", ".join(f"{f.filename.rsplit('/', 1)[-1]}:{f.lineno}" for f in frames[-4:])
            route = getattr(scope.get("route"), "path", "?")
            _log.error(
                "unhandled %s in %s %s (at %s)", type(exc).__name__, scope["method"], route, where
            )
            if finished:
                return  # answered already (the API's problem): the line above is the log
            if started:
                # Half an answer is out: the server can only drop the connection. Not with
                # this exception, whose message (SQL parameters: a woman's data) and cause
                # the server would write to its log.
                raise RuntimeError(
                    f"unhandled {type(exc).__name__} after the answer began"
                ) from None
            await send_with_headers(
                {
                    "type": "http.response.start",
                    "status": 500,
                    "headers": [(b"content-type", b"text/html; charset=utf-8")],
                }
            )
            await send_with_headers({"type": "http.response.body", "body": SERVER_ERROR_PAGE})


class TooLargeAnswer:
    """Starlette's answer to a body past a route's bound, replaced by ``answer``.

    Starlette's bound (``max_body_size`` on the routes) stops reading at the bound and
    answers 413 in plain text itself, past the application's exception handlers. This ASGI
    wrapper replaces that one answer (a 413 in plain text; a 413 the application wrote
    itself is left alone) with ``answer(request, limit)``: the pages' error page, the API's
    problem document. ``limit`` is the route's bound in bytes (``None``: not known), still
    in the scope while Starlette answers. Added inside :class:`SecurityHeaders`, the
    replacement gets the headers too.
    """

    def __init__(self, app: ASGIApp, answer: Callable[[Request, int | None], Response]) -> None:
        self.app = app
        self.answer = answer

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replaced = False

        async def send_answer(message: Message) -> None:
            nonlocal replaced
            if message["type"] == "http.response.start" and _is_plain_413(message):
                replaced = True
                limit = scope.get(MAX_BODY_SIZE_SCOPE_KEY)
                response = self.answer(Request(scope), limit if isinstance(limit, int) else None)
                await response(scope, receive, send)
            elif not replaced:  # the plain answer's body is dropped
                await send(message)

        await self.app(scope, receive, send_answer)


def _is_plain_413(message: Message) -> bool:
    if message["status"] != 413:
        return False
    for name, value in message.get("headers", []):
        if name.lower() == b"content-type":
            return bool(value.startswith(b"text/plain"))
    return False
