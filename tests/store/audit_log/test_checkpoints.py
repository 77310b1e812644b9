"""The audit log's guards: checkpoints that anchor its head, triggers put back, and entries
checked against their neighbours; SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select, text
from sqlalchemy.exc import DBAPIError

from follicle.store.access.accounts import User
from follicle.store.audit_log import checkpoints
from follicle.store.audit_log.chain import append_entry, entry_hash, verify_chain
from follicle.store.exporting.exporter import deidentify, read_registry
from follicle.store.tables import audit_checkpoints, audit_log


def _unguard(connection, table: str = "audit_log") -> None:
    """Switch off the append-only triggers of ``table``, as someone forging the log would."""
    if connection.dialect.name == "postgresql":
        connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
    else:
        connection.execute(text(f"DROP TRIGGER {table}_no_update"))
        connection.execute(text(f"DROP TRIGGER {table}_no_delete"))


def _newest(connection) -> int:
    return int(
        connection.execute(select(audit_log.c.id).order_by(audit_log.c.id.desc())).first()[0]
    )


def test_deleting_the_newest_entries_is_caught_by_a_checkpoint(
    engine: Engine, people: dict[str, User]
) -> None:
    with engine.begin() as connection:
        head = checkpoints.write_checkpoint(connection, "export")
        assert head is not None
        assert head.last_id == _newest(connection)
        assert checkpoints.verify_registry(connection).ok
    with engine.begin() as connection:
        _unguard(connection)
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": head.last_id})
    with engine.connect() as connection:
        assert verify_chain(connection).ok  # the links alone cannot see it
        result = checkpoints.verify_registry(connection)
    assert not result.ok
    assert result.first_broken_id == head.last_id
    assert "deleted from the end" in (result.reason or "")


def test_a_rewritten_head_is_caught_by_a_checkpoint(
    engine: Engine, people: dict[str, User]
) -> None:
    with engine.begin() as connection:
        head = checkpoints.write_checkpoint(connection, "verify")
        assert head is not None
    with engine.begin() as connection:
        _unguard(connection)
        connection.execute(text("DELETE FROM audit_log WHERE id = :id"), {"id": head.last_id})
        # A forger appending a new entry where the deleted one was: the chain holds.
        append_entry(connection, actor="x", action="forged")
        connection.execute(
            text("UPDATE audit_log SET id = :old WHERE id = (SELECT max(id) FROM audit_log)"),
            {"old": head.last_id},
        )
    with engine.connect() as connection:
        assert verify_chain(connection).ok
        result = checkpoints.verify_registry(connection)
    assert "has changed since" in (result.reason or "")


def test_checkpoints_are_append_only(engine: Engine, people: dict[str, User]) -> None:
    with engine.begin() as connection:
        checkpoints.write_checkpoint(connection, "verify")
    for statement in ("UPDATE audit_checkpoints SET entries = 0", "DELETE FROM audit_checkpoints"):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
            connection.execute(text(statement))


def test_missing_or_disabled_triggers_are_restored(engine: Engine, people: dict[str, User]) -> None:
    with engine.begin() as connection:
        assert checkpoints.restore_append_only(connection) == []
        _unguard(connection)
        _unguard(connection, "audit_checkpoints")
    with engine.begin() as connection:
        restored = checkpoints.restore_append_only(connection)
    assert len(restored) == 4
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text("UPDATE audit_log SET reason = 'forged'"))
    with engine.begin() as connection:
        assert checkpoints.restore_append_only(connection) == []


def test_an_edited_entry_is_caught_against_its_neighbours(
    engine: Engine, people: dict[str, User]
) -> None:
    with engine.connect() as connection:
        ids = [int(i) for i in connection.execute(select(audit_log.c.id)).scalars()]
        assert checkpoints.verify_entries(connection, ids) is None
    middle = ids[len(ids) // 2]
    with engine.begin() as connection:
        _unguard(connection)
        connection.execute(
            text("UPDATE audit_log SET reason = 'forged' WHERE id = :id"), {"id": middle}
        )
    with engine.connect() as connection:
        assert f"entry {middle} was altered" in (
            checkpoints.verify_entries(connection, [middle]) or ""
        )
    # The forger recomputes the entry's hash: the entry after it no longer names it.
    with engine.begin() as connection:
        row = connection.execute(select(audit_log).where(audit_log.c.id == middle)).one()
        fields = ("prev_hash", "at", "actor", "action", "table_name", "record_key")
        rehashed = entry_hash(*(row._mapping[f] for f in fields), row.before, row.after, row.reason)
        connection.execute(
            text("UPDATE audit_log SET entry_hash = :h WHERE id = :id"),
            {"h": rehashed, "id": middle},
        )
    with engine.connect() as connection:
        found = checkpoints.verify_entries(connection, [middle]) or ""
    assert "no longer names it" in found


def test_every_deidentified_export_notes_the_head(engine: Engine, people: dict[str, User]) -> None:
    deidentify(read_registry(engine), engine, actor="test")
    with engine.connect() as connection:
        noted = connection.execute(
            select(audit_checkpoints.c.source, audit_checkpoints.c.last_id)
        ).all()
        assert noted == [("export", _newest(connection))]
