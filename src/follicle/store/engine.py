"""Connecting to the registry database and bringing its schema up to date.

The registry is one database URL, ``FOLLICLE_DATABASE_URL``: SQLite for a single
workstation (the default, ``follicle.db`` in the current folder) or PostgreSQL for a
shared server. Everything else in :mod:`follicle.store` is written once for both; the
differences live here:

* **SQLite** gets ``PRAGMA foreign_keys=ON`` (off by default in SQLite, and the registry
  relies on its references) and the WAL journal (readers do not block the importer) on
  every new connection; a new file is made with 16 KiB pages. SQLAlchemy also takes over
  ``BEGIN`` from Python's ``sqlite3`` module, whose legacy mode only opens a transaction
  at the first write: an import reads the registry, compares and then writes, and those
  reads must be inside the same transaction for the all-or-nothing promise to hold.
* **PostgreSQL** is reached through psycopg 3; plain ``postgresql://`` (and
  ``postgres://``) URLs are rewritten to ``postgresql+psycopg://``.

The schema is Alembic's (:mod:`follicle.store.migrations`), run from code: no
``alembic.ini`` is needed on disk. A URL is only ever shown with its password masked
(:func:`display_url`).
"""

from __future__ import annotations

import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from importlib.resources import files
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import URL, Connection, Engine, create_engine, event, make_url, text
from sqlalchemy.exc import ArgumentError, DisconnectionError
from sqlalchemy.pool import NullPool

from follicle.errors import FollicleError, NotFound
from follicle.store import writer_queue

#: Bytes per page of a new SQLite registry (see :func:`_configure_sqlite`).
SQLITE_PAGE_SIZE = 16_384

#: The environment variable naming the registry database.
DATABASE_URL_ENV = "FOLLICLE_DATABASE_URL"

#: The registry's file name when no URL is configured (in the current folder).
DEFAULT_SQLITE_FILE = "follicle.db"

#: Any constant will do: it only has to be the same for every follicle process, so that
#: two processes migrating one PostgreSQL database at once take turns.
_MIGRATION_LOCK_ID = 0x0F011C1E


def database_url() -> str:
    """The registry's URL: ``FOLLICLE_DATABASE_URL``, else ``follicle.db`` here (SQLite).

    The default is made absolute (``sqlite:////abs/path/follicle.db``) so that messages
    say exactly which file was used.
    """
    configured = os.environ.get(DATABASE_URL_ENV, "").strip()
    if configured:
        return configured
    return f"sqlite:///{Path.cwd() / DEFAULT_SQLITE_FILE}"


class UnsupportedDatabase(FollicleError):
    """A registry URL that names no database follicle keeps a registry in."""

    code = "unsupported_database"


def normalise_url(url: str | URL) -> URL:
    """``url`` with PostgreSQL URLs pointed at the psycopg 3 driver.

    ``postgresql://`` would otherwise select psycopg2, which follicle does not install.

    Raises
    ------
    UnsupportedDatabase
        Not a database URL, or one of a database other than SQLite and PostgreSQL.
    """
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise UnsupportedDatabase(
            "FOLLICLE_DATABASE_URL is not a database URL: sqlite:///path/to/registry.db or "
            "postgresql://user:password@host/database"
        ) from None
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    if parsed.get_backend_name() not in ("sqlite", "postgresql"):
        # The password stays out of the message.
        raise UnsupportedDatabase(
            f"the registry is SQLite or PostgreSQL, not {parsed.get_backend_name()} "
            f"({parsed.render_as_string(hide_password=True)})"
        )
    return parsed


