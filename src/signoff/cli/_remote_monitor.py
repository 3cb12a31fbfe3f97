"""``monitor run`` in remote mode: the batch file (and late labels) uploaded to the server,
which measures it against its own ``<model>.yaml`` (``SIGNOFF_MONITOR_CONFIGS``) and
records it; the answer is the same monitor-results document."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..errors import DataError
from ._remote import remote_signoff

__all__ = ["run_remote"]


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
