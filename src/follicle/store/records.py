"""Reading and changing the registry's records, one at a time, as a signed-in user.

Every function takes the acting :class:`~follicle.store.access.accounts.User` and checks her role
and sites itself (defence in depth: the web layer checks too):

* **admin** — everything, every site;
* **coordinator** — reads and writes the women of her own sites;
* **reviewer** — reads the women of her own sites (never their names or phones);
* **analyst** — none of this (reports and de-identified exports only).

A woman of a site the user may not see is :class:`~follicle.errors.NotFound`, with the
same message as an ID that does not exist, so that IDs cannot be probed.

**Writes** (:func:`create`, :func:`update`, :func:`delete`) run in the caller's
transaction; they take the registry's write lock first (:func:`lock_for_write`), validate
the woman's rows after the change with the workbook's own validation
(:func:`follicle.store.woman.validate_change`; :class:`~follicle.errors.WorkbookInvalid`
whose problems name the column), write, and append an audit entry with the whole row
before and after and the reason. Changing or deleting saved data needs a reason.

**Versions.** Every row carries a ``version`` (1 when created, +1 per change). An update or
delete names the version the user started from; if the row has moved on since,
:class:`VersionConflict` lists what the other person changed — never a silent overwrite.

**Keys.** A row is named by its table's key (``participant_id``, ``cycle_id``,
``pregnancy_id``, ``infant_id``) or, in the tables without one, by its ``row_id`` as text.
A new pregnancy, IVF cycle or infant without a key gets one: ``<participant>-P<n>``,
``<participant>-C<n>``, ``<pregnancy>-I<n>``. In the audit log, rows of a woman other than
her participants and identity rows are keyed ``<participant_id>/<key>``, so that her
trail is one query.

**Identity** (``participant_identity``: full name and phone) is edited like a table, seen
only by admins and her site's coordinators, and audited without its values: the audit
log holds ``"[redacted]"`` (and ``"[redacted: changed]"`` for a changed value), never a
name or number.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any

import pandas as pd
from sqlalchemy import Connection, Table, bindparam, func, insert, or_, select
from sqlalchemy import delete as sql_delete
from sqlalchemy import update as sql_update

from follicle.errors import Conflict, NotFound, PermissionDenied, Problem, WorkbookInvalid
from follicle.store.access.accounts import User
from follicle.store.audit_log.chain import append_entry, lock_chain, row_json
from follicle.store.follow_up.adjudication import judged_events
from follicle.store.phones import phone_problems
from follicle.store.tables import (
    LIKE_ESCAPE,
    ROW_ID,
    VERSION,
    WORKBOOK_TABLES,
    audit_log,
    fits_integer_key,
    judgments,
    key_of_hers,
    like_literal,
    participant_identity,
)
from follicle.store.woman import (
    Change,
    Versions,
    frame_versions,
    row_versions,
    tables_needed,
    text_value,
    typed_row,
    validate_change,
    woman_rows,
)
from follicle.workbook.schema import TABLES, TABLES_BY_NAME

IDENTITY = "participant_identity"

#: The identity columns a user edits.
IDENTITY_COLUMNS = ("full_name", "phone")

#: What the audit log holds instead of a name or phone number.
REDACTED = "[redacted]"
REDACTED_CHANGED = "[redacted: changed]"

#: The tables :func:`create`, :func:`update` and :func:`delete` accept.
EDITABLE_TABLES = (*(t.name for t in TABLES), IDENTITY)

#: Prefixes of the keys given to new rows: ``<owner key>-<prefix><n>``.
_KEY_PREFIX = {"pregnancies": "P", "ivf_cycles": "C", "infants": "I"}

#: Another name for :func:`follicle.store.audit_log.chain.lock_chain`: call it first in a write
#: transaction (before any read) so that writers queue instead of failing on SQLite.
lock_for_write = lock_chain


@dataclass(frozen=True)
class Saved:
    """A row written: its table, its key (text) and its version now."""

    table: str
    key: str
    version: int


@dataclass(frozen=True)
class Changed:
    """One column another person changed: the value saved now (theirs) and yours."""

    column: str
    theirs: str
    yours: str


class VersionConflict(Conflict):
    """The row changed since the user opened it; ``changed`` lists what the other person
    changed (column: their value vs yours), ``version`` is the row's version now."""

    def __init__(
        self, table: str, key: str, version: int, changed: list[Changed], *, sent: int = 0
    ) -> None:
        self.table = table
        self.key = key
        self.version = version
        self.changed = changed
        listed = "; ".join(f"{c.column}: theirs {c.theirs!r} vs yours {c.yours!r}" for c in changed)
        noun = TABLES_BY_NAME[table].noun if table in TABLES_BY_NAME else "record"
        if sent > version:
            # Not a concurrent save: a version the row never had (a client's mistake).
            super().__init__(
                f"this {noun} ({table} {key}) is at version {version}, not {sent}: send the "
                "version you read; nothing was saved"
            )
            return
        super().__init__(
            f"someone else saved this {noun} ({table} {key}) after you opened it; "
            "nothing was saved. "
            + (f"What they changed: {listed}." if listed else "Reload it to see the changes.")
        )


