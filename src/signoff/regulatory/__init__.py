"""Regulatory evidence: the model inventory as supervisors ask for it, EU AI Act Annex IV
technical documentation, and the import of the audit logs teams keep today.

Everything is read from the registry (whose tables ``ledger verify`` re-derives from the
ledger) and every Annex IV claim cites the ledger event or stored file it rests on.
"""

from ._annex import ANNEX_FORMAT, annex_iv
from ._annex_write import annex_files, annex_markdown, annex_zip, write_annex, write_annex_files
from ._export import INVENTORY_FORMATS, inventory_bytes
from ._import import IMPORT_FIELDS, ImportResult, import_audit_log, parse_audit_log
from ._interim import REVIEW_DAYS, interim_next_review_due, interim_status
from ._inventory import INVENTORY_COLUMNS, current_version, inventory, verdict_of

__all__ = [
    "ANNEX_FORMAT",
    "IMPORT_FIELDS",
    "INVENTORY_COLUMNS",
    "INVENTORY_FORMATS",
    "REVIEW_DAYS",
    "ImportResult",
    "annex_files",
    "annex_iv",
    "annex_markdown",
    "annex_zip",
    "current_version",
    "import_audit_log",
    "interim_next_review_due",
    "interim_status",
    "inventory",
    "inventory_bytes",
    "parse_audit_log",
    "verdict_of",
    "write_annex",
    "write_annex_files",
]
