"""Importing a validated workbook into the registry: all or nothing, woman by woman.

The unit of import is a **woman**: her participants row and every row that hangs off her —
injections, contacts, conditions, IVF cycles, pregnancies, the infants of those pregnancies
and the infants' conditions. For each woman in the workbook:

* not in the registry yet → all her rows are inserted;
* in the registry with identical data (all her rows in every table; order does not matter,
  and for tables without IDs neither do duplicates beyond their count) → nothing is
  written;
* in the registry with different data → :class:`~follicle.errors.Conflict`, listing what
  differs, unless ``update=True``: then her rows are brought in line with the workbook and
  the audit log records what they were before and what they are now.

A pregnancy, IVF cycle or infant ID that the registry already holds under *another* woman
is always a conflict: IDs do not move between women silently.

Everything runs in one transaction; any error rolls it back, so the registry holds either
the whole workbook or nothing of it. The work is vectorised: the registry's rows for the
women concerned are read with a few chunked ``IN (...)`` queries per table (or, when the
workbook covers a large part of the registry, one query per table), compared with pandas
(cell by cell, aligned on the ID, for tables with IDs; by exact row factorisation and
counts for the others), and written with chunked ``executemany`` inserts, updates and
deletes — never a query per row. Rows are identified to the user by their spreadsheet row
(position in the table + 2, which is exact for files without blank rows).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    ColumnElement,
    Connection,
    Engine,
    FromClause,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.exc import IntegrityError

from follicle.errors import Conflict, Problem, WorkbookInvalid
from follicle.store.exporter import cell_text
from follicle.store.tables import ROW_ID, WORKBOOK_TABLES, audit_log, imports
from follicle.workbook.frames import Workbook, coerce
from follicle.workbook.read import FIRST_DATA_ROW
from follicle.workbook.schema import TABLES, TABLES_BY_NAME
from follicle.workbook.schema import Table as SchemaTable

#: Rows per ``executemany`` call (bounded so that memory and statement size stay small).
CHUNK_ROWS = 2_000

#: Values per ``IN (...)`` list when reading the registry's rows for a set of women.
CHUNK_IDS = 500

#: Read whole registry tables (and filter in pandas) rather than ``IN (...)`` chunks when
#: the workbook's women are at least 1/this of the registry's.
WHOLE_TABLE_FRACTION = 4

#: A progress callback: ``(rows done, rows in total)``.
Progress = Callable[[int, int], None]

_OWNER = "_owner"  # the participant_id of the woman a row belongs to
_ROW = "_row"  # the spreadsheet row of an incoming row (header = row 1)


@dataclass(frozen=True)
class ImportSummary:
    """What an import did.

    Attributes
    ----------
    women_inserted, women_unchanged, women_updated
        How many women of the workbook were new, identical to the registry, or changed.
    rows_written
        Rows inserted or updated, per table (schema order; zero when untouched).
    rows_deleted
        Rows removed by ``update=True`` because the workbook no longer has them.
    updated
        The participant IDs of the women whose rows changed.
    import_id
        The row of the ``imports`` table that records this import.
    """

    women_inserted: int
    women_unchanged: int
    women_updated: int
    rows_written: Mapping[str, int]
    rows_deleted: Mapping[str, int] = field(default_factory=dict)
    updated: tuple[str, ...] = ()
    import_id: int | None = None

    @property
    def total_rows_written(self) -> int:
        """Rows inserted or updated, over all tables."""
        return sum(self.rows_written.values())

    def __str__(self) -> str:
        women = (
            f"women: {self.women_inserted} new, {self.women_updated} updated, "
            f"{self.women_unchanged} unchanged"
        )
        written = ", ".join(f"{n} {name}" for name, n in self.rows_written.items() if n)
        deleted = ", ".join(f"{n} {name}" for name, n in self.rows_deleted.items() if n)
        lines = [women, f"rows written: {written or 'none'}"]
        if deleted:
            lines.append(f"rows removed: {deleted}")
        return "\n".join(lines)

    def __rich__(self) -> str:
        """Rich prints the plain summary (not the dataclass repr)."""
        return str(self)


def import_workbook(
    engine: Engine,
    workbook: Workbook,
    *,
    update: bool = False,
    actor: str = "cli",
    progress: Progress | None = None,
) -> ImportSummary:
    """Import ``workbook`` into the registry at ``engine``, all or nothing.

    Parameters
    ----------
    engine
        The registry; its schema must be current (:func:`follicle.store.engine.ensure_schema`).
    workbook
        A validated workbook (:func:`follicle.workbook.validate.load_workbook`). Each woman
        must come whole: every row must reach a participant of the workbook.
    update
        Apply the workbook to women already in the registry whose data differ, instead of
        raising :class:`~follicle.errors.Conflict`. Every change is audited.
    actor
        Who imports (a user name or ``"cli"``), for the audit log and the import log.
    progress
        Called as ``progress(done_rows, total_rows)`` while rows are written.

    Returns
    -------
    ImportSummary
        Women inserted / unchanged / updated and rows written per table.

    Raises
    ------
    Conflict
        A woman differs from the registry (and ``update`` is false), or an ID belongs to
        another woman in the registry. ``problems`` names file, row, column and value.
    WorkbookInvalid
        Rows that reach no woman of the workbook, or duplicate IDs.
    """
    incoming, labels = _incoming(workbook)
    try:
        with engine.begin() as connection:
            return _import(connection, workbook, incoming, labels, update, actor, progress)
    except IntegrityError as exc:
        # Another writer got there between our reads and our writes (or the registry holds
        # something the comparison did not foresee): nothing was written.
        raise Conflict(f"the registry refused the import, nothing was written: {exc.orig}") from exc


# -- the incoming workbook -------------------------------------------------------------


def _labels(workbook: Workbook) -> dict[str, str]:
    """How each table is named in messages: as :mod:`follicle.workbook.read` names it."""
    source = Path(workbook.source) if workbook.source else None
    if source is not None and source.suffix.lower() in (".xlsx", ".xlsm"):
        return {t.name: f"{source.name}, sheet {t.name}" for t in TABLES}
    return {t.name: t.filename for t in TABLES}


def _incoming(workbook: Workbook) -> tuple[dict[str, pd.DataFrame], dict[str, str]]:
    """The workbook's frames with each row's woman (``_owner``) and spreadsheet row."""
    labels = _labels(workbook)
    frames: dict[str, pd.DataFrame] = {}
    problems: list[Problem] = []
    for table in TABLES:
        frame = workbook[table.name].reset_index(drop=True).copy()
        frame[_ROW] = np.arange(FIRST_DATA_ROW, FIRST_DATA_ROW + len(frame))
        column, parent = table.owner
        if parent == "participants":
            owner = frame[column]
        else:
            parent_frame = frames[parent]
            parent_key = TABLES_BY_NAME[parent].key
            assert parent_key is not None, parent
            lookup = parent_frame.drop_duplicates(parent_key).set_index(parent_key)[_OWNER]
            owner = frame[column].map(lookup)
        frame[_OWNER] = owner.astype("string")
        frames[table.name] = frame

        if table.key is not None:
            dup = frame[table.key].duplicated(keep="first") & frame[table.key].notna()
            problems += _problems(
                labels[table.name],
                frame[dup],
                table.key,
                "duplicate_id",
                f"{table.key} must be unique within the workbook",
            )
    women = set(frames["participants"]["participant_id"].dropna())
    for table in TABLES:
        frame = frames[table.name]
        orphan = ~frame[_OWNER].isin(women).fillna(False).astype(bool)
        column = table.owner[0]
        problems += _problems(
            labels[table.name],
            frame[orphan],
            column,
            "unknown_reference",
            f"{column} leads to no participant of the workbook: a woman is imported whole, "
            "with her participants row",
        )
    if problems:
        raise WorkbookInvalid(problems)
    return frames, labels


def _problems(
    label: str,
    rows: pd.DataFrame,
    column: str | None,
    rule: str,
    message: str | pd.Series,
    *,
    located: bool = True,
) -> list[Problem]:
    """One :class:`Problem` per row of ``rows`` (only the rows already found wanting)."""
    if rows.empty:
        return []
    values = cell_text(rows[column]).tolist() if column is not None else [None] * len(rows)
    where = rows[_ROW].tolist() if located and _ROW in rows else [None] * len(rows)
    texts = message.tolist() if isinstance(message, pd.Series) else [message] * len(rows)
    return [
        Problem(label, None if r is None else int(r), column, v, rule, str(t))
        for r, v, t in zip(where, values, texts, strict=True)
    ]


# -- the registry's side ---------------------------------------------------------------


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


def _chunks(values: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for start in range(0, len(values), size):
        yield values[start : start + size]


def _fetch(
    connection: Connection,
    name: str,
    columns: Sequence[ColumnElement[Any]],
    values: Sequence[str],
    *,
    by: str | None,
    whole: bool,
) -> pd.DataFrame:
    """Rows of ``columns`` of table ``name``, with their woman as ``_owner``, whose column
    ``by`` (``None``: the woman) is in ``values``.

    Either with chunked ``IN (...)`` queries, or — ``whole`` — by reading the whole table
    in one query and filtering in pandas, which is much cheaper when the workbook covers a
    large part of the registry (or the registry is empty).
    """
    joined, owner = _owner_path(name)
    filter_by = owner if by is None else WORKBOOK_TABLES[name].c[by]
    base = select(*columns, owner.label(_OWNER)).select_from(joined)
    statements = (
        [base] if whole else [base.where(filter_by.in_(c)) for c in _chunks(values, CHUNK_IDS)]
    )
    names = [c.key for c in columns] + [_OWNER]
    parts = []
    for statement in statements:
        # Plain tuples: pandas probes SQLAlchemy's Row objects slowly.
        rows = [tuple(row) for row in connection.execute(statement)]
        parts.append(pd.DataFrame(rows, columns=names))
    raw = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=names)
    if whole:
        raw = raw[raw[by or _OWNER].isin(values)].reset_index(drop=True)
    return raw


def _registry_rows(
    connection: Connection, women: Sequence[str], whole: bool
) -> dict[str, pd.DataFrame]:
    """Every registry row belonging to ``women``, per table, typed, with ``_owner``."""
    rows = {}
    for table in TABLES:
        sql = WORKBOOK_TABLES[table.name]
        raw = _fetch(connection, table.name, list(sql.c), women, by=None, whole=whole)
        typed = coerce(table, raw)
        typed[_OWNER] = raw[_OWNER].astype("string")
        if table.key is None:
            typed[ROW_ID] = raw[ROW_ID].astype("Int64")
        rows[table.name] = typed
    return rows


def _foreign_ids(
    connection: Connection,
    incoming: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    whole: bool,
) -> list[Problem]:
    """IDs of the workbook that the registry holds under another woman."""
    problems: list[Problem] = []
    for table in TABLES:
        key = table.key
        if key is None or table.name == "participants":
            continue
        sql = WORKBOOK_TABLES[table.name]
        frame = incoming[table.name]
        ids = frame[key].dropna().unique().tolist()
        held = _fetch(connection, table.name, [sql.c[key]], ids, by=key, whole=whole)
        if held.empty:
            continue
        holder = held.drop_duplicates(key).set_index(key)[_OWNER]
        registry_owner = frame[key].map(holder)
        moved = registry_owner.notna() & (registry_owner != frame[_OWNER]).fillna(False)
        moved = moved.astype(bool)
        problems += _problems(
            labels[table.name],
            frame[moved],
            key,
            "id_of_another_woman",
            f"{key} already belongs to another woman in the registry (participant "
            + registry_owner[moved].astype(str)
            + "); here it is under participant "
            + frame.loc[moved, _OWNER].astype(str),
        )
    return problems


# -- comparing -------------------------------------------------------------------------


def _differs(now: pd.DataFrame, was: pd.DataFrame, columns: Sequence[str]) -> pd.DataFrame:
    """Cell by cell, whether ``now`` and ``was`` (aligned, same dtypes) hold different values.

    Unknown equals unknown and nothing else; numbers compare exactly (they come back from
    the database bit for bit).
    """
    return pd.DataFrame(
        {
            c: ~(
                (now[c] == was[c]).fillna(False).to_numpy(dtype=bool)
                | (now[c].isna().to_numpy() & was[c].isna().to_numpy())
            )
            for c in columns
        },
        index=now.index,
    )


def _row_ids(
    new: pd.DataFrame, old: pd.DataFrame, columns: Sequence[str]
) -> tuple[np.ndarray, np.ndarray, int]:
    """One integer per distinct (woman, values) row across ``new`` and ``old``.

    Exact (a factorisation of all the columns, unknowns grouped together), so equal IDs mean
    equal rows. Returns the IDs of ``new``'s rows, of ``old``'s rows, and how many there are.
    """
    keys = [_OWNER, *columns]
    both = pd.concat([new[keys], old[keys]], ignore_index=True)
    ids = both.groupby(keys, dropna=False, sort=False).ngroup().to_numpy()
    return ids[: len(new)], ids[len(new) :], int(ids.max()) + 1 if len(ids) else 0


def _describe(frame: pd.DataFrame, columns: Sequence[str]) -> pd.Series:
    """A short ``column=value, …`` text of each row (its known values), for messages."""
    if frame.empty:
        return pd.Series([], dtype="string", index=frame.index)
    pieces = pd.DataFrame(
        {c: (c + "=" + cell_text(frame[c])).where(frame[c].notna(), "") for c in columns},
        index=frame.index,
    )
    return pieces.apply(lambda r: ", ".join(v for v in r if v), axis=1)


@dataclass
class _Plan:
    """The writes that bring the registry in line with the workbook, per table."""

    inserts: dict[str, pd.DataFrame] = field(default_factory=dict)
    updates: dict[str, pd.DataFrame] = field(default_factory=dict)
    deletes: dict[str, pd.DataFrame] = field(default_factory=dict)
    before: dict[str, pd.DataFrame] = field(default_factory=dict)  # old rows (for the audit)
    differences: list[Problem] = field(default_factory=list)

    def owners(self) -> set[str]:
        """The women with at least one write."""
        found: set[str] = set()
        for frames in (self.inserts, self.updates, self.deletes):
            for frame in frames.values():
                found.update(pd.unique(frame[_OWNER].dropna().to_numpy(dtype=object)))
        return found

    def total_rows(self) -> int:
        """Rows to insert, update and delete."""
        return sum(
            len(f) for frames in (self.inserts, self.updates, self.deletes) for f in frames.values()
        )


def _plan_keyed(
    table: SchemaTable,
    new: pd.DataFrame,
    old: pd.DataFrame,
    label: str,
    known: set[str],
    plan: _Plan,
) -> None:
    """Inserts, updates and deletes of a table with IDs: a merge on the key."""
    key = table.key
    assert key is not None
    columns = [c for c in table.column_names if c != key]
    plan.inserts[table.name] = new[~new[key].isin(old[key])]
    plan.deletes[table.name] = old[~old[key].isin(new[key])]

    both = new[new[key].isin(old[key])]
    now = both.set_index(key)
    was = old.drop_duplicates(key).set_index(key).loc[now.index]
    differs = _differs(now, was, columns)
    changed = differs.any(axis=1).to_numpy()
    plan.updates[table.name] = both[changed]
    plan.before[table.name] = pd.concat(
        [old[old[key].isin(both.loc[changed, key])], plan.deletes[table.name]]
    )

    # What a coordinator must look at, for the women already in the registry.
    flagged = differs.to_numpy() & (changed & now[_OWNER].isin(known).to_numpy())[:, None]
    at_row, at_column = np.nonzero(flagged)
    if len(at_row):
        now_text = np.column_stack([cell_text(now[c]).to_numpy(dtype=object) for c in columns])
        was_text = np.column_stack([cell_text(was[c]).to_numpy(dtype=object) for c in columns])
        old_values = pd.Series(was_text[at_row, at_column], dtype="string").replace("", "(empty)")
        message = (
            "participant "
            + pd.Series(now[_OWNER].to_numpy()[at_row], dtype="string")
            + ": the registry holds "
            + old_values
        )
        if table.name != "participants":  # her own row needs no ID beyond hers
            message += f" for {key} " + pd.Series(now.index.to_numpy()[at_row], dtype="string")
        plan.differences += [
            Problem(label, int(row), columns[c], value, "differs_from_registry", text)
            for row, c, value, text in zip(
                now[_ROW].to_numpy()[at_row],
                at_column,
                now_text[at_row, at_column],
                message,
                strict=True,
            )
        ]
    added = plan.inserts[table.name]
    added = added[added[_OWNER].isin(known)]
    plan.differences += _problems(
        label,
        added,
        key,
        "not_in_registry",
        "participant " + added[_OWNER].astype(str) + f": the registry has no such {key} for her",
    )
    gone = plan.deletes[table.name]
    plan.differences += _problems(
        label,
        gone,
        key,
        "missing_from_workbook",
        "participant "
        + gone[_OWNER].astype(str)
        + f": the registry holds this {key}, the workbook does not",
        located=False,
    )


def _plan_keyless(
    table: SchemaTable,
    new: pd.DataFrame,
    old: pd.DataFrame,
    label: str,
    known: set[str],
    plan: _Plan,
) -> None:
    """Rows without IDs: a woman's rows are replaced when their multiset differs."""
    columns = list(table.column_names)
    new_id, old_id, n = _row_ids(new, old, columns)
    count_new = np.bincount(new_id, minlength=n)
    count_old = np.bincount(old_id, minlength=n)
    unequal = count_new != count_old  # per distinct row: a woman's multiset differs
    changed = set(new[_OWNER].to_numpy()[unequal[new_id]]) | set(
        old[_OWNER].to_numpy()[unequal[old_id]]
    )
    plan.inserts[table.name] = new[new[_OWNER].isin(changed)]
    plan.deletes[table.name] = old[old[_OWNER].isin(changed)]
    plan.updates[table.name] = new.iloc[:0]  # rows without IDs are replaced, not updated
    plan.before[table.name] = plan.deletes[table.name]

    # Multiset difference: the k-th copy of a row is matched by the k-th copy on the other
    # side, so a row the workbook holds twice and the registry once is one row "added".
    new_copy = pd.Series(new_id).groupby(new_id).cumcount().to_numpy()
    old_copy = pd.Series(old_id).groupby(old_id).cumcount().to_numpy()
    in_new = new_copy < count_old[new_id]  # this copy is also in the registry
    in_old = old_copy < count_new[old_id]  # this copy is also in the workbook
    added = new[new[_OWNER].isin(changed & known).to_numpy(dtype=bool) & ~in_new]
    plan.differences += _problems(
        label,
        added,
        None,
        "not_in_registry",
        "participant "
        + added[_OWNER].astype(str)
        + ": the registry holds no such row for her (added or changed in the workbook)",
    )
    gone = old[old[_OWNER].isin(changed).to_numpy(dtype=bool) & ~in_old]
    plan.differences += _problems(
        label,
        gone,
        None,
        "missing_from_workbook",
        "participant "
        + gone[_OWNER].astype(str)
        + ": the registry holds a row the workbook lacks ("
        + _describe(gone, [c for c in columns if c != table.owner[0]])
        + ")",
        located=False,
    )


