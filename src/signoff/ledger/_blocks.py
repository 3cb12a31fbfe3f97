"""The ledger's rows as stored, oldest first, read in blocks.

On PostgreSQL the rows come from one query whose rows the server streams (libpq's
chunked rows mode: no round trip per block): while the caller checks one block, the
server goes on scanning and sending into the socket's buffers, so its work overlaps the
hashing without a thread here.  (A thread taking the rows apart ahead of the caller cost
more than it saved: both need the interpreter's lock, and on a busy machine there is no
core to spare — see docs/performance.md.)  SQLite is read in the same blocks.
"""

from __future__ import annotations

from collections.abc import Generator
from itertools import islice
from typing import Any

from sqlalchemy.orm import Session

__all__ = ["BLOCK", "Row", "ledger_blocks"]

#: Rows per block: large enough that a block's round trip costs nothing next to its
#: rows, small enough that the first block arrives early.
BLOCK = 16_384
#: The ledger as stored, oldest first: the same statement on every database (what the
#: portfolio needs of the numerous payloads is read from their text).
LEDGER = (
    "SELECT seq, ts, actor, action, subject, payload, leaf_hash FROM ledger_events ORDER BY seq"
)
#: The first libpq with chunked rows mode (``psycopg``'s ``stream(size=…)``).
CHUNKED_ROWS = 170000

Row = tuple[Any, ...]


Blocks = Generator[list[Row], None, None]


def ledger_blocks(session: Session, block: int = BLOCK) -> Blocks:
    """The rows ``(seq, ts, actor, action, subject, payload, leaf_hash)`` of the ledger,
    ordered by ``seq``, in lists of at most ``block`` rows, within ``session``'s transaction
    (close the generator when stopping early: on PostgreSQL the rest of the rows are
    read, as cancelling the query would abort the caller's transaction)."""
    dbapi = session.connection().connection.dbapi_connection
    if session.get_bind().dialect.name == "postgresql":
        return _chunks(dbapi, block)
    return _fetched(dbapi, block)


def _fetched(dbapi: Any, block: int) -> Blocks:
    cursor = dbapi.cursor()
    try:
        cursor.execute(LEDGER)
        while rows := cursor.fetchmany(block):
            yield rows
    finally:
        cursor.close()


def _chunks(dbapi: Any, block: int) -> Blocks:
    """PostgreSQL's rows in lists of ``block``, binary (integers as they are, text decoded
    once, by the driver): one query whose rows the server streams in chunks while they
    are taken apart here (libpq's chunked rows mode, libpq 17 on), else a block per round
    trip through a server-side cursor."""
    import psycopg

    with dbapi.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # compiling one scan costs more than it saves
    if psycopg.pq.version() < CHUNKED_ROWS:
        with dbapi.cursor("signoff_ledger_read", binary=True) as cursor:
            cursor.execute(LEDGER)
            while rows := cursor.fetchmany(block):
                yield rows
        return
    with dbapi.cursor(binary=True) as cursor:
        streamed = cursor.stream(LEDGER, binary=True, size=block)
        try:
            while rows := list(islice(streamed, block)):
                yield rows
        finally:  # stopped early: read to the end, as cancelling the query would abort
            for _ in streamed:  # the caller's transaction
                pass
