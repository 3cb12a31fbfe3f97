"""Reading the metric entries of a results.json document, shape-checked.

A document attached through the Python API, or edited by hand before its hash was
recomputed, can have any shape: a gate judging it says where it is malformed (strict
readers), and a page or a risk rating reading a figure from it takes a malformed one as
not recorded (:func:`overall_value`) — neither crashes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

__all__ = ["Malformed", "estimate", "mapping", "overall_value"]


class Malformed(Exception):
    """A part of results.json the gate reads does not have the documented shape."""

    def __init__(self, path: str, expected: str, got: Any) -> None:
        super().__init__(
            f"results.json is malformed at {path}: expected {expected}, got {_kind(got)}"
        )


def _kind(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return f"the number {value!r}"
    if isinstance(value, str):
        return f"the string {value[:40]!r}"
    return "an array" if isinstance(value, list) else f"a {type(value).__name__}"


def mapping(value: Any, path: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise Malformed(path, "an object", value)
    return value


def _number(value: Any, path: str) -> float | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise Malformed(path, "a number or null", value)
    return float(value)


def estimate(entry: Any, path: str) -> tuple[float | None, list[float] | None]:
    """(value, ci) of one metric entry ``{"value": x, "ci": [low, high] | null}``."""
    if entry is None:
        return None, None
    entry = mapping(entry, path)
    value = _number(entry.get("value"), f"{path}.value")
    ci = entry.get("ci")
    if ci is None:
        return value, None
    if not isinstance(ci, list) or len(ci) != 2:
        raise Malformed(f"{path}.ci", "[low, high] or null", ci)
    low, high = (_number(ci[0], f"{path}.ci[0]"), _number(ci[1], f"{path}.ci[1]"))
    return value, (None if low is None or high is None else [low, high])


def overall_value(results: Any, name: str) -> float | None:
    """The overall point estimate of metric ``name``; ``None`` when absent or malformed."""
    try:
        overall = mapping(mapping(results, "the top level").get("overall"), "overall")
        return estimate(overall.get(name), f"overall.{name}")[0]
    except Malformed:
        return None
