"""Writing an import's changes: chunked ``executemany`` statements in foreign-key order.

Every workbook row that reaches the registry goes through a :class:`Writer`, which sends it
in bounded chunks (so that memory and statement size stay small) and reports progress after
each; :func:`apply_plan` orders the statements so that every foreign key holds at every
statement.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Table, bindparam, delete, update

from follicle.store.importing.bulk import BulkInsert
from follicle.store.importing.changes import Plan
from follicle.store.tables import ROW_ID, WORKBOOK_TABLES
from follicle.workbook.schema import TABLES

#: A progress callback: ``(rows done, rows in total)``.
Progress = Callable[[int, int], None]

#: Executes one chunk of a write: ``(connection, statement, parameters)``.
Execute = Callable[[Connection, Any, Any], None]


def chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    """``values`` in consecutive slices of at most ``size``."""
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _plain_columns(frame: pd.DataFrame, columns: Sequence[str]) -> list[np.ndarray]:
    """Each column as an object array of plain values for the driver (see BulkInsert)."""
    arrays = []
    for c in columns:
        values = frame[c]
        missing = values.isna().to_numpy(dtype=bool)
        if pd.api.types.is_datetime64_any_dtype(values):
            days = values.to_numpy(dtype="datetime64[D]")
            array = np.datetime_as_string(days, unit="D").astype(object)
        elif pd.api.types.is_bool_dtype(values):
            array = values.fillna(False).to_numpy(dtype=bool).astype(object)
        elif pd.api.types.is_integer_dtype(values):
            array = values.fillna(0).to_numpy(dtype=np.int64).astype(object)
        elif pd.api.types.is_float_dtype(values):
            array = values.fillna(0.0).to_numpy(dtype=float).astype(object)
        else:
            array = values.to_numpy(dtype=object, na_value=None)
        array[missing] = None
        arrays.append(array)
    return arrays


def _records(frame: pd.DataFrame, columns: Sequence[str], prefix: str = "") -> list[dict]:
    """Rows as plain-Python dicts for ``executemany`` (``None`` for unknown, dates as dates)."""
    arrays = []
    for c in columns:
        values = frame[c]
        if pd.api.types.is_datetime64_any_dtype(values):
            array = np.where(values.isna().to_numpy(), None, values.dt.date.to_numpy(dtype=object))
        else:
            array = values.to_numpy(dtype=object, na_value=None)
        arrays.append(array)
    names = [prefix + c for c in columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*arrays, strict=True)]


class Writer:
    """Chunked writes with progress; the one way workbook rows reach the registry.

    Parameters
    ----------
    connection
        The import's connection (its transaction).
    total
        Rows to write in all, for ``progress``.
    progress
        Called as ``progress(done_rows, total_rows)`` at the start and after each chunk.
    rows_per_chunk
        Rows per ``executemany`` call.
    ids_per_chunk
        Values per ``IN (...)`` list of a delete.
    execute
        Executes one chunk (the importer passes its seam for tests that fail midway).
    """

    def __init__(
        self,
        connection: Connection,
        total: int,
        progress: Progress | None,
        *,
        rows_per_chunk: int,
        ids_per_chunk: int,
        execute: Execute,
    ) -> None:
        self.connection = connection
        self.total = total
        self.done = 0
        self.progress = progress
        self.rows_per_chunk = rows_per_chunk
        self.ids_per_chunk = ids_per_chunk
        self.execute = execute
        if progress is not None:
            progress(0, total)

    def many(self, statement: Any, records: list[dict[str, Any]]) -> None:
        """``executemany`` of ``statement`` over ``records``, in chunks."""
        for chunk in chunks(records, self.rows_per_chunk):
            self._step(statement, list(chunk), len(chunk))

    def insert(self, sql: Table, frame: pd.DataFrame, columns: Sequence[str]) -> None:
        """Insert the rows of ``frame`` (its ``columns``) into ``sql``, in chunks."""
        statement = BulkInsert(sql, columns)
        # Plain Python values a slab at a time: for a whole table of millions of rows the
        # object arrays were the import's peak of memory (about a gigabyte at a million
        # women), and a slab of a hundred chunks keeps pandas' cost per call negligible.
        slab = self.rows_per_chunk * 100
        for first in range(0, len(frame), slab):
            arrays = _plain_columns(frame.iloc[first : first + slab], columns)
            for start in range(0, len(arrays[0]) if arrays else 0, self.rows_per_chunk):
                stop = start + self.rows_per_chunk
                rows = list(zip(*(a[start:stop] for a in arrays), strict=True))
                self._step(statement, rows, len(rows))

    def delete(self, sql: Table, column: str, values: Sequence[Any]) -> None:
        """Delete the rows of ``sql`` whose ``column`` is in ``values``, in chunks."""
        stmt = delete(sql).where(sql.c[column].in_(bindparam("values", expanding=True)))
        for chunk in chunks(values, self.ids_per_chunk):
            self._step(stmt, {"values": list(chunk)}, len(chunk))

    def _step(self, statement: Any, parameters: Any, rows: int) -> None:
        self.execute(self.connection, statement, parameters)
        self.done += rows
        if self.progress is not None:
            self.progress(self.done, self.total)


def apply_plan(plan: Plan, writer: Writer) -> None:
    """Deletes of rows without IDs, then parents-first inserts/updates, then keyed deletes.

    The order keeps every foreign key satisfied at every statement: rows without IDs are
    referenced by nothing; new and changed rows only reference rows of the workbook, which
    exist by the time they are written (parents come first); and a keyed row is deleted
    only after everything that referenced it has been deleted or repointed.
    """
    for table in TABLES:
        gone = plan.deletes[table.name]
        if table.key is None and not gone.empty:
            ids = gone[ROW_ID].astype(int).tolist()
            writer.delete(WORKBOOK_TABLES[table.name], ROW_ID, ids)
    for table in TABLES:
        sql = WORKBOOK_TABLES[table.name]
        columns = table.column_names
        added = plan.inserts[table.name]
        if not added.empty:
            writer.insert(sql, added, columns)
        changed = plan.updates[table.name]
        if not changed.empty:
            key = table.key
            assert key is not None
            stmt = (
                update(sql)
                .where(sql.c[key] == bindparam("b_" + key))
                .values({c: bindparam("b_" + c) for c in columns if c != key})
            )
            writer.many(stmt, _records(changed, columns, prefix="b_"))
    for table in reversed(TABLES):
        gone = plan.deletes[table.name]
        if table.key is not None and not gone.empty:
            writer.delete(WORKBOOK_TABLES[table.name], table.key, gone[table.key].tolist())
