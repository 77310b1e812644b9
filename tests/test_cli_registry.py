"""The registry's CLI: `follicle site add|list`, `follicle user add|list|passwd|disable`,
`follicle audit-log verify`; SQLite and PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select, text
from typer.testing import CliRunner

from follicle.cli import app
from follicle.store.access.accounts import verify_password
from follicle.store.engine import ensure_schema, make_engine
from follicle.store.tables import user_sites, users

runner = CliRunner(env={"COLUMNS": "400"})


@pytest.fixture
def registry(db_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """An empty registry (only `user add` and `site add` make one where there is none)."""
    engine = make_engine(db_url)
    ensure_schema(engine)
    engine.dispose()
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
        input="s3cret! and long\n",
    )
    assert result.exit_code == 0, result.output
    assert "Created user nora (coordinator; North)" in result.output
    ((name, role, hashed),) = _users(registry)
    assert (name, role) == ("nora", "coordinator")
    assert verify_password(hashed, "s3cret! and long")
    engine = make_engine(registry)
    with engine.connect() as connection:
        assert connection.execute(select(user_sites.c.site_code)).scalars().all() == ["North"]
    engine.dispose()


def test_the_first_admin_with_a_confirmed_prompt(registry: str) -> None:
    result = runner.invoke(
        app, ["user", "add", "ada", "--role", "admin"], input="first admin pw1\nfirst admin pw1\n"
    )
    assert result.exit_code == 0, result.output
    assert "all sites" in result.output
    assert "first admin pw1" not in result.output
    ((_, role, hashed),) = _users(registry)
    assert role == "admin"
    assert verify_password(hashed, "first admin pw1")


def test_user_add_refuses_unknown_roles_sites_and_taken_names(registry: str) -> None:
    assert (
        runner.invoke(
            app,
            ["user", "add", "x", "--role", "root", "--password-stdin"],
            input="analyst passphrase\n",
        ).exit_code
        == 2
    )
    unknown_site = runner.invoke(
        app,
        ["user", "add", "x", "--role", "coordinator", "--site", "Nowhere", "--password-stdin"],
        input="analyst passphrase\n",
    )
    assert unknown_site.exit_code == 1
    assert "no such site: Nowhere" in unknown_site.output
    assert (
        runner.invoke(
            app,
            ["user", "add", "x", "--role", "analyst", "--password-stdin"],
            input="analyst passphrase\n",
        ).exit_code
        == 0
    )
    taken = runner.invoke(
        app,
        ["user", "add", "x", "--role", "analyst", "--password-stdin"],
        input="analyst passphrase\n",
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


def _ok(*args: str, stdin: str | None = None) -> str:
    result = runner.invoke(app, list(args), input=stdin)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_weak_password_is_refused_with_its_reason(registry: str) -> None:
    for password, reason in (
        ("admin", "at least 12 characters (it has 5)"),
        ("password1234", "one of the most common passwords"),
    ):
        result = runner.invoke(
            app, ["user", "add", "ada", "--role", "admin", "--password-stdin"], input=password
        )
        assert result.exit_code == 1
        assert reason in result.output
        assert "nothing was changed" in result.output
    assert "No accounts yet" in _ok("user", "list")


def test_user_list_passwd_and_disable(registry: str) -> None:
    assert "No accounts yet" in _ok("user", "list")
    _ok("site", "add", "North", "North clinic")
    _ok("user", "add", "ada", "--role", "admin", "--password-stdin", stdin="first admin pw1\n")
    _ok(
        "user",
        "add",
        "nora",
        "--role",
        "coordinator",
        "--site",
        "North",
        "--password-stdin",
        stdin="nora's first password\n",
    )
    listed = _ok("user", "list")
    assert "2 account(s)" in listed
    assert re.search(r"nora\s+│\s+coordinator\s+│\s+North\s+│\s+active", listed)
    assert re.search(r"ada\s+│\s+admin\s+│\s+all\s+│\s+active", listed)
    assert "argon2" not in listed
    weak = runner.invoke(app, ["user", "passwd", "nora", "--password-stdin"], input="nora\n")
    assert weak.exit_code == 1
    assert "at least 12" in weak.output
    assert "Changed the password of nora" in _ok(
        "user", "passwd", "nora", "--password-stdin", stdin="nora's second password\n"
    )
    hashed = {name: h for name, _, h in _users(registry)}["nora"]
    assert verify_password(hashed, "nora's second password")
    unknown = runner.invoke(
        app, ["user", "passwd", "nobody", "--password-stdin"], input="a long pass phrase"
    )
    assert unknown.exit_code == 1
    assert "no user 'nobody'" in unknown.output
    assert "Disabled account nora" in _ok("user", "disable", "nora")
    assert re.search(r"nora\s+│\s+coordinator\s+│\s+North\s+│\s+disabled", _ok("user", "list"))
    assert "Enabled account nora" in _ok("user", "disable", "nora", "--enable")
    assert runner.invoke(app, ["user", "disable", "nobody"]).exit_code == 1


def test_site_list_counts_accounts(registry: str) -> None:
    assert "No sites yet" in _ok("site", "list")
    _ok("site", "add", "North", "North clinic")
    _ok("site", "add", "South", "South clinic")
    _ok(
        "user",
        "add",
        "nora",
        "--role",
        "coordinator",
        "--site",
        "North",
        "--password-stdin",
        stdin="nora's first password\n",
    )
    listed = _ok("site", "list")
    assert "2 site(s)" in listed
    assert re.search(r"North\s+│\s+North clinic\s+│\s+0\s+│\s+1", listed)
    assert re.search(r"South\s+│\s+South clinic\s+│\s+0\s+│\s+0", listed)


def test_identity_import_all_or_nothing_and_never_printing_the_values(registry: str) -> None:
    from pathlib import Path

    fixtures = Path(__file__).parent / "fixtures"
    _ok("import", str(fixtures / "workbooks" / "small"), "--create-sites")
    bad = runner.invoke(app, ["identity", "import", str(fixtures / "identity" / "bad.csv")])
    assert bad.exit_code == 1
    assert "6 error(s); nothing was written" in bad.output
    assert "999" in bad.output
    good = _ok("identity", "import", str(fixtures / "identity" / "good.csv"))
    assert "identities: 4 added, 0 changed, 0 unchanged" in good
    for output in (bad.output, good):
        for secret in ("Nahid", "Karimi", "Zahra", "5550", "sister"):
            assert secret not in output


def test_token_create_prints_the_token_last_and_revoke_ends_it(registry: str) -> None:
    from datetime import UTC, datetime, timedelta

    from follicle.store.access.tokens import token_user

    runner.invoke(app, ["site", "add", "North", "North clinic"])
    runner.invoke(
        app,
        ["user", "add", "nora", "--role", "coordinator", "--site", "North", "--password-stdin"],
        input="nora's token password\n",
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


def test_passwd_and_disable_revoke_her_tokens_only_when_asked(registry: str) -> None:
    from datetime import UTC, datetime

    from follicle.store.access.tokens import token_user

    _ok("site", "add", "North", "North clinic")
    _ok(
        "user",
        "add",
        "nora",
        "--role",
        "coordinator",
        "--site",
        "North",
        "--password-stdin",
        stdin="nora's token password\n",
    )

    def token() -> str:
        return _ok("token", "create", "nora").split()[-1]

    def live(secret: str) -> bool:
        engine = make_engine(registry)
        try:
            with engine.begin() as connection:
                return token_user(connection, secret, now=datetime.now(UTC)) is not None
        finally:
            engine.dispose()

    kept = token()
    changed = _ok("user", "passwd", "nora", "--password-stdin", stdin="nora's second password\n")
    assert "Revoked" not in changed
    assert live(kept)  # a script's token outlives a password change
    changed = _ok(
        "user",
        "passwd",
        "nora",
        "--password-stdin",
        "--revoke-tokens",
        stdin="nora's third password\n",
    )
    assert "Revoked 1 API token(s): 1" in changed
    assert not live(kept)

    suspended = token()
    _ok("user", "disable", "nora")
    assert not live(suspended)  # refused while she is disabled
    _ok("user", "disable", "nora", "--enable")
    assert live(suspended)  # and back once she is enabled
    disabled = _ok("user", "disable", "nora", "--revoke-tokens")
    assert "Revoked 1 API token(s): 2" in disabled
    _ok("user", "disable", "nora", "--enable")
    assert not live(suspended)  # revoked for good
    assert "No API token to revoke" in _ok("user", "disable", "nora", "--revoke-tokens")
    both = runner.invoke(app, ["user", "disable", "nora", "--enable", "--revoke-tokens"])
    assert both.exit_code == 2


def test_token_create_refuses_unknown_users_and_lifetimes(registry: str) -> None:
    unknown = runner.invoke(app, ["token", "create", "nobody"])
    assert unknown.exit_code == 1
    assert "no active user 'nobody'" in unknown.output
    bad = runner.invoke(app, ["token", "create", "nobody", "--expires", "1y"])
    assert bad.exit_code == 2
    assert "lifetime '1y'" in bad.output
