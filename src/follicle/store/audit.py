"""The audit log of an import: one chained entry per woman, her rows before and after as JSON.

An import records, for every woman it inserts or changes, all her rows across the
workbook's tables as one compact JSON object ``{table: [row, …], …}`` — ``before`` (what
the registry held; nothing for a new woman) and ``after`` (what the workbook brought). The
JSON is built a column at a time with numpy (:func:`json.dumps` only for text that needs
escaping), because an import of a large workbook writes one audit row per woman. The
entries join the audit log's hash chain (:mod:`follicle.store.chain`), computed for the
whole batch in one pass; an update also raises the ``version`` of the woman's rows.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select, update

from follicle.store.chain import append_entries
from follicle.store.incoming import OWNER
from follicle.store.tables import VERSION, WORKBOOK_TABLES
from follicle.store.writes import chunks
from follicle.workbook.schema import TABLES, TABLES_BY_NAME

#: Characters a JSON string must escape (quote, backslash, control characters).
_JSON_SPECIAL = re.compile(r'["\\\x00-\x1f]')


def _json_values(values: pd.Series) -> np.ndarray:
    """A typed column as JSON literals (an object array of ``str``).

    Numbers in their shortest exact form (Python's ``repr``), dates as ISO text, unknown as
    ``null``. Strings are quoted with one vectorised operation; only a column that holds a
    character JSON must escape goes through :func:`json.dumps`, value by value.
    """
    missing = values.isna().to_numpy(dtype=bool)
    if pd.api.types.is_datetime64_any_dtype(values):
        days = values.to_numpy(dtype="datetime64[D]")
        text = ('"' + np.datetime_as_string(days, unit="D").astype(object)) + '"'
    elif pd.api.types.is_bool_dtype(values):
        text = np.where(values.fillna(False).to_numpy(dtype=bool), "true", "false")
    elif pd.api.types.is_numeric_dtype(values):
        text = values.astype("string").to_numpy(dtype=object, na_value="null")
    else:
        strings = values.to_numpy(dtype=object, na_value="")
        if _JSON_SPECIAL.search("".join(strings)):
            text = np.array([json.dumps(v, ensure_ascii=False) for v in strings], dtype=object)
        else:
            text = '"' + strings + '"'
    text = np.asarray(text, dtype=object)
    text[missing] = "null"
    return text


def json_by_woman(parts: Mapping[str, pd.DataFrame]) -> pd.Series:
    """Each woman's rows as one compact JSON object ``{table: [row, …], …}``.

    Each column becomes JSON literals at once (:func:`_json_values`) and each row one
    %-format of them; the rows are then sorted by woman and table, given their brackets and
    commas (vectorised, by comparing each row with its neighbours) and concatenated per
    woman with one ``np.add.reduceat``.
    Dates are ISO text, unknown is ``null``.
    """
    women: list[np.ndarray] = []
    orders: list[np.ndarray] = []
    openings: list[np.ndarray] = []
    rows: list[np.ndarray] = []
    for position, (name, frame) in enumerate(parts.items()):
        if frame.empty:
            continue
        columns = TABLES_BY_NAME[name].column_names
        # One %-format per row with every column's literal: the cheapest way to build many
        # short strings without a string-array library.
        template = "{" + ",".join(f'"{c}":%s' for c in columns) + "}"
        literals = [_json_values(frame[c]) for c in columns]
        rows.append(np.array([template % row for row in zip(*literals, strict=True)], dtype=object))
        women.append(frame[OWNER].to_numpy(dtype=object))
        orders.append(np.full(len(frame), position))
        openings.append(np.full(len(frame), f'"{name}":[', dtype=object))
    if not rows:
        return pd.Series([], dtype="string")
    codes, names = pd.factorize(np.concatenate(women))
    order = np.concatenate(orders)
    sort = np.lexsort((order, codes))  # by woman, then table (stable within a table)
    codes, order = codes[sort], order[sort]
    opening = np.concatenate(openings)[sort]
    first_of_woman = np.r_[True, codes[1:] != codes[:-1]]
    last_of_woman = np.r_[first_of_woman[1:], True]
    first_of_table = first_of_woman | np.r_[True, order[1:] != order[:-1]]
    prefix = np.where(first_of_woman, "{" + opening, np.where(first_of_table, "]," + opening, ","))
    suffix = np.where(last_of_woman, "]}", "").astype(object)
    text = prefix.astype(object) + np.concatenate(rows)[sort] + suffix
    starts = np.flatnonzero(first_of_woman)
    return pd.Series(np.add.reduceat(text, starts), index=names[codes[starts]], dtype="string")


def write_audit(
    connection: Connection,
    action: str,
    women: Sequence[str],
    before: pd.Series | None,
    after: pd.Series,
    at: datetime,
    actor: str,
    *,
    rows_per_chunk: int,
) -> None:
    """One chained audit entry per woman; ``before``/``after`` map each woman to her rows
    as JSON.

    A woman whose rows were only removed (or only added) has ``{}`` on the other side;
    ``before`` is ``None`` for insertions (there was nothing before). The entries are
    chained (:func:`append_entries`) and inserted ``rows_per_chunk`` at a time.

    For ``action == "import.update"`` the ``version`` of every row of those women is also
    raised by one (:func:`bump_versions`), so that a web form opened before the import
    cannot silently overwrite what the import brought.
    """
    if not women:
        return
    index = pd.Index(women)
    after_json = after.reindex(index).fillna("{}").to_numpy(dtype=object)
    before_json = (
        [None] * len(women)
        if before is None
        else before.reindex(index).fillna("{}").to_numpy(dtype=object)
    )
    fixed = {"at": at, "actor": actor, "action": action, "table_name": "participants"}
    records = [
        {**fixed, "record_key": woman, "before": was, "after": now}
        for woman, was, now in zip(women, before_json, after_json, strict=True)
    ]
    if action == "import.update":
        bump_versions(connection, women, ids_per_chunk=max(1, min(rows_per_chunk, 500)))
    append_entries(connection, records, rows_per_chunk=rows_per_chunk)


def bump_versions(connection: Connection, women: Sequence[str], *, ids_per_chunk: int) -> None:
    """Raise by one the ``version`` of every row of ``women`` in every workbook table.

    Rows reach their woman through the schema's ``owner`` chain (infants through their
    pregnancy, infant conditions through the infant), as chunked ``IN (...)`` updates.
    """
    for table in TABLES:
        sql = WORKBOOK_TABLES[table.name]
        condition_of = owner_condition(table.name)
        for chunk in chunks(list(women), ids_per_chunk):
            connection.execute(
                update(sql).where(condition_of(list(chunk))).values({VERSION: sql.c[VERSION] + 1})
            )


def owner_condition(name: str) -> Any:
    """A function from participant IDs to the WHERE clause selecting ``name``'s rows of them."""
    table = TABLES_BY_NAME[name]
    sql = WORKBOOK_TABLES[name]
    column, parent = table.owner
    if parent in (name, "participants"):
        return lambda ids: sql.c[column].in_(ids)
    parent_key = TABLES_BY_NAME[parent].key
    assert parent_key is not None, parent
    parent_sql = WORKBOOK_TABLES[parent]
    parent_condition = owner_condition(parent)
    return lambda ids: sql.c[column].in_(
        select(parent_sql.c[parent_key]).where(parent_condition(ids))
    )
