"""Connecting: URLs, SQLite pragmas and transactions, migrating from code."""

from __future__ import annotations

import sqlite3
from datetime import date
from importlib.resources import files
from pathlib import Path

import pytest
from sqlalchemy import insert, text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from follicle.store import engine as engine_module
from follicle.store.engine import (
    DATABASE_URL_ENV,
    SQLITE_PAGE_SIZE,
    alembic_config,
    database_url,
    display_url,
    ensure_schema,
    make_engine,
    migrations_path,
    normalise_url,
    removed_if_failed,
    schema_revision,
)
from follicle.store.tables import WORKBOOK_TABLES
from testdb import postgres_url


def test_database_url_defaults_to_follicle_db_here(monkeypatch, tmp_path):
    monkeypatch.delenv(DATABASE_URL_ENV, raising=False)
    monkeypatch.chdir(tmp_path)
    assert database_url() == f"sqlite:///{tmp_path / 'follicle.db'}"


def test_database_url_from_the_environment(monkeypatch):
    monkeypatch.setenv(DATABASE_URL_ENV, "postgresql://u:p@db/registry")
    assert database_url() == "postgresql://u:p@db/registry"


@pytest.mark.parametrize(
    ("given", "driver"),
    [
        ("postgresql://u:p@h/db", "postgresql+psycopg"),
        ("postgres://u:p@h/db", "postgresql+psycopg"),
        ("postgresql+psycopg://u:p@h/db", "postgresql+psycopg"),
        ("sqlite:///x.db", "sqlite"),
    ],
)
def test_postgresql_urls_use_psycopg_3(given, driver):
    assert normalise_url(given).drivername == driver


def test_passwords_are_masked_wherever_a_url_is_shown():
    shown = display_url("postgresql://follicle:s3cret@db.example/registry")
    assert "s3cret" not in shown
    assert shown == "postgresql://follicle:***@db.example/registry"
    engine = make_engine("postgresql://follicle:s3cret@db.example/registry")
    assert "s3cret" not in display_url(engine)
    engine.dispose()


