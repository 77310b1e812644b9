"""Inserting many rows past SQLAlchemy's per-row work: the import's workbook rows and the
audit entries of a batch."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table


class BulkInsert:
    """An insert whose rows go to the driver as plain tuples, past SQLAlchemy's per-row work.

    ``executemany`` through a Core ``insert`` turns every row into a dict and runs each
    value through its type's bind processor; at a million women that is most of an
    import. Here the columns are converted once, with numpy (dates as ISO text, which
    SQLAlchemy's SQLite ``Date`` stores and PostgreSQL casts; unknown values as ``None``),
    and sent as tuples: ``executemany`` on SQLite, ``COPY … FROM STDIN`` on PostgreSQL.
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
        marks = ", ".join(
            ["?" if connection.dialect.paramstyle == "qmark" else "%s"] * len(self.columns)
        )
        connection.exec_driver_sql(f"INSERT INTO {table} ({names}) VALUES ({marks})", list(rows))

    def __repr__(self) -> str:
        return f"BulkInsert({self.table.name})"
