"""SQLite writers of several processes queue on a file lock, not on SQLite's busy sleeps.

SQLite lets one writer in at a time. A connection that finds the database locked waits in
SQLite's busy handler, which sleeps 1, 2, 5, 10 … up to 100 ms between tries: with two web
workers saving at once, the one that waits wakes long after the other committed, and the
registry's single writer sits idle in between (two workers gave a third more saves per
second than one; the processes used 1.2 of the two cores).

So :func:`follicle.store.audit_log.chain.lock_chain` first takes an exclusive ``flock`` on a file
beside the database (``<database>-writer``), tried every :data:`POLL_SECONDS` (the kernel
answers in microseconds), and only then SQLite's own write lock, which now is free or
about to be. The file lock is let go when the transaction ends (commit or rollback) and,
should that be missed, when the connection goes back to the pool or is closed; a process
that dies lets it go with its descriptors. It only orders writers: SQLite's lock still
guards the data, so a process that does not take the file lock (the ``sqlite3`` shell, an
older follicle) is as safe as before, only not queued. Waiting is bounded by the
connection's busy timeout, after which SQLite's own wait (and its "database is locked")
takes over, as without the queue.
"""

from __future__ import annotations

import os
import time
from collections.abc import MutableMapping
from typing import Any

from sqlalchemy import Connection, Engine, event

try:
    import fcntl
except ImportError:  # Windows: no flock; SQLite's own lock alone, as before the queue
    fcntl = None  # type: ignore[assignment]

#: Seconds between two tries of the file lock while another process holds it.
POLL_SECONDS = 0.0003
#: Where a connection keeps the descriptor of the file lock it holds (its ``info``).
_HELD = "follicle_writer_lock"
#: Where a connection keeps its busy timeout, in seconds, read once.
_BUSY = "follicle_busy_seconds"


def lock_path(database: str) -> str | None:
    """The queue's lock file of the SQLite database file ``database`` (``None`` in memory)."""
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return f"{database}-writer"


def take(connection: Connection) -> None:
    """Queue for the write turn of ``connection``'s SQLite file (no-op if held already).

    Returns once the file lock is held, or once the busy timeout has passed (SQLite's own
    lock decides then), or at once if the lock file cannot be opened.
    """
    info = connection.info
    if _HELD in info or fcntl is None:
        return
    path = lock_path(connection.engine.url.database or "")
    if path is None:
        return
    try:
        descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError:  # a read-only folder: SQLite's own lock alone
        return
    deadline = time.monotonic() + _busy_seconds(connection)
    while True:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if time.monotonic() >= deadline:
                os.close(descriptor)
                return
            time.sleep(POLL_SECONDS)
            continue
        info[_HELD] = descriptor
        return


def release(info: MutableMapping[Any, Any]) -> None:
    """Let the file lock go, if the connection whose ``info`` this is holds it."""
    descriptor = info.pop(_HELD, None)
    if descriptor is not None and fcntl is not None:
        try:
            fcntl.flock(descriptor, fcntl.LOCK_UN)
        finally:
            os.close(descriptor)


def _busy_seconds(connection: Connection) -> float:
    info = connection.info
    if _BUSY not in info:
        raw = connection.connection.driver_connection
        assert raw is not None
        info[_BUSY] = raw.execute("PRAGMA busy_timeout").fetchone()[0] / 1000
    seconds: float = info[_BUSY]
    return seconds


def install(engine: Engine) -> None:
    """Let go of the file lock wherever a connection of ``engine`` may end its turn."""

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _ended(connection: Connection) -> None:
        release(connection.info)

    @event.listens_for(engine, "checkin")
    @event.listens_for(engine, "invalidate")
    @event.listens_for(engine, "close")
    def _returned(_dbapi_connection: Any, record: Any, *_args: Any) -> None:
        if record is not None:
            release(record.info)
