"""People, sites and sessions of the web registry.

**Roles.** ``admin`` manages users and sites and sees every site; ``coordinator`` enrols
women, records injections and runs follow-up contacts at her own sites; ``reviewer``
reads (reviews reported events); ``analyst`` reads reports and de-identified exports only.
A :class:`User` carries her role and sites; the services check both
(:mod:`follicle.store.records`), whatever the web layer already checked.

**Passwords** are hashed with Argon2id (:class:`argon2.PasswordHasher`, its default
parameters); the password itself is never stored or logged. A new password (a new account
or a change) must pass :func:`follicle.store.access.passwords.check_password`: at least 12
characters, not a common password, not the user name (NIST SP 800-63B). A changed password
ends the account's sessions and lifts a lockout.

**Lockout.** Each failed sign-in adds one to ``failed_logins``; the
:data:`MAX_FAILED_LOGINS`-th in a row locks the account for :data:`LOCKOUT` (refused even
with the right password until then); a successful sign-in resets the count. The message is
the same for an unknown user, a wrong password and a locked account, so that it tells an
attacker nothing. Sign-ins are not record changes and are not written to the audit log.

**Sessions** are server-side rows: the browser holds a random token, the table only its
SHA-256 (a stolen database does not hand out sessions), beside the session's CSRF token.
Expiry slides: each use pushes ``expires_at`` to ``ttl`` after the last use, written at most
once per :data:`SESSION_TOUCH` so that a page view is not a write.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pandas as pd
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Select,
    Table,
    bindparam,
    delete,
    func,
    insert,
    select,
    update,
)

from follicle.errors import Conflict, FollicleError, NotFound, PermissionDenied
from follicle.store.access.passwords import check_password
from follicle.store.audit_log.chain import append_entry, utc
from follicle.store.tables import fits_integer_key, sites, user_sites, users, web_sessions
from follicle.workbook.schema import NAME_MAX_LENGTH, UNPRINTABLE

ROLES = ("admin", "coordinator", "reviewer", "analyst")

#: Failed sign-ins in a row that lock an account.
MAX_FAILED_LOGINS = 5

#: How long a locked account stays locked.
LOCKOUT = timedelta(minutes=15)

#: Default lifetime of a session after its last use.
SESSION_TTL = timedelta(hours=8)

#: A session's last use is written at most this often.
SESSION_TOUCH = timedelta(seconds=60)

#: The one message for every refused sign-in.
SIGN_IN_REFUSED = "wrong user name or password, or the account is locked"

_HASHER = PasswordHasher()


@dataclass(frozen=True)
class User:
    """A signed-in person: her role and the sites she works for."""

    id: int
    username: str
    role: str
    sites: frozenset[str]

    def can_see_site(self, site: str) -> bool:
        """Admins see every site; everyone else her own sites only."""
        return self.role == "admin" or site in self.sites

    @property
    def can_write(self) -> bool:
        """Whether she may change records (admins and coordinators)."""
        return self.role in ("admin", "coordinator")

    @property
    def sees_identity(self) -> bool:
        """Whether she may see names and phone numbers (of her sites' women)."""
        return self.role in ("admin", "coordinator")


def hash_password(password: str) -> str:
    """The Argon2id hash of ``password`` (with its salt and parameters, as one string)."""
    return _HASHER.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    """Whether ``password`` matches ``password_hash``."""
    try:
        return _HASHER.verify(password_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


class InvalidName(FollicleError, ValueError):
    """A user name, site or token name that cannot be one (nothing was saved)."""

    code = "invalid_name"
    http_status = 422


# What a name may hold is the workbook schema's site code: a site created by an import
# takes its code from a workbook, and validation must refuse what this would refuse.
_UNPRINTABLE = re.compile(UNPRINTABLE)


def checked_name(text: str, what: str) -> str:
    """``text`` stripped, as a name (``what``: "a user name", "a site code", …) may be:
    not empty, at most :data:`NAME_MAX_LENGTH` characters, no control characters.

    Raises
    ------
    InvalidName
        Saying which of these it breaks (never echoing a control character).
    """
    text = text.strip()
    if not text:
        raise InvalidName(f"{what} is required")
    if _UNPRINTABLE.search(text):
        raise InvalidName(
            f"{what} cannot hold control characters (a line break, a tab, an escape) or "
            "invisible direction marks"
        )
    if len(text) > NAME_MAX_LENGTH:
        raise InvalidName(f"{what} has at most {NAME_MAX_LENGTH} characters, not {len(text)}")
    return text


def _check_role(role: str) -> None:
    if role not in ROLES:
        raise InvalidName(f"unknown role {role!r}: one of {', '.join(ROLES)}")


def _sites_of(connection: Connection, user_id: int) -> frozenset[str]:
    rows = connection.execute(select(user_sites.c.site_code).where(user_sites.c.user_id == user_id))
    return frozenset(rows.scalars())


def _user(connection: Connection, row: object) -> User:
    user_id = int(row.id)  # type: ignore[attr-defined]
    return User(user_id, row.username, row.role, _sites_of(connection, user_id))  # type: ignore[attr-defined]


def create_site(connection: Connection, code: str, name: str, actor: str = "cli") -> None:
    """Add a site (treating centre); audited.

    Raises
    ------
    Conflict
        A site with this code exists.
    """
    code, name = checked_name(code, "a site's code"), checked_name(name, "a site's name")
    if connection.execute(select(sites.c.code).where(sites.c.code == code)).first():
        raise Conflict(f"site {code} exists already")
    connection.execute(insert(sites), {"code": code, "name": name})
    append_entry(
        connection,
        actor=actor,
        action="create",
        table_name="sites",
        record_key=code,
        after=json.dumps({"code": code, "name": name}, ensure_ascii=False),
    )


def list_sites(connection: Connection) -> pd.DataFrame:
    """Every site: ``code``, ``name``, ordered by code."""
    rows = connection.execute(select(sites.c.code, sites.c.name).order_by(sites.c.code)).all()
    return pd.DataFrame(rows, columns=["code", "name"])


def site_overview(connection: Connection) -> pd.DataFrame:
    """Every site with ``women`` (enrolled there) and ``accounts`` (active accounts of the
    site; admins, who see every site, are not counted), ordered by code. Sites that women
    are enrolled at but that are not registered come too, with ``registered`` false and an
    empty name: no coordinator can see those women."""
    from follicle.store.tables import WORKBOOK_TABLES

    participants = WORKBOOK_TABLES["participants"]
    women: dict[str, int] = dict(
        connection.execute(
            select(participants.c.site, func.count()).group_by(participants.c.site)
        ).all()
    )
    accounts: dict[str, int] = dict(
        connection.execute(
            select(user_sites.c.site_code, func.count())
            .join(users, users.c.id == user_sites.c.user_id)
            .where(users.c.active.is_(True))
            .group_by(user_sites.c.site_code)
        ).all()
    )
    registered = list_sites(connection)
    unregistered = sorted(
        str(s) for s in women if s is not None and s not in set(registered["code"])
    )
    frame = pd.concat(
        [
            registered.assign(registered=True),
            pd.DataFrame({"code": unregistered, "name": "", "registered": False}),
        ],
        ignore_index=True,
    ).sort_values("code", kind="stable")
    frame["women"] = frame["code"].map(women).fillna(0).astype(int)
    frame["accounts"] = frame["code"].map(accounts).fillna(0).astype(int)
    return frame[["code", "name", "registered", "women", "accounts"]].reset_index(drop=True)


def _require_sites(connection: Connection, codes: Iterable[str]) -> list[str]:
    wanted = sorted(set(codes))
    known = set(connection.execute(select(sites.c.code).where(sites.c.code.in_(wanted))).scalars())
    missing = [c for c in wanted if c not in known]
    if missing:
        raise NotFound(f"no such site: {', '.join(missing)} (add it first: follicle site add)")
    return wanted


def create_user(
    connection: Connection,
    username: str,
    password: str,
    role: str,
    sites: Iterable[str] = (),
    actor: str = "cli",
) -> User:
    """Add a user with an Argon2 password hash; audited (without the hash).

    Raises
    ------
    Conflict
        The user name is taken.
    NotFound
        One of ``sites`` does not exist.
    InvalidName
        Unknown role, or a user name that is empty, too long or holds control characters.
    WeakPassword
        The password is too short, common or the user name.
    """
    username = checked_name(username, "a user name")
    _check_role(role)
    check_password(password, username=username)
    taken = connection.execute(
        select(users.c.username).where(func.lower(users.c.username) == username.lower())
    ).scalar()
    if taken is not None:
        # "Admin" beside "admin" would be two accounts that people take for one.
        if taken == username:
            raise Conflict(f"user {username} exists already")
        raise Conflict(f"user {taken} exists already: user names must differ by more than case")
    codes = _require_sites(connection, sites)
    user_id = connection.execute(
        insert(users).returning(users.c.id),
        {
            "username": username,
            "password_hash": hash_password(password),
            "role": role,
            "active": True,
            "failed_logins": 0,
            "created_at": datetime.now(UTC),
        },
    ).scalar_one()
    if codes:
        connection.execute(
            insert(user_sites), [{"user_id": user_id, "site_code": c} for c in codes]
        )
    append_entry(
        connection,
        actor=actor,
        action="create",
        table_name="users",
        record_key=username,
        after=json.dumps({"username": username, "role": role, "sites": codes, "active": True}),
    )
    return User(int(user_id), username, role, frozenset(codes))


def set_user_sites(
    connection: Connection, user_id: int, site_codes: Iterable[str], actor: str = "cli"
) -> User:
    """Replace the sites of a user; audited (old → new)."""
    user = get_user(connection, user_id)
    if user is None:
        raise NotFound(f"no user {user_id}")
    codes = _require_sites(connection, site_codes)
    connection.execute(delete(user_sites).where(user_sites.c.user_id == user_id))
    if codes:
        connection.execute(
            insert(user_sites), [{"user_id": user_id, "site_code": c} for c in codes]
        )
    append_entry(
        connection,
        actor=actor,
        action="update",
        table_name="user_sites",
        record_key=user.username,
        before=json.dumps({"sites": sorted(user.sites)}),
        after=json.dumps({"sites": codes}),
    )
    return User(user.id, user.username, user.role, frozenset(codes))


def set_user_active(connection: Connection, user_id: int, active: bool, actor: str = "cli") -> None:
    """Enable or disable an account (a disabled user cannot sign in); audited.

    Raises
    ------
    NotFound
        No such user.
    Conflict
        She is the last active admin: no one could then manage the accounts on the pages.
    """
    user = get_user(connection, user_id, include_inactive=True)
    if user is None:
        raise NotFound(f"no user {user_id}")
    if not active and user.role == "admin":
        others = connection.execute(
            select(func.count())
            .select_from(users)
            .where(users.c.role == "admin", users.c.active.is_(True), users.c.id != user_id)
        ).scalar()
        if not others:
            raise Conflict(
                f"{user.username} is the last active admin: add another admin before "
                "disabling this one"
            )
    connection.execute(update(users).where(users.c.id == user_id).values(active=active))
    if not active:
        connection.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))
    append_entry(
        connection,
        actor=actor,
        action="update",
        table_name="users",
        record_key=user.username,
        after=json.dumps({"active": active}),
    )


