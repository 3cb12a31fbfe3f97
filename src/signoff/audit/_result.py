"""The audit result: evidence plus manifest, frozen, with its file forms."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .._canonical import pretty_json
from ..policy import PolicyOutcome

__all__ = ["RESULT_FILES", "AuditResult"]

#: The files an audit always writes into its output folder.
RESULT_FILES = ("results.json", "manifest.json")


@dataclass(frozen=True)
class AuditResult:
    """What ``signoff.audit`` returns.

    Attributes
    ----------
    results : mapping
        The evidence, exactly as written to ``results.json``.
    manifest : mapping
        The reproducibility record, exactly as written to ``manifest.json``.
    outcome : PolicyOutcome or None
        The policy's gate results, when the audit ran with a policy.
    """

    results: Mapping[str, Any]
    manifest: Mapping[str, Any]
    outcome: PolicyOutcome | None = None

    def to_json(self) -> str:
        """``results.json`` as text (deterministic)."""
        return pretty_json(self.results)

    def manifest_json(self) -> str:
        """``manifest.json`` as text (deterministic)."""
        return pretty_json(self.manifest)

    @property
    def warnings(self) -> list[str]:
        """Things a reader should know (small groups, single-class groups, skipped steps)."""
        return list(self.results["warnings"])

    def metric(
        self, name: str, *, attribute: str | None = None, group: str | None = None
    ) -> Mapping[str, Any]:
        """``{"value": …, "ci": …}`` of one metric; KeyError naming what is missing."""
        if attribute is None:
            where: Mapping[str, Any] = self.results["overall"]
        else:
            where = self.results["by_attribute"][attribute]
            if group is not None:
                where = where["groups"][group]
        if name not in where:
            raise KeyError(f"no metric '{name}' here; available: {', '.join(sorted(where))}")
        value: Mapping[str, Any] = where[name]
        return value

    def files(self) -> dict[str, bytes]:
        """Every output file's name and bytes: results, manifest and, with a policy,
        ``gates.junit.xml`` and ``summary.md``."""
        out = {
            "results.json": self.to_json().encode("utf-8"),
            "manifest.json": self.manifest_json().encode("utf-8"),
        }
        if self.outcome is not None:
            from ..policy import junit_xml, summary_markdown

            out["gates.junit.xml"] = junit_xml(self.outcome)
            out["summary.md"] = summary_markdown(self.outcome, results=self.results).encode("utf-8")
        return out

    def write(self, directory: str | Path) -> dict[str, Path]:
        """Write every output file into ``directory``; returns their paths.

        Each file is written to a temporary name and renamed, so a crash
        never leaves a half-written file behind.
        """
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        written = {}
        for name, data in self.files().items():
            target = folder / name
            partial = folder / f".{name}.partial"
            partial.write_bytes(data)
            partial.replace(target)
            written[name] = target
        return written
