"""The registry's CLI: `follicle site add`, `follicle user add`, `follicle audit-log verify`;
SQLite and PostgreSQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from follicle.cli import app
from follicle.store.accounts import verify_password
from follicle.store.engine import make_engine
from follicle.store.tables import user_sites, users

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def registry(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", db_url)
    return db_url


def _users(url: str) -> list[tuple]:
    engine = make_engine(url)
    try:
        with engine.connect() as connection:
            return [
                tuple(r)
                for r in connection.execute(
                    select(users.c.username, users.c.role, users.c.password_hash)
                )
            ]
    finally:
        engine.dispose()


def test_site_add_then_user_add_with_the_password_on_stdin(registry: str) -> None:
    assert runner.invoke(app, ["site", "add", "North", "North clinic"]).exit_code == 0
    result = runner.invoke(
        app,
        ["user", "add", "nora", "--role", "coordinator", "--site", "North", "--password-stdin"],
        input="s3cret!\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created user nora (coordinator; North)" in result.output
    ((name, role, hashed),) = _users(registry)
    assert (name, role) == ("nora", "coordinator")
    assert verify_password(hashed, "s3cret!")
    engine = make_engine(registry)
    with engine.connect() as connection:
        assert connection.execute(select(user_sites.c.site_code)).scalars().all() == ["North"]
    engine.dispose()


def test_the_first_admin_with_a_confirmed_prompt(registry: str) -> None:
    result = runner.invoke(app, ["user", "add", "ada", "--role", "admin"], input="pw-1\npw-1\n")
    assert result.exit_code == 0, result.output
    assert "all sites" in result.output
    assert "pw-1" not in result.output
    ((_, role, hashed),) = _users(registry)
    assert role == "admin"
    assert verify_password(hashed, "pw-1")


def test_user_add_refuses_unknown_roles_sites_and_taken_names(registry: str) -> None:
    assert (
        runner.invoke(
            app, ["user", "add", "x", "--role", "root", "--password-stdin"], input="p\n"
        ).exit_code
        == 2
    )
    unknown_site = runner.invoke(
        app,
        ["user", "add", "x", "--role", "coordinator", "--site", "Nowhere", "--password-stdin"],
        input="p\n",
    )
    assert unknown_site.exit_code == 1
    assert "no such site: Nowhere" in unknown_site.output
    assert (
        runner.invoke(
            app, ["user", "add", "x", "--role", "analyst", "--password-stdin"], input="p\n"
        ).exit_code
        == 0
    )
    taken = runner.invoke(
        app, ["user", "add", "x", "--role", "analyst", "--password-stdin"], input="p\n"
    )
    assert taken.exit_code == 1
    assert "exists already" in taken.output
    assert (
        runner.invoke(
            app, ["user", "add", "y", "--role", "analyst", "--password-stdin"], input="\n"
        ).exit_code
        == 1
    )


def test_audit_log_verify_passes_then_fails_after_tampering(registry: str) -> None:
    runner.invoke(app, ["site", "add", "North", "North clinic"])
    runner.invoke(app, ["site", "add", "South", "South clinic"])
    result = runner.invoke(app, ["audit-log", "verify"])
    assert result.exit_code == 0, result.output
    assert "2 entries verified" in result.output
    engine = make_engine(registry)
    with engine.begin() as connection:
        if connection.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_log DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_log_no_update"))
        first = connection.execute(text("SELECT min(id) FROM audit_log")).scalar_one()
        connection.execute(text("UPDATE audit_log SET after = '{}' WHERE id = :id"), {"id": first})
    engine.dispose()
    tampered = runner.invoke(app, ["audit-log", "verify"])
    assert tampered.exit_code == 1
    assert f"entry {first} was altered" in tampered.output


def test_audit_log_verify_without_a_registry_says_so(
    tmp_path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("FOLLICLE_DATABASE_URL", f"sqlite:///{tmp_path / 'none.db'}")
    result = runner.invoke(app, ["audit-log", "verify"])
    assert result.exit_code == 1
    assert "there is no registry" in result.output
    assert not (tmp_path / "none.db").exists()


def test_token_create_prints_the_token_last_and_revoke_ends_it(registry: str) -> None:
    from datetime import UTC, datetime, timedelta

    from follicle.store.tokens import token_user

    runner.invoke(app, ["site", "add", "North", "North clinic"])
    runner.invoke(
        app,
        ["user", "add", "nora", "--role", "coordinator", "--site", "North", "--password-stdin"],
        input="s3cret!\n",
    )
    made = runner.invoke(app, ["token", "create", "nora", "--expires", "30d", "--name", "sync"])
    assert made.exit_code == 0, made.output
    token = made.output.split()[-1]
    engine = make_engine(registry)
    try:
        with engine.begin() as connection:
            user = token_user(connection, token, now=datetime.now(UTC))
            assert user is not None
            assert user.username == "nora"
            too_late = datetime.now(UTC) + timedelta(days=30, minutes=1)
            assert token_user(connection, token, now=too_late) is None
        listed = runner.invoke(app, ["token", "list", "nora"])
        assert "sync" in listed.output
        assert token not in listed.output
        revoked = runner.invoke(app, ["token", "revoke", token])
        assert revoked.exit_code == 0, revoked.output
        with engine.begin() as connection:
            assert token_user(connection, token, now=datetime.now(UTC)) is None
    finally:
        engine.dispose()


def test_token_create_refuses_unknown_users_and_lifetimes(registry: str) -> None:
    unknown = runner.invoke(app, ["token", "create", "nobody"])
    assert unknown.exit_code == 1
    assert "no active user 'nobody'" in unknown.output
    bad = runner.invoke(app, ["token", "create", "nobody", "--expires", "1y"])
    assert bad.exit_code == 2
    assert "lifetime '1y'" in bad.output
