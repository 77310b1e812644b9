"""Guarding the audit log: its head anchored by checkpoints, its triggers kept in place.

The hash chain (:mod:`follicle.store.audit_log.chain`) shows an entry altered or one
deleted from the middle of the log, but not the newest entries deleted: what is left is a
shorter chain that verifies. So the head is noted from time to time — at every export, every
``follicle audit-log verify`` and every start of the web server — in
``audit_checkpoints`` (:func:`write_checkpoint`): the newest entry's ``id`` and
``entry_hash`` and how many entries there were. :func:`check_checkpoints` then finds an
entry a checkpoint named that is gone or whose hash changed. A copy of the head kept
outside the database (``follicle audit-log verify --anchor FILE``) covers the case where
the checkpoints were deleted too.

The append-only triggers of migrations 0002 and 0006 can be dropped by anyone who holds
the SQLite file (or owns the PostgreSQL tables); :func:`restore_append_only` puts back
those that are missing, and the web server calls it at every start.

:func:`verify_registry` is the whole check: the chain, then the checkpoints.
:func:`verify_entries` checks a few entries (those a page shows) against their neighbours,
cheaply, for the audit pages between full checks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import Connection, func, insert, select, text

from follicle.store.audit_log.chain import VerifyResult, entry_hash, lock_chain, verify_chain
from follicle.store.tables import audit_checkpoints, audit_log

#: What an append-only trigger refuses, per dialect: (trigger name, table, SQL creating it).
_SQLITE_TRIGGERS = tuple(
    (
        f"{table}_no_{event.lower()}",
        table,
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{event.lower()} BEFORE {event} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
    )
    for table in ("audit_log", "audit_checkpoints")
    for event in ("UPDATE", "DELETE")
)
_PG_TRIGGERS = tuple(
    (name, table, sql)
    for table in ("audit_log", "audit_checkpoints")
    for name, sql in (
        (
            f"{table}_append_only",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()",
        ),
        (
            f"{table}_no_truncate",
            f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()",
        ),
    )
)
_PG_FUNCTION = """
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END
$$
"""


@dataclass(frozen=True)
class Checkpoint:
    """The chain's head at one moment: the newest entry and how many entries there were."""

    last_id: int
    head_hash: str
    entries: int


def _existing_triggers(connection: Connection) -> dict[str, bool]:
    """The triggers on the audit tables, each with whether it is enabled."""
    if connection.dialect.name == "postgresql":
        rows = connection.execute(
            text(
                "SELECT tgname, tgenabled <> 'D' FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid "
                "WHERE c.relname IN ('audit_log', 'audit_checkpoints') "
                "AND pg_table_is_visible(c.oid) AND NOT t.tgisinternal"
            )
        )
        return {str(r[0]): bool(r[1]) for r in rows}
    rows = connection.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'"))
    return {str(r[0]): True for r in rows}


def restore_append_only(connection: Connection) -> list[str]:
    """Create the append-only triggers of the audit tables that are missing (and, on
    PostgreSQL, enable those switched off); their names.

    Run by the web server at start (in its own transaction): a trigger dropped to edit the
    log is back before the first request. ``[]`` when all were in place.
    """
    present = _existing_triggers(connection)
    postgres = connection.dialect.name == "postgresql"
    wanted = _PG_TRIGGERS if postgres else _SQLITE_TRIGGERS
    missing = [(name, sql) for name, _table, sql in wanted if name not in present]
    # PostgreSQL can also switch a trigger off (ALTER TABLE … DISABLE TRIGGER) and keep it.
    disabled = [(name, table) for name, table, _sql in wanted if present.get(name) is False]
    if missing and postgres:
        connection.execute(text(_PG_FUNCTION))
    for _name, sql in missing:
        connection.execute(text(sql))
    for name, table in disabled:
        connection.execute(text(f"ALTER TABLE {table} ENABLE TRIGGER {name}"))
    return [name for name, _sql in missing] + [name for name, _table in disabled]


def head(connection: Connection) -> Checkpoint | None:
    """The chain's head now (``None`` for an empty log)."""
    newest = connection.execute(
        select(audit_log.c.id, audit_log.c.entry_hash).order_by(audit_log.c.id.desc()).limit(1)
    ).first()
    if newest is None:
        return None
    count = connection.execute(select(func.count()).select_from(audit_log)).scalar_one()
    return Checkpoint(int(newest.id), str(newest.entry_hash), int(count))


