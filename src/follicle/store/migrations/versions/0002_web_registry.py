"""The web registry: sites, users and sessions, identities, record versions and the audit
hash chain.

* every workbook table gets ``version`` (the optimistic lock of the web forms; existing rows
  start at 1);
* ``audit_log`` gets ``reason``, ``prev_hash`` and ``entry_hash`` (unique); the entries
  already there are chained in ``id`` order, so that ``follicle audit-log verify`` covers
  them too;
* new tables ``sites``, ``users``, ``user_sites``, ``web_sessions``,
  ``participant_identity`` and ``checklist_submissions``;
* triggers that refuse UPDATE and DELETE of ``audit_log`` (and TRUNCATE on PostgreSQL).
  On SQLite anyone holding the file can drop a trigger: there the hash chain is what
  detects an edit.

Written out in full, like 0001: a migration records the schema of its day.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-26 10:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0002"
down_revision: str | Sequence[str] | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

WORKBOOK_TABLES = (
    "participants",
    "injections",
    "contacts",
    "conditions",
    "ivf_cycles",
    "pregnancies",
    "infants",
    "infant_conditions",
)

_PG_FUNCTION = """
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END
$$
"""


def _chain_existing_entries() -> None:
    """Hash the entries written before this revision, in ``id`` order (one pass)."""
    from follicle.store.audit_log.chain import chain_hashes

    bind = op.get_bind()
    log = sa.table(
        "audit_log",
        sa.column("id", sa.Integer),
        sa.column("at", sa.DateTime(timezone=True)),
        sa.column("actor", sa.String),
        sa.column("action", sa.String),
        sa.column("table_name", sa.String),
        sa.column("record_key", sa.String),
        sa.column("before", sa.Text),
        sa.column("after", sa.Text),
        sa.column("reason", sa.Text),
        sa.column("prev_hash", sa.String),
        sa.column("entry_hash", sa.String),
    )
    rows = [dict(r._mapping) for r in bind.execute(sa.select(log).order_by(log.c.id))]
    if not rows:
        return
    hashes = chain_hashes(None, rows)
    prevs = [None, *hashes[:-1]]
    bind.execute(
        sa.update(log)
        .where(log.c.id == sa.bindparam("b_id"))
        .values(prev_hash=sa.bindparam("b_prev"), entry_hash=sa.bindparam("b_hash")),
        [
            {"b_id": r["id"], "b_prev": p, "b_hash": h}
            for r, p, h in zip(rows, prevs, hashes, strict=True)
        ],
    )


def upgrade() -> None:
    """Add the web registry's tables, versions, the chain and the append-only triggers."""
    for table in WORKBOOK_TABLES:
        op.add_column(
            table,
            sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        )

    op.add_column("audit_log", sa.Column("reason", sa.Text(), nullable=True))
    op.add_column("audit_log", sa.Column("prev_hash", sa.String(length=64), nullable=True))
    op.add_column("audit_log", sa.Column("entry_hash", sa.String(length=64), nullable=True))
    _chain_existing_entries()
    op.create_index("ix_audit_log_entry_hash", "audit_log", ["entry_hash"], unique=True)

    op.create_table(
        "sites",
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("code", name=op.f("pk_sites")),
    )
    op.create_table(
        "users",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("username", sa.String(), nullable=False),
        sa.Column("password_hash", sa.String(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("active", sa.Boolean(), server_default=sa.text("true"), nullable=False),
        sa.Column("failed_logins", sa.Integer(), server_default=sa.text("0"), nullable=False),
        sa.Column("locked_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_users")),
        sa.UniqueConstraint("username", name=op.f("uq_users_username")),
    )
    op.create_table(
        "user_sites",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("site_code", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(
            ["site_code"], ["sites.code"], name=op.f("fk_user_sites_site_code_sites")
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_user_sites_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", "site_code", name=op.f("pk_user_sites")),
    )
    op.create_table(
        "web_sessions",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("csrf_token", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_web_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_web_sessions")),
    )
    op.create_index(op.f("ix_web_sessions_user_id"), "web_sessions", ["user_id"], unique=False)
    op.create_table(
        "participant_identity",
        sa.Column("participant_id", sa.String(), nullable=False),
        sa.Column("full_name", sa.Text(), nullable=True),
        sa.Column("phone", sa.Text(), nullable=True),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.participant_id"],
            name=op.f("fk_participant_identity_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("participant_id", name=op.f("pk_participant_identity")),
    )
    op.create_table(
        "checklist_submissions",
        sa.Column("token", sa.String(), nullable=False),
        sa.Column("participant_id", sa.String(), nullable=False),
        sa.Column("contact_row_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("token", name=op.f("pk_checklist_submissions")),
    )

    if op.get_bind().dialect.name == "postgresql":
        op.execute(_PG_FUNCTION)
        op.execute(
            "CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log "
            "FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_log_no_{event.lower()} BEFORE {event} ON audit_log "
                "BEGIN SELECT RAISE(ABORT, 'audit_log is append-only'); END"
            )


def downgrade() -> None:
    """Remove what :func:`upgrade` added (the audit log keeps its entries, unchained)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_truncate ON audit_log")
        op.execute("DROP TRIGGER IF EXISTS audit_log_append_only ON audit_log")
        op.execute("DROP FUNCTION IF EXISTS audit_log_append_only()")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_log_no_delete")
    for table in (
        "checklist_submissions",
        "participant_identity",
        "web_sessions",
        "user_sites",
        "users",
        "sites",
    ):
        op.drop_table(table)
    op.drop_index("ix_audit_log_entry_hash", table_name="audit_log")
    for column in ("entry_hash", "prev_hash", "reason"):
        op.drop_column("audit_log", column)
    for table in reversed(WORKBOOK_TABLES):
        op.drop_column(table, "version")
