"""Initial registry schema: the eight workbook tables, the audit log, de-identification keys
and the import log.

Generated with ``alembic revision --autogenerate`` against an empty SQLite database, then
reviewed and tidied (plain ``op.create_index`` instead of batch blocks; tables in the order
of the workbook schema). Written out in full on purpose: a migration records the schema of
its day and must not follow later edits of :mod:`follicle.store.tables`.

Revision ID: 0001
Revises:
Create Date: 2026-11-26 08:30:31
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

# revision identifiers, used by Alembic.
revision: str = "0001"
down_revision: str | Sequence[str] | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _participant_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["participant_id"],
        ["participants.participant_id"],
        name=op.f(f"fk_{table}_participant_id_participants"),
    )


def upgrade() -> None:
    """Create every table of the registry."""
    op.create_table(
        "participants",
        sa.Column("participant_id", sa.String(), nullable=False),
        sa.Column("site", sa.Text(), nullable=False),
        sa.Column("arm", sa.Text(), nullable=True),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("consent_date", sa.Date(), nullable=True),
        sa.Column("menses_baseline", sa.String(), nullable=False),
        sa.Column("amh_ng_ml", sa.Float(), nullable=True),
        sa.Column("afc", sa.Integer(), nullable=True),
        sa.Column("fsh_iu_l", sa.Float(), nullable=True),
        sa.Column("prior_ivf_cycles", sa.Integer(), nullable=True),
        sa.Column("prior_max_oocytes", sa.Integer(), nullable=True),
        sa.Column("prior_cycle_cancelled", sa.Boolean(), nullable=True),
        sa.PrimaryKeyConstraint("participant_id", name=op.f("pk_participants")),
    )

    op.create_table(
        "injections",
        sa.Column("row_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("participant_id", sa.String(), nullable=False),
        sa.Column("injection_date", sa.Date(), nullable=False),
        sa.Column("product", sa.String(), nullable=True),
        sa.Column("dose_million_cells", sa.Float(), nullable=True),
        sa.Column("ovary", sa.String(), nullable=True),
        sa.Column("route", sa.String(), nullable=True),
        _participant_fk("injections"),
        sa.PrimaryKeyConstraint("row_id", name=op.f("pk_injections")),
    )
    op.create_index(
        op.f("ix_injections_participant_id"), "injections", ["participant_id"], unique=False
    )

    op.create_table(
        "contacts",
        sa.Column("row_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("participant_id", sa.String(), nullable=False),
        sa.Column("contact_date", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("milestone", sa.String(), nullable=True),
        sa.Column("menses", sa.String(), nullable=True),
        sa.Column("checklist_complete", sa.Boolean(), nullable=True),
        sa.Column("vital_status", sa.String(), nullable=True),
        _participant_fk("contacts"),
        sa.PrimaryKeyConstraint("row_id", name=op.f("pk_contacts")),
    )
    op.create_index(
        op.f("ix_contacts_participant_id"), "contacts", ["participant_id"], unique=False
    )

    op.create_table(
        "conditions",
        sa.Column("row_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("participant_id", sa.String(), nullable=False),
        sa.Column("condition", sa.String(), nullable=False),
        sa.Column("diagnosis_date", sa.Date(), nullable=True),
        sa.Column("during_pregnancy", sa.Boolean(), nullable=True),
        sa.Column("resolved", sa.Boolean(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        _participant_fk("conditions"),
        sa.PrimaryKeyConstraint("row_id", name=op.f("pk_conditions")),
    )
    op.create_index(
        op.f("ix_conditions_participant_id"), "conditions", ["participant_id"], unique=False
    )

    op.create_table(
        "ivf_cycles",
        sa.Column("cycle_id", sa.String(), nullable=False),
        sa.Column("participant_id", sa.String(), nullable=False),
        sa.Column("start_date", sa.Date(), nullable=False),
        sa.Column("oocytes_retrieved", sa.Integer(), nullable=True),
        sa.Column("embryos_transferred", sa.Integer(), nullable=True),
        sa.Column("cancelled", sa.Boolean(), nullable=True),
        _participant_fk("ivf_cycles"),
        sa.PrimaryKeyConstraint("cycle_id", name=op.f("pk_ivf_cycles")),
    )
    op.create_index(
        op.f("ix_ivf_cycles_participant_id"), "ivf_cycles", ["participant_id"], unique=False
    )

    op.create_table(
        "pregnancies",
        sa.Column("pregnancy_id", sa.String(), nullable=False),
        sa.Column("participant_id", sa.String(), nullable=False),
        sa.Column("conception_date", sa.Date(), nullable=False),
        sa.Column("mode", sa.String(), nullable=False),
        sa.Column("ivf_cycle_id", sa.String(), nullable=True),
        sa.Column("fetuses", sa.Integer(), nullable=True),
        sa.Column("outcome", sa.String(), nullable=False),
        sa.Column("outcome_date", sa.Date(), nullable=True),
        sa.Column("gestational_weeks", sa.Float(), nullable=True),
        sa.ForeignKeyConstraint(
            ["ivf_cycle_id"],
            ["ivf_cycles.cycle_id"],
            name=op.f("fk_pregnancies_ivf_cycle_id_ivf_cycles"),
        ),
        _participant_fk("pregnancies"),
        sa.PrimaryKeyConstraint("pregnancy_id", name=op.f("pk_pregnancies")),
    )
    op.create_index(
        op.f("ix_pregnancies_ivf_cycle_id"), "pregnancies", ["ivf_cycle_id"], unique=False
    )
    op.create_index(
        op.f("ix_pregnancies_participant_id"), "pregnancies", ["participant_id"], unique=False
    )

    op.create_table(
        "infants",
        sa.Column("infant_id", sa.String(), nullable=False),
        sa.Column("pregnancy_id", sa.String(), nullable=False),
        sa.Column("birth_date", sa.Date(), nullable=False),
        sa.Column("sex", sa.String(), nullable=True),
        sa.Column("birth_weight_g", sa.Integer(), nullable=True),
        sa.Column("gestational_weeks", sa.Float(), nullable=True),
        sa.Column("death_date", sa.Date(), nullable=True),
        sa.ForeignKeyConstraint(
            ["pregnancy_id"],
            ["pregnancies.pregnancy_id"],
            name=op.f("fk_infants_pregnancy_id_pregnancies"),
        ),
        sa.PrimaryKeyConstraint("infant_id", name=op.f("pk_infants")),
    )
    op.create_index(op.f("ix_infants_pregnancy_id"), "infants", ["pregnancy_id"], unique=False)

    op.create_table(
        "infant_conditions",
        sa.Column("row_id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("infant_id", sa.String(), nullable=False),
        sa.Column("condition", sa.String(), nullable=False),
        sa.Column("diagnosis_date", sa.Date(), nullable=True),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(
            ["infant_id"],
            ["infants.infant_id"],
            name=op.f("fk_infant_conditions_infant_id_infants"),
        ),
        sa.PrimaryKeyConstraint("row_id", name=op.f("pk_infant_conditions")),
    )
    op.create_index(
        op.f("ix_infant_conditions_infant_id"), "infant_conditions", ["infant_id"], unique=False
    )

    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("action", sa.String(), nullable=False),
        sa.Column("table_name", sa.String(), nullable=True),
        sa.Column("record_key", sa.String(), nullable=True),
        sa.Column("before", sa.Text(), nullable=True),
        sa.Column("after", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_log")),
    )
    op.create_index("ix_audit_log_record", "audit_log", ["table_name", "record_key"], unique=False)

    op.create_table(
        "deid_keys",
        sa.Column("participant_id", sa.String(), nullable=False),
        sa.Column("code", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        _participant_fk("deid_keys"),
        sa.PrimaryKeyConstraint("participant_id", name=op.f("pk_deid_keys")),
        sa.UniqueConstraint("code", name=op.f("uq_deid_keys_code")),
    )

    op.create_table(
        "imports",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(), nullable=False),
        sa.Column("source", sa.Text(), nullable=False),
        sa.Column("checksums", sa.Text(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imports")),
    )


def downgrade() -> None:
    """Drop every table of the registry (children before parents; indexes go with them)."""
    for table in (
        "imports",
        "deid_keys",
        "audit_log",
        "infant_conditions",
        "infants",
        "pregnancies",
        "ivf_cycles",
        "conditions",
        "contacts",
        "injections",
        "participants",
    ):
        op.drop_table(table)
