"""The registry's database tables, derived from the workbook schema.

There is one database table per workbook table, built by looping over
:data:`follicle.workbook.schema.TABLES`: nothing here repeats a column list, so a column
added to the schema appears here at once, and ``tests/store/test_migrations.py`` fails
until a migration adds it to the database too. Around them sit three
tables of the registry's own:

``audit_log``
    who changed what and when: one row per woman per import action (before/after as JSON)
    and one per de-identified export. Only pseudonymous study IDs appear in it; the
    workbook holds no names, so neither does the audit.
``deid_keys``
    the random code that stands for a woman in de-identified exports. Keeping it here is
    what makes the code stable from one export to the next (a statistician can merge two
    exports) while the key to re-identify stays inside the registry.
``imports``
    one row per committed import: when, by whom, from which source, the files' checksums
    and how many rows it inserted, updated or deleted (provenance for reports).

and the tables of the web registry (migration 0002):

``sites``, ``users``, ``user_sites``
    the treating centres, the people who may sign in (role: admin, coordinator, reviewer or
    analyst; an Argon2 password hash, never the password) and the sites of each person.
``web_sessions``
    server-side sessions: the SHA-256 of the cookie's token (the token itself is never
    stored), the session's CSRF token and its expiry.
``api_tokens`` (migration 0005)
    personal access tokens of the JSON API: the SHA-256 of the token (never the token),
    its owner, a label, when it expires and when it was revoked or last used.
``participant_identity``
    a woman's name and phone number, kept apart from her study data: never exported,
    never written to the audit log, shown only to her site's coordinators.
``checklist_submissions``
    the form token of every saved telephone checklist, so that a form submitted twice
    writes one contact (see :mod:`follicle.store.follow_up.checklist`).

and those of adjudication (migration 0004): ``judgments`` (the workbook's optional table of
the same name) and ``adjudicators`` (reviewers designated to decide disagreements);
and ``audit_checkpoints`` (migration 0006): the audit chain's head noted at each export,
verification and server start (:mod:`follicle.store.audit_log.checkpoints`).

Every workbook table also has a ``version`` (1 when a row is created, +1 on every change),
the optimistic lock of the web forms: a save names the version it started from and is
refused when the row has moved on. The audit log is a hash chain (``prev_hash``,
``entry_hash``; see :mod:`follicle.store.importing.audit`) and every entry may carry the ``reason``
given for changing saved data.

Type mapping (schema dtype → SQL): ``id``/``category`` → ``String``, ``text`` → ``Text``,
``date`` → ``Date``, ``boolean`` → ``Boolean``, ``integer`` → ``Integer``, ``number`` →
``Float``. Required columns are ``NOT NULL``. A table with a ``key`` uses it as its primary
key; the others (injections, contacts, conditions, infant conditions — rows that have no
identifier of their own) get a surrogate autoincrement ``row_id``, which never leaves the
registry.

Timestamps (``at``, ``created_at``) are UTC; SQLite stores them without a zone, PostgreSQL
as ``timestamp with time zone``.

Constraint and index names follow :data:`NAMING_CONVENTION` so that SQLite and PostgreSQL
get the same names and Alembic can address them in later migrations.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    Boolean,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    PrimaryKeyConstraint,
    String,
    Table,
    Text,
    func,
    text,
)
from sqlalchemy import Column as SqlColumn
from sqlalchemy.sql.elements import ColumnElement
from sqlalchemy.types import TypeEngine

from follicle.workbook import schema

#: Names for constraints and indexes, identical on every backend (Alembic needs names to
#: alter or drop a constraint later, and SQLite would otherwise leave them anonymous).
NAMING_CONVENTION: dict[str, str] = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = MetaData(naming_convention=NAMING_CONVENTION)

#: The SQL type of each schema dtype.
SQL_TYPES: dict[str, type[TypeEngine[Any]]] = {
    "id": String,
    "text": Text,
    "category": String,
    "date": Date,
    "boolean": Boolean,
    "integer": Integer,
    "number": Float,
}

#: The surrogate primary key of workbook tables that have no key column.
ROW_ID = "row_id"


def fits_integer_key(number: int) -> bool:
    """Whether ``number`` fits an integer key (64-bit, on SQLite and PostgreSQL alike).

    A number past that range, say from a URL, is no row's: asked for as such, the drivers
    fail (``OverflowError``, ``NumericValueOutOfRange``) instead of finding nothing.
    """
    return -(2**63) <= number < 2**63


#: The escape character of :func:`like_literal`'s patterns (``.like(…, escape=LIKE_ESCAPE)``).
LIKE_ESCAPE = "\\"


def like_literal(text: str) -> str:
    """``text`` for a LIKE pattern, matching itself only: its ``%`` and ``_`` escaped."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def key_of_hers(record_key: ColumnElement[Any], participant_id: str) -> ColumnElement[bool]:
    """Whether an audit entry's ``record_key`` names a row of ``participant_id``'s
    (``WA001/3``, ``WA001/WA001-C1``): it starts with her ID and ``/``, letter case included.

    LIKE alone is not enough: SQLite's is case-insensitive, so ``wb001/%`` matched the rows
    of ``WB001``, another woman (IDs are unique as written, so both may exist, at two sites).
    The LIKE stays beside the exact comparison so that an index on the key can still serve it.
    """
    prefix = participant_id + "/"
    exact = func.substr(record_key, 1, len(prefix)) == prefix
    return record_key.like(like_literal(prefix) + "%", escape=LIKE_ESCAPE) & exact


