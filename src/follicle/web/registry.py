"""The registry as the web application uses it: one engine and short transactions.

Every request works in its own transaction, opened and committed inside the route (not in
a dependency, whose exit may run after the response is sent): a save is acknowledged only
after its commit. On SQLite, writes also take a process-wide lock, so concurrent requests
queue for the single writer instead of failing with ``database is locked`` — the same
"one writer" rule datasette follows. Readers never wait (WAL).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass, field
from datetime import date
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, event
from sqlalchemy.exc import SQLAlchemyError

from follicle.store.access.accounts import WriteDue
from follicle.store.audit_log.chain import lock_chain as lock_for_write
from follicle.store.follow_up.worklist import ScheduleCache
from follicle.web.audit_watch import AuditWatch
from follicle.web.settings import WebSettings

_log = logging.getLogger(__name__)
T = TypeVar("T")

#: How long an SQLite connection waits for another process's write lock, in milliseconds.
SQLITE_BUSY_TIMEOUT_MS = 10_000


def tune_sqlite(engine: Engine) -> None:
    """A busy timeout on every new SQLite connection.

    Another process (the CLI importing a workbook) may hold the write lock for a while;
    requests wait for it instead of failing at once. Inside the application writers
    queue on :attr:`Registry._write_lock`, so the timeout only matters across processes.
    """

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        finally:
            cursor.close()


class FairLock:
    """A lock that threads get in the order they asked for it.

    :class:`threading.Lock` lets a thread that comes along as the lock is released take it
    before the waiter woken for it, which then waits again behind everyone: under load
    (50 clients on two processes) about one save in a hundred waited through the queue of
    checks twice, twice the others' latency. Here the holder hands the lock to the first
    waiter directly. The standard library has no such lock; it is the usual queue of one
    private lock per waiter.
    """

    def __init__(self) -> None:
        self._guard = threading.Lock()
        self._waiters: deque[threading.Lock] = deque()
        self._held = False

    def acquire(self) -> None:
        """Wait for the lock, behind every thread that asked before."""
        with self._guard:
            if not self._held:
                self._held = True
                return
            turn = threading.Lock()
            turn.acquire()
            self._waiters.append(turn)
        turn.acquire()  # released by release(), which hands the lock over: _held stays True

    def release(self) -> None:
        """Hand the lock to the first waiter, or let it go if nobody waits."""
        with self._guard:
            if not self._held:
                raise RuntimeError("release of a FairLock that is not held")
            if self._waiters:
                self._waiters.popleft().release()
            else:
                self._held = False

    def locked(self) -> bool:
        """Whether some thread holds the lock."""
        return self._held

    def __enter__(self) -> FairLock:
        self.acquire()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.release()


@dataclass
class Registry:
    """The engine, the settings, the worklist's kept milestones, (SQLite) the writer's lock
    and the audit log's watch (:class:`~follicle.web.audit_watch.AuditWatch`) of one
    application."""

    engine: Engine
    settings: WebSettings
    schedule: ScheduleCache = field(default_factory=ScheduleCache)
    _write_lock: FairLock = field(default_factory=FairLock)
    _check_turn: FairLock = field(default_factory=FairLock)
    audit: AuditWatch = field(default_factory=AuditWatch)

    @property
    def is_sqlite(self) -> bool:
        """Whether the registry is an embedded SQLite file."""
        return self.engine.dialect.name == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A connection in one transaction, for a consistent view of several queries."""
        with self.engine.connect() as connection, connection.begin():
            yield connection

    @contextmanager
    def checking(self) -> Iterator[Connection]:
        """A read transaction for validating a form before its save, one check at a time
        in this process.

        A check is Python at work (pandas over her rows), and the threads of one process
        run Python one at a time. Several checks at once finish no sooner in all; they only
        lengthen every other thread's wait for the interpreter after each database round
        trip, the writer's too, and a writer holds the registry's lock meanwhile
        (PostgreSQL, 50 clients: the writer's half a dozen statements took 13 ms for 1.7 ms
        of its own CPU with the checks free, 3.8 ms with them taking turns; two workers
        went from 46–63 to 68–135 saves per second: docs/performance.md, "Web registry
        under load"). Checks wait for their turn before they take a connection.
        """
        with self._check_turn, self.read() as connection:
            yield connection

    def warm_worklist(self) -> threading.Thread:
        """Fill the worklist's cache in the background, so that its first request is fast.

        The server starts at once: the milestones of every woman (about 3 s at 100,000
        women) are computed on this thread. A worklist request that arrives meanwhile waits
        on the cache's lock and is answered from the same frame, as correct as ever. If the
        warm-up fails, the first request computes the frame itself.
        """

        def warm() -> None:
            try:
                with self.read() as connection:
                    self.schedule.frame(connection, date.today())
            except SQLAlchemyError as error:
                # The class only: a database error's text may quote the rows' values.
                _log.warning("worklist cache not warmed at start: %s", type(error).__name__)

        thread = threading.Thread(target=warm, name="worklist-warm-up", daemon=True)
        thread.start()
        return thread

    @contextmanager
    def writer(self) -> Iterator[None]:
        """The writer's turn, for library calls that open their own transaction (import)."""
        with self._write_lock if self.is_sqlite else nullcontext():
            yield

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A connection in a transaction that commits when the block ends without error.

        The registry's write lock is its first statement (:func:`lock_for_write`): on
        SQLite a transaction that read before asking for it could find the database
        changed by another process and fail instead of waiting.
        """
        with self.writer(), self.engine.begin() as connection:
            lock_for_write(connection)
            yield connection

    def read_first(self, look_up: Callable[[Connection, bool], T]) -> T:
        """``look_up(connection, read_only=True)`` in a read transaction; if it finds a write
        due (:class:`~follicle.store.access.accounts.WriteDue`), ``look_up(connection, False)``
        again in a :meth:`session` transaction.

        For the session and token lookups of every request: they write at most once a
        minute, and a write transaction on SQLite would queue each request behind the one
        writer.
        """
        try:
            with self.read() as connection:
                return look_up(connection, True)
        except WriteDue:
            with self.session() as connection:
                return look_up(connection, False)

    @contextmanager
    def session(self) -> Iterator[Connection]:
        """A transaction for the session lookup of every request (it may touch the row).

        SQLite: the writer's turn, as :meth:`write`. PostgreSQL: a plain transaction (row
        locks suffice; the registry-wide lock would serialise every page view).
        """
        if not self.is_sqlite:
            with self.engine.begin() as connection:
                yield connection
            return
        with self.write() as connection:
            yield connection
