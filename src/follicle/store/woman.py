"""One woman's rows, as the registry holds them and as the workbook's validation sees them.

The web registry changes one woman at a time. :func:`woman_rows` reads her rows (of all
eight workbook tables, or of those asked for, with ``row_id`` and ``version``);
:func:`validate_change` puts her rows, with a change applied, through the workbook's own
validation — the cell parser of :mod:`follicle.workbook.validate` for the changed rows, its
checks of IDs and references, and the rules of :mod:`follicle.workbook.rules` that read a
changed table (:data:`RULE_TABLES`), over her rows of the tables they read — as if she were
a workbook of her own.

Which problems count: every problem on a changed row (cells and rules), and every problem of
a consistency rule across rows (:data:`follicle.workbook.schema.RULES`) wherever it lands —
a new contact or pregnancy can break a rule on a row that did not change. Cell problems on
unchanged rows are not the change's doing and are left out (the registry's rows passed
validation when they came in, so there are none unless the rules themselves changed); so
are the rules that read no changed table, which cannot find anything new.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import (
    CompoundSelect,
    Connection,
    Select,
    String,
    bindparam,
    cast,
    literal,
    select,
    union_all,
)

from follicle.errors import Problem
from follicle.store.exporting.exporter import cell_text
from follicle.store.importing.audit import owner_condition
from follicle.store.tables import ROW_ID, VERSION, WORKBOOK_TABLES
from follicle.workbook.frames import TEXT, empty_frame, pandas_dtype, text_array
from follicle.workbook.problems import ProblemSink
from follicle.workbook.read import RawTable

# The workbook's own checks, one by one: the rules whose tables a change touches (from
# follicle.workbook.rules' registry of rule checks, whose check_rules runs all sixteen),
# the cell parser for the changed rows only and the checks of IDs and references (from
# follicle.workbook.validate, whose validate() would parse every row again).
from follicle.workbook.rules import RULE_CHECKS, SharedFrames, events_of_untreated_women
from follicle.workbook.schema import RULES, RULES_BY_CODE, TABLES, TABLES_BY_NAME, Table
from follicle.workbook.validate import (
    DUPLICATE_ROW_TABLES,
    check_keys,
    check_references,
    parse_table,
)

#: Each table with no rows, typed (shared: nothing here changes a frame in place).
_EMPTY: dict[str, pd.DataFrame] = {t.name: empty_frame(t) for t in TABLES}
#: The ID column of each keyed table.
_KEYS: dict[str, str] = {t.name: t.key for t in TABLES if t.key is not None}
#: The tables whose IDs each table's rows name (its reference columns' targets).
_REFERENCED: dict[str, frozenset[str]] = {
    t.name: frozenset(c.references.split(".")[0] for c in t.columns if c.references) for t in TABLES
}


def _key_of(name: str) -> str:
    return _KEYS.get(name, ROW_ID)


class _Reads(Mapping[str, pd.DataFrame]):
    """Empty frames that remember which tables were asked for."""

    def __init__(self) -> None:
        self.read: set[str] = set()

    def __getitem__(self, name: str) -> pd.DataFrame:
        self.read.add(name)
        return _EMPTY[name]

    def __iter__(self) -> Iterator[str]:
        return iter(_EMPTY)

    def __len__(self) -> int:
        return len(_EMPTY)


def _tables_read(code: str) -> frozenset[str]:
    """The tables rule ``code`` reads: those its schema entry declares, and those its check
    reads (run once on empty tables) — ``after_end_of_followup`` also reads the contacts,
    ``before_first_injection`` the participants, which the schema does not list."""
    reads = _Reads()
    labels = {t.name: t.name for t in TABLES}
    RULE_CHECKS[code](reads, labels, ProblemSink())
    if code == "before_first_injection":
        events_of_untreated_women(reads, labels, ProblemSink())
    return frozenset(RULES_BY_CODE[code].tables) | frozenset(reads.read)


#: Per rule code (schema order), every table whose rows can change what the rule finds.
RULE_TABLES: dict[str, frozenset[str]] = {r.code: _tables_read(r.code) for r in RULES}


#: The tables :func:`woman_rows` reads: the workbook's eight. A rule that also reads another
#: (the judgments, which the registry's review keeps and checks itself) finds nothing in a
#: woman's rows, and reading its other tables for it would be wasted.
_HER_TABLES = frozenset(t.name for t in TABLES)


def affected_rules(changed: Iterable[str]) -> list[str]:
    """The rule codes (in the order the workbook checks them) that read a changed table and
    only tables of hers."""
    touched = frozenset(changed)
    return [
        code
        for code in RULE_CHECKS
        if RULE_TABLES[code] & touched and RULE_TABLES[code] <= _HER_TABLES
    ]


def tables_needed(changed: Iterable[str]) -> frozenset[str]:
    """The tables a change of ``changed`` is validated against: those tables, the tables
    their references point into, and every table an affected rule reads."""
    touched = frozenset(changed)
    targets = {t for name in touched for t in _REFERENCED[name]}
    ruled = [RULE_TABLES[code] for code in affected_rules(touched)]
    return touched.union(targets, *ruled)


def _extras(table_name: str) -> list[str]:
    return [ROW_ID, VERSION] if TABLES_BY_NAME[table_name].key is None else [VERSION]


#: Each table's frame for a woman with no rows in it (handed out as shallow copies: a
#: caller may add a column to its own; pandas copies on write the arrays they share).
_NO_ROWS: dict[str, pd.DataFrame] = {
    name: frame.assign(**{c: pd.Series([], dtype="Int64") for c in _extras(name)})
    for name, frame in _EMPTY.items()
}


def _hers(name: str, versions: bool = False) -> Select[Any]:
    """The statement selecting her rows of table ``name`` (all columns, or with
    ``versions`` the key as text and the version); her ID is the parameter ``pid``.

    Built once per table: constructing the statement is a good part of a small query's
    cost in SQLAlchemy (its compiled form is cached, its construction is not).
    """
    sql = WORKBOOK_TABLES[name]
    # Text keys, so that the tables' statements can be one UNION ALL (row_id is an integer).
    what = [cast(sql.c[_key_of(name)], String), sql.c[VERSION]] if versions else [sql]
    return select(*what).where(owner_condition(name, one=True)(bindparam("pid")))


#: Per table, the statement reading all her rows (:func:`woman_rows`).
_ROWS: dict[str, Select[Any]] = {t.name: _hers(t.name) for t in TABLES}
#: Per table, the statement reading the (key, version) of her rows (:func:`row_versions`).
_VERSIONS: dict[str, Select[Any]] = {t.name: _hers(t.name, versions=True) for t in TABLES}
#: Each column's pandas dtype, resolved once (from its name, pandas parses it every time).
_DTYPES: dict[tuple[str, str], Any] = {
    (t.name, c.name): pd.api.types.pandas_dtype(pandas_dtype(c)) for t in TABLES for c in t.columns
}
_INT64 = pd.Int64Dtype()


class WomanRows(dict[str, pd.DataFrame]):
    """Her frames by table, and ``versions``: the (key, version) of her rows of each, taken
    from the values read (what :func:`frame_versions` would find in the frames)."""

    def __init__(self) -> None:
        super().__init__()
        self.versions: dict[str, frozenset[tuple[str, int]]] = {}


def woman_rows(
    connection: Connection, participant_id: str, tables: Iterable[str] | None = None
) -> dict[str, pd.DataFrame]:
    """Every registry row of the woman, per workbook table (schema order).

    Each frame has the table's columns typed as in a :class:`~follicle.workbook.frames.Workbook`,
    plus ``row_id`` (tables without a key) and ``version`` (``Int64``). ``tables`` limits
    the tables read (default: all eight).
    """
    wanted = None if tables is None else frozenset(tables)
    rows = WomanRows()
    for table in TABLES:
        if wanted is not None and table.name not in wanted:
            continue
        result = connection.execute(_ROWS[table.name], {"pid": participant_id})
        records = result.all()
        if not records:
            rows[table.name] = _NO_ROWS[table.name].copy(deep=False)
            rows.versions[table.name] = frozenset()
            continue
        columns = dict(zip(result.keys(), zip(*records, strict=True), strict=True))
        rows.versions[table.name] = frozenset(
            zip(map(str, columns[_key_of(table.name)]), map(int, columns[VERSION]), strict=True)
        )
        rows[table.name] = _frame(
            table.name,
            [_typed(_DTYPES[table.name, c.name], columns[c.name]) for c in table.columns]
            + [_typed(_INT64, columns[c]) for c in _extras(table.name)],
            len(records),
        )
    return rows


#: Each table's column labels in :func:`woman_rows`' frames, made once.
_LABELS: dict[str, pd.Index] = {
    t.name: pd.Index([*t.column_names, *_extras(t.name)]) for t in TABLES
}


def _frame(name: str, arrays: list[Any], length: int) -> pd.DataFrame:
    """Table ``name``'s frame of ``arrays`` (one per label of :data:`_LABELS`, each of
    ``length`` values, typed by :func:`_typed`).

    ``pd.DataFrame`` of a dict checks and converts every array and infers the labels and
    the index again: two thirds of a woman's small frame's cost (160 µs against 50 µs for
    a table of 15 columns; a checklist reads four or five). The arrays are typed and of
    one length already, so the frame is assembled by pandas' ``DataFrame._from_arrays``
    without those checks. It is private (pandas 2.2 and 3 have it, with this signature):
    ``tests/store/test_woman.py`` holds both ways to the schema's own cast, dtypes and
    index included, and a pandas without it gets the plain constructor.
    """
    labels = _LABELS[name]
    index = pd.RangeIndex(length)
    make = getattr(pd.DataFrame, "_from_arrays", None)
    if make is None:
        return pd.DataFrame(dict(zip(labels, arrays, strict=True)), index=index, copy=False)
    return make(arrays, columns=labels, index=index, verify_integrity=False)


def _typed(dtype: Any, values: tuple[Any, ...]) -> Any:
    """A column's database values as the typed frame holds them (as :func:`coerce` casts
    them, without a frame of Python objects in between: one array per column).

    Text (:func:`~follicle.workbook.frames.text_array`) and whole numbers are built from
    Arrow and numpy arrays: ``pd.array`` infers and checks each value again, which costs
    more than the array on a woman's few rows.
    """
    if dtype == "datetime64[ns]":
        return np.array(values, dtype="datetime64[D]").astype(dtype)
    if dtype == TEXT:
        return text_array(values)
    if dtype == _INT64:
        missing = np.fromiter((v is None for v in values), dtype=bool, count=len(values))
        data = np.fromiter((0 if v is None else v for v in values), np.int64, len(values))
        return pd.arrays.IntegerArray(data, missing)
    if dtype == "Float64":
        values = tuple(None if v is None else float(v) for v in values)
    return pd.array(values, dtype=dtype)


#: Her rows of each table as (key, version) pairs: what a later change of them moves.
Versions = Mapping[str, frozenset[tuple[str, int]]]


def frame_versions(woman: Mapping[str, pd.DataFrame]) -> dict[str, frozenset[tuple[str, int]]]:
    """The (key, version) of each of her rows in the frames of :func:`woman_rows`."""
    if isinstance(woman, WomanRows) and woman.versions.keys() == woman.keys():
        return dict(woman.versions)
    # Python values of a woman's few rows: a cast of each column costs more than the zip.
    return {
        name: frozenset(
            zip(
                map(str, frame[_key_of(name)].tolist()),
                map(int, frame[VERSION].tolist()),
                strict=True,
            )
        )
        if len(frame)
        else frozenset()
        for name, frame in woman.items()
    }


def row_versions(
    connection: Connection, participant_id: str, tables: Iterable[str]
) -> dict[str, frozenset[tuple[str, int]]]:
    """The (key, version) of each of her rows of ``tables``, as the database holds them now.

    Equal to the :func:`frame_versions` of an earlier read when none of those rows was
    added, changed (every write raises the version) or deleted since.
    """
    names = tuple(tables)
    if not names:
        return {}
    pairs: list[set[tuple[str, int]]] = [set() for _ in names]
    for key, version, part in connection.execute(_versions_of(names), {"pid": participant_id}):
        pairs[part].add((str(key), int(version)))
    return {name: frozenset(found) for name, found in zip(names, pairs, strict=True)}


@functools.lru_cache(maxsize=64)
def _versions_of(names: tuple[str, ...]) -> Select[Any] | CompoundSelect[Any]:
    """One query for the (key, version) of her rows of every table of ``names`` (one round
    trip, one statement), each row tagged with its table's position in ``names``; built
    once per set of tables (a save asks for the same few sets again and again)."""
    parts = [_VERSIONS[name].add_columns(literal(i).label("part")) for i, name in enumerate(names)]
    return parts[0] if len(parts) == 1 else union_all(*parts)


def text_value(value: Any) -> str:
    """One value as a workbook cell holds it (``""`` unknown, dates ISO, booleans yes/no)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return ""
    if isinstance(value, bool | np.bool_):
        return "yes" if value else "no"
    if isinstance(value, pd.Timestamp | datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float | np.floating):
        if np.isnan(value):
            return ""
        return str(int(value)) if float(value).is_integer() else repr(float(value))
    if isinstance(value, np.integer):
        return str(int(value))
    return str(value)


