"""Every leaf of the ledger checked from its stored rows — here, or in a child process.

The check reads the rows ``(seq, ts, actor, action, subject, payload, leaf_hash)`` in
blocks, oldest first, recomputes each leaf hash from the columns (as ``event_bytes`` and
``leaf_hash`` make it, without two calls per event) and compares it with the stored one;
the first missing or edited seq is named.  :mod:`._prefix` runs it in this process, or —
for a short-lived command on a machine with a second core — hands it to a child process
that runs :func:`main` (:mod:`._aside`) while this one folds the events.

This module imports nothing of signoff's but :mod:`._merkle` (the standard library; the
database driver when reading PostgreSQL), so the child starts in 0.04–0.05 s for SQLite
(psycopg's import adds about 0.3 s) instead of the half second signoff's imports take:
the child loads this folder as a package of its own, without the ``signoff`` package's
``__init__`` (:data:`BOOT`).

On PostgreSQL the rows come from one query whose rows the server streams (libpq's chunked
rows mode: no round trip per block): while the caller checks one block, the server goes
on scanning and sending into the socket's buffers, so its work overlaps the hashing
without a thread.  (A thread taking the rows apart ahead of the caller cost more than it
saved: both need the interpreter's lock — see docs/performance.md.)  SQLite is read in
the same blocks.
"""

from __future__ import annotations

import hashlib
import json
import sys
from collections.abc import Generator, Iterable
from itertools import chain, islice
from json.encoder import encode_basestring
from typing import Any

from ._merkle import root_hash

__all__ = [
    "BLOCK",
    "BOOT",
    "EDITED",
    "GAP",
    "LEDGER",
    "LEDGER_UPTO",
    "Blocks",
    "LeafMismatch",
    "Row",
    "block_leaves",
    "check_blocks",
    "main",
    "read_blocks",
]

GAP = "seq {seq}: missing — the ledger jumps from {previous} to {found} (an event was deleted)"
EDITED = (
    "seq {seq}: the stored event does not match its leaf hash "
    "(its content was edited, or it was moved from another position)"
)

#: Rows per block: large enough that a block's round trip costs nothing next to its
#: rows, small enough that the first block arrives early.
BLOCK = 16_384
#: The ledger as stored, oldest first: the same statement on every database.
_COLUMNS = "SELECT seq, ts, actor, action, subject, payload, leaf_hash FROM ledger_events"
LEDGER = f"{_COLUMNS} ORDER BY seq"
#: Its first ``{size}`` events (format with an ``int``).
LEDGER_UPTO = f"{_COLUMNS} WHERE seq <= {{size:d}} ORDER BY seq"
#: The first libpq with chunked rows mode (``psycopg``'s ``stream(size=…)``).
CHUNKED_ROWS = 170000
#: The child's start: this folder as a package named :data:`PACKAGE` (so ``._merkle``
#: resolves) without running ``signoff/__init__``; the working folder off ``sys.path``.
PACKAGE = "_signoff_leafcheck"
BOOT = (
    "import sys; del sys.path[0]; import types; "
    f"p = types.ModuleType({PACKAGE!r}); p.__path__ = [sys.argv[1]]; "
    f"sys.modules[{PACKAGE!r}] = p; "
    f"from {PACKAGE}._leafcheck import main; main()"
)

Row = tuple[Any, ...]
Blocks = Generator[list[Row], None, None]


class LeafMismatch(Exception):
    """A missing or edited event; the message names its seq (:data:`GAP`, :data:`EDITED`)."""


def read_blocks(dbapi: Any, dialect: str, block: int = BLOCK, statement: str = LEDGER) -> Blocks:
    """The rows of ``statement`` (default: the whole ledger) in lists of at most ``block``,
    in ``dbapi``'s transaction (close the generator when stopping early: on PostgreSQL the
    rest of the rows are read, as cancelling the query would abort the transaction)."""
    if dialect == "postgresql":
        return _chunks(dbapi, block, statement)
    return _fetched(dbapi, block, statement)


def _fetched(dbapi: Any, block: int, statement: str) -> Blocks:
    cursor = dbapi.cursor()
    try:
        cursor.execute(statement)
        while rows := cursor.fetchmany(block):
            yield rows
    finally:
        cursor.close()