#: The optimistic-lock column of every workbook table (not a workbook column: never exported).
VERSION = "version"


def _sql_column(table: schema.Table, column: schema.Column) -> SqlColumn[Any]:
    """The database column holding ``column`` of ``table``."""
    args: list[object] = []
    if column.references is not None:
        args.append(ForeignKey(column.references))
    is_key = column.name == table.key
    return SqlColumn(
        column.name,
        SQL_TYPES[column.dtype](),
        *args,  # type: ignore[arg-type]
        primary_key=is_key,
        nullable=not (column.required or is_key),
        # Referencing columns are how a woman's rows are found (and joined): index them.
        index=True if column.references is not None else None,
    )


def _workbook_table(table: schema.Table) -> Table:
    columns: list[SqlColumn[Any]] = []
    if table.key is None:
        columns.append(SqlColumn(ROW_ID, Integer, primary_key=True, autoincrement=True))
    columns.extend(_sql_column(table, c) for c in table.columns)
    columns.append(SqlColumn(VERSION, Integer, nullable=False, server_default=text("1")))
    # SQLite's AUTOINCREMENT: without it a new row takes the row_id of a deleted last row,
    # and an edit of the deleted one (its key, version 1) would land on the new one.
    # PostgreSQL's sequences never hand a number out twice.
    return Table(table.name, metadata, *columns, sqlite_autoincrement=table.key is None)


#: The database table of each workbook table, by name, in schema order.
WORKBOOK_TABLES: dict[str, Table] = {t.name: _workbook_table(t) for t in schema.TABLES}

audit_log = Table(
    "audit_log",
    metadata,
    SqlColumn("id", Integer, primary_key=True, autoincrement=True),
    SqlColumn("at", DateTime(timezone=True), nullable=False),
    SqlColumn("actor", String, nullable=False),
    SqlColumn("action", String, nullable=False),
    SqlColumn("table_name", String),
    SqlColumn("record_key", String),
    SqlColumn("before", Text),
    SqlColumn("after", Text),
    SqlColumn("reason", Text),
    SqlColumn("prev_hash", String(64)),
    SqlColumn("entry_hash", String(64)),
)
Index("ix_audit_log_record", audit_log.c.table_name, audit_log.c.record_key)
Index("ix_audit_log_entry_hash", audit_log.c.entry_hash, unique=True)

#: The audit chain's head, noted from time to time (every export, every ``audit-log verify``,
#: every server start): the newest entry's ``id`` and ``entry_hash`` and how many entries
#: there were. A chain whose newest entries were deleted still verifies link by link; a
#: checkpoint naming an entry that is gone (or whose hash changed) is what shows it.
#: Append-only like the log (migration 0006).
audit_checkpoints = Table(
    "audit_checkpoints",
    metadata,
    SqlColumn("id", Integer, primary_key=True, autoincrement=True),
    SqlColumn("at", DateTime(timezone=True), nullable=False),
    SqlColumn("source", String, nullable=False),
    SqlColumn("last_id", Integer, nullable=False),
    SqlColumn("head_hash", String(64), nullable=False),
    SqlColumn("entries", Integer, nullable=False),
)

deid_keys = Table(
    "deid_keys",
    metadata,
    SqlColumn(
        "participant_id",
        String,
        ForeignKey("participants.participant_id"),
        primary_key=True,
    ),
    SqlColumn("code", String, nullable=False, unique=True),
    SqlColumn("created_at", DateTime(timezone=True), nullable=False),
)

