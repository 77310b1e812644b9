"""Comparing the workbook's women with the registry: what to insert, update and delete.

For each table the incoming rows (:mod:`follicle.store.importing.incoming`) are set against the
registry's rows for the same women (:mod:`follicle.store.importing.existing`), with pandas, never
row by row:

* tables with IDs are merged on the ID and compared cell by cell, aligned on it; a woman's
  new IDs are inserted, changed rows updated, and IDs the workbook no longer has deleted;
* tables without IDs are compared as multisets (exact row factorisation and counts: order
  does not matter, and neither do duplicates beyond their count); a woman whose multiset
  differs has all her rows in that table replaced.

The result is a :class:`Plan`: the writes, the rows as they were (for the audit) and, for
the women already in the registry, one :class:`~follicle.errors.Problem` per difference —
what a :class:`~follicle.errors.Conflict` shows a coordinator when ``update`` is false.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from follicle.errors import Problem
from follicle.store.exporting.exporter import cell_text
from follicle.store.importing.incoming import OWNER, ROW, row_problems
from follicle.workbook.keys import isin
from follicle.workbook.schema import TABLES
from follicle.workbook.schema import Table as SchemaTable


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
    keys = [OWNER, *columns]
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
class Plan:
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
                found.update(pd.unique(frame[OWNER].dropna().to_numpy(dtype=object)))
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
    plan: Plan,
) -> None:
    """Inserts, updates and deletes of a table with IDs: a merge on the key."""
    key = table.key
    assert key is not None
    columns = [c for c in table.column_names if c != key]
    plan.inserts[table.name] = new[~isin(new[key], old[key])]
    plan.deletes[table.name] = old[~isin(old[key], new[key])]

    both = new[isin(new[key], old[key])]
    now = both.set_index(key)
    was = old.drop_duplicates(key).set_index(key).loc[now.index]
    differs = _differs(now, was, columns)
    changed = differs.any(axis=1).to_numpy()
    plan.updates[table.name] = both[changed]
    plan.before[table.name] = pd.concat(
        [old[isin(old[key], both.loc[changed, key])], plan.deletes[table.name]]
    )

    # What a coordinator must look at, for the women already in the registry.
    flagged = differs.to_numpy() & (changed & isin(now[OWNER], known).to_numpy())[:, None]
    at_row, at_column = np.nonzero(flagged)
    if len(at_row):
        now_text = np.column_stack([cell_text(now[c]).to_numpy(dtype=object) for c in columns])
        was_text = np.column_stack([cell_text(was[c]).to_numpy(dtype=object) for c in columns])
        old_values = pd.Series(was_text[at_row, at_column], dtype="string").replace("", "(empty)")
        message = (
            "participant "
            + pd.Series(now[OWNER].to_numpy()[at_row], dtype="string")
            + ": the registry holds "
            + old_values
        )
        if table.name != "participants":  # her own row needs no ID beyond hers
            message += f" for {key} " + pd.Series(now.index.to_numpy()[at_row], dtype="string")
        plan.differences += [
            Problem(label, int(row), columns[c], value, "differs_from_registry", text)
            for row, c, value, text in zip(
                now[ROW].to_numpy()[at_row],
                at_column,
                now_text[at_row, at_column],
                message,
                strict=True,
            )
        ]
    added = plan.inserts[table.name]
    added = added[isin(added[OWNER], known)]
    plan.differences += row_problems(
        label,
        added,
        key,
        "not_in_registry",
        "participant " + added[OWNER].astype(str) + f": the registry has no such {key} for her",
    )
    gone = plan.deletes[table.name]
    plan.differences += row_problems(
        label,
        gone,
        key,
        "missing_from_workbook",
        "participant "
        + gone[OWNER].astype(str)
        + f": the registry holds this {key}, the workbook does not",
        located=False,
    )


def _plan_keyless(
    table: SchemaTable,
    new: pd.DataFrame,
    old: pd.DataFrame,
    label: str,
    known: set[str],
    plan: Plan,
) -> None:
    """Rows without IDs: a woman's rows are replaced when their multiset differs."""
    columns = list(table.column_names)
    # Only the rows of women with rows on both sides need comparing: a woman the registry
    # holds no row of is changed by any row of hers (every woman, for a new registry).
    shared = isin(new[OWNER], old[OWNER]).to_numpy(dtype=bool)
    new_id, old_id, n = _row_ids(new[shared], old, columns)
    count_new = np.bincount(new_id, minlength=n)
    count_old = np.bincount(old_id, minlength=n)
    unequal = count_new != count_old  # per distinct row: a woman's multiset differs
    owners = new[OWNER].to_numpy()
    changed = (
        set(pd.unique(owners[~shared]))
        | set(owners[shared][unequal[new_id]])
        | set(old[OWNER].to_numpy()[unequal[old_id]])
    )
    plan.inserts[table.name] = new[isin(new[OWNER], changed)]
    plan.deletes[table.name] = old[isin(old[OWNER], changed)]
    plan.updates[table.name] = new.iloc[:0]  # rows without IDs are replaced, not updated
    plan.before[table.name] = plan.deletes[table.name]

    # Multiset difference: the k-th copy of a row is matched by the k-th copy on the other
    # side, so a row the workbook holds twice and the registry once is one row "added".
    new_copy = pd.Series(new_id).groupby(new_id).cumcount().to_numpy()
    old_copy = pd.Series(old_id).groupby(old_id).cumcount().to_numpy()
    in_new = np.zeros(len(new), dtype=bool)
    in_new[shared] = new_copy < count_old[new_id]  # this copy is also in the registry
    in_old = old_copy < count_new[old_id]  # this copy is also in the workbook
    added = new[isin(new[OWNER], changed & known).to_numpy(dtype=bool) & ~in_new]
    gone = old[isin(old[OWNER], changed).to_numpy(dtype=bool) & ~in_old]
    problems, described = _added_rows(table, added, gone, label)
    plan.differences += problems
    # A registry row the workbook lacks is said once: in the problem of the workbook's row
    # most like it, if it is one's, else below.
    gone = gone[~np.isin(np.arange(len(gone)), described)]
    plan.differences += row_problems(
        label,
        gone,
        None,
        "missing_from_workbook",
        "participant "
        + gone[OWNER].astype(str)
        + ": the registry holds a row the workbook lacks ("
        + _describe(gone, [c for c in columns if c != table.owner[0]])
        + ")",
        located=False,
    )


