"""One woman's rows, as the registry holds them and as the workbook's validation sees them.

The web registry changes one woman at a time. :func:`woman_rows` reads every row of hers
(all eight workbook tables, with ``row_id`` and ``version``); :func:`validate_change`
puts her rows, with a change applied, through the workbook's own validation — the cell
parser of :mod:`follicle.workbook.validate` for the changed rows, its checks of IDs and
references and every rule of :mod:`follicle.workbook.rules` over all her rows — as if she
were a workbook of her own.

Which problems count: every problem on a changed row (cells and rules), and every problem of
a consistency rule across rows (:data:`follicle.workbook.schema.RULES`) wherever it lands —
a new contact or pregnancy can break a rule on a row that did not change. Cell problems on
unchanged rows are not the change's doing and are left out (the registry's rows passed
validation when they came in, so there are none unless the rules themselves changed).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, select

from follicle.errors import Problem
from follicle.store.audit import owner_condition
from follicle.store.exporter import cell_text
from follicle.store.tables import ROW_ID, VERSION, WORKBOOK_TABLES
from follicle.workbook.frames import coerce
from follicle.workbook.problems import ProblemSink
from follicle.workbook.read import RawTable
from follicle.workbook.rules import check_rules
from follicle.workbook.schema import RULES_BY_CODE, TABLES, TABLES_BY_NAME

# The workbook's own passes, one by one: the cell parser for the changed rows only, the
# checks of IDs and references and the rules over all her rows. (Private to
# follicle.workbook.validate, whose public validate() would parse every row again.)
from follicle.workbook.validate import _check_keys, _check_references, _parse_table


def woman_rows(connection: Connection, participant_id: str) -> dict[str, pd.DataFrame]:
    """Every registry row of the woman, per workbook table (schema order).

    Each frame has the table's columns typed as in a :class:`~follicle.workbook.frames.Workbook`,
    plus ``row_id`` (tables without a key) and ``version`` (``Int64``).
    """
    rows = {}
    for table in TABLES:
        sql = WORKBOOK_TABLES[table.name]
        result = connection.execute(
            select(sql).where(owner_condition(table.name)([participant_id]))
        )
        raw = pd.DataFrame([tuple(r) for r in result], columns=list(result.keys()))
        typed = coerce(table, raw)
        extras = [ROW_ID, VERSION] if table.key is None else [VERSION]
        for column in extras:
            typed[column] = (
                raw[column].astype("Int64") if len(raw) else pd.Series([], dtype="Int64")
            )
        rows[table.name] = typed.reset_index(drop=True)
    return rows


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
    """Rows to add to (``added``: cell text, any index) and remove from (``removed``: index
    labels of the woman's frame) one table; ``replaced`` maps index labels to new cell text."""

    table: str
    added: pd.DataFrame | None = None
    replaced: Mapping[int, Mapping[str, str]] | None = None
    removed: tuple[int, ...] = ()


@dataclass(frozen=True)
class Validated:
    """What :func:`validate_change` found: the problems that count and, per table, the typed
    frame after the change with a spreadsheet-row index (``rows`` maps each table's changed
    and added rows to that index)."""

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
    """A changed row of a table without IDs that repeats another row of the woman exactly
    (the workbook's ``duplicate_row``; injections are left to ``same_day_injection``)."""
    for table in TABLES:
        changed = rows.get(table.name, [])
        if table.key is not None or table.name == "injections" or not changed:
            continue
        frame = frames[table.name]
        repeated = frame.astype("string").fillna("\x00").duplicated(keep=False)
        hit = repeated & pd.Series(frame.index.isin(changed), index=frame.index)
        found.add(
            table.name,
            hit,
            None,
            None,
            "duplicate_row",
            "this row repeats another of hers exactly (every cell is the same), so it would "
            "count twice",
        )


def validate_change(
    woman: Mapping[str, pd.DataFrame], changes: list[Change], *, today: date | None = None
) -> Validated:
    """Validate the woman's rows with ``changes`` applied (see the module docstring).

    Only the changed and added rows go through the workbook's cell parser (their text is
    what a workbook cell would hold); the rows already in the registry are typed already.
    Then, over all her rows, the workbook's checks of IDs and references and every
    consistency rule. Existing rows keep their frame position (+2, as spreadsheet rows);
    added rows follow them; :attr:`Validated.rows` says where each changed row went.
    """
    limit = pd.Timestamp(today or date.today())
    found = ProblemSink()
    by_table = {c.table: c for c in changes}
    frames: dict[str, pd.DataFrame] = {}
    changed_rows: dict[str, list[int]] = {}
    for table in TABLES:
        existing = woman[table.name][list(table.column_names)]
        existing = existing.set_axis(existing.index + 2)
        change = by_table.get(table.name)
        if change is None:
            frames[table.name] = existing
            changed_rows[table.name] = []
            continue
        texts: list[pd.DataFrame] = []
        replaced = {position + 2: values for position, values in (change.replaced or {}).items()}
        if replaced:
            text = text_frame(table.name, existing.loc[list(replaced)])
            for row, values in replaced.items():
                for column, value in values.items():
                    text.loc[row, column] = value
            texts.append(text)
        if change.added is not None and len(change.added):
            start = len(woman[table.name]) + 2
            added = change.added.reindex(columns=list(table.column_names), fill_value="")
            added = added.fillna("").astype(object).astype(str)
            texts.append(added.set_axis(pd.RangeIndex(start, start + len(added))))
        gone = [i + 2 for i in change.removed] + list(replaced)
        kept = existing.drop(index=gone)
        parts = [kept]
        rows: list[int] = []
        if texts:
            text = pd.concat(texts) if len(texts) > 1 else texts[0]
            parsed = _parse_table(table, RawTable(table, table.name, text), limit, found)
            parts.append(parsed)
            rows = text.index.tolist()
        frames[table.name] = _concat(parts, existing).sort_index()
        changed_rows[table.name] = rows
    labels = {t.name: t.name for t in TABLES}
    keys = _check_keys(frames, labels, found)
    _check_duplicate_rows(frames, changed_rows, found)
    _check_references(frames, labels, labels, keys, found, unread=frozenset())
    check_rules(frames, labels, found)
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
    return {c: plain(frame.at[index, c]) for c in frame.columns}
