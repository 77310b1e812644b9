"""The audit log's hash chain: every write leaves an entry, the chain verifies, and edits,
deletions and forks are detected or prevented; SQLite and PostgreSQL."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime

import pytest
from alembic import command
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import column, event, func, insert, select, table, text
from sqlalchemy.exc import DBAPIError

from follicle.store import records
from follicle.store.audit_log.chain import (
    BULK_FROM,
    VerifyResult,
    append_entries,
    append_entry,
    chain_hashes,
    entry_hash,
    lock_chain,
    verify_chain,
)
from follicle.store.engine import alembic_config, ensure_schema
from follicle.store.exporting.exporter import deidentify, read_registry
from follicle.store.follow_up.checklist import ChecklistForm, ConditionAnswer, save_checklist
from follicle.store.importing.importer import import_workbook
from follicle.store.tables import WORKBOOK_TABLES, audit_log
from follicle.workbook.schema import MATERNAL_CONDITIONS

from ..helpers import edited

AT = datetime(2026, 11, 26, 9, 30, 15, 123456, tzinfo=UTC)


def _entries(engine):
    with engine.connect() as connection:
        return [
            dict(r._mapping) for r in connection.execute(select(audit_log).order_by(audit_log.c.id))
        ]


def _verify(engine, **kwargs) -> VerifyResult:
    with engine.connect() as connection:
        return verify_chain(connection, **kwargs)


def _tamper(engine, statement: str) -> None:
    """Run SQL on audit_log behind the application's back (its triggers switched off)."""
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
            connection.execute(text(statement))
            connection.execute(text("ALTER TABLE audit_log ENABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER IF EXISTS audit_log_no_update"))
            connection.execute(text("DROP TRIGGER IF EXISTS audit_log_no_delete"))
            connection.execute(text(statement))


def test_the_hash_covers_every_field_and_the_previous_hash():
    fields = ("prev", AT, "nora", "update", "contacts", "007/3", '{"a":1}', '{"a":2}', "typo")
    reference = entry_hash(*fields)
    assert len(reference) == 64
    for i in range(len(fields)):
        changed = list(fields)
        changed[i] = None if i else "other"
        if i == 1:
            changed[i] = AT.replace(microsecond=0)
        assert entry_hash(*changed) != reference, i
    # The same instant written in another zone, or naive UTC, hashes the same.
    assert entry_hash(fields[0], AT.replace(tzinfo=None), *fields[2:]) == reference
    # Lengths make the serialisation unambiguous: moving text between before and after shows.
    assert entry_hash(None, AT, "a", "b", None, None, "xy", "z", None) != entry_hash(
        None, AT, "a", "b", None, None, "x", "yz", None
    )


def test_a_batch_is_chained_in_order():
    entries = [
        {"at": AT, "actor": "cli", "action": "import.insert", "record_key": str(i)}
        for i in range(3)
    ]
    hashes = chain_hashes("start", entries)
    assert hashes[0] == entry_hash("start", AT, "cli", "import.insert", None, "0", None, None, None)
    assert hashes[2] == entry_hash(
        hashes[1], AT, "cli", "import.insert", None, "2", None, None, None
    )


_TEXT = st.one_of(st.none(), st.text())


def _documented_hash(prev, at, actor, action, table_name, record_key, before, after, reason):
    """The serialisation as the module documents it (and as every stored hash was made):
    json.dumps of the short fields and byte lengths, then the texts, newline-separated."""
    before_bytes, after_bytes = (None if t is None else t.encode() for t in (before, after))
    header = json.dumps(
        [
            prev,
            at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            actor,
            action,
            table_name,
            record_key,
            reason,
            None if before_bytes is None else len(before_bytes),
            None if after_bytes is None else len(after_bytes),
        ],
        ensure_ascii=False,
        separators=(",", ":"),
    )
    body = b"\n" + (before_bytes or b"") + b"\n" + (after_bytes or b"") + b"\n"
    return hashlib.sha256(header.encode() + body).hexdigest()


@settings(max_examples=300, deadline=None, derandomize=True)
@given(
    prev=_TEXT,
    entries=st.lists(
        st.fixed_dictionaries(
            {
                "at": st.sampled_from([AT, AT.replace(second=0)]),
                "actor": st.sampled_from(["cli", 'nö"ra']),
                "action": st.text(),
                "table_name": _TEXT,
                "record_key": _TEXT,
                "before": _TEXT,
                "after": _TEXT,
                "reason": _TEXT,
            }
        ),
        max_size=6,
    ),
)
def test_hashes_follow_the_documented_serialisation(prev, entries):
    start, expected = prev, []
    for e in entries:
        fields = [e[f] for f in ("at", "actor", "action", "table_name", "record_key")]
        fields += [e["before"], e["after"], e["reason"]]
        digest = _documented_hash(prev, *fields)
        assert entry_hash(prev, *fields) == digest
        expected.append(prev := digest)
    # A batch (its shared fields written once) chains to the same hashes.
    assert chain_hashes(start, entries) == expected