def _chunks(dbapi: Any, block: int, statement: str) -> Blocks:
    """PostgreSQL's rows in lists of ``block``, binary (integers as they are, text decoded
    once, by the driver): one query whose rows the server streams in chunks while they
    are taken apart here (libpq's chunked rows mode, libpq 17 on), else a block per round
    trip through a server-side cursor."""
    import psycopg

    with dbapi.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")  # compiling one scan costs more than it saves
    if psycopg.pq.version() < CHUNKED_ROWS:
        with dbapi.cursor("signoff_ledger_read", binary=True) as cursor:
            cursor.execute(statement)
            while rows := cursor.fetchmany(block):
                yield rows
        return
    with dbapi.cursor(binary=True) as cursor:
        streamed = cursor.stream(statement, binary=True, size=block)
        try:
            while rows := list(islice(streamed, block)):
                yield rows
        finally:  # stopped early: read to the end, as cancelling the query would abort
            for _ in streamed:  # the caller's transaction
                pass


def block_leaves(rows: list[Row], first: int) -> list[bytes]:
    """The leaf hashes of a block of rows whose first seq should be ``first``, each checked
    against its stored hash.

    Raises
    ------
    LeafMismatch
        Naming the block's first missing or edited event, in seq order.
    """
    s, sha256 = encode_basestring, hashlib.sha256
    digests = [
        sha256(
            f'\x00{{"action":{s(action)},"actor":{s(actor)},"payload":{payload},'
            f'"seq":{seq},"subject":{s(subject)},"ts":{s(ts)}}}'.encode()
        ).digest()
        for seq, ts, actor, action, subject, payload, _ in rows
    ]
    if not _all_match(rows, digests, first):
        _raise_first_mismatch(rows, digests, first)
    return digests


def check_blocks(blocks: Iterable[list[Row]]) -> list[bytes]:
    """Every leaf hash of the ledger's blocks (:func:`read_blocks`), checked."""
    leaves: list[bytes] = []
    for rows in blocks:
        leaves += block_leaves(rows, len(leaves) + 1)
    return leaves


def _all_match(rows: list[Row], digests: list[bytes], first: int) -> bool:
    """Whether the block's seqs run on from ``first`` without a gap and every stored leaf
    hash is the one computed (all compared at once: one string each)."""
    if [row[0] for row in rows] != list(range(first, first + len(rows))):
        return False
    stored = [row[6] for row in rows]
    try:  # every one 64 characters long, so equal joined means equal one by one
        return set(map(len, stored)) == {64} and "".join(stored) == b"".join(digests).hex()
    except TypeError:  # a stored hash that is not text: found row by row
        return False


def _raise_first_mismatch(rows: list[Row], digests: list[bytes], first: int) -> None:
    for expected, row, digest in zip(range(first, first + len(rows)), rows, digests, strict=True):
        if row[0] != expected:
            raise LeafMismatch(GAP.format(seq=expected, previous=expected - 1, found=row[0]))
        if digest.hex() != row[6]:
            raise LeafMismatch(EDITED.format(seq=row[0]))
    raise AssertionError("a block that failed its check has no mismatch")  # pragma: no cover


# -- the child process ---------------------------------------------------------------------


def _connect(job: dict[str, Any]) -> Any:
    """A connection of the child's own, in a transaction that sees what the parent's sees:
    SQLite — the parent holds the write lock until the child has read (so no commit comes
    between); PostgreSQL — the parent's exported snapshot."""
    if job["dialect"] == "postgresql":
        import psycopg
        from psycopg import sql

        server = psycopg.connect(**job["connect"], autocommit=True)
        server.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        server.execute(sql.SQL("SET TRANSACTION SNAPSHOT {}").format(sql.Literal(job["snapshot"])))
        return server
    import sqlite3

    local = sqlite3.connect(job["database"], timeout=60, isolation_level=None)
    local.execute("BEGIN")
    return local


def _say(message: dict[str, Any]) -> None:
    sys.stdout.write(json.dumps(message) + "\n")
    sys.stdout.flush()


def main() -> None:
    """The child: a job on stdin (JSON: ``dialect``, ``database`` or ``connect`` and
    ``snapshot``, ``size``, ``block``), then on stdout ``{"ready": true}`` once its
    transaction holds the parent's view and the first block is read, and one verdict:
    ``{"leaves": n, "root": hex}`` (the root of the first ``size`` leaves),
    ``{"edited": message}`` or ``{"failed": reason}``."""
    try:
        job = json.loads(sys.stdin.readline())
        blocks = read_blocks(_connect(job), job["dialect"], job["block"])
        first = next(blocks, [])
        _say({"ready": True})
        leaves = check_blocks(chain([first], blocks))
        _say({"leaves": len(leaves), "root": root_hash(leaves[: job["size"]]).hex()})
    except LeafMismatch as exc:
        _say({"edited": str(exc)})
    except BaseException as exc:  # every failure is reported, in one line
        reason = (str(exc).strip().splitlines() or [""])[0]
        _say({"failed": f"{type(exc).__name__}: {reason}"})
