"""Adjudication: the two specialists' judgments of reported events, and adjudicators.

* ``judgments``: one row per judgment (a reviewer's, or the adjudicator's decision) of one
  reported event, as in the workbook's optional ``judgments`` table, plus ``version``;
* ``adjudicators``: reviewers designated to decide disagreements (admins always may).

Written out in full, like 0001 and 0002: a migration records the schema of its day.

Revision ID: 0004
Revises: 0002 (re-chained after 0003 when the branches merge)
Create Date: 2026-12-05 12:30:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0004"
down_revision: str | Sequence[str] | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Create ``judgments`` and ``adjudicators``."""
    op.create_table(
        "judgments",
        sa.Column("judgment_id", sa.String(), nullable=False),
        sa.Column("participant_id", sa.String(), nullable=False),
        sa.Column("event_type", sa.String(), nullable=False),
        sa.Column("event_key", sa.Text(), nullable=False),
        sa.Column("recorded_value", sa.Text(), nullable=False),
        sa.Column("stage", sa.String(), nullable=False),
        sa.Column("reviewer", sa.Text(), nullable=False),
        sa.Column("verdict", sa.String(), nullable=False),
        sa.Column("corrected_value", sa.Text(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=True),
        sa.Column("judged_on", sa.Date(), nullable=False),
        sa.Column("version", sa.Integer(), server_default=sa.text("1"), nullable=False),
        sa.ForeignKeyConstraint(
            ["participant_id"],
            ["participants.participant_id"],
            name=op.f("fk_judgments_participant_id_participants"),
        ),
        sa.PrimaryKeyConstraint("judgment_id", name=op.f("pk_judgments")),
    )
    op.create_index(
        op.f("ix_judgments_participant_id"), "judgments", ["participant_id"], unique=False
    )
    op.create_index("ix_judgments_event", "judgments", ["event_type", "event_key"], unique=False)
    op.create_table(
        "adjudicators",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("designated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_adjudicators_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_adjudicators")),
    )


def downgrade() -> None:
    """Drop what :func:`upgrade` created."""
    op.drop_table("adjudicators")
    op.drop_index("ix_judgments_event", table_name="judgments")
    op.drop_index(op.f("ix_judgments_participant_id"), table_name="judgments")
    op.drop_table("judgments")