def test_every_write_leaves_its_entry_and_the_chain_verifies(engine, people, small):
    north = people["north"]
    with engine.begin() as connection:
        saved = records.create(
            connection,
            north,
            "contacts",
            {"participant_id": "007", "contact_date": "2024-01-10", "mode": "phone"},
        )
        records.update(
            connection,
            north,
            "contacts",
            saved.key,
            {"menses": "regular"},
            version=1,
            reason="asked again",
        )
        records.delete(connection, north, "contacts", saved.key, version=2, reason="entered twice")
        save_checklist(
            connection,
            north,
            ChecklistForm(
                participant_id="008",
                contact_date="2024-02-01",
                mode="phone",
                milestone="annual",
                conditions={c: ConditionAnswer("no") for c in MATERNAL_CONDITIONS},
            ),
        )
    deidentify(read_registry(engine), engine, actor="anna")
    actions = [(e["action"], e["table_name"]) for e in _entries(engine)]
    assert actions == [
        *[("import.insert", "participants")] * 4,
        ("create", "sites"),
        ("create", "sites"),
        *[("create", "users")] * 5,
        ("create", "contacts"),
        ("update", "contacts"),
        ("delete", "contacts"),
        ("create", "contacts"),
        ("export.deidentified", "deid_keys"),
    ]
    entries = _entries(engine)
    assert entries[0]["prev_hash"] is None
    assert all(
        e["prev_hash"] == p["entry_hash"] for p, e in zip(entries, entries[1:], strict=False)
    )
    assert _verify(engine) == VerifyResult(len(entries))


def test_import_entries_are_chained_and_an_update_raises_versions(engine, small):
    import_workbook(engine, small, actor="tester")
    changed = small["participants"].copy()
    changed.loc[changed["participant_id"] == "007", "afc"] = 9
    import_workbook(engine, edited(small, participants=changed), update=True, actor="tester")
    entries = _entries(engine)
    assert [e["action"] for e in entries] == ["import.insert"] * 4 + ["import.update"]
    assert all(e["entry_hash"] for e in entries)
    assert _verify(engine).ok
    participants = WORKBOOK_TABLES["participants"]
    injections = WORKBOOK_TABLES["injections"]
    with engine.connect() as connection:
        versions = dict(
            connection.execute(select(participants.c.participant_id, participants.c.version)).all()
        )
        injected = dict(
            connection.execute(select(injections.c.participant_id, injections.c.version)).all()
        )
    assert versions == {"007": 2, "008": 1, "009": 1, "010": 1}
    assert injected["007"] == 2


def test_an_update_made_in_the_database_is_detected(engine, small):
    import_workbook(engine, small)
    second = _entries(engine)[1]["id"]
    _tamper(engine, f"UPDATE audit_log SET actor = 'mallory' WHERE id = {second}")
    result = _verify(engine)
    assert result.first_broken_id == second
    assert "altered" in result.reason
    assert result.entries == 2


def test_an_update_with_a_recomputed_hash_breaks_the_next_link(engine, small):
    import_workbook(engine, small)
    first, second = _entries(engine)[:2]
    forged = entry_hash(
        None,
        first["at"],
        "mallory",
        *(first[k] for k in ("action", "table_name", "record_key", "before", "after", "reason")),
    )
    _tamper(
        engine,
        f"UPDATE audit_log SET actor = 'mallory', entry_hash = '{forged}' WHERE id = {first['id']}",
    )
    result = _verify(engine)
    assert result.first_broken_id == second["id"]
    assert "does not follow" in result.reason


def test_a_deleted_entry_is_detected(engine, small):
    import_workbook(engine, small)
    entries = _entries(engine)
    _tamper(engine, f"DELETE FROM audit_log WHERE id = {entries[1]['id']}")
    assert _verify(engine).first_broken_id == entries[2]["id"]
    _tamper(engine, f"DELETE FROM audit_log WHERE id = {entries[0]['id']}")
    assert _verify(engine).first_broken_id == entries[2]["id"]  # the new first has a predecessor