def _plan(
    incoming: Mapping[str, pd.DataFrame],
    registry: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    known: set[str],
) -> _Plan:
    plan = _Plan()
    for table in TABLES:
        new, old = incoming[table.name], registry[table.name]
        if table.key is not None:
            _plan_keyed(table, new, old, labels[table.name], known, plan)
        else:
            _plan_keyless(table, new, old, labels[table.name], known, plan)
    return plan


# -- writing ---------------------------------------------------------------------------


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


class _Writer:
    """Chunked writes with progress; the one way workbook rows reach the registry."""

    def __init__(self, connection: Connection, total: int, progress: Progress | None) -> None:
        self.connection = connection
        self.total = total
        self.done = 0
        self.progress = progress
        if progress is not None:
            progress(0, total)

    def many(self, statement: Any, records: list[dict[str, Any]]) -> None:
        """``executemany`` of ``statement`` over ``records``, in chunks."""
        for chunk in _chunks(records, CHUNK_ROWS):
            self._step(statement, list(chunk), len(chunk))

    def delete(self, sql: Table, column: str, values: Sequence[Any]) -> None:
        """Delete the rows of ``sql`` whose ``column`` is in ``values``, in chunks."""
        stmt = delete(sql).where(sql.c[column].in_(bindparam("values", expanding=True)))
        for chunk in _chunks(values, CHUNK_IDS):
            self._step(stmt, {"values": list(chunk)}, len(chunk))

    def _step(self, statement: Any, parameters: Any, rows: int) -> None:
        _write_chunk(self.connection, statement, parameters)
        self.done += rows
        if self.progress is not None:
            self.progress(self.done, self.total)


