"""``monitor run`` in remote mode: the batch file (and late labels) uploaded to the server,
which measures it against its own ``<model>.yaml`` (``SIGNOFF_MONITOR_CONFIGS``) and
records it; the answer is the same monitor-results document."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..errors import ConfigError, DataError
from ._remote import remote_signoff

__all__ = ["REMOTE_NEEDS_PATH", "baseline_remote", "check_remote_baseline", "run_remote"]

REMOTE_NEEDS_PATH = (
    "in remote mode `monitor baseline` profiles the reference here, from a file: set "
    "reference.path (the server profiles `reference: {audit: latest}` on its own host)"
)


def run_remote(
    config: Path, batch: Path, labels: Path | None, *, today: dt.date
) -> tuple[dict[str, Any], int]:
    """The server's monitor-results document, and the exit code its verdicts give."""
    from ..monitor import load_monitor_config

    model = load_monitor_config(config).config.model.split("@", 1)[0]
    for path, field in ((batch, "--batch"), (labels, "--labels")):
        if path is not None and not path.is_file():
            raise DataError("file not found", file=path, field=field)
    document = remote_signoff().monitor.upload_batch(model, batch, labels=labels, today=today)
    failed = any(w.get("verdict") == "FAIL" for w in document.get("windows", []))
    return document, 1 if failed else 0


def check_remote_baseline(config: Path) -> None:
    """Refuse, before asking the server anything, a config whose reference is not a file."""
    from ..monitor import load_monitor_config

    if load_monitor_config(config).config.reference.path is None:
        raise ConfigError(REMOTE_NEEDS_PATH, file=config, field="reference")


def baseline_remote(config: Path) -> tuple[dict[str, Any], bytes]:
    """``monitor baseline`` through the server: the reference is profiled here (the same
    code as a local run), and the profile, the config and the reference file's SHA-256
    are uploaded; the server checks them and stores the baseline. Its answer, and the
    profile's canonical JSON (what ``-o`` writes)."""
    from ..monitor import build_baseline, file_sha256, load_monitor_config, profile_to_json

    check_remote_baseline(config)
    loaded = load_monitor_config(config)
    base = build_baseline(config)
    reference = {"path": str(base.path), "sha256": file_sha256(base.path)}
    profile = profile_to_json(base.profile)
    model = loaded.config.model.split("@", 1)[0]
    found = remote_signoff().monitor.upload_baseline(model, config, profile, reference)
    return found, profile
