"""historical audit records imported from a team's audit log (portfolio import)

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "imported_audits",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("model_id", sa.Integer(), nullable=False),
        sa.Column("version", sa.String(length=120), nullable=True),
        sa.Column("audited_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("gates_passed", sa.Boolean(), nullable=False),
        sa.Column("team", sa.String(length=120), nullable=False),
        sa.Column("audit_file", sa.Text(), nullable=False),
        sa.Column("source_file", sa.Text(), nullable=False),
        sa.Column("source_sha256", sa.String(length=64), nullable=False),
        sa.Column("source_line", sa.Integer(), nullable=False),
        sa.Column("imported_by", sa.String(length=120), nullable=False),
        sa.Column("ledger_seq", sa.Integer(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["model_id"], ["models.id"], name=op.f("fk_imported_audits_model_id_models")
        ),
        sa.ForeignKeyConstraint(
            ["ledger_seq"],
            ["ledger_events.seq"],
            name=op.f("fk_imported_audits_ledger_seq_ledger_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_imported_audits")),
    )


def downgrade() -> None:
    op.drop_table("imported_audits")
