"""signoff: ML model governance — audits, policies, registry, workflow and ledger."""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