@contextmanager
def scratch_schema(url: str | URL, prefix: str = "scratch") -> Iterator[str]:
    """A URL of the PostgreSQL database ``url`` whose connections work in a new, empty
    schema (through their ``search_path``); the schema is dropped with everything in it at
    the end. For tests and benchmarks that need a registry of their own in a shared
    database."""
    base = normalise_url(url)
    schema = f"{prefix}_{uuid.uuid4().hex[:16]}"
    admin = create_engine(base, poolclass=NullPool)
    try:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'CREATE SCHEMA "{schema}"')
        scratch = base.update_query_dict({"options": f"-csearch_path={schema}"})
        yield scratch.render_as_string(hide_password=False)
    finally:
        with admin.begin() as connection:
            connection.exec_driver_sql(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE')
        admin.dispose()


def display_url(url: str | URL | Engine) -> str:
    """The URL as it may be shown to a person or written to a log: password masked."""
    if isinstance(url, Engine):
        url = url.url
    return make_url(url).render_as_string(hide_password=True)


def make_engine(url: str | URL | None = None, **kwargs: Any) -> Engine:
    """A SQLAlchemy engine for the registry at ``url`` (default: :func:`database_url`).

    Parameters
    ----------
    url
        A database URL; ``sqlite:///path`` or ``postgresql[+psycopg]://…``.
    **kwargs
        Passed on to :func:`sqlalchemy.create_engine` (e.g. ``echo=True``).

    Returns
    -------
    Engine
        An engine whose connections enforce foreign keys on SQLite too. The schema is not
        touched: call :func:`ensure_schema` before the first use of a new database.
    """
    parsed = normalise_url(url if url is not None else database_url())
    engine = create_engine(parsed, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    elif not kwargs.get("pool_pre_ping") and not isinstance(engine.pool, NullPool):
        _ping_idle_connections(engine)
    return engine


#: Seconds a pooled PostgreSQL connection may rest before it is checked again before use.
IDLE_PING_SECONDS = 1.0

_IDLE_SINCE = "follicle_idle_since"


def _ping_idle_connections(engine: Engine) -> None:
    """Check a pooled connection with a round trip before use, if it rested a while.

    SQLAlchemy's ``pool_pre_ping`` checks every connection at every checkout. Under load a
    connection goes back to the pool and out again within milliseconds, and its pings are
    three of a checklist save's two dozen round trips, for nothing: a database gone in that
    instant fails the request itself, which answers 503, and SQLAlchemy then replaces every
    connection of the pool. What a ping is for, a connection left idle while the database
    restarted, is still caught: after :data:`IDLE_PING_SECONDS` at rest. A failed ping
    raises ``DisconnectionError``, on which the pool discards the connection and takes
    another (its documented way: :meth:`~sqlalchemy.events.PoolEvents.checkout`).
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info[_IDLE_SINCE] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.pop(_IDLE_SINCE, None)
        if since is None or time.monotonic() - since < IDLE_PING_SECONDS:
            return  # new, or back in the pool a moment ago
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the connection did not answer a ping") from error


def _configure_sqlite(engine: Engine) -> None:
    """Foreign keys, WAL and real transactions on every SQLite connection."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Hand transaction control to SQLAlchemy (see the module docstring) …
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        try:
            # … and set the pragmas outside any transaction, where they take effect.
            cursor.execute("PRAGMA foreign_keys=ON")
            # A new file's pages are 16 KiB (SQLite's default is 4 KiB); an existing
            # database keeps its own (in WAL mode the size can no longer change). It must
            # come before the WAL pragma, which writes the file's first page. Why: an
            # import of a million women writes some 3 GB twice (WAL, then checkpoint); at
            # 4 KiB that is millions of pread/pwrite calls, a fifth of the import's CPU.
            cursor.execute(f"PRAGMA page_size={SQLITE_PAGE_SIZE}")
            cursor.execute("PRAGMA journal_mode=WAL")  # in-memory databases say "memory"
        finally:
            cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        connection.exec_driver_sql("BEGIN")

    writer_queue.install(engine)


@contextmanager
def removed_if_failed(url: str | URL) -> Iterator[None]:
    """Run a block that may create the SQLite registry at ``url``; if the block fails and
    the file did not exist before it, remove the file again.

    A command that fails ("nothing was written") must leave nothing behind, not even an
    empty registry that the next command would take for the one meant. The file is
    created here, exclusively, so that it is known to be this block's own; it is removed
    only if it still holds no row (another process that opened it meanwhile and wrote to
    it keeps it). The block must dispose of its engines before it ends. PostgreSQL (a
    database that exists already) and in-memory SQLite are left as they are.
    """
    parsed = normalise_url(url)
    database = parsed.database
    path = (
        Path(database)
        if parsed.get_backend_name() == "sqlite" and database not in (None, "", ":memory:")
        else None
    )
    created: list[Path] = []
    if path is not None and _made_here(path):
        # SQLite's files beside it, and the writers' lock file (writer_queue), that the
        # block may make: only those not there before are ours.
        beside = (Path(f"{path}{end}") for end in ("-wal", "-shm", "-journal", "-writer"))
        created = [path, *(p for p in beside if not os.path.lexists(p))]
    try:
        yield
    except BaseException:
        if created and _holds_no_rows(created[0]):
            for file in created:
                file.unlink(missing_ok=True)
        raise


def _made_here(path: Path) -> bool:
    """Create an empty file at ``path``, exclusively: whether it is this call's own.

    ``False`` when a file was there already (never ours to remove) or none can be made
    there (a missing folder, no permission): SQLite then says what is wrong, in its words.
    """
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644))
    except OSError:
        return False
    return True


