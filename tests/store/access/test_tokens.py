"""Personal access tokens: stored hashed, expiring, revocable, audited; SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from follicle.errors import NotFound
from follicle.store.access.accounts import (
    WriteDue,
    create_site,
    create_user,
    set_password,
    set_user_active,
    set_user_sites,
)
from follicle.store.access.tokens import (
    DEFAULT_LIFETIME,
    PREFIX,
    TOUCH,
    create_token,
    list_tokens,
    parse_lifetime,
    revoke_token,
    revoke_user_tokens,
    token_hash,
    token_id_of,
    token_user,
)
from follicle.store.audit_log.chain import utc, verify_chain
from follicle.store.tables import api_tokens, audit_log

NOW = datetime(2026, 12, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def nora(engine):
    with engine.begin() as connection:
        create_site(connection, "North", "North clinic")
        create_site(connection, "South", "South clinic")
        return create_user(connection, "nora", "a long passphrase", "coordinator", ["North"])


def test_a_token_is_stored_only_as_its_sha256(engine, nora) -> None:
    with engine.begin() as connection:
        made = create_token(connection, "nora", now=NOW)
    assert made.token.startswith(PREFIX)
    assert len(made.token) > 40
    with engine.connect() as connection:
        stored = connection.execute(select(api_tokens)).mappings().one()
        entries = connection.execute(select(audit_log.c.after)).scalars().all()
    assert stored["token_hash"] == token_hash(made.token) != made.token
    assert made.token not in json.dumps([dict(stored), entries], default=str)


def test_a_token_acts_as_its_user_with_her_sites_of_today(engine, nora) -> None:
    with engine.begin() as connection:
        made = create_token(connection, "nora", now=NOW)
        user = token_user(connection, made.token, now=NOW + timedelta(hours=1))
        assert user is not None
        assert user.username == "nora"
        assert user.role == "coordinator"
        assert user.sites == {"North"}
        set_user_sites(connection, nora.id, ["South"], actor="test")
        moved = token_user(connection, made.token, now=NOW + timedelta(hours=2))
    assert moved is not None
    assert moved.sites == {"South"}


def test_a_token_gives_every_site_of_hers_or_none(engine, nora) -> None:
    with engine.begin() as connection:
        set_user_sites(connection, nora.id, ["North", "South"], actor="test")
        create_user(connection, "ada", "a long passphrase", "admin", [])
        hers, admins = (create_token(connection, name, now=NOW) for name in ("nora", "ada"))
        nora_now = token_user(connection, hers.token, now=NOW)
        admin = token_user(connection, admins.token, now=NOW)
    assert nora_now is not None
    assert nora_now.sites == {"North", "South"}
    assert admin is not None
    assert (admin.username, admin.role, admin.sites) == (
        "ada",
        "admin",
        frozenset(),
    )


def test_a_token_lives_90_days_by_default_and_not_a_second_longer(engine, nora) -> None:
    with engine.begin() as connection:
        made = create_token(connection, "nora", now=NOW)
    assert made.expires_at == NOW + DEFAULT_LIFETIME == NOW + timedelta(days=90)
    with engine.begin() as connection:
        assert token_user(connection, made.token, now=NOW + timedelta(days=90, seconds=-1))
        assert token_user(connection, made.token, now=NOW + timedelta(days=90)) is None


def test_a_revoked_token_is_refused_and_the_revocation_audited(engine, nora) -> None:
    with engine.begin() as connection:
        made = create_token(connection, "nora", now=NOW, name="sync")
        assert token_id_of(connection, made.token) == made.id
        revoke_token(connection, made.id, now=NOW, actor="ada")
        revoke_token(connection, made.id, now=NOW, actor="ada")  # twice: one entry
        assert token_user(connection, made.token, now=NOW) is None
    with engine.connect() as connection:
        entries = connection.execute(
            select(audit_log.c.actor, audit_log.c.action, audit_log.c.after).where(
                audit_log.c.table_name == "api_tokens"
            )
        ).all()
        assert verify_chain(connection).ok
    assert [(a, b) for a, b, _ in entries] == [("cli", "create"), ("ada", "update")]
    assert json.loads(entries[0][2])["name"] == "sync"


def test_a_disabled_users_token_is_refused(engine, nora) -> None:
    with engine.begin() as connection:
        made = create_token(connection, "nora", now=NOW)
        set_user_active(connection, nora.id, False)
        assert token_user(connection, made.token, now=NOW) is None


def test_a_new_password_leaves_the_tokens_and_revoking_hers_ends_them_all(engine, nora) -> None:
    with engine.begin() as connection:
        ada = create_user(connection, "ada", "another long passphrase", "admin", [])
        first = create_token(connection, "nora", now=NOW)
        second = create_token(connection, "nora", now=NOW)
        old = create_token(connection, "nora", now=NOW - timedelta(days=100))  # expired
        gone = create_token(connection, "nora", now=NOW)
        revoke_token(connection, gone.id, now=NOW)
        others = create_token(connection, "ada", now=NOW)
        set_password(connection, nora.id, "nora's new long passphrase")
        assert token_user(connection, first.token, now=NOW) is not None  # still hers
        assert revoke_user_tokens(connection, nora.id, now=NOW, actor="ada") == [
            first.id,
            second.id,
        ]
        for made in (first, second, old, gone):
            assert token_user(connection, made.token, now=NOW) is None
        assert token_user(connection, others.token, now=NOW) == ada
        assert revoke_user_tokens(connection, nora.id, now=NOW) == []
    with engine.connect() as connection:
        revocations = connection.execute(
            select(audit_log.c.actor, audit_log.c.record_key)
            .where(audit_log.c.table_name == "api_tokens", audit_log.c.action == "update")
            .order_by(audit_log.c.id)
        ).all()
        assert verify_chain(connection).ok
    assert revocations == [("cli", str(gone.id)), ("ada", str(first.id)), ("ada", str(second.id))]


@pytest.mark.parametrize("token", ["", "flc_", "flc_not-a-token", "not-even-prefixed"])
def test_unknown_tokens_are_refused(engine, nora, token: str) -> None:
    with engine.begin() as connection:
        assert token_user(connection, token, now=NOW) is None


def test_unknown_users_and_tokens_are_not_found(engine, nora) -> None:
    with engine.begin() as connection, pytest.raises(NotFound):
        create_token(connection, "nobody", now=NOW)
    with engine.begin() as connection, pytest.raises(NotFound):
        revoke_token(connection, 999, now=NOW)
    with engine.begin() as connection, pytest.raises(NotFound):
        token_id_of(connection, "flc_unknown")


def test_the_last_use_is_written_at_most_once_a_minute(engine, nora) -> None:
    with engine.begin() as connection:
        made = create_token(connection, "nora", now=NOW)
        for seconds in (0, 10, TOUCH.total_seconds() + 1):
            token_user(connection, made.token, now=NOW + timedelta(seconds=seconds))
        frame = list_tokens(connection, "nora")
    assert list(frame["name"]) == ["token of nora"]
    assert utc(frame["last_used_at"].iloc[0].to_pydatetime()) == NOW + TOUCH + timedelta(seconds=1)


def test_a_read_only_lookup_reads_until_the_use_is_due_to_be_recorded(engine, nora) -> None:
    with engine.begin() as connection:
        made = create_token(connection, "nora", now=NOW)
    with engine.connect() as connection, pytest.raises(WriteDue):  # never used yet
        token_user(connection, made.token, now=NOW, read_only=True)
    with engine.begin() as connection:
        assert token_user(connection, made.token, now=NOW) is not None
    with engine.connect() as connection:
        later = NOW + TOUCH / 2
        assert token_user(connection, made.token, now=later, read_only=True) is not None
        with pytest.raises(WriteDue):
            token_user(connection, made.token, now=NOW + TOUCH, read_only=True)
        assert token_user(connection, "flc_unknown", now=NOW, read_only=True) is None


@pytest.mark.parametrize(
    ("text", "days"), [("90d", 90), ("90", 90), ("2w", 14), ("36h", 1.5), (" 7d ", 7)]
)
def test_lifetimes_are_read_in_days_weeks_or_hours(text: str, days: float) -> None:
    assert parse_lifetime(text) == timedelta(days=days)


@pytest.mark.parametrize("text", ["", "0d", "-3d", "1y", "400d", "ninety"])
def test_unreadable_or_unbounded_lifetimes_are_refused(text: str) -> None:
    with pytest.raises(ValueError, match="lifetime"):
        parse_lifetime(text)
