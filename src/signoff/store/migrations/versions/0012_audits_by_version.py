"""audits by version: each version's audits and its latest (``signoff portfolio`` reads
the latest audit of the versions in production or staging) without a scan of every audit

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30
"""

from __future__ import annotations

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(op.f("ix_audits_version_id"), "audits", ["version_id", "id"])


def downgrade() -> None:
    op.drop_index(op.f("ix_audits_version_id"), table_name="audits")
