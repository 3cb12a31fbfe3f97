"""monitoring: reference profiles, windows, and their content-addressed documents

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def _seq_and_version(table: str) -> list[sa.Column[int] | sa.Constraint]:
    return [
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("ledger_seq", sa.Integer(), nullable=False),
        sa.Column("version_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["ledger_seq"], ["ledger_events.seq"], name=op.f(f"fk_{table}_ledger_seq_ledger_events")
        ),
        sa.ForeignKeyConstraint(
            ["version_id"],
            ["model_versions.id"],
            name=op.f(f"fk_{table}_version_id_model_versions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f(f"pk_{table}")),
        sa.UniqueConstraint("ledger_seq", name=op.f(f"uq_{table}_ledger_seq")),
    ]


def upgrade() -> None:
    op.create_table(
        "monitor_baselines",
        *_seq_and_version("monitor_baselines"),
        sa.Column("profile_sha256", sa.String(length=64), nullable=False),
        sa.Column("config_sha256", sa.String(length=64), nullable=False),
        sa.Column("reference", sa.JSON(), nullable=False),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(op.f("ix_monitor_baselines_version_id"), "monitor_baselines", ["version_id"])
    op.create_table(
        "monitor_windows",
        *_seq_and_version("monitor_windows"),
        sa.Column("window_start", sa.DateTime(timezone=True), nullable=True),
        sa.Column("window_end", sa.DateTime(timezone=True), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("failed_gates", sa.JSON(), nullable=False),
        sa.Column("label_coverage", sa.Float(), nullable=True),
        sa.Column("profile_sha256", sa.String(length=64), nullable=False),
        sa.Column("results_sha256", sa.String(length=64), nullable=False),
        sa.Column("batch_sha256", sa.String(length=64), nullable=False),
        sa.Column("config_sha256", sa.String(length=64), nullable=False),
        sa.Column("superseded_by", sa.Integer(), nullable=True),
        sa.Column("actor", sa.String(length=120), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index(op.f("ix_monitor_windows_version_id"), "monitor_windows", ["version_id"])
    op.create_table(
        "monitor_documents",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_monitor_documents")),
    )


def downgrade() -> None:
    op.drop_table("monitor_documents")
    op.drop_index(op.f("ix_monitor_windows_version_id"), table_name="monitor_windows")
    op.drop_table("monitor_windows")
    op.drop_index(op.f("ix_monitor_baselines_version_id"), table_name="monitor_baselines")
    op.drop_table("monitor_baselines")
