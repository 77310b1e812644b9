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
    String,
    Table,
    Text,
)
from sqlalchemy import Column as SqlColumn
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
    return Table(table.name, metadata, *columns)


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
)
Index("ix_audit_log_record", audit_log.c.table_name, audit_log.c.record_key)

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


def workbook_table(name: str) -> Table:
    """The database table of the workbook table called ``name``."""
    return WORKBOOK_TABLES[name]


def data_columns(name: str) -> tuple[str, ...]:
    """The columns of ``name`` that carry workbook data (all but a surrogate ``row_id``)."""
    return schema.TABLES_BY_NAME[name].column_names
