"""The ledger's rows as stored, oldest first, read in blocks within a session's transaction
(the readers themselves are :mod:`._leafcheck`'s, shared with the check's child process)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from ._leafcheck import BLOCK, LEDGER, Blocks, Row, read_blocks

__all__ = ["BLOCK", "Row", "ledger_blocks"]


def ledger_blocks(session: Session, block: int = BLOCK, statement: str = LEDGER) -> Blocks:
    """The rows ``(seq, ts, actor, action, subject, payload, leaf_hash)`` of ``statement``
    (default: the whole ledger), ordered by ``seq``, in lists of at most ``block`` rows,
    within ``session``'s transaction (close the generator when stopping early: on
    PostgreSQL the rest of the rows are read, as cancelling the query would abort the
    caller's transaction)."""
    dbapi = session.connection().connection.dbapi_connection
    return read_blocks(dbapi, session.get_bind().dialect.name, block, statement)
