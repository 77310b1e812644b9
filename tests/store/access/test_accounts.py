"""Accounts: Argon2 hashes, sign-in with lockout, server-side sessions; SQLite and PostgreSQL."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from follicle.errors import Conflict, NotFound, PermissionDenied, WeakPassword
from follicle.store.access.accounts import (
    LOCKOUT,
    MAX_FAILED_LOGINS,
    SESSION_TOUCH,
    SIGN_IN_REFUSED,
    InvalidName,
    User,
    WriteDue,
    authenticate,
    check_sign_in,
    create_session,
    create_site,
    create_user,
    delete_session,
    get_user,
    hash_password,
    list_users,
    record_sign_in,
    session_user,
    set_password,
    set_user_active,
    set_user_sites,
    site_overview,
    user_id_of,
    verify_password,
)
from follicle.store.audit_log.chain import utc
from follicle.store.tables import audit_log, users, web_sessions

NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)


@pytest.fixture
def alice(engine):
    with engine.begin() as connection:
        create_site(connection, "North", "North clinic")
        return create_user(connection, "alice", "correct horse", "coordinator", ["North"])


def _sign_in(engine, password, now=NOW):
    """One attempt in its own transaction, committed whatever the outcome (as the web does)."""
    with engine.begin() as connection:
        try:
            return authenticate(connection, "alice", password, now=now)
        except PermissionDenied as exc:
            return exc


def test_passwords_are_hashed_with_argon2id_and_salted():
    first, second = hash_password("secret"), hash_password("secret")
    assert first.startswith("$argon2id$")
    assert first != second  # a salt of its own
    assert verify_password(first, "secret")
    assert not verify_password(first, "Secret")
    assert not verify_password("not a hash", "secret")


def test_create_user_stores_the_hash_never_the_password_and_audits_without_it(engine, alice):
    with engine.connect() as connection:
        row = connection.execute(select(users).where(users.c.username == "alice")).one()
        entries = (
            connection.execute(select(audit_log.c.after).where(audit_log.c.table_name == "users"))
            .scalars()
            .all()
        )
    assert row.password_hash.startswith("$argon2id$")
    assert "correct horse" not in row.password_hash
    assert alice == User(row.id, "alice", "coordinator", frozenset({"North"}))
    (after,) = entries
    assert json.loads(after) == {
        "username": "alice",
        "role": "coordinator",
        "sites": ["North"],
        "active": True,
    }
    assert row.password_hash not in after


def test_create_user_refuses_duplicates_unknown_sites_and_roles(engine, alice):
    with engine.begin() as connection:
        with pytest.raises(Conflict):
            create_user(connection, "alice", "another long password", "admin")
        with pytest.raises(NotFound):
            create_user(connection, "bob", "another long password", "coordinator", ["Atlantis"])
        with pytest.raises(ValueError, match="unknown role"):
            create_user(connection, "bob", "another long password", "superuser")
        with pytest.raises(Conflict):
            create_site(connection, "North", "again")
        with pytest.raises(Conflict, match="differ by more than case"):
            create_user(connection, "Alice", "another long password", "admin")


@pytest.mark.parametrize(
    ("username", "site", "refused"),
    [
        ("  ", "North", "a user name is required"),
        ("eve\x1b[31mred", "North", "control characters"),
        ("eve\nline2", "North", "control characters"),
        ("eve\u202egnp.exe", "North", "invisible direction marks"),
        ("e" * 101, "North", "at most 100 characters"),
        ("eve", "", "a site's code is required"),
        ("eve", "New\nLine", "control characters"),
    ],
)
def test_names_are_not_empty_not_endless_and_hold_no_control_characters(
    engine, username, site, refused
):
    # A name is printed by `user list` and the pages: an escape sequence or a line break
    # in it would rewrite the terminal or split a table's rows.
    if site == "North":
        make = lambda c: create_user(c, username, "another long password", "analyst")  # noqa: E731
    else:
        make = lambda c: create_site(c, site, "a name")  # noqa: E731
    with engine.begin() as connection, pytest.raises(InvalidName, match=refused):
        make(connection)
    with engine.connect() as connection:
        assert connection.execute(select(users.c.id)).first() is None


def test_sites_decide_what_a_user_sees():
    admin = User(1, "a", "admin", frozenset())
    coordinator = User(2, "c", "coordinator", frozenset({"North"}))
    assert admin.can_see_site("South")
    assert admin.can_write
    assert coordinator.can_see_site("North")
    assert not coordinator.can_see_site("South")
    assert not User(3, "r", "reviewer", frozenset({"North"})).can_write
    assert not User(4, "n", "analyst", frozenset()).sees_identity


def test_the_right_password_signs_in_and_a_wrong_one_or_unknown_user_is_refused(engine, alice):
    assert _sign_in(engine, "correct horse") == alice
    wrong = _sign_in(engine, "wrong")
    assert isinstance(wrong, PermissionDenied)
    assert str(wrong) == SIGN_IN_REFUSED
    with engine.begin() as connection, pytest.raises(PermissionDenied, match=SIGN_IN_REFUSED):
        authenticate(connection, "nobody", "correct horse", now=NOW)


def test_lockout_after_five_failures_and_unlock_after_the_period(engine, alice):
    for attempt in range(MAX_FAILED_LOGINS - 1):
        assert isinstance(
            _sign_in(engine, "wrong", NOW + timedelta(seconds=attempt)), PermissionDenied
        )
    assert _sign_in(engine, "correct horse", NOW + timedelta(seconds=10)) == alice  # resets
    for attempt in range(MAX_FAILED_LOGINS):
        assert isinstance(
            _sign_in(engine, "wrong", NOW + timedelta(seconds=20 + attempt)), PermissionDenied
        )
    locked_at = NOW + timedelta(seconds=20 + MAX_FAILED_LOGINS - 1)
    # Locked: even the right password is refused, with the same message.
    refused = _sign_in(engine, "correct horse", locked_at + LOCKOUT - timedelta(seconds=1))
    assert isinstance(refused, PermissionDenied)
    assert str(refused) == SIGN_IN_REFUSED
    assert _sign_in(engine, "correct horse", locked_at + LOCKOUT + timedelta(seconds=1)) == alice


def test_a_password_checked_before_it_changed_or_the_account_locked_is_refused(engine, alice):
    # The web application checks the password (Argon2) outside its write lock and records
    # the outcome inside it: the record half judges the row as it is by then.
    with engine.connect() as connection:
        checked = check_sign_in(connection, "alice", "correct horse")
    assert checked.matched
    with engine.begin() as connection:
        set_password(connection, alice.id, "a brand new pass phrase")
    with engine.begin() as connection, pytest.raises(PermissionDenied):
        record_sign_in(connection, checked, now=NOW)
    with engine.begin() as connection:
        failures = connection.execute(
            select(users.c.failed_logins).where(users.c.id == alice.id)
        ).scalar_one()
    assert failures == 1  # counted as a failed attempt
    with engine.connect() as connection:
        checked = check_sign_in(connection, "alice", "a brand new pass phrase")
    for attempt in range(MAX_FAILED_LOGINS):  # meanwhile, others lock the account
        _sign_in(engine, "wrong", NOW + timedelta(seconds=attempt))
    with engine.begin() as connection, pytest.raises(PermissionDenied):
        record_sign_in(connection, checked, now=NOW + timedelta(seconds=10))
    with engine.connect() as connection:
        nobody = check_sign_in(connection, "nobody", "correct horse")
    assert nobody.user_id is None
    assert not nobody.matched
    with engine.begin() as connection, pytest.raises(PermissionDenied):
        record_sign_in(connection, nobody, now=NOW)


def test_the_last_active_admin_cannot_be_disabled(engine):
    with engine.begin() as connection:
        ada = create_user(connection, "ada", "a long pass phrase", "admin")
    with engine.begin() as connection, pytest.raises(Conflict, match="last active admin"):
        set_user_active(connection, ada.id, False)
    with engine.begin() as connection:
        create_user(connection, "grace", "another long phrase", "admin")
        set_user_active(connection, ada.id, False)  # grace can still manage the accounts
        assert get_user(connection, ada.id) is None


def test_a_disabled_user_cannot_sign_in_and_loses_her_sessions(engine, alice):
    with engine.begin() as connection:
        token, _ = create_session(connection, alice.id, now=NOW)
        set_user_active(connection, alice.id, False)
    assert isinstance(_sign_in(engine, "correct horse"), PermissionDenied)
    with engine.begin() as connection:
        assert session_user(connection, token, now=NOW) is None
        assert get_user(connection, alice.id) is None


def test_a_session_gives_her_every_site_or_none_as_get_user_does(engine, alice):
    # One statement reads the session, the user and her sites (a row per site).
    with engine.begin() as connection:
        create_site(connection, "South", "South clinic")
        set_user_sites(connection, alice.id, ["North", "South"], actor="test")
        admin = create_user(connection, "ada", "a long passphrase", "admin", [])
        tokens = {
            user_id: create_session(connection, user_id, now=NOW)
            for user_id in (alice.id, admin.id)
        }
    with engine.connect() as connection:
        for user_id, (token, csrf) in tokens.items():
            found = session_user(connection, token, now=NOW, read_only=True)
            assert found == (get_user(connection, user_id), csrf)
        assert found is not None
        assert found[0].sites == frozenset()
        her = session_user(connection, tokens[alice.id][0], now=NOW, read_only=True)
        assert her is not None
        assert her[0].sites == {"North", "South"}


def test_an_expired_session_of_a_disabled_user_is_still_deleted(engine, alice):
    with engine.begin() as connection:
        token, _ = create_session(connection, alice.id, now=NOW, ttl=timedelta(hours=1))
        connection.execute(users.update().values(active=False))  # not via set_user_active,
        # which deletes her sessions itself
    with engine.connect() as connection:
        with pytest.raises(WriteDue):
            session_user(connection, token, now=NOW + timedelta(hours=2), read_only=True)
        assert session_user(connection, token, now=NOW, read_only=True) is None
    with engine.begin() as connection:
        assert session_user(connection, token, now=NOW + timedelta(hours=2)) is None
    with engine.connect() as connection:
        assert connection.execute(select(web_sessions)).all() == []


def test_sessions_store_only_the_token_hash_and_expire(engine, alice):
    ttl = timedelta(hours=1)
    with engine.begin() as connection:
        token, csrf = create_session(connection, alice.id, now=NOW, ttl=ttl)
    with engine.connect() as connection:
        (stored,) = connection.execute(select(web_sessions.c.token_hash)).scalars().all()
    assert token not in stored
    assert len(stored) == 64
    with engine.begin() as connection:
        assert session_user(connection, token, now=NOW + ttl - timedelta(seconds=1), ttl=ttl) == (
            alice,
            csrf,
        )
        assert session_user(connection, "forged", now=NOW, ttl=ttl) is None
    # That use slid the expiry: one hour after it, not after the start.
    later = NOW + ttl - timedelta(seconds=1) + ttl - timedelta(seconds=1)
    with engine.begin() as connection:
        assert session_user(connection, token, now=later, ttl=ttl) == (alice, csrf)
    with engine.begin() as connection:
        assert (
            session_user(connection, token, now=later + ttl + timedelta(seconds=1), ttl=ttl) is None
        )
    with engine.connect() as connection:  # an expired session is removed
        assert connection.execute(select(web_sessions)).all() == []


def test_a_recent_session_is_not_written_on_every_request(engine, alice):
    with engine.begin() as connection:
        token, _ = create_session(connection, alice.id, now=NOW)
        session_user(connection, token, now=NOW + SESSION_TOUCH / 2)
        seen = connection.execute(select(web_sessions.c.last_seen_at)).scalar_one()
    assert utc(seen) == NOW


def test_a_read_only_lookup_reads_until_a_write_is_due(engine, alice):
    # The web looks a session up in a read transaction first (no queue behind the SQLite
    # writer); only a touch or an expiry sends it to a write transaction.
    ttl = timedelta(hours=1)
    with engine.begin() as connection:
        token, csrf = create_session(connection, alice.id, now=NOW, ttl=ttl)
    with engine.connect() as connection:
        assert session_user(
            connection, token, now=NOW + SESSION_TOUCH / 2, ttl=ttl, read_only=True
        ) == (alice, csrf)
        assert session_user(connection, "forged", now=NOW, ttl=ttl, read_only=True) is None
        with pytest.raises(WriteDue):  # the touch is due
            session_user(connection, token, now=NOW + SESSION_TOUCH, ttl=ttl, read_only=True)
        with pytest.raises(WriteDue):  # expired: to be deleted
            session_user(connection, token, now=NOW + ttl, ttl=ttl, read_only=True)
    with engine.connect() as connection:  # nothing was written
        assert utc(connection.execute(select(web_sessions.c.last_seen_at)).scalar_one()) == NOW


def test_logout_deletes_the_session(engine, alice):
    with engine.begin() as connection:
        token, _ = create_session(connection, alice.id, now=NOW)
        delete_session(connection, token)
        assert session_user(connection, token, now=NOW) is None


def test_sites_of_a_user_can_be_changed_and_users_listed(engine, alice):
    with engine.begin() as connection:
        create_site(connection, "South", "South clinic")
        changed = set_user_sites(connection, alice.id, ["South", "North"])
        listed = list_users(connection)
    assert changed.sites == frozenset({"North", "South"})
    assert listed.loc[0, "sites"] == "North,South"
    assert "password_hash" not in listed.columns


def test_a_new_password_must_be_long_and_uncommon(engine, alice):
    with engine.begin() as connection:
        with pytest.raises(WeakPassword, match="at least 12"):
            create_user(connection, "bob", "admin", "admin")
        with pytest.raises(WeakPassword, match="common"):
            create_user(connection, "bob", "password1234", "admin")
        with pytest.raises(WeakPassword, match="at least 12"):
            set_password(connection, alice.id, "short")
    with engine.connect() as connection:
        assert connection.execute(select(users.c.username)).scalars().all() == ["alice"]


def test_a_changed_password_ends_sessions_lifts_the_lockout_and_is_audited(engine, alice):
    for _ in range(MAX_FAILED_LOGINS):
        _sign_in(engine, "wrong")
    with engine.begin() as connection:
        token, _ = create_session(connection, alice.id, now=NOW)
        assert user_id_of(connection, " alice ") == alice.id
        with pytest.raises(NotFound, match="no user 'nobody'"):
            user_id_of(connection, "nobody")
        set_password(connection, alice.id, "a brand new pass phrase", actor="ada")
    assert _sign_in(engine, "a brand new pass phrase") == alice
    assert isinstance(_sign_in(engine, "correct horse"), PermissionDenied)
    with engine.connect() as connection:
        assert session_user(connection, token, now=NOW) is None
        entry = connection.execute(
            select(audit_log.c.actor, audit_log.c.after).order_by(audit_log.c.id.desc())
        ).first()
        hashed = connection.execute(select(users.c.password_hash)).scalar_one()
    assert entry.actor == "ada"
    assert json.loads(entry.after) == {"password": "changed"}
    assert hashed[10:40] not in entry.after


def test_site_overview_counts_women_and_accounts_and_names_unregistered_sites(engine, people):
    with engine.begin() as connection:
        create_site(connection, "East", "East clinic")
        connection.execute(users.update().where(users.c.username == "sam").values(active=False))
        frame = site_overview(connection)
    got = frame.set_index("code")
    assert got.loc["North"].tolist() == ["North clinic", True, 2, 2]  # nora, rita
    assert got.loc["South"].tolist() == ["South clinic", True, 2, 0]  # sam disabled
    assert got.loc["East"].tolist() == ["East clinic", True, 0, 0]
    assert frame["code"].tolist() == sorted(frame["code"])
