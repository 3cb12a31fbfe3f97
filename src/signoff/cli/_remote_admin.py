"""``governance apply`` and ``inventory export`` in remote mode: what the local command
reads from files or computes over the database, sent to or asked of the server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ._remote import remote_signoff

__all__ = ["annex_remote", "inventory_remote", "propose_remote"]


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
    """The server's inventory export (its bytes) and how many models it lists."""
    data, count = remote_signoff().portfolio.inventory(fmt)
    return data, count


def annex_remote(ref: Any) -> tuple[dict[str, Any], dict[str, bytes]]:
    """``docs annex-iv`` built by the server: the document (``annex-iv.json`` with its
    proofs) and every file of it, by name, as the local command would write them."""
    import io
    import json
    import zipfile

    data = remote_signoff().registry.annex_iv_zip(ref)
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        files = {name: archive.read(name) for name in archive.namelist()}
    doc: dict[str, Any] = json.loads(files["annex-iv.json"])
    doc["proofs"] = {
        name.removeprefix("proofs/seq-").removesuffix(".json"): json.loads(body)
        for name, body in files.items()
        if name.startswith("proofs/")
    }
    return doc, files
