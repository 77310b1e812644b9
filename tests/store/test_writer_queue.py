"""SQLite writers queue on a file lock beside the database (store.writer_queue)."""

from __future__ import annotations

import fcntl
import os
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

from follicle.store import writer_queue
from follicle.store.audit_log.chain import lock_chain
from follicle.store.engine import ensure_schema, make_engine
from follicle.store.tables import sites


@pytest.fixture
def registry(tmp_path: Path):
    engine = make_engine(f"sqlite:///{tmp_path / 'registry.db'}")
    ensure_schema(engine)
    yield engine, tmp_path / "registry.db-writer"
    engine.dispose()


def _held_elsewhere(path: Path) -> bool:
    """Whether another open file description holds the lock (flock is per description)."""
    descriptor = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    else:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        return False
    finally:
        os.close(descriptor)


def _add_site(connection, code: str) -> None:
    connection.execute(sites.insert().values(code=code, name=code))


def _locked_then_failing(engine) -> None:
    with engine.begin() as connection:
        lock_chain(connection)
        raise RuntimeError("rolled back")


def test_the_turn_is_held_for_the_transaction_and_let_go_at_its_end(registry) -> None:
    engine, lock = registry
    with engine.begin() as connection:
        lock_chain(connection)
        lock_chain(connection)  # a second ask in the same transaction is a no-op
        assert _held_elsewhere(lock)
        _add_site(connection, "N")
    assert not _held_elsewhere(lock)
    with pytest.raises(RuntimeError):
        _locked_then_failing(engine)
    assert not _held_elsewhere(lock)
    with engine.connect() as connection:  # a transaction closed without commit or rollback
        connection.begin()
        lock_chain(connection)
    assert not _held_elsewhere(lock)
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(sites)).scalar_one() == 1


def test_a_waiting_writer_goes_as_soon_as_the_other_commits(registry) -> None:
    engine, _ = registry
    holding, done = threading.Event(), threading.Event()
    waited: list[float] = []

    def first() -> None:
        with engine.begin() as connection:
            lock_chain(connection)
            _add_site(connection, "A")
            holding.set()
            time.sleep(0.3)

    def second() -> None:
        holding.wait(5)
        start = time.monotonic()
        with engine.begin() as connection:
            lock_chain(connection)
            _add_site(connection, "B")
        waited.append(time.monotonic() - start)
        done.set()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert done.is_set()
    assert 0.2 < waited[0] < 2.0  # it waited for the first, not for a busy timeout
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(sites)).scalar_one() == 2


def test_a_queue_held_too_long_leaves_the_turn_to_sqlite_s_own_lock(registry) -> None:
    engine, lock = registry
    # Someone holds the queue's file but not SQLite's lock (a stuck process): after the
    # connection's busy timeout the writer goes on, guarded by SQLite's lock alone.
    stuck = os.open(lock, os.O_RDWR | os.O_CREAT)
    fcntl.flock(stuck, fcntl.LOCK_EX)
    try:
        with engine.begin() as connection:
            connection.execute(text("PRAGMA busy_timeout=200"))
            start = time.monotonic()
            lock_chain(connection)
            _add_site(connection, "S")
        assert 0.15 < time.monotonic() - start < 5
    finally:
        fcntl.flock(stuck, fcntl.LOCK_UN)
        os.close(stuck)


def test_a_database_in_memory_has_no_queue() -> None:
    assert writer_queue.lock_path(":memory:") is None
    assert writer_queue.lock_path("") is None
    assert writer_queue.lock_path("/data/registry.db") == "/data/registry.db-writer"
    engine = make_engine("sqlite://")
    with engine.begin() as connection:
        writer_queue.take(connection)
        assert not any(str(key).startswith("follicle_writer") for key in connection.info)
    engine.dispose()
