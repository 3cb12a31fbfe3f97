"""A DuckDB connection with a memory limit and a folder to spill to; SQL identifiers."""

from __future__ import annotations

import tempfile
from typing import Any

from ..errors import MissingExtraError

__all__ = ["MEMORY_LIMIT", "connect", "quote"]

#: DuckDB's memory limit: past it, sorts and aggregates spill to a temporary folder.
MEMORY_LIMIT = "2GB"


def quote(name: str) -> str:
    """A column name as a SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def connect(temp_dir: str | None = None) -> Any:
    """A DuckDB connection with a memory limit and a folder to spill to."""
    try:
        import duckdb
    except ImportError:
        raise MissingExtraError("The duckdb engine", "duckdb", "duckdb") from None
    return duckdb.connect(
        ":memory:",
        config={
            "memory_limit": MEMORY_LIMIT,
            "temp_directory": temp_dir or tempfile.gettempdir(),
            "preserve_insertion_order": False,
        },
    )
