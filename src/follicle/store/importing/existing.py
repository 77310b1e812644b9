"""The registry's side of an import: the rows it already holds for the workbook's women.

Each registry row is read with its woman (as :data:`~follicle.store.importing.incoming.OWNER`),
reached through the ``owner`` chain the schema declares, so that both sides of the
comparison are keyed the same way. The reads take a few chunked ``IN (...)`` queries per
table or, when the workbook covers a large part of the registry, one query per table —
never a query per row.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import pandas as pd
from sqlalchemy import ColumnElement, Connection, FromClause, select

from follicle.errors import Problem
from follicle.store.importing.incoming import OWNER, row_problems
from follicle.store.importing.writes import chunks
from follicle.store.tables import ROW_ID, WORKBOOK_TABLES
from follicle.workbook.frames import coerce
from follicle.workbook.keys import isin
from follicle.workbook.schema import TABLES, TABLES_BY_NAME


def _owner_path(name: str) -> tuple[FromClause, ColumnElement[Any]]:
    """The FROM clause joining ``name`` up to its woman, and her participant_id column.

    Infants reach their woman through their pregnancy, infant conditions through the
    infant and then the pregnancy (the chain declared by each schema table's ``owner``).
    """
    sql = WORKBOOK_TABLES[name]
    joined: FromClause = sql
    column, parent = TABLES_BY_NAME[name].owner
    owner: ColumnElement[Any] = sql.c[column]
    while parent not in (name, "participants"):
        parent_sql = WORKBOOK_TABLES[parent]
        parent_key = TABLES_BY_NAME[parent].key
        assert parent_key is not None, parent
        joined = joined.join(parent_sql, owner == parent_sql.c[parent_key])
        name = parent
        column, parent = TABLES_BY_NAME[parent].owner
        owner = parent_sql.c[column]
    return joined, owner


def _fetch(
    connection: Connection,
    name: str,
    columns: Sequence[ColumnElement[Any]],
    values: Sequence[str],
    *,
    by: str | None,
    chunk: int | None,
) -> pd.DataFrame:
    """Rows of ``columns`` of table ``name``, with their woman as ``_owner``, whose column
    ``by`` (``None``: the woman) is in ``values``.

    Either with ``IN (...)`` queries of ``chunk`` values each, or — ``chunk`` is ``None`` —
    by reading the whole table in one query and filtering in pandas, which is much cheaper
    when the workbook covers a large part of the registry (or the registry is empty).
    """
    joined, owner = _owner_path(name)
    filter_by = owner if by is None else WORKBOOK_TABLES[name].c[by]
    base = select(*columns, owner.label(OWNER)).select_from(joined)
    statements = (
        [base] if chunk is None else [base.where(filter_by.in_(c)) for c in chunks(values, chunk)]
    )
    names = [c.key for c in columns] + [OWNER]
    parts = []
    for statement in statements:
        # Plain tuples: pandas probes SQLAlchemy's Row objects slowly.
        rows = [tuple(row) for row in connection.execute(statement)]
        parts.append(pd.DataFrame(rows, columns=names))
    raw = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=names)
    if chunk is None:
        raw = raw[isin(raw[by or OWNER], values)].reset_index(drop=True)
    return raw


def existing_rows(
    connection: Connection, women: Sequence[str], chunk: int | None
) -> dict[str, pd.DataFrame]:
    """Every registry row belonging to ``women``, per table, typed, with ``_owner``.

    ``chunk`` is the number of values per ``IN (...)`` list, or ``None`` to read whole
    tables and filter in pandas. Tables without IDs keep their ``row_id`` (to delete by).
    """
    rows = {}
    for table in TABLES:
        sql = WORKBOOK_TABLES[table.name]
        raw = _fetch(connection, table.name, list(sql.c), women, by=None, chunk=chunk)
        typed = coerce(table, raw)
        typed[OWNER] = raw[OWNER].astype("string")
        if table.key is None:
            typed[ROW_ID] = raw[ROW_ID].astype("Int64")
        rows[table.name] = typed
    return rows


def foreign_ids(
    connection: Connection,
    incoming: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    chunk: int | None,
) -> list[Problem]:
    """IDs of the workbook that the registry holds under another woman.

    IDs do not move between women silently: each is a conflict, with or without update.
    ``chunk`` reads as for :func:`existing_rows`.
    """
    problems: list[Problem] = []
    for table in TABLES:
        key = table.key
        if key is None or table.name == "participants":
            continue
        sql = WORKBOOK_TABLES[table.name]
        frame = incoming[table.name]
        ids = frame[key].dropna().unique().tolist()
        held = _fetch(connection, table.name, [sql.c[key]], ids, by=key, chunk=chunk)
        if held.empty:
            continue
        holder = held.drop_duplicates(key).set_index(key)[OWNER]
        registry_owner = frame[key].map(holder)
        moved = registry_owner.notna() & (registry_owner != frame[OWNER]).fillna(False)
        moved = moved.astype(bool)
        problems += row_problems(
            labels[table.name],
            frame[moved],
            key,
            "id_of_another_woman",
            f"{key} already belongs to another woman in the registry (participant "
            + registry_owner[moved].astype(str)
            + "); here it is under participant "
            + frame.loc[moved, OWNER].astype(str),
        )
    return problems