def test_sqlite_connections_enforce_foreign_keys_and_use_wal(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    for _ in range(2):  # every connection, not just the first
        with engine.connect() as connection:
            assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        engine.dispose()


def test_a_new_sqlite_registry_has_large_pages_and_an_old_one_keeps_its_own(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'new.db'}")
    ensure_schema(engine)
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA page_size").scalar() == SQLITE_PAGE_SIZE
    engine.dispose()

    old = tmp_path / "old.db"
    with sqlite3.connect(old) as made:  # a registry made before the larger pages
        made.execute("PRAGMA page_size=4096")
        made.execute("PRAGMA journal_mode=WAL")
        made.execute("CREATE TABLE t (x)")
    made.close()
    engine = make_engine(f"sqlite:///{old}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA page_size").scalar() == 4096
        assert connection.exec_driver_sql("SELECT count(*) FROM t").scalar() == 0
    engine.dispose()


def test_sqlite_transactions_begin_at_the_first_read(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    with engine.begin() as connection:
        connection.execute(text("SELECT 1"))
        assert connection.connection.dbapi_connection.in_transaction
    engine.dispose()


def test_foreign_keys_are_enforced(engine):
    injections = WORKBOOK_TABLES["injections"]
    with pytest.raises(IntegrityError), engine.begin() as connection:
        connection.execute(
            insert(injections),
            {"participant_id": "nobody", "injection_date": date(2020, 1, 1)},
        )


def test_ensure_schema_is_idempotent(db_url):
    engine = make_engine(db_url)
    assert schema_revision(engine) is None
    ensure_schema(engine)
    ensure_schema(engine)
    # The head is the last migration file's number: each adds one, in order.
    last = sorted(p.name for p in (migrations_path() / "versions").glob("0*.py"))[-1]
    assert schema_revision(engine) == last[:4]
    engine.dispose()


def test_alembic_needs_no_ini_file():
    config = alembic_config()
    assert config.config_file_name is None
    location = Path(config.get_main_option("script_location"))
    assert location == migrations_path()
    assert (location / "env.py").is_file()
    assert (location / "script.py.mako").is_file()
    assert (location / "versions" / "0001_initial.py").is_file()


def test_alembic_config_escapes_percent_signs_in_urls():
    config = alembic_config("postgresql://u:p%40ss@h/db")
    assert config.get_main_option("sqlalchemy.url") == "postgresql+psycopg://u:p%40ss@h/db"


def test_migrations_are_package_data():
    package = files("follicle.store.migrations")
    assert package.joinpath("env.py").is_file()
    assert package.joinpath("script.py.mako").is_file()
    assert files("follicle.store.migrations.versions").joinpath("0001_initial.py").is_file()


@pytest.mark.postgres
def test_a_pooled_postgresql_connection_is_pinged_only_after_a_rest(monkeypatch):
    engine = make_engine(postgres_url())
    pings: list[object] = []
    ping = engine.dialect.do_ping
    monkeypatch.setattr(engine.dialect, "do_ping", lambda c: pings.append(c) or ping(c))
    pid = text("SELECT pg_backend_pid()")
    try:
        with engine.connect() as connection:
            first = connection.execute(pid).scalar_one()
        for _ in range(3):  # back in the pool a moment ago: used as it is, not pinged
            with engine.connect() as connection:
                assert connection.execute(pid).scalar_one() == first
        assert pings == []
        # Its server process ends while it rests (as when the database restarts): the ping
        # finds it dead, the pool hands out a new connection, and the request succeeds.
        with make_engine(postgres_url(), poolclass=NullPool).connect() as other:
            other.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": first})
        monkeypatch.setattr(engine_module, "IDLE_PING_SECONDS", 0.0)
        with engine.connect() as connection:
            second = connection.execute(pid).scalar_one()
        assert len(pings) == 1
        assert second != first
    finally:
        engine.dispose()


def _migrate_then_fail(url: str) -> None:
    engine = make_engine(url)
    try:
        ensure_schema(engine)
        with engine.begin() as connection:  # the writers' queue makes its lock file
            connection.execute(text("SELECT 1"))
        raise RuntimeError("the import was refused")
    finally:
        engine.dispose()


def test_a_failed_block_removes_the_registry_file_it_created(tmp_path):
    path = tmp_path / "new.db"
    with pytest.raises(RuntimeError), removed_if_failed(f"sqlite:///{path}"):
        _migrate_then_fail(f"sqlite:///{path}")
    assert list(tmp_path.iterdir()) == []  # nor its -wal, -shm and -writer files


def test_a_failed_block_keeps_a_registry_file_that_was_there(tmp_path):
    path = tmp_path / "old.db"
    path.touch()  # even an empty one: not this block's to remove
    with pytest.raises(RuntimeError), removed_if_failed(f"sqlite:///{path}"):
        _migrate_then_fail(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    assert schema_revision(engine) is not None
    engine.dispose()


_WOMAN = {
    "participant_id": "P1",
    "site": "North",
    "birth_date": date(1980, 1, 1),
    "menses_baseline": "regular",
}


def test_a_failed_block_keeps_a_new_file_that_another_process_wrote_to(tmp_path):
    path = tmp_path / "new.db"
    url = f"sqlite:///{path}"

    def write_then_fail() -> None:
        engine = make_engine(url)
        ensure_schema(engine)
        with engine.begin() as connection:  # as another command would, meanwhile
            connection.execute(insert(WORKBOOK_TABLES["participants"]), _WOMAN)
        engine.dispose()
        raise RuntimeError("this command failed; the other one's woman stays")

    with pytest.raises(RuntimeError), removed_if_failed(url):
        write_then_fail()
    assert path.is_file()


def test_a_block_that_succeeds_keeps_its_new_registry(tmp_path):
    path = tmp_path / "new.db"
    with removed_if_failed(f"sqlite:///{path}"):
        engine = make_engine(f"sqlite:///{path}")
        ensure_schema(engine)
        engine.dispose()
    assert path.is_file()