def _added_rows(
    table: SchemaTable, added: pd.DataFrame, gone: pd.DataFrame, label: str
) -> tuple[list[Problem], np.ndarray]:
    """The problems of a keyless table's workbook rows that the registry lacks (``added``),
    each located by row, column and value; and the positions in ``gone`` (the registry's
    rows the workbook lacks) that they describe.

    A row without an ID has no twin to be compared with, so each is set against the
    registry's row of the same woman that the workbook lacks and that is most like it (the
    fewest cells differ): each cell that differs from that row is a problem, quoting what
    the registry holds. A row with no such row of hers to set it against is new: it is
    named by its first cell (the date or the condition it records) and described whole.
    """
    columns = [c for c in table.column_names if c != table.owner[0]]
    if added.empty:
        return [], np.array([], dtype=np.int64)
    now = added.reset_index(drop=True)
    was = gone.reset_index(drop=True)
    # Every pair of a new row and a lacking row of the same woman (a woman's few rows).
    pairs = pd.DataFrame({OWNER: now[OWNER], "_new": np.arange(len(now))}).merge(
        pd.DataFrame({OWNER: was[OWNER], "_was": np.arange(len(was))}), on=OWNER
    )
    left = now.iloc[pairs["_new"].to_numpy()].reset_index(drop=True)
    right = was.iloc[pairs["_was"].to_numpy()].reset_index(drop=True)
    differs = _differs(left, right, columns).to_numpy()
    # For each new row, its pair with the fewest differing cells (the first, on a tie).
    order = np.lexsort((differs.sum(axis=1), pairs["_new"].to_numpy()))
    ordered = pairs["_new"].to_numpy()[order]
    best = order[np.r_[True, ordered[1:] != ordered[:-1]]] if len(order) else order
    best = best[differs[best].any(axis=1)]
    at_pair, at_column = np.nonzero(differs[best])
    at_pair = best[at_pair]
    now_text = {c: cell_text(left[c]).to_numpy(dtype=object) for c in columns}
    was_text = {c: cell_text(right[c]).to_numpy(dtype=object) for c in columns}
    whole = _describe(right, columns).to_numpy(dtype=object)
    problems = [
        Problem(
            label,
            int(left[ROW].iat[p]),
            columns[c],
            now_text[columns[c]][p],
            "differs_from_registry",
            f"participant {left[OWNER].iat[p]}: the registry holds "
            f"{was_text[columns[c]][p] or '(empty)'} in her row most like this one "
            f"({whole[p]}), which the workbook lacks",
        )
        for p, c in zip(at_pair, at_column, strict=True)
    ]
    paired = pairs["_new"].to_numpy()[best]
    new_rows = now[~np.isin(np.arange(len(now)), paired)]
    first = columns[0]
    problems += row_problems(
        label,
        new_rows,
        first,
        "not_in_registry",
        "participant "
        + new_rows[OWNER].astype(str)
        + ": the registry has no such row for her ("
        + _describe(new_rows, columns)
        + "): it is new in the workbook, or one copy more than the registry holds",
    )
    return problems, pairs["_was"].to_numpy()[best]


def plan_changes(
    incoming: Mapping[str, pd.DataFrame],
    registry: Mapping[str, pd.DataFrame],
    labels: Mapping[str, str],
    known: set[str],
) -> Plan:
    """The writes that bring the registry's rows for these women in line with the workbook.

    Parameters
    ----------
    incoming
        The workbook's frames (:func:`~follicle.store.importing.incoming.incoming_frames`).
    registry
        The registry's rows for the same women
        (:func:`~follicle.store.importing.existing.existing_rows`).
    labels
        How each table is named in messages.
    known
        The women already in the registry: only their differences become Problems.
    """
    plan = Plan()
    for table in TABLES:
        new, old = incoming[table.name], registry[table.name]
        if table.key is not None:
            _plan_keyed(table, new, old, labels[table.name], known, plan)
        else:
            _plan_keyless(table, new, old, labels[table.name], known, plan)
    return plan