# -- permissions ---------------------------------------------------------------------------


def _not_found(participant_id: str) -> NotFound:
    return NotFound(f"there is no participant {participant_id} that you may see")


def _require_reader(actor: User) -> None:
    if actor.role == "analyst":
        raise PermissionDenied("analysts see reports and de-identified exports only")


def _require_writer(actor: User) -> None:
    if not actor.can_write:
        raise PermissionDenied(f"a {actor.role} cannot change records")


#: Her site (built once: every save asks it, under the lock too).
_SITE_OF = select(WORKBOOK_TABLES["participants"].c.site).where(
    WORKBOOK_TABLES["participants"].c.participant_id == bindparam("pid")
)


def _site_of(connection: Connection, participant_id: str) -> str | None:
    return connection.execute(_SITE_OF, {"pid": participant_id}).scalar_one_or_none()


def visible_site(connection: Connection, actor: User, participant_id: str) -> str:
    """The woman's site, if she exists and the actor may see her; else NotFound."""
    site = _site_of(connection, participant_id)
    if site is None or not actor.can_see_site(site):
        raise _not_found(participant_id)
    return site


# -- rows ------------------------------------------------------------------------------


def _sql(table: str) -> Table:
    if table == IDENTITY:
        return participant_identity
    if table not in WORKBOOK_TABLES:
        raise NotFound(f"there is no table {table!r}")
    return WORKBOOK_TABLES[table]


def _key_column(table: str) -> str:
    if table == IDENTITY:
        return "participant_id"
    return TABLES_BY_NAME[table].key or ROW_ID


def _data_columns(table: str) -> tuple[str, ...]:
    if table == IDENTITY:
        return ("participant_id", *IDENTITY_COLUMNS)
    return TABLES_BY_NAME[table].column_names


def _key_value(table: str, key: str) -> Any:
    if _key_column(table) == ROW_ID:
        try:
            number = int(key)
        except ValueError:
            raise NotFound(f"there is no {table} row {key!r}") from None
        if not fits_integer_key(number):
            raise NotFound(f"there is no {table} row {key!r}")
        return number
    return key


def _fetch(connection: Connection, table: str, key: str) -> dict[str, Any] | None:
    sql = _sql(table)
    row = connection.execute(
        select(sql).where(sql.c[_key_column(table)] == _key_value(table, key))
    ).first()
    return None if row is None else dict(row._mapping)


def _owner(connection: Connection, table: str, values: Mapping[str, Any]) -> str | None:
    """The participant_id a row (given by its values) belongs to, up the owner chain."""
    if table in (IDENTITY, "participants"):
        return _text(values.get("participant_id")) or None
    name = table
    column, parent = TABLES_BY_NAME[name].owner
    value = _text(values.get(column))
    while parent not in (name, "participants"):
        parent_sql = WORKBOOK_TABLES[parent]
        parent_key = TABLES_BY_NAME[parent].key
        assert parent_key is not None
        name = parent
        column, parent = TABLES_BY_NAME[name].owner
        found = connection.execute(
            select(parent_sql.c[column]).where(parent_sql.c[parent_key] == value)
        ).scalar_one_or_none()
        if found is None:
            return None
        value = str(found)
    return value or None


def _text(value: Any) -> str:
    return text_value(value).strip() if not isinstance(value, str) else value.strip()


def audit_key(table: str, participant_id: str, key: str) -> str:
    return key if table in (IDENTITY, "participants") else f"{participant_id}/{key}"


def _redacted(row: Mapping[str, Any], changed: frozenset[str] = frozenset()) -> dict[str, Any]:
    """An identity row fit for the audit log: names and phones replaced by markers."""
    out = dict(row)
    for column in IDENTITY_COLUMNS:
        if out.get(column) not in (None, ""):
            out[column] = REDACTED_CHANGED if column in changed else REDACTED
        elif column in changed:
            out[column] = REDACTED_CHANGED
    return out


