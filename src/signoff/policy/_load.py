"""Read a policy file, resolve ``extends``, and check it against the metric registry."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from pydantic import ValidationError

from .._canonical import canonical_sha256
from ..config import YamlDocument, read_yaml, validation_error
from ..errors import ConfigError
from ..metrics import METRICS, MetricSpec, closest_metrics
from ._compose import compose
from ._schema import Policy

__all__ = ["LoadedPolicy", "PolicyFile", "load_policy", "semantic_problems"]

UNKNOWN_METRIC = "unknown metric '{metric}'{hint}; `signoff metrics` lists the known names"
UNKNOWN_METRIC_OF = "unknown metric '{metric}'{hint}; known: {known}"
UNREACHABLE = "threshold {threshold} can never be met: {metric} lies in [{low}, {high}]"
CYCLE = "`extends` makes a cycle: {chain}"
PARENT_MISSING = "parent policy not found: {parent}"
LOOSENS = "gate '{gate}' loosens the parent policy {parent}: {reason}"
DUPLICATE = (
    "gate '{gate}' (id {key!r}) has the same {what} as gate '{other}' (id {other_key!r}) "
    "of the parent policy {parent}: gate names and ids must be unique after `extends`, "
    "since readiness and waivers read gates by id"
)


@dataclass(frozen=True)
class PolicyFile:
    """One file of an ``extends`` chain."""

    path: Path
    sha256: str
    document: YamlDocument


@dataclass(frozen=True)
class LoadedPolicy:
    """A policy with ``extends`` resolved.

    Attributes
    ----------
    policy : Policy
        The composed policy (parents' gates, tightened by children).
    files : tuple of PolicyFile
        The file itself first, then its parent, grandparent, ….
    rego_files : tuple of Path
        Every ``rego:`` file of the chain, resolved.
    sha256 : str
        Canonical hash of the composed policy.
    """

    policy: Policy
    files: tuple[PolicyFile, ...]
    rego_files: tuple[Path, ...]
    sha256: str

    @property
    def path(self) -> Path:
        """The policy file as given."""
        return self.files[0].path


def _gate_position(doc: YamlDocument, policy: Policy, key: str) -> tuple[int | None, int | None]:
    for index, gate in enumerate(policy.gates):
        if gate.key == key:
            return doc.locate(("gates", index))
    return doc.locate(("reproducibility",))


def semantic_problems(
    policy: Policy, doc: YamlDocument, *, metrics: Mapping[str, MetricSpec] | None = None
) -> list[ConfigError]:
    """Errors a schema cannot see: unknown metrics, thresholds no value can meet.

    ``metrics`` is the catalogue the gates may name (default: the audit's
    :data:`~signoff.metrics.METRICS`); with another catalogue (monitoring's),
    an unknown name lists the known ones.
    """
    catalogue = METRICS if metrics is None else metrics
    problems = []
    for index, gate in enumerate(policy.gates):
        line, column = doc.locate(("gates", index, "metric"))
        field = f"gates[{index}].metric"
        spec = catalogue.get(gate.metric)
        if spec is None:
            if metrics is None:
                close = closest_metrics(gate.metric)
            else:
                close = difflib.get_close_matches(gate.metric, list(metrics), n=3, cutoff=0.5)
            hint = f" (did you mean {', '.join(close)}?)" if close else ""
            message = (
                UNKNOWN_METRIC.format(metric=gate.metric, hint=hint)
                if metrics is None
                else UNKNOWN_METRIC_OF.format(
                    metric=gate.metric, hint=hint, known=", ".join(sorted(metrics))
                )
            )
            problems.append(
                ConfigError(message, file=doc.path, field=field, line=line, column=column)
            )
            continue
        low, high = spec.bounds
        t = gate.threshold
        lo_t, hi_t = t if isinstance(t, tuple) else (t, t)
        too_high = high is not None and (
            lo_t > high or (lo_t == high and gate.comparison == "greater_than")
        )
        too_low = low is not None and (
            hi_t < low or (hi_t == low and gate.comparison == "less_than")
        )
        needs_high = gate.comparison in ("greater_than", "greater_equal", "equal", "between")
        needs_low = gate.comparison in ("less_than", "less_equal", "equal", "between")
        if (needs_high and too_high) or (needs_low and too_low):
            message = UNREACHABLE.format(
                threshold=list(t) if isinstance(t, tuple) else t,
                metric=gate.metric,
                low="−∞" if low is None else f"{low:g}",
                high="∞" if high is None else f"{high:g}",
            )
            at = doc.locate(("gates", index, "threshold"))
            problems.append(
                ConfigError(
                    message,
                    file=doc.path,
                    field=f"gates[{index}].threshold",
                    line=at[0],
                    column=at[1],
                )
            )
    return problems


def _read(path: Path, metrics: Mapping[str, MetricSpec] | None) -> tuple[Policy, PolicyFile]:
    doc = read_yaml(path, what="policy")
    try:
        policy = Policy.model_validate(doc.data)
    except ValidationError as exc:
        raise validation_error(exc, doc, model=Policy) from None
    problems = semantic_problems(policy, doc, metrics=metrics)
    if problems:
        first = problems[0]
        if len(problems) > 1:
            first = ConfigError(
                first.message + "".join(f"\n{p.render()}" for p in problems[1:]),
                file=first.file,
                field=first.field,
                line=first.line,
                column=first.column,
            )
        raise first
    return policy, PolicyFile(path, doc.text_sha256, doc)


def _unique_after_extends(
    composed: Policy, child: Policy, parent: LoadedPolicy, file: PolicyFile
) -> None:
    """Refuse a child gate that reuses a parent gate's name (or id) under another key."""
    inherited = {g.key: g for g in parent.policy.gates}
    for gate in child.gates:
        if gate.key in inherited:
            continue  # an override of the parent's gate: compose checks it only tightens
        for other in inherited.values():
            what = "name" if other.name == gate.name else "id" if other.key == gate.id else None
            if what is None:
                continue
            line, column = _gate_position(file.document, child, gate.key)
            raise ConfigError(
                DUPLICATE.format(
                    gate=gate.name,
                    key=gate.key,
                    what=what,
                    other=other.name,
                    other_key=other.key,
                    parent=parent.path,
                ),
                file=file.path,
                field="gates",
                line=line,
                column=column,
            )


def load_policy(
    path: str | Path,
    *,
    metrics: Mapping[str, MetricSpec] | None = None,
    _seen: tuple[Path, ...] = (),
) -> LoadedPolicy:
    """Read, validate and compose a policy file.

    ``metrics`` is the catalogue gates may name (default: the audit's); the
    monitor passes its own.

    Raises
    ------
    ConfigError
        For every problem, with file, line and column: schema errors, unknown
        metrics, unreachable thresholds, a missing parent, a cycle in
        ``extends`` and a child that loosens a parent's gate.
    """
    policy, file = _read(Path(path), metrics)
    here = file.path.resolve()
    rego = (file.path.parent / policy.rego,) if policy.rego else ()
    if policy.extends is None:
        return LoadedPolicy(policy, (file,), rego, canonical_sha256(policy.model_dump(mode="json")))

    line, column = file.document.locate(("extends",))
    parent_path = file.path.parent / policy.extends
    if parent_path.resolve() in (*_seen, here):
        chain = " → ".join(str(p) for p in (*_seen, here, parent_path.resolve()))
        raise ConfigError(
            CYCLE.format(chain=chain), file=file.path, field="extends", line=line, column=column
        )
    if not parent_path.is_file():
        raise ConfigError(
            PARENT_MISSING.format(parent=parent_path),
            file=file.path,
            field="extends",
            line=line,
            column=column,
        )
    parent = load_policy(parent_path, metrics=metrics, _seen=(*_seen, here))
    composed, problems = compose(parent.policy, policy)
    _unique_after_extends(composed, policy, parent, file)
    if problems:
        gate, reason = problems[0]
        at = _gate_position(file.document, policy, gate.key)
        raise ConfigError(
            LOOSENS.format(gate=gate.name, parent=parent.path, reason=reason),
            file=file.path,
            field="gates",
            line=at[0],
            column=at[1],
        )
    return LoadedPolicy(
        composed,
        (file, *parent.files),
        (*parent.rego_files, *rego),
        canonical_sha256(composed.model_dump(mode="json")),
    )