def _holds_no_rows(path: Path) -> bool:
    """Whether the SQLite file at ``path`` holds no row beyond its schema's version (an
    empty file counts); ``False`` when it cannot be read."""
    import sqlite3

    try:
        connection = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    except sqlite3.Error:
        return False
    try:
        names = connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' "
            "AND name NOT LIKE 'sqlite_%' AND name != 'alembic_version'"
        ).fetchall()
        return not any(
            connection.execute(f'SELECT 1 FROM "{name}" LIMIT 1').fetchone() for (name,) in names
        )
    except sqlite3.Error:
        return False
    finally:
        connection.close()


def migrations_path() -> Path:
    """The folder of the package's Alembic migrations (``env.py``, ``versions/``)."""
    return Path(str(files("follicle.store") / "migrations"))


def alembic_config(url: str | URL | None = None) -> Config:
    """An Alembic configuration built in code (no ``alembic.ini`` on disk).

    ``url``, when given, is what ``env.py`` connects to when it is not handed a connection
    (as it is by :func:`ensure_schema`); it serves the ``alembic`` command-line tool and
    offline SQL generation.
    """
    config = Config()
    config.set_main_option("script_location", str(migrations_path()))
    if url is not None:
        # ConfigParser interpolates "%": escape it (URL-encoded passwords contain it).
        rendered = normalise_url(url).render_as_string(hide_password=False)
        config.set_main_option("sqlalchemy.url", rendered.replace("%", "%%"))
    return config


def ensure_schema(engine: Engine) -> None:
    """Migrate the registry at ``engine`` to the newest schema (Alembic ``upgrade head``).

    Safe to call before every command: on an up-to-date database it only reads the
    version table. Runs in one transaction, so a failed migration leaves the database as
    it was (SQLite and PostgreSQL both have transactional DDL). On PostgreSQL an advisory
    lock makes concurrent callers wait for each other instead of racing.
    """
    config = alembic_config()
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(
                text("SELECT pg_advisory_xact_lock(:id)"), {"id": _MIGRATION_LOCK_ID}
            )
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def schema_revision(engine: Engine) -> str | None:
    """The registry's current Alembic revision, or ``None`` for an empty database."""
    from alembic.runtime.migration import MigrationContext

    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


def open_registry(url: str | URL | None = None) -> Engine:
    """An engine for a registry that must already exist (for reading and exporting).

    Unlike :func:`make_engine` followed by :func:`ensure_schema`, this never creates
    anything: a SQLite file that is not there stays not there, and a database without
    follicle's tables is refused rather than silently read as an empty registry.

    Raises
    ------
    NotFound
        No database file, or a database that holds no follicle registry.
    """
    parsed = normalise_url(url if url is not None else database_url())
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        if not Path(parsed.database).is_file():
            raise NotFound(
                f"there is no registry at {parsed.database}: make one (follicle import "
                "WORKBOOK, or follicle user add NAME --role admin), or set "
                "FOLLICLE_DATABASE_URL to the one you meant"
            )
    engine = make_engine(parsed)
    if schema_revision(engine) is None:
        engine.dispose()
        raise NotFound(f"the database {display_url(parsed)} holds no follicle registry")
    return engine
