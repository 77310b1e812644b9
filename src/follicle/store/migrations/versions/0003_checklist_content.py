"""The telephone checklist's submissions remember what was sent.

``checklist_submissions`` gets ``content_hash``: the SHA-256 of the form's answers (all but
its token), so that a form sent again with its token is told apart — the same answers are
acknowledged as already saved, different ones are a conflict shown to the user. Rows saved
before this revision have none (their token alone is then recognised, as before).

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-05 12:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0003"
down_revision: str | Sequence[str] | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Add ``checklist_submissions.content_hash``."""
    with op.batch_alter_table("checklist_submissions") as batch:
        batch.add_column(sa.Column("content_hash", sa.String(length=64), nullable=True))


def downgrade() -> None:
    """Drop ``checklist_submissions.content_hash``."""
    with op.batch_alter_table("checklist_submissions") as batch:
        batch.drop_column("content_hash")
