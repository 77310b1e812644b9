"""Inserting many rows past SQLAlchemy's per-row work: the import's workbook rows and the
audit entries of a batch."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import chain
from typing import Any

from sqlalchemy import Connection, Table

#: The values one SQLite statement may bind: the least any SQLite allows (999 before 3.32).
SQLITE_VARIABLES = 999


class BulkInsert:
    """An insert whose rows go to the driver as plain tuples, past SQLAlchemy's per-row work.

    ``executemany`` through a Core ``insert`` turns every row into a dict and runs each
    value through its type's bind processor; at a million women that is most of an
    import. Here the columns are converted once, with numpy (dates as ISO text, which
    SQLAlchemy's SQLite ``Date`` stores and PostgreSQL casts; unknown values as ``None``),
    and sent as tuples: ``COPY … FROM STDIN`` on PostgreSQL; on SQLite ``executemany`` of
    an insert of many rows at once (:data:`SQLITE_VARIABLES` values a statement), since
    each statement run has its cost apart from its rows: in a table with
    ``AUTOINCREMENT`` (the keyless ones) every run also writes ``sqlite_sequence``. One row
    a statement cost a million-woman import about 5 s more.
    """

    def __init__(self, table: Table, columns: Sequence[str]) -> None:
        self.table = table
        self.columns = tuple(columns)

    def run(self, connection: Connection, rows: Sequence[tuple[Any, ...]]) -> None:
        """Insert ``rows`` (tuples in the order of ``columns``) on ``connection``."""
        quote = connection.dialect.identifier_preparer
        table = quote.format_table(self.table)
        names = ", ".join(quote.quote(c) for c in self.columns)
        if connection.dialect.name == "postgresql":
            cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
            with cursor, cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        mark = "?" if connection.dialect.paramstyle == "qmark" else "%s"
        one = "(" + ", ".join([mark] * len(self.columns)) + ")"
        per = max(1, SQLITE_VARIABLES // len(self.columns))
        whole = len(rows) // per * per
        if whole:  # the rows keep their order, and so their row numbers
            many = f"INSERT INTO {table} ({names}) VALUES " + ", ".join([one] * per)
            flat = [tuple(chain.from_iterable(rows[i : i + per])) for i in range(0, whole, per)]
            connection.exec_driver_sql(many, flat)
        if whole < len(rows):
            connection.exec_driver_sql(
                f"INSERT INTO {table} ({names}) VALUES {one}", list(rows[whole:])
            )

    def __repr__(self) -> str:
        return f"BulkInsert({self.table.name})"
