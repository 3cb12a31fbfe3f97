"""Copy a registry database, table by table, into another (e.g. a SQLite template into
PostgreSQL), so a benchmark built once can be timed on both databases.

Every table is copied row for row, the ledger included (its payloads as stored, so every
leaf hash still verifies); the target is migrated first and must be empty, and analysed
afterwards (bulk-loaded tables have no planner statistics until then: without them
PostgreSQL plans the portfolio's reads as if every table were empty). Building the
portfolio benchmark's 200k events through the write path takes about an hour here; this
copy takes a minute or two.

    .venv/bin/python benchmarks/copy_registry.py sqlite:////tmp/bench/signoff.db \\
        postgresql+psycopg://postgres@127.0.0.1:5432/bench
"""

from __future__ import annotations

import argparse
import time

from sqlalchemy import Integer, create_engine, func, insert, select, text

import signoff
from signoff.store import LedgerEventRow

BATCH = 5000


def copy(source_url: str, target_url: str) -> dict[str, int]:
    """Rows copied per table."""
    signoff.connect(target_url).close()  # create and migrate the target
    from signoff.store._models import Base

    source, target = create_engine(source_url), create_engine(target_url)
    counts: dict[str, int] = {}
    with source.connect() as read, target.begin() as write:
        if write.scalar(select(func.count()).select_from(LedgerEventRow.__table__)):
            raise SystemExit(f"{target_url}: the target already holds ledger events")
        for table in Base.metadata.sorted_tables:
            rows = read.execute(select(table)).mappings()
            batch: list[dict[str, object]] = []
            counts[table.name] = 0
            for row in rows:
                batch.append(dict(row))
                if len(batch) == BATCH:
                    write.execute(insert(table), batch)
                    counts[table.name] += len(batch)
                    batch = []
            if batch:
                write.execute(insert(table), batch)
                counts[table.name] += len(batch)
            serial = "id" in table.c and isinstance(table.c.id.type, Integer)
            if write.dialect.name == "postgresql" and serial:
                write.execute(
                    text(
                        "SELECT setval(pg_get_serial_sequence(:t, 'id'), "
                        f"COALESCE((SELECT max(id) FROM {table.name}), 0) + 1, false)"
                    ),
                    {"t": table.name},
                )
    with target.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    return counts


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("source")
    parser.add_argument("target")
    args = parser.parse_args()
    start = time.perf_counter()
    counts = copy(args.source, args.target)
    print(f"copied {sum(counts.values())} rows in {time.perf_counter() - start:.0f} s")
    for name, n in counts.items():
        if n:
            print(f"  {name}: {n}")


if __name__ == "__main__":
    main()
