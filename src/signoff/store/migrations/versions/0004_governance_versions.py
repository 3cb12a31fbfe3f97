"""governance as registry state; predictions-only versions; CRs record their governance

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "governance_versions",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("name", sa.Text(), nullable=False),
        sa.Column("label", sa.String(length=60), nullable=False),
        sa.Column("document", sa.JSON(), nullable=False),
        sa.Column("policies", sa.JSON(), nullable=False),
        sa.Column("state", sa.String(length=20), nullable=False),
        sa.Column("proposed_by", sa.String(length=120), nullable=False),
        sa.Column("decided_by", sa.String(length=120), nullable=True),
        sa.Column("proposed_seq", sa.Integer(), nullable=False),
        sa.Column("decided_seq", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["proposed_seq"],
            ["ledger_events.seq"],
            name=op.f("fk_governance_versions_proposed_seq_ledger_events"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_seq"],
            ["ledger_events.seq"],
            name=op.f("fk_governance_versions_decided_seq_ledger_events"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_governance_versions")),
    )
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.add_column(sa.Column("scores_sha256", sa.String(length=64), nullable=True))
    with op.batch_alter_table("change_requests", schema=None) as batch_op:
        batch_op.add_column(sa.Column("governance_version", sa.Integer(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("change_requests", schema=None) as batch_op:
        batch_op.drop_column("governance_version")
    with op.batch_alter_table("model_versions", schema=None) as batch_op:
        batch_op.drop_column("scores_sha256")
    op.drop_table("governance_versions")
