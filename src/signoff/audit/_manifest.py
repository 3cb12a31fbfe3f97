"""The manifest: what it takes to reproduce an audit and to prove its inputs.

Hashes of the model, data and config files, the resolved config, the seed,
package and Python versions, the platform, the git commit (and whether the
checkout was dirty), the bootstrap scheme (how replicates are drawn: the same seed gives
other intervals under another scheme) and the canonical hash of ``results.json``.  Paths are
written as the config gives them, never absolute, and the timestamp comes
from the caller, so the same inputs give the same bytes on every machine
layout.
"""

from __future__ import annotations

import platform
import subprocess
import sys
from datetime import datetime
from importlib import metadata
from pathlib import Path
from typing import Any

from .. import __version__
from .._canonical import canonical_sha256
from ..evidence import BOOTSTRAP_SCHEME

__all__ = ["MANIFEST_SCHEMA", "PACKAGES", "build_manifest", "git_state"]

MANIFEST_SCHEMA = "signoff.manifest/v1"
#: Distributions whose versions can change a number in the results.
PACKAGES = ("numpy", "scipy", "scikit-learn", "pandas", "skops", "pydantic", "pyyaml")


def _versions() -> dict[str, str | None]:
    found: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            found[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            found[name] = None
    return found


def git_state(directory: Path) -> dict[str, Any] | None:
    """Commit and dirty flag of the git checkout holding ``directory``; None outside git."""

    def git(*args: str) -> str | None:
        try:
            done = subprocess.run(
                ["git", "-C", str(directory), *args],
                capture_output=True,
                text=True,
                timeout=10,
                check=False,
            )
        except (OSError, subprocess.SubprocessError):
            return None
        return done.stdout.strip() if done.returncode == 0 else None

    commit = git("rev-parse", "HEAD")
    if not commit:
        return None
    status = git("status", "--porcelain", "--untracked-files=no")
    return {"commit": commit, "dirty": bool(status)}


def build_manifest(
    *,
    inputs: dict[str, dict[str, Any]],
    config: dict[str, Any],
    seed: int,
    results: dict[str, Any],
    created_at: datetime,
    run_by: str | None,
    base_dir: Path,
    command: str | None = None,
    run: dict[str, bool] | None = None,
) -> dict[str, Any]:
    """The manifest document (JSON-ready).

    ``run`` records how the audit ran (``strict``, ``seed_set``): the registry reads
    it when it judges the audit against a stage policy's reproducibility gates.
    """
    return {
        "schema": MANIFEST_SCHEMA,
        "signoff_version": __version__,
        "created_at": created_at.isoformat().replace("+00:00", "Z"),
        "run_by": run_by,
        "command": command,
        "seed": seed,
        "bootstrap_scheme": BOOTSTRAP_SCHEME,
        "run": run or {"strict": False, "seed_set": False},
        "inputs": inputs,
        "config": config,
        "environment": {
            "python": platform.python_version(),
            "implementation": sys.implementation.name,
            "platform": platform.platform(),
            "machine": platform.machine(),
            "packages": _versions(),
        },
        "git": git_state(base_dir),
        "results_sha256": canonical_sha256(results),
    }