def set_password(connection: Connection, user_id: int, password: str, actor: str = "cli") -> None:
    """Give an account a new password; its sessions end and a lockout is lifted. Audited
    (that it changed, never the password or its hash).

    Raises
    ------
    NotFound
        No such user.
    WeakPassword
        The password is too short, common or the user name.
    """
    user = get_user(connection, user_id, include_inactive=True)
    if user is None:
        raise NotFound(f"no user {user_id}")
    check_password(password, username=user.username)
    connection.execute(
        update(users)
        .where(users.c.id == user_id)
        .values(password_hash=hash_password(password), failed_logins=0, locked_until=None)
    )
    connection.execute(delete(web_sessions).where(web_sessions.c.user_id == user_id))
    append_entry(
        connection,
        actor=actor,
        action="update",
        table_name="users",
        record_key=user.username,
        after=json.dumps({"password": "changed"}),
    )


def user_id_of(connection: Connection, username: str) -> int:
    """The id of the account ``username`` (active or not).

    Raises
    ------
    NotFound
        No account has that user name.
    """
    found = connection.execute(
        select(users.c.id).where(users.c.username == username.strip())
    ).scalar_one_or_none()
    if found is None:
        raise NotFound(f"no user {username.strip()!r} (follicle user list shows them)")
    return int(found)


