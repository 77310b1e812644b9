"""Personal access tokens: how scripts and other systems sign in to the JSON API.

A token is a random secret of 256 bits, shown once when it is made
(``follicle token create``) and never stored: the registry keeps its SHA-256, as it does
for sessions — a stolen database hands out no tokens. (A slow hash such as Argon2 is for
passwords people choose; a random 256-bit secret cannot be guessed, and the hash is
looked up on every API request.)

A token acts as its user: her role and her sites *now*, not when the token was made, so
that disabling the user or changing her sites takes effect at once. It expires
(:data:`DEFAULT_LIFETIME` after it was made unless said otherwise) and can be revoked;
both are final. Making and revoking a token are audited (``api_tokens`` in the audit
log, with the user, label and expiry — never the token). Its last use is written at most
once per :data:`TOUCH`, so that a read is not a write.

Tokens read ``flc_`` followed by the secret, so that a token pasted where it should not
be (a log, a ticket) is easy to recognise and to search for.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import pandas as pd
from sqlalchemy import Connection, insert, select, update

from follicle.errors import NotFound
from follicle.store.access.accounts import (
    User,
    WriteDue,
    active_user_of,
    checked_name,
    with_active_user,
)
from follicle.store.audit_log.chain import append_entry, utc
from follicle.store.tables import api_tokens, fits_integer_key, users

#: What every token starts with.
PREFIX = "flc_"

#: How long a token lives unless its maker says otherwise.
DEFAULT_LIFETIME = timedelta(days=90)

#: The longest lifetime a token may be given.
MAX_LIFETIME = timedelta(days=366)

#: A token's last use is written at most this often.
TOUCH = timedelta(seconds=60)

_LIFETIME = re.compile(r"^\s*(\d+)\s*([dhw]?)\s*$")
_UNITS = {"": "days", "d": "days", "h": "hours", "w": "weeks"}


@dataclass(frozen=True)
class NewToken:
    """A token just made: its id (to revoke it), the secret (shown once) and its expiry."""

    id: int
    token: str
    username: str
    expires_at: datetime


def parse_lifetime(text: str) -> timedelta:
    """``"90d"``, ``"12w"``, ``"36h"`` or ``"30"`` (days) as a duration.

    Raises
    ------
    ValueError
        Not of that form, zero, or longer than :data:`MAX_LIFETIME`.
    """
    match = _LIFETIME.match(text or "")
    if match is None:
        raise ValueError(
            f"lifetime {text!r}: write a number of days, weeks or hours: 90d, 12w, 36h"
        )
    try:
        lifetime = timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    except OverflowError:  # more days than a date can count: longer than allowed anyway
        lifetime = timedelta.max
    if lifetime <= timedelta(0) or lifetime > MAX_LIFETIME:
        raise ValueError(
            f"lifetime {text!r}: a token lives more than 0 and at most {MAX_LIFETIME.days} days"
        )
    return lifetime


def token_hash(token: str) -> str:
    """The SHA-256 (hex) under which ``token`` is stored."""
    return hashlib.sha256(token.encode()).hexdigest()


def _user_row(connection: Connection, username: str) -> tuple[int, str]:
    row = connection.execute(
        select(users.c.id, users.c.username).where(
            users.c.username == username, users.c.active.is_(True)
        )
    ).first()
    if row is None:
        raise NotFound(f"there is no active user {username!r}")
    return int(row.id), str(row.username)


def create_token(
    connection: Connection,
    username: str,
    *,
    now: datetime,
    lifetime: timedelta = DEFAULT_LIFETIME,
    name: str = "",
    actor: str = "cli",
) -> NewToken:
    """Make a token for the active user ``username``, valid for ``lifetime``; audited.

    Raises
    ------
    NotFound
        No active user of that name.
    ValueError
        A lifetime not above zero or beyond :data:`MAX_LIFETIME`.
    """
    if lifetime <= timedelta(0) or lifetime > MAX_LIFETIME:
        raise ValueError(f"a token lives more than 0 and at most {MAX_LIFETIME.days} days")
    user_id, username = _user_row(connection, username)
    now = utc(now)
    token = PREFIX + secrets.token_urlsafe(32)
    label = checked_name(name, "a token's name") if name.strip() else f"token of {username}"
    expires_at = now + lifetime
    inserted = connection.execute(
        insert(api_tokens).returning(api_tokens.c.id),
        {
            "token_hash": token_hash(token),
            "user_id": user_id,
            "name": label,
            "created_at": now,
            "expires_at": expires_at,
        },
    )
    token_id = int(inserted.scalar_one())
    append_entry(
        connection,
        actor=actor,
        action="create",
        table_name="api_tokens",
        record_key=str(token_id),
        after=json.dumps(
            {"user": username, "name": label, "expires_at": expires_at.isoformat()},
            ensure_ascii=False,
        ),
    )
    return NewToken(token_id, token, username, expires_at)


def revoke_token(
    connection: Connection, token_id: int, *, now: datetime, actor: str = "cli"
) -> None:
    """Revoke token ``token_id`` for good; audited (revoking twice is a no-op).

    Raises
    ------
    NotFound
        No token with that id.
    """
    row = (
        connection.execute(
            select(api_tokens.c.revoked_at).where(api_tokens.c.id == token_id)
        ).first()
        if fits_integer_key(token_id)
        else None
    )
    if row is None:
        raise NotFound(f"there is no token {token_id}")
    if row.revoked_at is not None:
        return
    connection.execute(
        update(api_tokens).where(api_tokens.c.id == token_id).values(revoked_at=utc(now))
    )
    append_entry(
        connection,
        actor=actor,
        action="update",
        table_name="api_tokens",
        record_key=str(token_id),
        after=json.dumps({"revoked": True}),
    )


def revoke_user_tokens(
    connection: Connection, user_id: int, *, now: datetime, actor: str = "cli"
) -> list[int]:
    """Revoke every live token of user ``user_id`` (not yet revoked or expired), each
    audited as :func:`revoke_token` does; their ids, oldest first.

    A changed password or a disabled account leaves her tokens as they are (the tokens are
    credentials of their own, made only on the server, and scripts depend on them); this is
    for when they must go too: a lost laptop, a person who left.
    """
    now = utc(now)
    live = (
        connection.execute(
            select(api_tokens.c.id)
            .where(
                api_tokens.c.user_id == user_id,
                api_tokens.c.revoked_at.is_(None),
                api_tokens.c.expires_at > now,
            )
            .order_by(api_tokens.c.id)
        )
        .scalars()
        .all()
    )
    for token_id in live:
        revoke_token(connection, int(token_id), now=now, actor=actor)
    return [int(t) for t in live]


def token_id_of(connection: Connection, token: str) -> int:
    """The id of ``token`` (to revoke a token one holds rather than its number).

    Raises
    ------
    NotFound
        No such token.
    """
    found = connection.execute(
        select(api_tokens.c.id).where(api_tokens.c.token_hash == token_hash(token.strip()))
    ).scalar_one_or_none()
    if found is None:
        raise NotFound("there is no such token")
    return int(found)


#: A token's row with its active user and her sites (``accounts.with_active_user``).
_TOKEN_LOOKUP = with_active_user(
    api_tokens,
    api_tokens.c.id,
    api_tokens.c.user_id,
    api_tokens.c.expires_at,
    api_tokens.c.revoked_at,
    api_tokens.c.last_used_at,
)


def token_user(
    connection: Connection, token: str, *, now: datetime, read_only: bool = False
) -> User | None:
    """The user a live token acts as, or ``None`` (unknown, expired, revoked, or the user
    disabled). Records the use at most once per :data:`TOUCH`; with ``read_only`` raises
    :class:`~follicle.store.access.accounts.WriteDue` instead (see ``accounts.session_user``)."""
    if not token or not token.startswith(PREFIX):
        return None
    now = utc(now)
    digest = token_hash(token)
    rows = connection.execute(_TOKEN_LOOKUP, {"digest": digest}).all()
    if not rows:
        return None
    row = rows[0]
    if row.revoked_at is not None or utc(row.expires_at) <= now:
        return None
    user = active_user_of(rows)
    if user is None:
        return None
    if row.last_used_at is None or now - utc(row.last_used_at) >= TOUCH:
        if read_only:
            raise WriteDue
        connection.execute(
            update(api_tokens).where(api_tokens.c.id == row.id).values(last_used_at=now)
        )
    return user


def list_tokens(connection: Connection, username: str | None = None) -> pd.DataFrame:
    """Tokens (all, or those of ``username``): ``id``, ``username``, ``name``,
    ``created_at``, ``expires_at``, ``revoked_at``, ``last_used_at`` — never the token."""
    statement = (
        select(
            api_tokens.c.id,
            users.c.username,
            api_tokens.c.name,
            api_tokens.c.created_at,
            api_tokens.c.expires_at,
            api_tokens.c.revoked_at,
            api_tokens.c.last_used_at,
        )
        .select_from(api_tokens.join(users, users.c.id == api_tokens.c.user_id))
        .order_by(api_tokens.c.id)
    )
    if username is not None:
        statement = statement.where(users.c.username == username)
    result = connection.execute(statement)
    return pd.DataFrame([tuple(r) for r in result], columns=list(result.keys()))
