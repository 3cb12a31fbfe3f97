"""``governance apply`` and ``inventory export`` in remote mode: what the local command
reads from files or computes over the database, sent to or asked of the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._remote import remote_signoff

__all__ = ["inventory_remote", "propose_remote"]


def propose_remote(file: Path) -> Any:
    """Propose the governance ``file`` on the server, with the policy files its stages
    name, each sent under the (relative) path the file gives it. The file is checked
    here first, as locally (file:line:column)."""
    from ..workflow import load_governance

    loaded = load_governance(file)
    policies: dict[str, Path] = {}
    for stage, rule in loaded.governance.stages.items():
        found = loaded.policy_path(stage)
        if found is not None and rule.policy is not None:
            policies[str(rule.policy)] = found
    return remote_signoff().workflow.governance.propose(file, sorted(policies.items()))


def inventory_remote(fmt: str) -> tuple[bytes, int]:
    """The server's inventory export and how many models it lists."""
    import csv
    import io
    import json

    data = remote_signoff().portfolio.inventory(fmt)
    text = data.decode("utf-8")
    if fmt == "json":
        document = json.loads(text)
        rows = document.get("models", document) if isinstance(document, dict) else document
        return data, len(rows)
    return data, sum(1 for _ in csv.DictReader(io.StringIO(text)))
