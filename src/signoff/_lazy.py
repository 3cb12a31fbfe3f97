"""Attributes of a package loaded on first use (PEP 562), for start-up time.

A package that re-exports heavy modules (NumPy under the metrics, pydantic schemas under
the config, the replay under the store) names them here instead of importing them: a
command that never touches them never pays for them.  Type checkers see the names through
an ``if TYPE_CHECKING:`` import in the package beside the call.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_attributes"]


def lazy_attributes(
    package: str, namespace: dict[str, Any], modules: Mapping[str, Iterable[str]]
) -> Callable[[str], Any]:
    """The package's module ``__getattr__``: each name of ``modules[module]`` is read from
    ``package.module`` on first use, then kept in ``namespace`` (the package's globals)."""
    where = {name: module for module, names in modules.items() for name in names}

    def __getattr__(name: str) -> Any:
        module = where.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        value = getattr(import_module(f"{package}.{module}"), name)
        namespace[name] = value
        return value

    return __getattr__