def audit_row(
    table: str, row: Mapping[str, Any] | None, changed: frozenset[str] = frozenset()
) -> str | None:
    if row is None:
        return None
    shown = {c: row.get(c) for c in (*_data_columns(table), VERSION)}
    if table in WORKBOOK_TABLES and TABLES_BY_NAME[table].key is None:
        shown = {ROW_ID: row.get(ROW_ID), **shown}
    if table == IDENTITY:
        shown = _redacted(shown, changed)
    return row_json(shown)


def new_key(connection: Connection, table: str, owner_key: str) -> str:
    """The next free ``<owner>-<prefix><n>`` key of ``table``."""
    sql = WORKBOOK_TABLES[table]
    key = sql.c[_key_column(table)]
    stem = f"{owner_key}-{_KEY_PREFIX[table]}"
    taken = connection.execute(select(key).where(func.substr(key, 1, len(stem)) == stem)).scalars()
    numbers = [int(k[len(stem) :]) for k in taken if k[len(stem) :].isdigit()]
    return f"{stem}{max(numbers, default=0) + 1}"


#: What a user is told when the ID she typed is taken. IDs are unique across the whole
#: registry (the workbook merges every site), so a taken ID may belong to a woman of a site
#: she may not see: the words are the same wherever the ID is used, and name no site and
#: no woman, so that a refusal cannot be told from one about her own site's records.
ID_TAKEN = (
    "this ID cannot be used: it is taken in the registry (IDs are unique across all "
    "sites). Choose another"
)


def _taken(table: str, column: str, value: str) -> WorkbookInvalid:
    """The refusal of an ID that is taken, as a problem on its field (see :data:`ID_TAKEN`)."""
    message = ID_TAKEN
    if table != "participants":
        message += ", or leave it empty and the registry will give one"
    return WorkbookInvalid([Problem(table, None, column, value, "duplicate_id", message)])


def _invalid(problems: list[Problem]) -> WorkbookInvalid:
    return WorkbookInvalid(problems)


