"""signoff: ML model governance — audits, policies, registry, workflow and ledger.

The Python API mirrors the command line::

    import signoff
    result = signoff.audit("audit.yaml")
    result.write("signoff-audit/")

``import signoff`` is cheap: the audit engine (NumPy, pandas, scikit-learn,
SciPy) loads on first use of :func:`audit`, :class:`AuditResult`,
:class:`AuditConfig` or :func:`load_config`, and the registry on first use of
:func:`connect`, so ``signoff --version`` and the registry commands start fast.
"""

from __future__ import annotations

import sys
from importlib import import_module
from types import ModuleType
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

if TYPE_CHECKING:
    from ._api import Signoff, connect
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

#: Each lazily loaded name and the subpackage that defines it.
_LAZY = {
    "AuditConfig": "config",
    "AuditResult": "audit",
    "Signoff": "_api",
    "audit": "audit",
    "connect": "_api",
    "load_config": "config",
}


def __getattr__(name: str) -> Any:
    package = _LAZY.get(name)
    if package is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(import_module(f".{package}", __name__), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))


class _Package(ModuleType):
    """``signoff`` itself: the name ``audit`` stays the function.

    Importing the subpackage ``signoff.audit`` makes the import system bind it
    as the attribute ``audit`` of this package; the function of that name is
    what users call (``signoff.audit("audit.yaml")``), so it takes the place.
    """

    def __setattr__(self, name: str, value: Any) -> None:
        if name == "audit" and isinstance(value, ModuleType):
            value = value.audit
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package
