"""windows in force: a partial index over the monitoring windows no re-run superseded, by
version and end (each version's last window in force, read by ``signoff portfolio``)

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-29
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

IN_FORCE = sa.text("superseded_by IS NULL")


def upgrade() -> None:
    op.create_index(
        "ix_monitor_windows_in_force",
        "monitor_windows",
        ["version_id", "window_end", "ledger_seq"],
        sqlite_where=IN_FORCE,
        postgresql_where=IN_FORCE,
    )


def downgrade() -> None:
    op.drop_index("ix_monitor_windows_in_force", table_name="monitor_windows")
