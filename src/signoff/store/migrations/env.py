"""Alembic environment: migrations run on the connection signoff hands over."""

from __future__ import annotations

from alembic import context

from signoff.store._models import Base

target_metadata = Base.metadata
connection = context.config.attributes.get("connection")
if connection is None:  # pragma: no cover - signoff always passes its own connection
    raise RuntimeError("signoff migrations run through `signoff db upgrade`")
context.configure(
    connection=connection,
    target_metadata=target_metadata,
    render_as_batch=connection.dialect.name == "sqlite",
)
with context.begin_transaction():
    context.run_migrations()
