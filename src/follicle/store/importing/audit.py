"""The audit log of an import: one chained entry per woman, her rows before and after as JSON.

An import records, for every woman it inserts or changes, all her rows across the
workbook's tables as one compact JSON object ``{table: [row, …], …}`` — ``before`` (what
the registry held; nothing for a new woman) and ``after`` (what the workbook brought). The
JSON is built a column at a time by Arrow's string kernels (:func:`json.dumps` only for
text that needs escaping), because an import of a large workbook writes one audit row per
woman; it is byte for byte what :func:`json.dumps` writes for the same rows. The
entries join the audit log's hash chain (:mod:`follicle.store.audit_log.chain`), computed for the
whole batch in one pass; an update also raises the ``version`` of the woman's rows.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from sqlalchemy import Connection, select, update

from follicle.store.audit_log.chain import append_entries
from follicle.store.importing.incoming import OWNER
from follicle.store.importing.writes import chunks
from follicle.store.tables import VERSION, WORKBOOK_TABLES
from follicle.workbook.schema import TABLES, TABLES_BY_NAME

#: Characters a JSON string must escape (quote, backslash, control characters): a
#: pattern for Arrow's regular expressions (RE2).
_JSON_SPECIAL = r'["\\\x00-\x1f]'


def _json_literals(values: pd.Series) -> pa.Array:
    """A typed column as JSON literals (an Arrow ``large_string`` array).

    Numbers in their shortest exact form (Python's ``repr``, which :func:`json.dumps` also
    writes), dates as ISO text, unknown as ``null``. Text is quoted by Arrow; only a column
    holding a character that JSON must escape goes through :func:`json.dumps`, value by
    value.
    """
    text: pa.Array
    if pd.api.types.is_datetime64_any_dtype(values):
        days = pa.array(values.to_numpy(dtype="datetime64[D]"), from_pandas=True)
        text = _quoted(days.cast(pa.large_string()))
    elif pd.api.types.is_bool_dtype(values):
        flags = pa.Array.from_pandas(values)
        text = pc.if_else(flags, _text("true"), _text("false"))
    elif pd.api.types.is_integer_dtype(values):
        text = pa.Array.from_pandas(values).cast(pa.large_string())
    elif pd.api.types.is_numeric_dtype(values):
        # Arrow writes 3.0 as "3" and switches to exponents at other magnitudes than
        # Python: floats keep Python's repr, as a single save's json.dumps writes them.
        numbers = values.to_numpy(dtype=float, na_value=np.nan)
        text = pa.array(
            list(map(repr, numbers.tolist())), type=pa.large_string(), mask=np.isnan(numbers)
        )
    else:
        strings = pa.Array.from_pandas(values).cast(pa.large_string())
        if pc.any(pc.match_substring_regex(strings, _JSON_SPECIAL)).as_py():
            plain = strings.to_pylist()
            text = pa.array(
                [None if v is None else json.dumps(v, ensure_ascii=False) for v in plain],
                type=pa.large_string(),
            )
        else:
            text = _quoted(strings)
    text = pc.fill_null(text, _text("null"))
    # A column backed by Arrow comes as chunks; the rows are joined as one array.
    return text.combine_chunks() if isinstance(text, pa.ChunkedArray) else text


def _text(value: str) -> pa.Scalar:
    """A ``large_string`` scalar: Arrow's string kernels take one type throughout."""
    return pa.scalar(value, pa.large_string())


def _quoted(strings: pa.Array) -> pa.Array:
    return pc.binary_join_element_wise(_text('"'), strings, _text('"'), _text(""))


def json_by_woman(parts: Mapping[str, pd.DataFrame]) -> pd.Series:
    """Each woman's rows as one compact JSON object ``{table: [row, …], …}``.

    Each column becomes JSON literals at once (:func:`_json_literals`) and each row one
    element-wise join of its keys and literals; the rows are then sorted by woman and
    table, given their brackets and commas (by comparing each row with its neighbours)
    and joined per woman — every step an Arrow kernel over the whole batch, none a
    Python loop over rows. Dates are ISO text, unknown is ``null``.
    """
    women: list[np.ndarray] = []
    orders: list[np.ndarray] = []
    rows: list[pa.Array] = []
    openings: list[str] = []
    for name, frame in parts.items():
        if frame.empty:
            continue
        pieces: list[Any] = []
        for k, column in enumerate(TABLES_BY_NAME[name].column_names):
            pieces += [
                _text(("{" if k == 0 else ",") + f'"{column}":'),
                _json_literals(frame[column]),
            ]
        rows.append(pc.binary_join_element_wise(*pieces, _text("}"), _text("")))
        women.append(frame[OWNER].to_numpy(dtype=object))
        orders.append(np.full(len(frame), len(openings)))
        openings.append(f'"{name}":[')
    if not rows:
        return pd.Series([], dtype="string")
    codes, names = pd.factorize(np.concatenate(women))
    order = np.concatenate(orders)
    sort = np.lexsort((order, codes))  # by woman, then table (stable within a table)
    codes, order = codes[sort], order[sort]
    first_of_woman = np.r_[True, codes[1:] != codes[:-1]]
    last_of_woman = np.r_[first_of_woman[1:], True]
    first_of_table = first_of_woman | np.r_[True, order[1:] != order[:-1]]
    # Each row's prefix by its position: "{" and its table's opening for a woman's first
    # row, "]," and the opening for a table's first, else ","; "]}" after a woman's last.
    tables = len(openings)
    prefixes = pa.array(
        ["{" + o for o in openings] + ["]," + o for o in openings] + [","],
        type=pa.large_string(),
    )
    kind = np.where(first_of_woman, order, np.where(first_of_table, tables + order, 2 * tables))
    suffixes = pa.array(["", "]}"], type=pa.large_string())
    text = pc.binary_join_element_wise(
        prefixes.take(pa.array(kind)),
        pa.concat_arrays(rows).take(pa.array(sort)),
        suffixes.take(pa.array(last_of_woman.astype(np.int8))),
        _text(""),
    )
    starts = np.flatnonzero(first_of_woman)
    offsets = pa.array(np.r_[starts, len(text)], type=pa.int64())
    joined = pc.binary_join(pa.LargeListArray.from_arrays(offsets, text), _text(""))
    return pd.Series(pd.arrays.ArrowStringArray(joined), index=names[codes[starts]])


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


def owner_condition(name: str, *, one: bool = False) -> Any:
    """A function from participant IDs to the WHERE clause selecting ``name``'s rows of them.

    ``one``: a function of one participant ID (``=`` where the table names her): a
    statement without an expanding ``IN`` list is compiled once and sent as it is, which
    on a woman's few rows is a good part of each query's cost.
    """
    table = TABLES_BY_NAME[name]
    sql = WORKBOOK_TABLES[name]
    column, parent = table.owner
    if parent in (name, "participants"):
        if one:
            return lambda pid: sql.c[column] == pid
        return lambda ids: sql.c[column].in_(ids)
    parent_key = TABLES_BY_NAME[parent].key
    assert parent_key is not None, parent
    parent_sql = WORKBOOK_TABLES[parent]
    parent_condition = owner_condition(parent, one=one)
    return lambda ids: sql.c[column].in_(
        select(parent_sql.c[parent_key]).where(parent_condition(ids))
    )