imports = Table(
    "imports",
    metadata,
    SqlColumn("id", Integer, primary_key=True, autoincrement=True),
    SqlColumn("at", DateTime(timezone=True), nullable=False),
    SqlColumn("actor", String, nullable=False),
    SqlColumn("source", Text, nullable=False),
    SqlColumn("checksums", Text, nullable=False),
    SqlColumn("rows", Integer, nullable=False),
)


sites = Table(
    "sites",
    metadata,
    SqlColumn("code", String, primary_key=True),
    SqlColumn("name", String, nullable=False),
)

users = Table(
    "users",
    metadata,
    SqlColumn("id", Integer, primary_key=True, autoincrement=True),
    SqlColumn("username", String, nullable=False, unique=True),
    SqlColumn("password_hash", String, nullable=False),
    SqlColumn("role", String, nullable=False),
    SqlColumn("active", Boolean, nullable=False, server_default=text("true")),
    SqlColumn("failed_logins", Integer, nullable=False, server_default=text("0")),
    SqlColumn("locked_until", DateTime(timezone=True)),
    SqlColumn("created_at", DateTime(timezone=True), nullable=False),
)

user_sites = Table(
    "user_sites",
    metadata,
    SqlColumn("user_id", Integer, ForeignKey("users.id"), nullable=False),
    SqlColumn("site_code", String, ForeignKey("sites.code"), nullable=False),
    PrimaryKeyConstraint("user_id", "site_code"),
)

web_sessions = Table(
    "web_sessions",
    metadata,
    SqlColumn("token_hash", String(64), primary_key=True),
    SqlColumn("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    SqlColumn("csrf_token", String, nullable=False),
    SqlColumn("created_at", DateTime(timezone=True), nullable=False),
    SqlColumn("expires_at", DateTime(timezone=True), nullable=False),
    SqlColumn("last_seen_at", DateTime(timezone=True), nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    SqlColumn("id", Integer, primary_key=True, autoincrement=True),
    SqlColumn("token_hash", String(64), nullable=False, unique=True),
    SqlColumn("user_id", Integer, ForeignKey("users.id"), nullable=False, index=True),
    SqlColumn("name", String, nullable=False),
    SqlColumn("created_at", DateTime(timezone=True), nullable=False),
    SqlColumn("expires_at", DateTime(timezone=True), nullable=False),
    SqlColumn("revoked_at", DateTime(timezone=True)),
    SqlColumn("last_used_at", DateTime(timezone=True)),
)

participant_identity = Table(
    "participant_identity",
    metadata,
    SqlColumn(
        "participant_id",
        String,
        ForeignKey("participants.participant_id"),
        primary_key=True,
    ),
    SqlColumn("full_name", Text),
    SqlColumn("phone", Text),
    SqlColumn(VERSION, Integer, nullable=False, server_default=text("1")),
)

checklist_submissions = Table(
    "checklist_submissions",
    metadata,
    SqlColumn("token", String, primary_key=True),
    SqlColumn("participant_id", String, nullable=False),
    # The contact's row_id; no foreign key, so that the contact can still be deleted.
    SqlColumn("contact_row_id", Integer, nullable=False),
    SqlColumn("at", DateTime(timezone=True), nullable=False),
    # SHA-256 of the answers sent (revision 0003): the same token with other answers is a
    # conflict, not a silent acknowledgement.
    SqlColumn("content_hash", String(64)),
)


#: The judgments of reported events (adjudication, migration 0004), derived from the
#: workbook's optional ``judgments`` table like the eight above. Not in
#: :data:`WORKBOOK_TABLES`: only :mod:`follicle.store.follow_up.adjudication` writes it, never the
#: generic record pages.
judgments = _workbook_table(schema.JUDGMENTS)
Index("ix_judgments_event", judgments.c.event_type, judgments.c.event_key)

#: Reviewers designated to adjudicate disagreements (admins always may).
adjudicators = Table(
    "adjudicators",
    metadata,
    SqlColumn("user_id", Integer, ForeignKey("users.id"), primary_key=True),
    SqlColumn("designated_at", DateTime(timezone=True), nullable=False),
)


def workbook_table(name: str) -> Table:
    """The database table of the workbook table called ``name``."""
    return WORKBOOK_TABLES[name]


def data_columns(name: str) -> tuple[str, ...]:
    """The columns of ``name`` that carry workbook data (all but a surrogate ``row_id``)."""
    return schema.TABLES_BY_NAME[name].column_names