def text_frame(name: str, frame: pd.DataFrame) -> pd.DataFrame:
    """The workbook columns of ``frame`` as cell text (what a CSV of the table would hold)."""
    table = TABLES_BY_NAME[name]
    return pd.DataFrame(
        {c: cell_text(frame[c]).astype(object).astype(str) for c in table.column_names},
        index=frame.index,
    )


@dataclass(frozen=True)
class Change:
    """Rows to add to (``added``: cell text, a frame with any index or one mapping per row)
    and remove from (``removed``: index labels of the woman's frame) one table;
    ``replaced`` maps index labels to new cell text."""

    table: str
    added: pd.DataFrame | Sequence[Mapping[str, Any]] | None = None
    replaced: Mapping[int, Mapping[str, str]] | None = None
    removed: tuple[int, ...] = ()


@dataclass(frozen=True)
class Validated:
    """What :func:`validate_change` found: the problems that count and, per table, the typed
    frame after the change with a spreadsheet-row index (``rows`` maps each table's changed
    and added rows to that index). A changed table's frame has the workbook's columns; an
    unchanged one's may also hold the ``row_id`` and ``version`` of :func:`woman_rows`."""

    problems: list[Problem]
    frames: Mapping[str, pd.DataFrame]
    rows: Mapping[str, list[int]]