def get_user(
    connection: Connection, user_id: int, *, include_inactive: bool = False
) -> User | None:
    """The active user ``user_id`` (or any, with ``include_inactive``), or ``None``."""
    if not fits_integer_key(user_id):
        return None
    statement = select(users.c.id, users.c.username, users.c.role).where(users.c.id == user_id)
    if not include_inactive:
        statement = statement.where(users.c.active.is_(True))
    row = connection.execute(statement).first()
    return None if row is None else _user(connection, row)


def list_users(connection: Connection) -> pd.DataFrame:
    """Every user: ``id``, ``username``, ``role``, ``active``, ``sites`` (comma-separated),
    ``locked_until``, ``created_at`` — never the password hash."""
    rows = connection.execute(
        select(
            users.c.id,
            users.c.username,
            users.c.role,
            users.c.active,
            users.c.locked_until,
            users.c.created_at,
        ).order_by(users.c.username)
    ).all()
    frame = pd.DataFrame(
        rows, columns=["id", "username", "role", "active", "locked_until", "created_at"]
    )
    links = pd.DataFrame(
        connection.execute(select(user_sites.c.user_id, user_sites.c.site_code)).all(),
        columns=["id", "site"],
    )
    joined = links.sort_values("site").groupby("id")["site"].agg(",".join)
    # A lookup per account, not map + fillna: with no account at a site (an admin alone)
    # the map gives floats, which "" cannot fill.
    frame["sites"] = [joined.get(i, "") for i in frame["id"].tolist()]
    return frame[["id", "username", "role", "active", "sites", "locked_until", "created_at"]]


