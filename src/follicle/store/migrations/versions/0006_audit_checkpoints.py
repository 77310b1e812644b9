"""The audit chain's anchor: ``audit_checkpoints``, append-only like ``audit_log``.

Each row notes the chain's head (the newest entry's ``id`` and ``entry_hash``, and the
number of entries) at an export, an ``audit-log verify`` or a server start; see
:mod:`follicle.store.audit_log.checkpoints`. Triggers refuse UPDATE and DELETE of the table (and
TRUNCATE on PostgreSQL), as migration 0002 does for ``audit_log``.

Revision ID: 0006
Revises: 0002
Create Date: 2026-12-05 12:40:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0006"
down_revision: str | Sequence[str] | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``audit_checkpoints`` and its append-only triggers."""
    op.create_table(
        "audit_checkpoints",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("last_id", sa.Integer(), nullable=False),
        sa.Column("head_hash", sa.String(length=64), nullable=False),
        sa.Column("entries", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_checkpoints")),
    )
    if op.get_bind().dialect.name == "postgresql":
        # The function of migration 0002 raises for any operation it is attached to.
        op.execute(
            "CREATE TRIGGER audit_checkpoints_append_only BEFORE UPDATE OR DELETE ON "
            "audit_checkpoints FOR EACH ROW EXECUTE FUNCTION audit_log_append_only()"
        )
        op.execute(
            "CREATE TRIGGER audit_checkpoints_no_truncate BEFORE TRUNCATE ON audit_checkpoints "
            "FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only()"
        )
    else:
        for event in ("UPDATE", "DELETE"):
            op.execute(
                f"CREATE TRIGGER audit_checkpoints_no_{event.lower()} BEFORE {event} ON "
                "audit_checkpoints BEGIN SELECT RAISE(ABORT, 'audit_checkpoints is "
                "append-only'); END"
            )


def downgrade() -> None:
    """Drop ``audit_checkpoints`` (its triggers go with it)."""
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_no_truncate ON audit_checkpoints")
        op.execute("DROP TRIGGER IF EXISTS audit_checkpoints_append_only ON audit_checkpoints")
    op.drop_table("audit_checkpoints")
