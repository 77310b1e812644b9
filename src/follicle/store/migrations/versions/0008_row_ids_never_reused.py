"""The surrogate ``row_id`` of the tables without an ID is never handed out twice on SQLite.

Without SQLite's ``AUTOINCREMENT`` a new row took the ``row_id`` of the last row if that had
been deleted, with version 1 again: an edit of the deleted row, made from a page opened
before the deletion, carried its key and version 1 and was applied to the new row. The
tables are rebuilt with ``AUTOINCREMENT`` (their rows, indexes and numbers kept); numbers
of rows deleted before this migration, above the highest left, can still come back once.
PostgreSQL's sequences never reuse a number: nothing changes there.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 23:50:00
"""

from __future__ import annotations

from collections.abc import Sequence

from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

#: The workbook's tables without an ID of their own (as of this revision).
KEYLESS = ("injections", "contacts", "conditions", "infant_conditions")


def _rebuild(autoincrement: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for name in KEYLESS:
        with op.batch_alter_table(
            name, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
        ):
            pass


def upgrade() -> None:
    """Rebuild the keyless tables with ``AUTOINCREMENT`` (SQLite only)."""
    _rebuild(True)


def downgrade() -> None:
    """Rebuild them without it (SQLite only)."""
    _rebuild(False)
