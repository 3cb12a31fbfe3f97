"""Where ``signoff login`` keeps a person's CLI session: owner-only, under the user's
config folder (``SIGNOFF_CONFIG_DIR``, else ``$XDG_CONFIG_HOME/signoff``, else
``~/.config/signoff``), one entry per server."""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["config_dir", "credentials_file", "forget", "load", "save"]

BAD_FILE = "expected a JSON object written by `signoff login`; run `signoff login` again"


def config_dir() -> Path:
    """The folder signoff keeps a person's settings in."""
    explicit = os.environ.get("SIGNOFF_CONFIG_DIR")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "signoff"


def credentials_file() -> Path:
    """The file of stored CLI sessions."""
    return config_dir() / "credentials.json"


def _read_all() -> dict[str, Any]:
    path = credentials_file()
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, ValueError) as exc:
        raise ConfigError(f"{BAD_FILE} ({exc})", file=path) from None
    if not isinstance(data, dict):
        raise ConfigError(BAD_FILE, file=path)
    return data


def _write_all(data: dict[str, Any]) -> None:
    path = credentials_file()
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=".credentials-")
    try:
        os.fchmod(handle, 0o600)  # owner-only before a byte is written
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            json.dump(data, out, indent=2)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def load(url: str) -> dict[str, Any] | None:
    """The stored session for the server at ``url``, if any."""
    found = _read_all().get(url)
    return found if isinstance(found, dict) else None


def save(url: str, session: dict[str, Any]) -> None:
    """Store (or replace) the session for ``url``."""
    data = _read_all()
    data[url] = session
    _write_all(data)


def forget(url: str) -> bool:
    """Drop the session for ``url``; whether there was one."""
    data = _read_all()
    if data.pop(url, None) is None:
        return False
    _write_all(data)
    return True
