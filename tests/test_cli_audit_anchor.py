"""``follicle audit-log verify`` keeps the log's head: a checkpoint in the registry and,
with ``--anchor``, a file outside it; deleting the newest entries is then caught. SQLite
and PostgreSQL."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from follicle.cli import app
from follicle.store.engine import make_engine

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def registry(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", db_url)
    for code in ("North", "South", "East"):
        assert runner.invoke(app, ["site", "add", code, f"{code} clinic"]).exit_code == 0
    return db_url


def _delete_newest(url: str, *, checkpoints_too: bool) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        tables = ["audit_log"] + (["audit_checkpoints"] if checkpoints_too else [])
        for table in tables:
            if connection.dialect.name == "postgresql":
                connection.execute(text(f"ALTER TABLE {table} DISABLE TRIGGER USER"))
            else:
                connection.execute(text(f"DROP TRIGGER {table}_no_delete"))
        connection.execute(text("DELETE FROM audit_log WHERE id = (SELECT max(id) FROM audit_log)"))
        if checkpoints_too:
            connection.execute(text("DELETE FROM audit_checkpoints"))
    engine.dispose()


def test_verify_notes_the_head_and_catches_deleted_newest_entries(registry: str) -> None:
    first = runner.invoke(app, ["audit-log", "verify"])
    assert first.exit_code == 0, first.output
    assert "3 entries verified" in first.output
    assert "head: entry" in first.output
    _delete_newest(registry, checkpoints_too=False)
    again = runner.invoke(app, ["audit-log", "verify"])
    assert again.exit_code == 1
    assert "deleted from the end of the log" in again.output


def test_the_anchor_file_catches_it_when_the_checkpoints_are_gone_too(
    registry: str, tmp_path
) -> None:
    anchor = tmp_path / "head.json"
    first = runner.invoke(app, ["audit-log", "verify", "--anchor", str(anchor)])
    assert first.exit_code == 0, first.output
    noted = json.loads(anchor.read_text())
    assert noted["entries"] == 3
    _delete_newest(registry, checkpoints_too=True)
    assert runner.invoke(app, ["audit-log", "verify"]).exit_code == 0  # nothing left to see
    again = runner.invoke(app, ["audit-log", "verify", "--anchor", str(anchor)])
    assert again.exit_code == 1
    assert f"entry {noted['last_id']}" in again.output
    assert json.loads(anchor.read_text()) == noted  # a failed check keeps the old anchor