def test_verification_streams_in_chunks_and_finds_a_break_in_a_later_chunk(engine):
    with engine.begin() as connection:
        append_entries(
            connection,
            [
                {"at": AT, "actor": "cli", "action": "create", "record_key": str(i)}
                for i in range(10)
            ],
        )
    assert _verify(engine, chunk=3) == VerifyResult(10)
    eighth = _entries(engine)[7]["id"]
    _tamper(engine, f"UPDATE audit_log SET record_key = 'x' WHERE id = {eighth}")
    assert _verify(engine, chunk=3).first_broken_id == eighth


def test_a_batch_is_stored_as_single_appends_are(engine):
    # A batch of BULK_FROM or more goes to the driver as tuples (COPY on PostgreSQL); its
    # rows must read back, and verify, exactly as rows written one at a time.
    entry = {
        "at": AT,
        "actor": "cli",
        "action": "import.insert",
        "table_name": "participants",
        "before": None,
        "after": '{"participants":[{"note":"d\u00e9j\u00e0 \\"vu\\"\\n"}]}',
        "reason": "a reason, with a comma",
    }
    with engine.begin() as connection:
        append_entry(connection, **{**entry, "record_key": "single"})
    with engine.begin() as connection:
        append_entries(connection, [{**entry, "record_key": str(i)} for i in range(BULK_FROM)])
    rows = _entries(engine)
    assert len(rows) == BULK_FROM + 1
    assert _verify(engine) == VerifyResult(BULK_FROM + 1)
    fields = ("at", "actor", "action", "table_name", "before", "after", "reason")
    single = {f: rows[0][f] for f in fields}
    for row in rows[1:]:
        assert {f: row[f] for f in fields} == single
    with engine.connect() as connection:
        stored = (
            connection.execute(text("SELECT CAST(at AS TEXT) FROM audit_log ORDER BY id"))
            .scalars()
            .all()
        )
    assert set(stored) == {stored[0]}


@pytest.mark.parametrize("statement", ["UPDATE audit_log SET actor = 'x'", "DELETE FROM audit_log"])
def test_the_database_refuses_to_alter_the_log(engine, statement):
    with engine.begin() as connection:
        append_entry(connection, actor="cli", action="create")
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as connection:
        connection.execute(text(statement))
    assert _verify(engine) == VerifyResult(1)


def test_concurrent_writers_do_not_fork_the_chain(engine):
    def write(worker: int) -> None:
        for i in range(10):
            with engine.begin() as connection:
                records.lock_for_write(connection)
                append_entry(connection, actor=f"w{worker}", action="create", record_key=str(i))

    threads = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    with engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(audit_log)).scalar_one() == 40
    assert _verify(engine) == VerifyResult(40)


def _lock_statements(engine) -> list[str]:
    """The statements that take the writers' lock, as ``engine`` runs them from now on."""
    seen: list[str] = []

    def note(conn, cursor, statement, parameters, context, executemany) -> None:
        if "pg_advisory_xact_lock" in statement or "WHERE 0 = 1" in statement:
            seen.append(statement)

    event.listen(engine, "before_cursor_execute", note)
    return seen


def _advisory_locks_held(connection) -> int:
    return connection.execute(
        text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()")
    ).scalar_one()


def test_the_lock_is_taken_once_per_transaction(engine):
    taken = _lock_statements(engine)
    with engine.connect() as connection:
        for transaction in range(2):
            with connection.begin():
                lock_chain(connection)
                append_entry(connection, actor="cli", action="create", record_key=str(transaction))
                lock_chain(connection)
            assert len(taken) == transaction + 1  # a new transaction takes it again
    assert _verify(engine) == VerifyResult(2)


def test_a_lock_let_go_with_a_rolled_back_savepoint_is_taken_again(engine):
    taken = _lock_statements(engine)
    with engine.begin() as connection:
        savepoint = connection.begin_nested()
        lock_chain(connection)
        savepoint.rollback()  # PostgreSQL lets go of the lock the savepoint took
        lock_chain(connection)
        assert len(taken) == 2
        if engine.dialect.name == "postgresql":
            assert _advisory_locks_held(connection) == 1
        append_entry(connection, actor="cli", action="create")
    assert _verify(engine) == VerifyResult(1)


def test_the_migration_chains_entries_written_before_it(engine):
    config = alembic_config()
    with engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0001")
    old_log = table("audit_log", column("at"), column("actor"), column("action"), column("after"))
    rows = [
        {"at": AT, "actor": "cli", "action": "import.insert", "after": json.dumps({"n": i})}
        for i in range(3)
    ]
    with engine.begin() as connection:
        connection.execute(insert(old_log), rows)
    ensure_schema(engine)
    assert _verify(engine) == VerifyResult(3)
