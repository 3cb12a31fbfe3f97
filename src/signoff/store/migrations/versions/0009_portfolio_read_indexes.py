"""portfolio read indexes: ledger events by action; monitoring windows by version (the last
one in force), by time and by status

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-29
"""

from __future__ import annotations

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_ledger_events_action"), "ledger_events", ["action", "seq"])
    op.create_index(
        "ix_monitor_windows_last",
        "monitor_windows",
        ["version_id", "superseded_by", "window_end", "ledger_seq"],
    )
    op.create_index(op.f("ix_monitor_windows_at"), "monitor_windows", ["at"])
    op.create_index(op.f("ix_monitor_windows_status"), "monitor_windows", ["status"])


def downgrade() -> None:
    op.drop_index(op.f("ix_monitor_windows_status"), table_name="monitor_windows")
    op.drop_index(op.f("ix_monitor_windows_at"), table_name="monitor_windows")
    op.drop_index("ix_monitor_windows_last", table_name="monitor_windows")
    op.drop_index(op.f("ix_ledger_events_action"), table_name="ledger_events")