def write_checkpoint(
    connection: Connection, source: str, verified: VerifyResult | None = None
) -> Checkpoint | None:
    """Note the chain's head in ``audit_checkpoints`` (``source``: ``"export"``,
    ``"verify"``, ``"start"``); return it, or ``None`` when the log is empty.

    ``verified``: a verification of the whole chain (:func:`verify_registry`) made in an
    earlier transaction, whose head is then noted — the head it verified, whatever was
    appended since. Takes the chain's lock (:func:`~follicle.store.audit_log.chain.lock_chain`)
    first, so call it before the transaction reads anything: on SQLite a transaction that
    has read, then writes after another writer's commit, fails with "database is locked"
    instead of waiting (two servers started together did, verifying then noting).
    """
    lock_chain(connection)
    if verified is None:
        now = head(connection)
    elif verified.ok and verified.last_id is not None and verified.last_hash is not None:
        now = Checkpoint(verified.last_id, verified.last_hash, verified.entries)
    else:
        now = None
    if now is None:
        return None
    connection.execute(
        insert(audit_checkpoints),
        {
            "at": datetime.now(UTC),
            "source": source,
            "last_id": now.last_id,
            "head_hash": now.head_hash,
            "entries": now.entries,
        },
    )
    return now


def check_anchor(connection: Connection, anchor: Checkpoint, where: str) -> str | None:
    """Why the log no longer holds the head ``anchor`` noted at ``where``, or ``None``."""
    stored = connection.execute(
        select(audit_log.c.entry_hash).where(audit_log.c.id == anchor.last_id)
    ).scalar_one_or_none()
    if stored is None:
        return (
            f"entry {anchor.last_id}, the newest when {where} noted the head of the log, "
            "is gone: entries were deleted from the end of the log"
        )
    if stored != anchor.head_hash:
        return (
            f"entry {anchor.last_id} has changed since {where} noted it as the head of the "
            "log: the log was rewritten from there"
        )
    return None


def check_checkpoints(connection: Connection) -> tuple[int, str] | None:
    """The entry named by the first checkpoint that no longer matches the log, and why;
    ``None`` when every checkpoint matches.

    One query: each checkpoint beside the entry it names (a left join, so that a deleted
    entry shows as missing). Checkpoints are few — one per export, verification or start.
    """
    rows = connection.execute(
        select(
            audit_checkpoints.c.id,
            audit_checkpoints.c.at,
            audit_checkpoints.c.source,
            audit_checkpoints.c.last_id,
            audit_checkpoints.c.head_hash,
            audit_log.c.entry_hash,
        )
        .select_from(
            audit_checkpoints.outerjoin(audit_log, audit_log.c.id == audit_checkpoints.c.last_id)
        )
        .where(
            (audit_log.c.entry_hash.is_(None))
            | (audit_log.c.entry_hash != audit_checkpoints.c.head_hash)
        )
        .order_by(audit_checkpoints.c.id)
        .limit(1)
    ).first()
    if rows is None:
        return None
    anchor = Checkpoint(int(rows.last_id), str(rows.head_hash), 0)
    reason = check_anchor(connection, anchor, f"the {rows.source} checkpoint of {rows.at:%Y-%m-%d}")
    return None if reason is None else (anchor.last_id, reason)


def verify_registry(connection: Connection) -> VerifyResult:
    """The audit log's whole check: every link of the chain, then every checkpoint."""
    result = verify_chain(connection)
    if not result.ok:
        return result
    broken = check_checkpoints(connection)
    if broken is None:
        return result
    return VerifyResult(result.entries, broken[0], broken[1], result.last_id, result.last_hash)


def verify_entries(connection: Connection, ids: Sequence[int]) -> str | None:
    """Why one of the entries ``ids`` does not verify against its neighbours, or ``None``.

    For each: its hash recomputed from its fields, its ``prev_hash`` equal to the hash of
    the entry before it, and the entry after it (if any) naming it as ``prev_hash``. An
    entry edited in place (its hash recomputed or not) fails one of the three. Three
    indexed lookups per entry: cheap for the entries of one page.
    """
    if not ids:
        return None
    log = audit_log
    before = log.alias("before_entry")
    after = log.alias("after_entry")
    previous_hash = (
        select(before.c.entry_hash)
        .where(before.c.id < log.c.id)
        .order_by(before.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )
    next_prev = (
        select(after.c.prev_hash)
        .where(after.c.id > log.c.id)
        .order_by(after.c.id)
        .limit(1)
        .scalar_subquery()
    )
    fields = [log.c[f] for f in ("prev_hash", "at", "actor", "action", "table_name")]
    fields += [log.c[f] for f in ("record_key", "before", "after", "reason")]
    rows = connection.execute(
        select(log.c.id, *fields, log.c.entry_hash, previous_hash, next_prev)
        .where(log.c.id.in_(list(ids)))
        .order_by(log.c.id)
    ).all()
    for row in rows:
        entry_id, stored = int(row[0]), row[10]
        if entry_hash(*row[1:10]) != stored:
            return f"entry {entry_id} was altered: its contents do not match its hash"
        if row[1] != row[11]:
            return (
                f"entry {entry_id} does not follow the entry before it: an earlier entry "
                "was deleted or altered"
            )
        if row[12] is not None and row[12] != stored:
            return f"entry {entry_id} was altered: the entry after it no longer names it"
    return None