def _concat(parts: list[pd.DataFrame], template: pd.DataFrame) -> pd.DataFrame:
    """``parts`` stacked (empty ones left out: pandas warns about their dtypes)."""
    kept = [p for p in parts if len(p)]
    if not kept:
        return template.iloc[:0]
    return kept[0] if len(kept) == 1 else pd.concat(kept)


def _check_duplicate_rows(
    frames: Mapping[str, pd.DataFrame], rows: Mapping[str, list[int]], found: ProblemSink
) -> None:
    """A changed row of the workbook's :data:`DUPLICATE_ROW_TABLES` that repeats another row
    of the woman exactly (its ``duplicate_row``, over her typed rows)."""
    for name in DUPLICATE_ROW_TABLES:
        changed = rows.get(name, [])
        if not changed:
            continue
        frame = frames[name]
        # Rows equal in every cell are equal in the second (after participant_id or
        # infant_id, the date or condition): only those few are compared whole.
        # Coded once (-1 unknown), then numpy: a new contact on a new day, the usual save,
        # leaves after one pandas operation.
        codes, _ = pd.factorize(frame.iloc[:, 1])
        wanted = codes[frame.index.get_indexer(changed)]
        alike = np.isin(codes, wanted[wanted >= 0]) | ((codes < 0) & (wanted < 0).any())
        if np.count_nonzero(alike) < 2:
            continue
        frame = frame[alike]
        repeated = frame.astype("string").fillna("\x00").duplicated(keep=False)
        hit = repeated & pd.Series(frame.index.isin(changed), index=frame.index)
        found.add(
            name,
            hit,
            None,
            None,
            "duplicate_row",
            "this row repeats another of hers exactly (every cell is the same), so it would "
            "count twice",
        )