def authenticate(connection: Connection, username: str, password: str, *, now: datetime) -> User:
    """The user signing in with ``username`` and ``password``.

    Counts failures and locks the account after :data:`MAX_FAILED_LOGINS` in a row for
    :data:`LOCKOUT`. ``now`` is the time of the attempt (UTC). The two halves,
    :func:`check_sign_in` and :func:`record_sign_in`, may run in two transactions: the web
    application checks the password outside its write lock.

    Raises
    ------
    PermissionDenied
        Unknown or disabled user, wrong password, or a locked account (one message for all).
    """
    return record_sign_in(connection, check_sign_in(connection, username, password), now=now)


@dataclass(frozen=True)
class SignInCheck:
    """A password checked against the user's row as it was read (:func:`check_sign_in`)."""

    #: The user's id; ``None`` when there is no such user.
    user_id: int | None
    #: The stored hash the password was checked against.
    password_hash: str | None
    matched: bool
    #: The password hashed anew when the stored hash's parameters are out of date.
    rehashed: str | None


_SIGN_IN_COLUMNS = (
    users.c.id,
    users.c.username,
    users.c.role,
    users.c.password_hash,
    users.c.active,
    users.c.failed_logins,
    users.c.locked_until,
)


def check_sign_in(connection: Connection, username: str, password: str) -> SignInCheck:
    """The slow half of a sign-in: the password against the stored hash (Argon2, about
    0.1 s), which reads and writes nothing else. It costs the same whether the user exists,
    is locked or disabled, so that timing does not reveal which."""
    row = connection.execute(
        select(*_SIGN_IN_COLUMNS).where(users.c.username == username.strip())
    ).first()
    if row is None:
        verify_password(_DUMMY_HASH, password)
        return SignInCheck(None, None, False, None)
    matched = verify_password(row.password_hash, password)
    stale = matched and _HASHER.check_needs_rehash(row.password_hash)
    return SignInCheck(
        int(row.id), row.password_hash, matched, hash_password(password) if stale else None
    )


def record_sign_in(connection: Connection, check: SignInCheck, *, now: datetime) -> User:
    """The quick half, in a write transaction: the outcome of ``check`` on the user's row as
    it is now — refused if the account is locked or disabled, or its password changed since
    the check; failures counted and the account locked after :data:`MAX_FAILED_LOGINS`.

    Raises
    ------
    PermissionDenied
        As :func:`authenticate`.
    """
    now = utc(now)
    row = (
        None
        if check.user_id is None
        else connection.execute(
            select(*_SIGN_IN_COLUMNS).where(users.c.id == check.user_id)
        ).first()
    )
    if row is None:
        raise PermissionDenied(SIGN_IN_REFUSED)
    locked = row.locked_until is not None and utc(row.locked_until) > now
    if locked or not row.active:
        raise PermissionDenied(SIGN_IN_REFUSED)
    if not check.matched or row.password_hash != check.password_hash:
        failures = int(row.failed_logins) + 1
        values: dict[str, object] = {"failed_logins": failures}
        if failures >= MAX_FAILED_LOGINS:
            values = {"failed_logins": 0, "locked_until": now + LOCKOUT}
        connection.execute(update(users).where(users.c.id == row.id).values(values))
        raise PermissionDenied(SIGN_IN_REFUSED)
    if row.failed_logins or row.locked_until is not None:
        connection.execute(
            update(users).where(users.c.id == row.id).values(failed_logins=0, locked_until=None)
        )
    if check.rehashed is not None:
        connection.execute(
            update(users).where(users.c.id == row.id).values(password_hash=check.rehashed)
        )
    return _user(connection, row)


