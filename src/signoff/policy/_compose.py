"""``extends``: a child policy may add gates and tighten them, never loosen.

A gate's *acceptance set* is the set of values that pass it — an interval
(``less_than 0.1`` accepts ``(−∞, 0.1)``).  A child's version of a parent's
gate (same id, else same name) tightens it when its acceptance set lies
inside the parent's, its severity is at least as high, its scope covers at
least the parent's attributes and it keeps ``use_confidence_bound``.
Anything else loosens the gate and is refused, naming both files.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ._schema import Gate, Policy, Reproducibility

__all__ = ["Interval", "acceptance", "compose", "loosenings"]

_RANK = {"info": 0, "warning": 1, "error": 2}


@dataclass(frozen=True)
class Interval:
    """An interval of the real line; each end open or closed."""

    low: float
    high: float
    low_closed: bool
    high_closed: bool

    def within(self, other: Interval) -> bool:
        """True when every point of ``self`` is in ``other``."""
        low_ok = self.low > other.low or (
            self.low == other.low and (other.low_closed or not self.low_closed)
        )
        high_ok = self.high < other.high or (
            self.high == other.high and (other.high_closed or not self.high_closed)
        )
        return low_ok and high_ok


def acceptance(gate: Gate) -> Interval:
    """The values that pass ``gate``."""
    t = gate.threshold
    if isinstance(t, tuple):
        return Interval(t[0], t[1], True, True)
    inf = math.inf
    return {
        "less_than": Interval(-inf, t, False, False),
        "less_equal": Interval(-inf, t, False, True),
        "greater_than": Interval(t, inf, False, False),
        "greater_equal": Interval(t, inf, True, False),
        "equal": Interval(t, t, True, True),
    }[gate.comparison]


def loosenings(parent: Gate, child: Gate) -> list[str]:
    """Every way ``child`` is weaker than ``parent`` (empty when it only tightens)."""
    problems = []
    if child.metric != parent.metric:
        problems.append(f"changes the metric from {parent.metric} to {child.metric}")
    elif not acceptance(child).within(acceptance(parent)):
        problems.append(
            f"accepts values the parent refuses ({parent.comparison} {_show(parent.threshold)} "
            f"→ {child.comparison} {_show(child.threshold)})"
        )
    if _RANK[child.severity] < _RANK[parent.severity]:
        problems.append(f"lowers the severity from {parent.severity} to {child.severity}")
    if parent.attributes is None and child.attributes is not None:
        problems.append(f"narrows the scope from every attribute to {list(child.attributes)}")
    elif parent.attributes is not None and child.attributes is not None:
        dropped = sorted(set(parent.attributes) - set(child.attributes))
        if dropped:
            problems.append(f"drops attributes {dropped} from the scope")
    if parent.use_confidence_bound and not child.use_confidence_bound:
        problems.append("stops judging the confidence bound (use_confidence_bound)")
    return problems


def _show(threshold: float | tuple[float, float]) -> str:
    if isinstance(threshold, tuple):
        return f"[{threshold[0]:g}, {threshold[1]:g}]"
    return f"{threshold:g}"


def compose(parent: Policy, child: Policy) -> tuple[Policy, list[tuple[Gate, str]]]:
    """The child applied on top of its parent.

    Returns the composed policy and, for every loosening, the child's gate
    (or a pseudo-gate for reproducibility) with the reason; the caller turns
    them into errors that point at the files.
    """
    problems: list[tuple[Gate, str]] = []
    by_key = {g.key: g for g in child.gates}
    gates = []
    for gate in parent.gates:
        override = by_key.pop(gate.key, None)
        if override is None:
            gates.append(gate)
            continue
        problems += [(override, reason) for reason in loosenings(gate, override)]
        gates.append(override)
    gates += [g for g in child.gates if g.key in by_key]

    inherited = parent.reproducibility.model_dump()
    mine = child.reproducibility.model_dump()
    repro = Reproducibility(**{k: inherited[k] or mine[k] for k in inherited})
    for key, required in inherited.items():
        if required and not mine[key] and key in child.reproducibility.model_fields_set:
            pseudo = Gate(
                name=f"reproducibility.{key}", metric="-", threshold=0, comparison="equal"
            )
            problems.append((pseudo, f"turns off reproducibility.{key}, which the parent requires"))
    composed = child.model_copy(
        update={
            "gates": tuple(gates),
            "reproducibility": repro,
            "applies_to": child.applies_to or parent.applies_to,
            "citation": child.citation or parent.citation,
            "rego": child.rego,
            "extends": None,
        }
    )
    return composed, problems
