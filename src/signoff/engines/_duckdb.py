"""A DuckDB connection with a memory limit and a folder to spill to; SQL identifiers."""

from __future__ import annotations

import tempfile
import uuid
from pathlib import Path
from typing import Any

from ..errors import MissingExtraError

__all__ = ["MEMORY_LIMIT", "connect", "quote"]

#: DuckDB's memory limit: past it, sorts and aggregates spill to a temporary folder.
MEMORY_LIMIT = "2GB"


def quote(name: str) -> str:
    """A column name as a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def connect(temp_dir: str | None = None) -> Any:
    """A DuckDB connection with a memory limit and a folder to spill to.

    Without ``temp_dir``, a folder of this connection's own under the system's temporary
    folder (DuckDB creates it when it first spills and removes it when the connection
    closes): two processes spilling to one folder share DuckDB's spill file names, and the
    first to close removes the other's files.
    """
    try:
        import duckdb
    except ImportError:
        raise MissingExtraError("The duckdb engine", "duckdb", "duckdb") from None
    return duckdb.connect(
        ":memory:",
        config={
            "memory_limit": MEMORY_LIMIT,
            "temp_directory": temp_dir or str(_spill_folder()),
            "preserve_insertion_order": False,
        },
    )


def _spill_folder() -> Path:
    """A new folder name (not created) under the system's temporary folder, for one
    connection's spill files."""
    return Path(tempfile.gettempdir()) / f"signoff-duckdb-{uuid.uuid4().hex}"