def _workbook_columns(names: tuple[str, ...], frame: pd.DataFrame) -> pd.DataFrame:
    """The columns ``names`` of ``frame``; by position when they come first, in order, as
    :func:`woman_rows` puts them (a third of the cost of selecting them by name)."""
    if tuple(frame.columns[: len(names)]) == names:
        return frame.iloc[:, : len(names)]
    return frame[list(names)]


def _positions(frame: pd.DataFrame, rows: list[int]) -> np.ndarray:
    """Where the rows labelled ``rows`` are in ``frame``; a ``KeyError`` for a label it
    lacks, as ``loc`` and ``drop`` give (``get_indexer`` says -1, which ``iloc`` would
    take as the last row)."""
    at = frame.index.get_indexer(rows)
    if (at < 0).any():
        raise KeyError([row for row, i in zip(rows, at, strict=True) if i < 0])
    return at


def _without(frame: pd.DataFrame, rows: list[int]) -> pd.DataFrame:
    """``frame`` without the rows labelled ``rows`` (by position: on a woman's few rows a
    take costs a fifth of ``drop``, as ``iloc`` does of ``loc``)."""
    if not rows:
        return frame
    kept = np.delete(np.arange(len(frame)), _positions(frame, rows))
    # None left (her one participants row changed): no empty take of every column.
    return frame.iloc[kept] if len(kept) else frame.iloc[:0]


