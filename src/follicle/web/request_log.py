"""One log line per request: method, route, status, duration, user id — nothing else.

The line names the **route template** (``/participants/{participant_id}/checklist``), never
the path as requested: paths carry study IDs, and query strings carry searched names. The
user is her account's number (``user=7``; ``user=-`` when no one is signed in), not her user
name. A request that matched no route is logged as ``(unmatched)`` and static files as
``/static``. Lines go to the ``follicle.web.requests`` logger at INFO, for example::

    GET /worklist 200 23.4ms user=3
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
    """The template of the route that answered (never the requested path)."""
    path = str(scope.get("path", ""))
    if path.startswith("/static/"):
        return "/static"
    route = scope.get("route")
    template = getattr(route, "path", None)
    return template if isinstance(template, str) else "(unmatched)"


def user_of(scope: Scope) -> str:
    """The signed-in user's account number, or ``-``."""
    auth = scope.get("state", {}).get("auth")
    user = getattr(auth, "user", None)
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
