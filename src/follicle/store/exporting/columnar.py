"""Reading the registry column-wise: Arrow tables straight from the database driver.

SQLAlchemy (and ``pandas.read_sql`` over it) turns every cell into a Python object on its
way to a frame: at a million women that is tens of millions of objects, gigabytes and most
of a report's time. The ADBC drivers (Apache Arrow's database connectivity) hand back Arrow
columns instead: PostgreSQL's over ``COPY … (FORMAT binary)``, SQLite's from its C API.

Candidates weighed (docs/performance.md has the measurements):

* ``pandas.read_sql(..., dtype_backend="pyarrow")`` still fetches rows of Python objects
  through the DB-API and converts afterwards: no saving in time or memory.
* connectorx reads in parallel on several connections, so the tables would not come from
  one snapshot, and it has no SQLite/PostgreSQL transaction of the caller's.
* DuckDB's SQLite and PostgreSQL scanners are extensions downloaded at run time, which a
  clinic's server cannot be expected to allow.
* ADBC: one connection, one transaction (``REPEATABLE READ`` on PostgreSQL, SQLite's read
  snapshot), Arrow out, wheels for Linux/macOS/Windows.

The drivers open their own connection from the engine's URL. An in-memory SQLite database
cannot be reached that way: :func:`read_arrow` answers ``None`` and the caller reads
through SQLAlchemy as before.

**SQLite only in a process that holds no other connection to the file.** The ADBC driver
brings its own copy of SQLite. SQLite's file locks are POSIX locks, which belong to the
process, and closing any descriptor of a file drops all of the process's locks on it; one
copy of SQLite knows its own connections and copes, two copies do not. Closing the ADBC
connection beside the web application's connections dropped their locks, found itself the
last user of the write-ahead log, checkpointed it and deleted it under them: every later
save went to a deleted file (lost on a crash, unseen by other processes). So SQLite is read
by ADBC only when the caller says the process is alone with the file (``alone``: a
command-line run), and then after closing the engine's pooled connections; otherwise
through SQLAlchemy, like an in-memory database. PostgreSQL is unaffected.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Engine, Select
from sqlalchemy.pool import QueuePool

#: SQLite's driver infers each column's type from its first batch, and refuses a later
#: value of another type (a column whose first 1,024 cells are empty is guessed as
#: integer): one batch per query makes it see the whole column.
_SQLITE_BATCH_ROWS = str(2**30)


def _connect(engine: Engine, alone: bool) -> Any | None:
    """An ADBC DB-API connection to the engine's database, or ``None`` (see the module's
    docstring for SQLite and ``alone``)."""
    url = engine.url
    backend = url.get_backend_name()
    if backend == "sqlite":
        if not url.database or url.database == ":memory:" or url.database.startswith("file:"):
            return None
        if not alone:
            return None
        engine.dispose()  # the pooled connections closed: none of ours is open beside it
        pool = engine.pool
        if not isinstance(pool, QueuePool) or pool.checkedout():
            return None  # one is in use (or the pool cannot say): not alone after all
        import adbc_driver_sqlite.dbapi

        return adbc_driver_sqlite.dbapi.connect(url.database)
    if backend == "postgresql":
        import adbc_driver_postgresql.dbapi

        libpq = url.set(drivername="postgresql").render_as_string(hide_password=False)
        return adbc_driver_postgresql.dbapi.connect(libpq)
    return None


def read_arrow(
    engine: Engine, queries: Mapping[str, Select[Any]], *, alone: bool = False
) -> dict[str, pa.Table] | None:
    """Each query's result as an Arrow table, all read in one transaction; ``None`` when
    the database cannot be read by an ADBC driver (the caller falls back to SQLAlchemy).
    ``alone``: nothing else in this process has an SQLite registry's file open (see the
    module's docstring); without it SQLite is not read here.

    On PostgreSQL the transaction is ``REPEATABLE READ``, so an import running meanwhile is
    seen whole or not at all, as :func:`follicle.store.exporting.exporter.read_registry` promises.
    """
    connection = _connect(engine, alone)
    if connection is None:
        return None
    postgres = engine.dialect.name == "postgresql"
    try:
        cursor = connection.cursor()
        if postgres:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
        else:
            cursor.adbc_statement.set_options(
                **{"adbc.sqlite.query.batch_rows": _SQLITE_BATCH_ROWS}
            )
        tables = {}
        for name, query in queries.items():
            sql = str(query.compile(engine, compile_kwargs={"literal_binds": True}))
            cursor.execute(sql)
            tables[name] = cursor.fetch_arrow_table()
        cursor.close()
        connection.rollback()  # only read
    finally:
        connection.close()
    return tables


def arrow_frame(table: pa.Table, dates: Collection[str] = ()) -> pd.DataFrame:
    """An Arrow table as a frame of Arrow-backed columns (no Python objects per cell).

    ``dates``: columns that hold calendar dates. They become ``datetime64[ns]`` columns,
    cast by Arrow in C (SQLite stores them as ISO text, PostgreSQL's driver gives dates);
    pandas would parse either through a Python object per cell.
    """
    for name in dates:
        i = table.schema.get_field_index(name)
        if i < 0:
            continue
        column = table.column(i)
        if pa.types.is_string(column.type) or pa.types.is_large_string(column.type):
            column = pc.cast(column, pa.date32())
        if pa.types.is_date(column.type):
            table = table.set_column(i, name, pc.cast(column, pa.timestamp("ns")))
    return table.to_pandas(types_mapper=_arrow_backed)


def _arrow_backed(kind: pa.DataType) -> pd.ArrowDtype | None:
    """Every column Arrow-backed but timestamps, which pandas takes as ``datetime64``."""
    return None if pa.types.is_timestamp(kind) else pd.ArrowDtype(kind)
