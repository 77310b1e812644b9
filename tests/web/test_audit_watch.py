"""The server's watch over the audit log: triggers restored and the chain verified at
start, every audit page checked, and a banner when the log fails; SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from sqlalchemy import select, text

from follicle.store.audit_log.chain import append_entry
from follicle.store.engine import ensure_schema, make_engine
from follicle.store.tables import audit_checkpoints, audit_log
from follicle.web import audit_watch
from follicle.web.audit_watch import AuditWatch

from .conftest import Browser, engine_of, make_app
from .registry_seed import Seeded

BANNER = "The audit trail failed its integrity check"


def _unguard(connection) -> None:
    if connection.dialect.name == "postgresql":
        connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
    else:
        connection.execute(text("DROP TRIGGER audit_log_no_update"))
        connection.execute(text("DROP TRIGGER audit_log_no_delete"))


def _her_newest_entry(connection, pid: str) -> int:
    return int(
        connection.execute(
            select(audit_log.c.id)
            .where(audit_log.c.record_key.like(f"{pid}%"))
            .order_by(audit_log.c.id.desc())
        ).first()[0]
    )


def test_a_forged_reason_shows_a_banner_on_her_audit_page_and_every_page(
    app_and_seed: tuple[FastAPI, Seeded],
) -> None:
    app, seeded = app_and_seed
    browser = Browser(app, seeded.users["coord_a"])
    assert BANNER not in browser.get("/participants/WA001/audit").text
    with engine_of(app).begin() as connection:
        _unguard(connection)
        forged = _her_newest_entry(connection, "WA001")
        connection.execute(
            text("UPDATE audit_log SET reason = 'a forged reason' WHERE id = :id"), {"id": forged}
        )
    page = browser.get("/participants/WA001/audit")
    assert page.status_code == 200
    assert BANNER in page.text
    assert f"entry {forged} was altered" in page.text
    assert BANNER in browser.get("/participants").text


def test_a_restart_restores_the_triggers_and_says_the_log_is_broken(
    app_and_seed: tuple[FastAPI, Seeded], db_url: str
) -> None:
    app, seeded = app_and_seed
    with engine_of(app).begin() as connection:
        _unguard(connection)
        forged = _her_newest_entry(connection, "WA001")
        connection.execute(text("UPDATE audit_log SET actor = 'x' WHERE id = :id"), {"id": forged})
    restarted = make_app(db_url)
    try:
        watch = restarted.state.registry.audit
        assert watch.restored
        assert f"entry {forged} was altered" in (watch.broken or "")
        with engine_of(restarted).connect() as connection:
            restore = connection.execute(
                select(audit_log.c.actor, audit_log.c.reason).where(
                    audit_log.c.action == "restore_triggers"
                )
            ).one()
        assert restore.actor == "server"
        page = Browser(restarted, seeded.users["coord_a"]).get("/worklist")
        assert BANNER in page.text
    finally:
        engine_of(restarted).dispose()


def test_deleting_the_newest_entries_is_caught_after_a_start(
    app_and_seed: tuple[FastAPI, Seeded], db_url: str
) -> None:
    app, seeded = app_and_seed
    restarted = make_app(db_url)  # its start notes the head of the seeded log
    try:
        assert restarted.state.registry.audit.broken is None
        with engine_of(restarted).begin() as connection:
            _unguard(connection)
            connection.execute(
                text("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)")
            )
        page = Browser(restarted, seeded.users["coord_a"]).get("/participants/WA001/audit")
        assert BANNER in page.text
        assert "deleted from the end" in page.text
    finally:
        engine_of(restarted).dispose()


def test_a_save_between_the_start_check_and_its_checkpoint_is_waited_for(
    db_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two servers started together: one verifies the log while the other already saves.
    The first's checkpoint waits its turn (SQLite refused it at once as "database is
    locked", a traceback at start) and notes the head it verified."""
    engine = make_engine(db_url)
    ensure_schema(engine)
    with engine.begin() as connection:
        first = append_entry(connection, actor="cli", action="import.insert")
    verify = audit_watch.verify_registry

    def verified_then_another_saves(connection):
        result = verify(connection)
        with engine.begin() as other:  # the other server's save, committed meanwhile
            append_entry(other, actor="nora", action="create", record_key="P1")
        return result

    monkeypatch.setattr(audit_watch, "verify_registry", verified_then_another_saves)
    watch = AuditWatch()
    watch.start(engine)
    assert watch.broken is None
    with engine.connect() as connection:
        noted = (
            connection.execute(select(audit_checkpoints).order_by(audit_checkpoints.c.id.desc()))
            .mappings()
            .first()
        )
        assert noted is not None
        assert (noted["source"], noted["head_hash"], noted["entries"]) == ("start", first, 1)
        assert watch.last_hash == first
        assert watch.check(connection) is None  # the other server's entry verifies too
    engine.dispose()
