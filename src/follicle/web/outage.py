"""The registry's database out of reach: an answer of 503 with Retry-After, never a 500.

A PostgreSQL server that restarts, fails over or drops its connections makes SQLAlchemy
raise :class:`~sqlalchemy.exc.OperationalError` (or ``InterfaceError``, or a ``DBAPIError``
whose connection was invalidated) in the request that was using it. That is a fault of the
moment, not of the request: the client is told to try again, and the pool's pre-ping
(:func:`follicle.store.engine.make_engine`) replaces the dead connections on the next
checkout, so the server reconnects by itself once the database is back. On SQLite the same
exception means "database is locked" past the busy timeout: also a retry, also a 503.

Every write is one transaction, so a request that failed this way saved nothing — unless
the connection broke after the commit reached the database, which the client cannot tell;
hence the message asks to check before saving again (a checklist sent again with its
``form_token`` saves once).
"""

from __future__ import annotations

import logging

from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

#: Seconds a client should wait before trying again (the ``Retry-After`` header): about
#: what a PostgreSQL restart takes.
RETRY_AFTER_SECONDS = 5

#: What the answer says: no cause (the exception's text can hold SQL parameters).
MESSAGE = (
    "The registry's database cannot be reached just now. Try again in a few seconds; "
    "if you were saving, check whether it was saved before sending it again."
)

logger = logging.getLogger(__name__)


def is_outage(exc: BaseException) -> bool:
    """Whether ``exc`` says the database is out of reach (not that the request is wrong)."""
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    return isinstance(exc, DBAPIError) and bool(exc.connection_invalidated)


def retry_headers() -> dict[str, str]:
    """The headers of a 503: when to try again."""
    return {"Retry-After": str(RETRY_AFTER_SECONDS)}


def log_outage(method: str, path_template: str, exc: BaseException) -> None:
    """One warning line: the exception's type only, and the route's template (no IDs)."""
    logger.warning("database unavailable (%s) on %s %s", type(exc).__name__, method, path_template)