def _write_chunk(connection: Connection, statement: Any, parameters: Any) -> None:
    """Execute one chunk of a write (a seam for tests that fail an import midway)."""
    connection.execute(statement, parameters)


def _apply(plan: _Plan, writer: _Writer) -> None:
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
            writer.many(insert(sql), _records(added, columns))
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


def _json_by_woman(parts: Mapping[str, pd.DataFrame]) -> pd.Series:
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
        women.append(frame[_OWNER].to_numpy(dtype=object))
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


def _audit(
    connection: Connection,
    action: str,
    women: Sequence[str],
    before: pd.Series | None,
    after: pd.Series,
    at: datetime,
    actor: str,
) -> None:
    """One audit row per woman; ``before``/``after`` map each woman to her rows as JSON.

    A woman whose rows were only removed (or only added) has ``{}`` on the other side;
    ``before`` is ``None`` for insertions (there was nothing before).
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
    for chunk in _chunks(records, CHUNK_ROWS):
        connection.execute(insert(audit_log), list(chunk))


def _import(
    connection: Connection,
    workbook: Workbook,
    incoming: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    update: bool,
    actor: str,
    progress: Progress | None,
) -> ImportSummary:
    women = incoming["participants"]["participant_id"].dropna().unique().tolist()
    participants = WORKBOOK_TABLES["participants"]
    in_registry = connection.execute(select(func.count()).select_from(participants)).scalar_one()
    whole = len(women) * WHOLE_TABLE_FRACTION >= in_registry  # read whole tables?
    registry = _registry_rows(connection, women, whole)
    known = set(registry["participants"]["participant_id"])

    clashes = _foreign_ids(connection, incoming, labels, whole)
    plan = _plan(incoming, registry, labels, known)
    touched = plan.owners()
    new_women = [w for w in women if w not in known]
    changed = [w for w in women if w in known and w in touched]
    problems = list(clashes)
    reasons = []
    if clashes:
        reasons.append(f"{len(clashes)} ID(s) of the workbook belong to other women")
    if changed and not update:
        problems += plan.differences
        shown = ", ".join(changed[:20]) + (" …" if len(changed) > 20 else "")
        women_differ = "1 woman" if len(changed) == 1 else f"{len(changed)} women"
        verb = "differs" if len(changed) == 1 else "differ"
        reasons.append(
            f"{women_differ} already in the registry {verb} from the workbook ({shown}); "
            "import with update to apply the workbook"
        )
    if reasons:
        raise Conflict("; ".join(reasons) + "; nothing was written", problems)

    writer = _Writer(connection, plan.total_rows(), progress)
    _apply(plan, writer)

    at = datetime.now(UTC)
    is_new = set(new_women)
    inserted = {n: f[f[_OWNER].isin(is_new)] for n, f in incoming.items()}
    written = {t.name: pd.concat([plan.inserts[t.name], plan.updates[t.name]]) for t in TABLES}
    _audit(connection, "import.insert", new_women, None, _json_by_woman(inserted), at, actor)
    _audit(
        connection,
        "import.update",
        changed,
        _json_by_woman(plan.before),
        _json_by_woman(written),
        at,
        actor,
    )
    rows_written = {t.name: len(written[t.name]) for t in TABLES}
    rows_deleted = {t.name: len(plan.deletes[t.name]) for t in TABLES}
    import_id = connection.execute(
        insert(imports).returning(imports.c.id),
        {
            "at": at,
            "actor": actor,
            "source": workbook.source,
            "checksums": json.dumps(dict(workbook.checksums), sort_keys=True),
            "rows": sum(rows_written.values()) + sum(rows_deleted.values()),
        },
    ).scalar_one()
    return ImportSummary(
        women_inserted=len(new_women),
        women_unchanged=len(women) - len(new_women) - len(changed),
        women_updated=len(changed),
        rows_written=rows_written,
        rows_deleted=rows_deleted,
        updated=tuple(changed),
        import_id=import_id,
    )
