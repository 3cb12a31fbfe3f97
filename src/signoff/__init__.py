"""signoff: ML model governance — audits, policies, registry, workflow and ledger.

The Python API mirrors the command line::

    import signoff
    result = signoff.audit("audit.yaml")
    result.write("signoff-audit/")
"""

from __future__ import annotations

__version__ = "0.1.0"

from .audit import AuditResult, audit
from .config import AuditConfig, load_config

__all__ = [
    "AuditConfig",
    "AuditResult",
    "Signoff",
    "__version__",
    "audit",
    "connect",
    "load_config",
]


def __getattr__(name: str) -> object:
    # the registry layer loads only when asked for
    if name in ("connect", "Signoff"):
        from . import _api

        return getattr(_api, name)
    raise AttributeError(name)
