"""The ledger's rows as stored, oldest first, read in blocks.

On PostgreSQL a thread takes the rows apart as the server streams them (one query,
libpq's chunked rows mode: no round trip per block) while the caller checks the block
before: the server's scan and the transfer of two hundred thousand rows (most of a large
ledger's bytes are its payloads) overlap the hashing instead of preceding it.  The
thread only reads rows; every hash is still computed and checked by the caller, on this
machine.  SQLite is read in the same blocks, in the calling thread (its connection
belongs to it, and there is no server to wait for).
"""

from __future__ import annotations

import queue
import threading
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
#: How many fetched blocks may wait for the caller (the rest wait in the database).
AHEAD = 3
#: The first libpq with chunked rows mode (``psycopg``'s ``stream(size=…)``).
CHUNKED_ROWS = 170000

Row = tuple[Any, ...]


Blocks = Generator[list[Row], None, None]


def ledger_blocks(session: Session, block: int = BLOCK) -> Blocks:
    """The rows ``(seq, ts, actor, action, subject, payload, leaf_hash)`` of the ledger,
    ordered by ``seq``, in lists of at most ``block`` rows, within ``session``'s transaction
    (close the generator when stopping early: on PostgreSQL that ends its thread)."""
    dbapi = session.connection().connection.dbapi_connection
    if session.get_bind().dialect.name == "postgresql":
        return _fetched_ahead(dbapi, block)
    return _fetched(dbapi, block)


def _fetched(dbapi: Any, block: int) -> Blocks:
    cursor = dbapi.cursor()
    try:
        cursor.execute(LEDGER)
        while rows := cursor.fetchmany(block):
            yield rows
    finally:
        cursor.close()


def _fetched_ahead(dbapi: Any, block: int) -> Blocks:
    """PostgreSQL's blocks, each fetched by a thread while the caller works on the last."""
    with dbapi.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # compiling one scan costs more than it saves
    ready: queue.Queue[list[Row] | BaseException] = queue.Queue(AHEAD)
    stop = threading.Event()

    def put(item: list[Row] | BaseException) -> bool:
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.05)
                return True
            except queue.Full:
                continue
        return False

    def fetch() -> None:
        chunks = _chunks(dbapi, block)
        try:
            for rows in chunks:
                if not put(rows):
                    return
            put([])
        except BaseException as error:  # handed to the caller, raised there
            put(error)
        finally:
            chunks.close()

    thread = threading.Thread(target=fetch, name="signoff-ledger-read", daemon=True)
    thread.start()
    try:
        while True:
            item = ready.get()
            if isinstance(item, BaseException):
                raise item
            if not item:
                return
            yield item
    finally:
        stop.set()  # the caller stopped early (an edited event) or is done: so is the thread
        thread.join()


def _chunks(dbapi: Any, block: int) -> Blocks:
    """PostgreSQL's rows in lists of ``block``, binary (integers as they are, text decoded
    once, by the driver): one query whose rows the server streams in chunks while they
    are taken apart here (libpq's chunked rows mode, libpq 17 on), else a block per round
    trip through a server-side cursor."""
    import psycopg

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