_DUMMY_HASH = hash_password(secrets.token_urlsafe(16))


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_session(
    connection: Connection, user_id: int, *, now: datetime, ttl: timedelta = SESSION_TTL
) -> tuple[str, str]:
    """A new session of ``user_id``: ``(token, csrf_token)``; the cookie carries the token."""
    now = utc(now)
    token = secrets.token_urlsafe(32)
    csrf_token = secrets.token_urlsafe(32)
    connection.execute(
        insert(web_sessions),
        {
            "token_hash": _token_hash(token),
            "user_id": user_id,
            "csrf_token": csrf_token,
            "created_at": now,
            "expires_at": now + ttl,
            "last_seen_at": now,
        },
    )
    return token, csrf_token


class WriteDue(Exception):
    """A lookup told to only read (``read_only``) found a write due: an expired session to
    delete, or a session's or token's use to record. Do it again in a write transaction."""


def with_active_user(table: Table, *columns: ColumnElement[Any]) -> Select[Any]:
    """``columns`` of the row of ``table`` whose ``token_hash`` is the parameter ``digest``,
    with its active user's ``username`` and ``role`` and each of her sites' ``site_code``:
    one row per site, ``username`` missing when the user is disabled (or gone).

    Every request looks its session (or API token) up: one round trip costs less than
    the three of the row, the user and the sites. Built once per table, as constructing
    a statement costs more than running its cached compiled form.
    """
    return (
        select(*columns, users.c.username, users.c.role, user_sites.c.site_code)
        .select_from(table)
        .outerjoin(users, (users.c.id == table.c.user_id) & users.c.active.is_(True))
        .outerjoin(user_sites, user_sites.c.user_id == users.c.id)
        .where(table.c.token_hash == bindparam("digest"))
    )


def active_user_of(rows: Sequence[Row[Any]]) -> User | None:
    """The user of the rows of a :func:`with_active_user` statement (``None`` if disabled)."""
    first = rows[0]
    if first.username is None:
        return None
    site_codes = frozenset(r.site_code for r in rows if r.site_code is not None)
    return User(int(first.user_id), first.username, first.role, site_codes)


_SESSION_LOOKUP = with_active_user(
    web_sessions,
    web_sessions.c.user_id,
    web_sessions.c.csrf_token,
    web_sessions.c.expires_at,
    web_sessions.c.last_seen_at,
)


def session_user(
    connection: Connection,
    token: str,
    *,
    now: datetime,
    ttl: timedelta = SESSION_TTL,
    read_only: bool = False,
) -> tuple[User, str] | None:
    """The user and CSRF token of a live session, or ``None`` (unknown, expired, or the user
    disabled). Slides the expiry to ``ttl`` after ``now``, writing at most once per
    :data:`SESSION_TOUCH`. An expired session is deleted.

    ``read_only``: raise :class:`WriteDue` instead of writing, so that the usual lookup
    (nothing to write) needs no write transaction: on SQLite that would queue every
    request behind the registry's one writer.
    """
    if not token:
        return None
    now = utc(now)
    digest = _token_hash(token)
    rows = connection.execute(_SESSION_LOOKUP, {"digest": digest}).all()
    if not rows:
        return None
    row = rows[0]
    if utc(row.expires_at) <= now:
        if read_only:
            raise WriteDue
        connection.execute(delete(web_sessions).where(web_sessions.c.token_hash == digest))
        return None
    user = active_user_of(rows)
    if user is None:
        return None
    if now - utc(row.last_seen_at) >= SESSION_TOUCH:
        if read_only:
            raise WriteDue
        connection.execute(
            update(web_sessions)
            .where(web_sessions.c.token_hash == digest)
            .values(last_seen_at=now, expires_at=now + ttl)
        )
    return user, row.csrf_token


def delete_session(connection: Connection, token: str) -> None:
    """End a session (logout); unknown tokens are ignored."""
    connection.execute(delete(web_sessions).where(web_sessions.c.token_hash == _token_hash(token)))


def delete_expired_sessions(connection: Connection, *, now: datetime) -> int:
    """Remove every expired session; how many."""
    result = connection.execute(delete(web_sessions).where(web_sessions.c.expires_at <= utc(now)))
    return int(result.rowcount or 0)