def _require_reason(table: str, reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise WorkbookInvalid(
            [
                Problem(
                    table,
                    None,
                    "reason",
                    "",
                    "required",
                    "a reason is required to change saved data",
                )
            ]
        )
    return reason


# -- writes ----------------------------------------------------------------------------


def create(connection: Connection, actor: User, table: str, values: Mapping[str, Any]) -> Saved:
    """Add one row to ``table`` (a workbook table or ``participant_identity``); audited.

    ``values`` are cell text (``""`` unknown) or typed values. A keyed child table's key may
    be left out and is then given (see the module docstring).

    Raises
    ------
    PermissionDenied
        The actor may not write, or (for a new woman) not at that site.
    NotFound
        The woman (or the parent row) does not exist or is of a site the actor may not see.
    WorkbookInvalid
        The woman's rows with this one added break the workbook's rules, or the key is
        taken (:data:`ID_TAKEN`, whatever site holds it).
    """
    _require_writer(actor)
    _sql(table)
    lock_for_write(connection)
    given = {c: _text(values.get(c)) for c in _data_columns(table) if c in values}
    if table == "participants":
        pid = given.get("participant_id", "")
        site = given.get("site", "")
        if not pid:
            raise WorkbookInvalid(
                [
                    Problem(
                        table, None, "participant_id", "", "required", "participant_id is required"
                    )
                ]
            )
        if site and not actor.can_see_site(site):
            raise PermissionDenied(f"you cannot enrol women at site {site}")
        if _site_of(connection, pid) is not None:
            raise _taken(table, "participant_id", pid)
    else:
        pid = _owner(connection, table, given) or ""
        if not pid:
            raise _not_found(given.get("participant_id") or "(none)")
        visible_site(connection, actor, pid)
    if table == IDENTITY:
        return _create_identity(connection, actor, pid, given)

    key_column = _key_column(table)
    if key_column != ROW_ID and table != "participants" and not given.get(key_column):
        owner_column = TABLES_BY_NAME[table].owner[0]
        given[key_column] = new_key(connection, table, given[owner_column])
    if key_column != ROW_ID and _fetch(connection, table, given[key_column]) is not None:
        raise _taken(table, key_column, given[key_column])

    woman = woman_rows(connection, pid, tables_needed([table]))
    checked = validate_change(woman, [Change(table, added=[given])])
    if checked.problems:
        raise _invalid(checked.problems)
    (position,) = checked.rows[table]
    row = typed_row(checked.frames[table], position)
    sql = _sql(table)
    inserted = connection.execute(insert(sql).returning(sql.c[key_column]), {**row, VERSION: 1})
    key = str(inserted.scalar_one())
    stored = {**row, VERSION: 1, **({ROW_ID: int(key)} if key_column == ROW_ID else {})}
    append_entry(
        connection,
        actor=actor.username,
        action="create",
        table_name=table,
        record_key=audit_key(table, pid, key),
        after=audit_row(table, stored),
    )
    return Saved(table, key, 1)


def _create_identity(
    connection: Connection, actor: User, pid: str, given: Mapping[str, str]
) -> Saved:
    if _fetch(connection, IDENTITY, pid) is not None:
        raise Conflict(f"participant {pid} has an identity record already")
    if problems := phone_problems(IDENTITY, given):
        raise _invalid(problems)
    row = {"participant_id": pid, **{c: given.get(c) or None for c in IDENTITY_COLUMNS}, VERSION: 1}
    connection.execute(insert(participant_identity), row)
    append_entry(
        connection,
        actor=actor.username,
        action="create",
        table_name=IDENTITY,
        record_key=pid,
        after=audit_row(IDENTITY, row),
    )
    return Saved(IDENTITY, pid, 1)


def _conflict(
    connection: Connection,
    table: str,
    key: str,
    audit_key: str,
    current: Mapping[str, Any],
    version: int,
    yours: Mapping[str, str],
) -> VersionConflict:
    """What another person changed since ``version``: from the audit entry that saved
    ``version`` when there is one, else every column where yours differs from theirs (none
    for a version the row has not reached)."""
    if version > int(current[VERSION]):
        return VersionConflict(table, key, int(current[VERSION]), [], sent=version)
    base: dict[str, Any] | None = None
    entries = connection.execute(
        select(audit_log.c.after)
        .where(audit_log.c.table_name == table, audit_log.c.record_key == audit_key)
        .order_by(audit_log.c.id)
    ).scalars()
    for after in entries:
        if after and json.loads(after).get(VERSION) == version:
            base = json.loads(after)
    columns = list(_data_columns(table))
    theirs = {c: _text(current.get(c)) for c in columns}
    if base is not None and table != IDENTITY:
        was = {c: _text(base.get(c)) for c in columns}
        moved = [c for c in columns if was[c] != theirs[c]]
        changed = [Changed(c, theirs[c], yours.get(c, was[c])) for c in moved]
    else:
        changed = [Changed(c, theirs[c], v) for c, v in yours.items() if theirs.get(c) != v]
    return VersionConflict(table, key, int(current[VERSION]), changed)


def _change_request(actor: User, table: str, reason: str) -> str:
    """The reason (trimmed) of a change or a deletion of ``table`` by ``actor``, who must
    be a writer, and who must give one (else :class:`PermissionDenied`,
    :class:`WorkbookInvalid`)."""
    _require_writer(actor)
    _sql(table)
    return _require_reason(table, reason)


def _row_and_woman(
    connection: Connection, table: str, key: str
) -> tuple[dict[str, Any], str] | None:
    """Row ``key`` of ``table`` as it is now and the ID of the woman it is of, or ``None``
    (no such row, or of no woman)."""
    current = _fetch(connection, table, key)
    pid = None if current is None else _owner(connection, table, current)
    return None if current is None or pid is None else (current, pid)


def _row_to_change(
    connection: Connection, actor: User, table: str, key: str, reason: str
) -> tuple[str, dict[str, Any], str]:
    """What a change or a deletion starts with: a writer, a reason, the registry locked,
    and the row as it is now, of a woman the actor may see (else :class:`NotFound`).

    Returns the reason (trimmed), the row and its woman's ID.
    """
    reason = _change_request(actor, table, reason)
    lock_for_write(connection)
    found = _row_and_woman(connection, table, key)
    if found is None:
        raise NotFound(f"there is no {table} {key} that you may see")
    current, pid = found
    visible_site(connection, actor, pid)
    return reason, current, pid


@dataclass(frozen=True)
class CheckedUpdate:
    """A change of one row validated against her rows as they were (:func:`check_update`):
    what was asked, the columns it changes with their typed values, and the (key, version)
    of every row of hers the validation read."""

    actor: User
    table: str
    key: str
    version: int
    differing: Mapping[str, str]
    new_values: Mapping[str, Any]
    versions: Versions


def _differing(
    table: str, current: Mapping[str, Any], changes: Mapping[str, Any]
) -> tuple[dict[str, str], dict[str, str]]:
    """The change as text (``yours``) and the columns whose value it changes."""
    yours = {c: _text(v) for c, v in changes.items() if c in _data_columns(table)}
    return yours, {c: v for c, v in yours.items() if v != _text(current.get(c))}


def _validated(
    connection: Connection,
    table: str,
    current: Mapping[str, Any],
    pid: str,
    differing: Mapping[str, str],
) -> tuple[dict[str, Any], Versions]:
    """The typed new values of the change, validated with her rows (else
    :class:`WorkbookInvalid`), and the versions of the rows the validation read."""
    woman = woman_rows(connection, pid, tables_needed([table]))
    frame = woman[table]
    key_column = _key_column(table)
    match = frame.index[frame[key_column].astype(str) == str(current[key_column])]
    checked = validate_change(woman, [Change(table, replaced={int(match[0]): dict(differing)})])
    if checked.problems:
        raise _invalid(checked.problems)
    typed = typed_row(checked.frames[table], int(match[0]) + 2)
    return {c: typed[c] for c in differing}, frame_versions(woman)


def check_update(
    connection: Connection,
    actor: User,
    table: str,
    key: str,
    changes: Mapping[str, Any],
    *,
    version: int,
    reason: str,
) -> CheckedUpdate | None:
    """Validate a change of one row against her rows in the registry, writing nothing and
    taking no lock, so that :func:`update` can hold the write lock for the write alone.

    ``None`` when there is nothing to validate before the lock (an identity row, whose
    check is its phone number's; a row not found, not hers to change, moved on from
    ``version`` or not changed at all): :func:`update` finds and reports each of these
    itself.

    Raises
    ------
    WorkbookInvalid
        No reason, or her rows after the change break the workbook's rules (as
        :func:`update`).
    NotFound, PermissionDenied
        As for :func:`update`.
    """
    _change_request(actor, table, reason)
    if table == IDENTITY:
        return None
    found = _row_and_woman(connection, table, key)
    if found is None:
        return None
    current, pid = found
    visible_site(connection, actor, pid)
    _yours, differing = _differing(table, current, changes)
    if (
        int(current[VERSION]) != int(version)
        or not differing
        or _fixed_columns(table) & differing.keys()
        or ("site" in differing and not actor.can_see_site(differing["site"]))
    ):
        return None
    new_values, versions = _validated(connection, table, current, pid, differing)
    return CheckedUpdate(actor, table, key, int(version), differing, new_values, versions)


def _fixed_columns(table: str) -> set[str]:
    """The columns a change may not touch: the row's key and the woman (or row) it is of."""
    fixed = (
        {_key_column(table), "participant_id"} if table != "participants" else {"participant_id"}
    )
    if table in TABLES_BY_NAME:
        fixed.add(TABLES_BY_NAME[table].owner[0])
    return fixed


def update(
    connection: Connection,
    actor: User,
    table: str,
    key: str,
    changes: Mapping[str, Any],
    *,
    version: int,
    reason: str,
    checked: CheckedUpdate | None = None,
) -> Saved:
    """Change columns of one row; audited with the row before and after and ``reason``.

    ``checked``: the change's :func:`check_update`, run before this transaction. It is
    used if it is of the same actor, row, version and values and none of her rows that it
    read has been added, changed or deleted since (compared under the lock, so no write
    can slip in between); otherwise the change is validated again here.

    Raises
    ------
    VersionConflict
        The row is no longer at ``version`` (its ``changed`` says what moved).
    WorkbookInvalid
        No reason, or the woman's rows after the change break the workbook's rules.
    NotFound, PermissionDenied
        As for :func:`create`.
    ValueError
        A change to the row's key or to the woman it belongs to.
    """
    reason, current, pid = _row_to_change(connection, actor, table, key, reason)
    yours, differing = _differing(table, current, changes)
    moved = [c for c in differing if c in _fixed_columns(table)]
    if moved:
        raise ValueError(f"{', '.join(moved)} cannot be changed (delete the row and add it again)")
    entry_key = audit_key(table, pid, key)
    if int(current[VERSION]) != int(version):
        raise _conflict(connection, table, key, entry_key, current, int(version), yours)
    if (
        table == "participants"
        and "site" in differing
        and not actor.can_see_site(differing["site"])
    ):
        raise PermissionDenied(f"you cannot move women to site {differing['site']}")
    if not differing:
        return Saved(table, key, int(current[VERSION]))

    sql = _sql(table)
    new_values: dict[str, Any]
    if table == IDENTITY:
        if problems := phone_problems(IDENTITY, differing):
            raise _invalid(problems)
        new_values = {c: (v or None) for c, v in differing.items()}
    elif (
        checked is not None
        and (checked.actor, checked.table, checked.key) == (actor, table, key)
        and checked.version == int(version)
        and dict(checked.differing) == differing
        and row_versions(connection, pid, checked.versions) == checked.versions
    ):
        new_values = dict(checked.new_values)
    else:
        new_values, _versions = _validated(connection, table, current, pid, differing)
    new_version = int(current[VERSION]) + 1
    result = connection.execute(
        sql_update(sql)
        .where(sql.c[_key_column(table)] == _key_value(table, key), sql.c[VERSION] == int(version))
        .values({**new_values, VERSION: new_version})
    )
    if result.rowcount != 1:  # cannot happen under the write lock; never overwrite silently
        raise _conflict(
            connection,
            table,
            key,
            entry_key,
            _fetch(connection, table, key) or current,
            int(version),
            yours,
        )
    after = {**current, **new_values, VERSION: new_version}
    append_entry(
        connection,
        actor=actor.username,
        action="update",
        table_name=table,
        record_key=entry_key,
        before=audit_row(table, current),
        after=audit_row(table, after, frozenset(differing)),
        reason=reason,
    )
    return Saved(table, key, new_version)


def _referencing(connection: Connection, table: str, key: str) -> list[str]:
    """The tables holding rows that reference row ``key`` of ``table``."""
    found = []
    target = f"{table}.{_key_column(table)}"
    for other in TABLES:
        for column in other.columns:
            if column.references == target:
                sql = WORKBOOK_TABLES[other.name]
                if connection.execute(
                    select(sql.c[column.name]).where(sql.c[column.name] == key).limit(1)
                ).first():
                    found.append(other.name)
    if table == "participants":
        # Her events' judgments (adjudication) are records too: they are never deleted.
        if connection.execute(
            select(judgments.c.judgment_id).where(judgments.c.participant_id == key).limit(1)
        ).first():
            found.append("judgments")
    return found


def delete(
    connection: Connection, actor: User, table: str, key: str, *, version: int, reason: str
) -> None:
    """Remove one row; audited with the row as it was and ``reason``.

    A row other rows still reference (a pregnancy with infants, a woman with any records)
    is refused with :class:`~follicle.errors.Conflict`: delete those first. Deleting a
    participant also deletes her identity record (audited too).

    Raises
    ------
    VersionConflict, WorkbookInvalid, NotFound, PermissionDenied, Conflict
    """
    reason, current, pid = _row_to_change(connection, actor, table, key, reason)
    entry_key = audit_key(table, pid, key)
    if int(current[VERSION]) != int(version):
        raise _conflict(connection, table, key, entry_key, current, int(version), {})
    if table in TABLES_BY_NAME and TABLES_BY_NAME[table].key is not None:
        blocking = _referencing(connection, table, key)
        if table == "participants":
            from follicle.store.tables import deid_keys

            if connection.execute(
                select(deid_keys.c.code).where(deid_keys.c.participant_id == key)
            ).first():
                blocking.append("deid_keys (she has been exported de-identified)")
        if blocking:
            raise Conflict(
                f"{table} {key} is still referenced by {', '.join(blocking)}: delete those first"
            )
    if table not in (IDENTITY, "participants"):
        woman = woman_rows(connection, pid, tables_needed([table]))
        frame = woman[table]
        key_column = _key_column(table)
        match = frame.index[frame[key_column].astype(str) == str(current[key_column])]
        checked = validate_change(woman, [Change(table, removed=(int(match[0]),))])
        if checked.problems:
            raise _invalid(checked.problems)
    if table == "participants":
        identity = _fetch(connection, IDENTITY, key)
        if identity is not None:
            connection.execute(
                sql_delete(participant_identity).where(participant_identity.c.participant_id == key)
            )
            append_entry(
                connection,
                actor=actor.username,
                action="delete",
                table_name=IDENTITY,
                record_key=key,
                before=audit_row(IDENTITY, identity),
                reason=reason,
            )
    sql = _sql(table)
    connection.execute(sql_delete(sql).where(sql.c[_key_column(table)] == _key_value(table, key)))
    append_entry(
        connection,
        actor=actor.username,
        action="delete",
        table_name=table,
        record_key=entry_key,
        before=audit_row(table, current),
        reason=reason,
    )


# -- reads -----------------------------------------------------------------------------


def participant(
    connection: Connection, actor: User, participant_id: str
) -> dict[str, pd.DataFrame]:
    """The woman's rows of every workbook table (typed, with ``row_id``/``version``), plus
    ``identity`` (``participant_id``, ``full_name``, ``phone``, ``version``; at most one row)
    when the actor may see names.

    Raises
    ------
    NotFound
        Unknown ID, or a woman of a site the actor may not see (one message for both).
    PermissionDenied
        Analysts.
    """
    _require_reader(actor)
    visible_site(connection, actor, participant_id)
    rows: dict[str, pd.DataFrame] = woman_rows(connection, participant_id)
    if actor.sees_identity:
        found = connection.execute(
            select(participant_identity).where(
                participant_identity.c.participant_id == participant_id
            )
        ).all()
        rows["identity"] = pd.DataFrame(
            [tuple(r) for r in found], columns=["participant_id", "full_name", "phone", VERSION]
        )
    return rows


def list_participants(
    connection: Connection,
    actor: User,
    *,
    site: str | None = None,
    search: str | None = None,
    search_names: bool = True,
    limit: int | None = None,
    offset: int = 0,
) -> pd.DataFrame:
    """The women the actor may see, by study ID: ``participant_id``, ``site``, ``arm``,
    ``birth_date``, ``consent_date``, ``injections`` (count), ``first_injection``,
    ``last_contact`` and, for those who may see names, ``full_name`` and ``phone``.
    ``search`` matches the ID (and the name, for them, unless ``search_names`` is false)
    case-insensitively; ``site`` narrows to one of her sites. ``limit`` and ``offset`` read
    a slice of that order in the database (``None``: every woman from ``offset``)."""
    _require_reader(actor)
    p = WORKBOOK_TABLES["participants"]
    inj = WORKBOOK_TABLES["injections"]
    con = WORKBOOK_TABLES["contacts"]
    injections = (
        select(
            inj.c.participant_id,
            func.count().label("n"),
            func.min(inj.c.injection_date).label("first"),
        )
        .group_by(inj.c.participant_id)
        .subquery()
    )
    contacts = (
        select(con.c.participant_id, func.max(con.c.contact_date).label("last"))
        .group_by(con.c.participant_id)
        .subquery()
    )
    columns = [
        p.c.participant_id,
        p.c.site,
        p.c.arm,
        p.c.birth_date,
        p.c.consent_date,
        func.coalesce(injections.c.n, 0).label("injections"),
        injections.c.first.label("first_injection"),
        contacts.c.last.label("last_contact"),
    ]
    joined = p.outerjoin(injections, injections.c.participant_id == p.c.participant_id).outerjoin(
        contacts, contacts.c.participant_id == p.c.participant_id
    )
    if actor.sees_identity:
        columns += [participant_identity.c.full_name, participant_identity.c.phone]
        joined = joined.outerjoin(
            participant_identity, participant_identity.c.participant_id == p.c.participant_id
        )
    statement = select(*columns).select_from(joined).order_by(p.c.participant_id)
    if actor.role != "admin":
        statement = statement.where(p.c.site.in_(sorted(actor.sites)))
    if site is not None:
        statement = statement.where(p.c.site == site)
    if search:
        # What was typed, literally: "_" or "%" in it match themselves, not any text.
        pattern = f"%{like_literal(search.strip().lower())}%"
        matches = [func.lower(p.c.participant_id).like(pattern, escape=LIKE_ESCAPE)]
        if actor.sees_identity and search_names:
            matches.append(
                func.lower(participant_identity.c.full_name).like(pattern, escape=LIKE_ESCAPE)
            )
        statement = statement.where(or_(*matches))
    if limit is not None or offset:
        statement = statement.limit(limit).offset(offset)
    result = connection.execute(statement)
    frame = pd.DataFrame([tuple(r) for r in result], columns=list(result.keys()))
    for column in ("birth_date", "consent_date", "first_injection", "last_contact"):
        frame[column] = pd.to_datetime(frame[column])
    frame["injections"] = frame["injections"].astype("Int64")
    return frame


#: Columns of :func:`audit_trail`.
TRAIL_COLUMNS = ("id", "at", "actor", "action", "table", "key", "column", "old", "new", "reason")


def audit_trail(connection: Connection, actor: User, participant_id: str) -> pd.DataFrame:
    """The woman's audit entries, one line per changed column (old → new), newest entry
    first (the columns of one entry in the order they were written).

    Columns: ``id``, ``at`` (UTC), ``actor``, ``action``, ``table``, ``key`` (the row's key),
    ``column``, ``old``, ``new``, ``reason``. An import entry of all her rows at once is one
    line with no column, its ``old`` and ``new`` her rows counted per table
    (``8 rows: participants 1, injections 2, contacts 5``). Names and phones appear as
    ``[redacted]`` markers only. A judgment of an event that both reviewers have not yet
    judged (to review, one judgment, or an event whose key changed since: a condition's
    corrected date or condition) is shown to its own reviewer and to admins; to anyone else
    it is one line whose actor and values read :data:`BLINDED`, so that the second reviewer
    does not see the first one's judgment here either (shared/spec/adjudication.md: never
    the other reviewer's judgment until both have judged).
    """
    _require_reader(actor)
    visible_site(connection, actor, participant_id)
    judged: frozenset[tuple[str, str]] | None = None  # her events both have judged, when needed
    statement = (
        select(
            audit_log.c.id,
            audit_log.c.at,
            audit_log.c.actor,
            audit_log.c.action,
            audit_log.c.table_name,
            audit_log.c.record_key,
            audit_log.c.before,
            audit_log.c.after,
            audit_log.c.reason,
        )
        .where(
            or_(
                (audit_log.c.table_name.in_(["participants", IDENTITY]))
                & (audit_log.c.record_key == participant_id),
                key_of_hers(audit_log.c.record_key, participant_id),
            )
        )
        .order_by(audit_log.c.id.desc())
    )
    lines: list[tuple[Any, ...]] = []
    for entry in connection.execute(statement):
        key = (
            entry.record_key.split("/", 1)[1]
            if "/" in (entry.record_key or "")
            and entry.table_name not in ("participants", IDENTITY)
            else entry.record_key
        )
        head = (entry.id, entry.at, entry.actor, entry.action, entry.table_name, key)
        before = json.loads(entry.before) if entry.before else {}
        after = json.loads(entry.after) if entry.after else {}
        if entry.table_name == "judgments" and actor.role != "admin":
            if judged is None:
                judged = judged_events(connection, actor, participant_id)
            judgment = after or before
            event = (judgment.get("event_type"), judgment.get("event_key"))
            if event not in judged and judgment.get("reviewer") != actor.username:
                head = (entry.id, entry.at, BLINDED, entry.action, entry.table_name, key)
                lines.append((*head, None, None, BLINDED, None))
                continue
        if entry.action in _BUNDLES:
            lines.append((*head, None, _bundle_shown(before), _bundle_shown(after), entry.reason))
            continue
        columns = [c for c in dict.fromkeys([*before, *after]) if c not in (VERSION, ROW_ID)]
        for column in columns:
            old, new = before.get(column), after.get(column)
            if old != new:
                lines.append((*head, column, _shown(old), _shown(new), entry.reason))
    frame = pd.DataFrame(lines, columns=list(TRAIL_COLUMNS))
    frame["at"] = pd.to_datetime(frame["at"], utc=True)
    return frame


#: What the audit trail shows of a judgment its reader may not see yet.
BLINDED = "[blinded until both reviewers have judged]"

#: Audit actions whose before/after hold all her rows (table → rows), not one row.
_BUNDLES = frozenset({"import.insert", "import.update"})


def _bundle_shown(bundle: Mapping[str, list[Any]]) -> str | None:
    """All her rows of an import entry, counted: ``8 rows: participants 1, contacts 7``."""
    counts = {table: len(rows) for table, rows in bundle.items() if rows}
    if not counts:
        return None
    total = sum(counts.values())
    listed = ", ".join(f"{table} {n}" for table, n in counts.items())
    return f"{total} row{'s' if total != 1 else ''}: {listed}"


def _shown(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "yes" if value else "no"
    return text_value(value) if not isinstance(value, str) else value


def today_utc() -> date:
    """Today's date in UTC (the registry's calendar)."""
    return pd.Timestamp.now(tz="UTC").date()
