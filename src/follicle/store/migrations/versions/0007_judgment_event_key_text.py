"""The judgments' ``event_key`` is text: a condition's key holds ``|`` and a date.

The workbook declared it an ID (``String``), whose pattern refuses the composite keys of
conditions and infant conditions (``007|ovarian_cyst|2019-08-01``); it is now ``text``
(``Text``), like every other text column.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-05 16:20:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0007"
down_revision: str | Sequence[str] | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    """Make ``judgments.event_key`` ``Text``."""
    with op.batch_alter_table("judgments") as batch:
        batch.alter_column("event_key", type_=sa.Text(), existing_type=sa.String(), nullable=False)


def downgrade() -> None:
    """Make ``judgments.event_key`` ``String`` again."""
    with op.batch_alter_table("judgments") as batch:
        batch.alter_column("event_key", type_=sa.String(), existing_type=sa.Text(), nullable=False)