def _rows_of(frame: pd.DataFrame, rows: list[int]) -> pd.DataFrame:
    """The rows labelled ``rows`` of ``frame``; a slice when they are its last ones, as
    added rows are (a tenth of the cost of a lookup by label)."""
    if frame.index[-len(rows) :].tolist() == rows:
        return frame.iloc[-len(rows) :]
    return frame.loc[rows]


def _cell_texts(
    table: Table, added: pd.DataFrame | Sequence[Mapping[str, Any]], *, start: int
) -> pd.DataFrame:
    """The rows ``added`` (a frame, or one mapping per row) as workbook cells hold them
    (:func:`text_value`), indexed from ``start``: the table's columns in order, one a row
    lacks empty.

    Python lists, not pandas' ``fillna``/``astype`` over a frame: a form adds a row or
    two, for which those cost about a millisecond and the lists a tenth of it.
    """
    rows = added.to_dict("records") if isinstance(added, pd.DataFrame) else added
    cells = {c: [text_value(row.get(c)) for row in rows] for c in table.column_names}
    return pd.DataFrame(cells, index=pd.RangeIndex(start, start + len(rows)))


def _replaced_rows(
    table: Table,
    before: pd.DataFrame,
    replaced: Mapping[int, Mapping[str, str]],
    limit: pd.Timestamp,
    found: ProblemSink,
) -> pd.DataFrame:
    """The rows ``before`` (typed, spreadsheet-row index) with the cells of ``replaced``
    put through the workbook's cell parser: only the columns a change names are parsed
    (their text in every replaced row: a changed cell's new text, another row's cell as
    the workbook would hold it); the other cells are the registry's, typed already."""
    columns = [c for c in table.column_names if any(c in values for values in replaced.values())]
    text = pd.DataFrame(
        {
            c: [
                str(replaced[row][c]) if c in replaced[row] else text_value(before.at[row, c])
                for row in before.index
            ]
            for c in columns
        },
        index=before.index,
    )
    parsed = parse_table(table, RawTable(table, table.name, text), limit, found, columns=columns)
    return before.assign(**{c: parsed[c] for c in columns})


