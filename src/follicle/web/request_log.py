"""One log line per request: method, route, status, duration, user id — nothing else.

The line names the **route template** (``/participants/{participant_id}/checklist``), never
the path as requested: paths carry study IDs, and query strings carry searched names. The
user is her account's number (``user=7``; ``user=-`` when no one is signed in), whether she
signed in on the pages or sent an API token, not her user name. A request that matched no
route is logged as ``(unmatched)`` and static files as ``/static``; the API's routes carry
its prefix. Lines go to the ``follicle.web.requests`` logger at INFO, for example::

    GET /worklist 200 23.4ms user=3
    GET /api/v1/worklist 200 31.0ms user=5
    POST /participants/{participant_id}/checklist 303 81.0ms user=3

``follicle serve`` writes them to standard error; a deployment may route that logger
anywhere (:mod:`logging`).
"""

from __future__ import annotations

import logging
import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

#: The logger of the request lines.
logger = logging.getLogger("follicle.web.requests")


def route_of(scope: Scope) -> str:
    """The template of the route that answered (never the requested path), under the
    prefix of the application it is mounted in (``/api/v1/worklist``)."""
    path = str(scope.get("path", ""))
    if path.startswith("/static/"):
        return "/static"
    route = scope.get("route")
    template = getattr(route, "path", None)
    if not isinstance(template, str):
        return "(unmatched)"
    # A mount adds its path to root_path; app_root_path keeps the server's own.
    root = str(scope.get("root_path", ""))
    server = str(scope.get("app_root_path", root))
    return (root[len(server) :] if root.startswith(server) else "") + template


#: Where an API request's token user is noted for the log (a session's is ``auth``).
TOKEN_USER = "token_user"


def user_of(scope: Scope) -> str:
    """The signed-in user's account number (by session or by token), or ``-``."""
    state = scope.get("state", {})
    user = getattr(state.get("auth"), "user", None) or state.get(TOKEN_USER)
    return str(user.id) if user is not None else "-"


class RequestLog:
    """ASGI middleware writing one line per HTTP request to :data:`logger`."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500  # what the server answers if the application raises

        async def send_and_note(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            elapsed = (time.perf_counter() - start) * 1000
            logger.info(
                "%s %s %d %.1fms user=%s",
                scope.get("method", "?"),
                route_of(scope),
                status,
                elapsed,
                user_of(scope),
            )