def validate_change(
    woman: Mapping[str, pd.DataFrame], changes: list[Change], *, today: date | None = None
) -> Validated:
    """Validate the woman's rows with ``changes`` applied (see the module docstring).

    Only the changed and added rows go through the workbook's cell parser (their text is
    what a workbook cell would hold); the rows already in the registry are typed already.
    Then the workbook's checks of IDs (in the changed tables) and references (of the changed
    rows), and the consistency rules that read a changed table (:func:`affected_rules`)
    over her rows of the tables they read (:func:`tables_needed`; ``woman`` need hold no
    other). A rule that reads no changed table cannot find anything new, so it is not run.
    Existing rows keep their frame position (+2, as spreadsheet rows); added rows follow
    them; :attr:`Validated.rows` says where each changed row went.
    """
    limit = pd.Timestamp(today or date.today())
    found = ProblemSink()
    by_table = {c.table: c for c in changes}
    needed = tables_needed(by_table)
    frames: dict[str, pd.DataFrame] = {}
    changed_rows: dict[str, list[int]] = {}
    for table in TABLES:
        changed_rows[table.name] = []
        stored = woman.get(table.name)
        if table.name not in needed or stored is None or not len(stored):
            if table.name not in by_table:
                frames[table.name] = _EMPTY[table.name]
                continue
            stored = _EMPTY[table.name]
        change = by_table.get(table.name)
        if change is None:
            # The rules read an unchanged table by column name, so woman_rows' row_id and
            # version may stay: taking the workbook's columns alone costs more than the rest.
            frames[table.name] = stored.set_axis(stored.index + 2)
            continue
        existing = _workbook_columns(table.column_names, stored)
        existing = existing.set_axis(existing.index + 2)
        parts = []
        replaced = {position + 2: values for position, values in (change.replaced or {}).items()}
        if replaced:
            before = existing.iloc[_positions(existing, list(replaced))]
            parts.append(_replaced_rows(table, before, replaced, limit, found))
        if change.added is not None and len(change.added):
            added = _cell_texts(table, change.added, start=len(existing) + 2)
            parts.append(parse_table(table, RawTable(table, table.name, added), limit, found))
        changed_rows[table.name] = [row for part in parts for row in part.index.tolist()]
        gone = [i + 2 for i in change.removed] + list(replaced)
        parts.insert(0, _without(existing, gone))
        joined = _concat(parts, existing)
        # Usually in order already (rows added after hers, or one row replaced in place).
        frames[table.name] = joined if joined.index.is_monotonic_increasing else joined.sort_index()
    labels = {t.name: t.name for t in TABLES}
    # IDs: duplicates only matter in the changed tables; references only from changed rows.
    keys = check_keys(
        {n: f if n in by_table else _EMPTY[n] for n, f in frames.items()}, labels, found
    )
    # The IDs a changed row may name (the first occurrence kept, as check_keys does).
    named = {t for name in by_table for t in _REFERENCED[name]}
    keys.update({n: frames[n][_KEYS[n]].dropna() for n in named if n not in by_table})
    _check_duplicate_rows(frames, changed_rows, found)
    changed_only = {
        name: _rows_of(frames[name], rows) if rows else _EMPTY[name]
        for name, rows in changed_rows.items()
    }
    check_references(changed_only, labels, labels, keys, found, unread=frozenset())
    remembering = SharedFrames(frames)
    codes = affected_rules(by_table)
    for code in codes:
        RULE_CHECKS[code](remembering, labels, found)
    if "before_first_injection" in codes:
        events_of_untreated_women(remembering, labels, found)
    problems = [
        p
        for p in found.problems
        if p.rule in RULES_BY_CODE or (p.row is not None and p.row in changed_rows.get(p.file, []))
    ]
    return Validated(problems, frames, changed_rows)


def plain(value: Any) -> Any:
    """A typed frame's cell as a Python value for the database (``None`` unknown)."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp):
        return value.date()
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.floating):
        return None if np.isnan(value) else float(value)
    return value


def typed_row(frame: pd.DataFrame, index: int) -> dict[str, Any]:
    """Row ``index`` of a typed frame as Python values, by column."""
    row = frame.iloc[frame.index.get_loc(index)]
    if row.dtype != object:  # one common dtype would have cast the values (ints to floats)
        return {c: plain(frame.at[index, c]) for c in frame.columns}
    # One row taken whole: a lookup per cell costs more than the row.
    return {c: plain(v) for c, v in zip(frame.columns, row.tolist(), strict=True)}
