"""Server settings, read from environment variables (documented in docs/server.md)."""

from __future__ import annotations

import datetime as dt
import os
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from ..errors import ConfigError

__all__ = ["LOOPBACK", "Settings"]

LOOPBACK = frozenset({"127.0.0.1", "::1", "localhost"})
NEEDS_SECRET = (
    "SIGNOFF_SECRET_KEY must be set (at least 32 characters) when the server runs several "
    "workers or is not on loopback: every worker must sign sessions with the same key"
)
SHORT_SECRET = "SIGNOFF_SECRET_KEY must be at least 32 characters, got {n}"
HALF_OIDC = (
    "OpenID Connect needs SIGNOFF_OIDC_ISSUER, SIGNOFF_OIDC_CLIENT_ID and "
    "SIGNOFF_OIDC_CLIENT_SECRET together; set: {given}"
)
BAD_FLAG = "{name} must be 0 or 1, got {value!r}"
BAD_INTERVAL = "expected a duration such as 30s, 10m, 1h or 1d (at least 0.1 s), got {text!r}"
NO_TARGET = (
    "SIGNOFF_CHECKPOINT_INTERVAL or SIGNOFF_CHECKPOINT_KEY is set but no place to publish: "
    "set SIGNOFF_CHECKPOINT_FILE and/or SIGNOFF_CHECKPOINT_GIT"
)
NO_CHECKPOINT_KEY = (
    "publishing checkpoints needs a signing key: set SIGNOFF_CHECKPOINT_KEY "
    "(or SIGNOFF_WRITER_KEY) to a private key file of `signoff ledger keygen`"
)
NOT_A_FOLDER = "{path} is not a folder"
#: A sign-off needs a login at most this old (SIGNOFF_FRESH_LOGIN may only shorten it).
FRESH_LOGIN = dt.timedelta(minutes=15)
FRESH_TOO_LONG = (
    "SIGNOFF_FRESH_LOGIN may only shorten how old a sign-off's login may be: at most 15m, "
    "got {text!r}"
)
_INTERVAL = re.compile(r"(\d+(?:\.\d+)?)\s*([smhd])?")
_SECONDS = {"s": 1.0, "m": 60.0, "h": 3600.0, "d": 86400.0}


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    if value not in ("0", "1"):
        raise ConfigError(BAD_FLAG.format(name=name, value=value), field=name)
    return value == "1"


def _key_file(name: str) -> str | None:
    """The private key in the file the variable ``name`` names (ConfigError naming the file
    when it cannot be read or is not a private key)."""
    path = os.environ.get(name)
    if not path:
        return None
    from ..ledger import load_private_key

    return load_private_key(Path(path))


def _folder(name: str) -> Path | None:
    """The folder the variable ``name`` names, resolved (ConfigError when it is not one)."""
    value = os.environ.get(name)
    if not value:
        return None
    path = Path(value).expanduser().resolve()
    if not path.is_dir():
        raise ConfigError(NOT_A_FOLDER.format(path=path), field=name)
    return path


def parse_interval(text: str, *, field: str = "SIGNOFF_CHECKPOINT_INTERVAL") -> float:
    """``30s``, ``10m``, ``1h``, ``1d`` or plain seconds (``0.5``) → seconds."""
    match = _INTERVAL.fullmatch(text.strip())
    seconds = float(match.group(1)) * _SECONDS[match.group(2) or "s"] if match else 0.0
    if seconds < 0.1:
        raise ConfigError(BAD_INTERVAL.format(text=text), field=field)
    return seconds


def _fresh_login() -> dt.timedelta:
    """``SIGNOFF_FRESH_LOGIN``: a shorter window than 15 minutes (never a longer one)."""
    text = os.environ.get("SIGNOFF_FRESH_LOGIN") or None
    if text is None:
        return FRESH_LOGIN
    seconds = parse_interval(text, field="SIGNOFF_FRESH_LOGIN")
    if seconds > FRESH_LOGIN.total_seconds():
        raise ConfigError(FRESH_TOO_LONG.format(text=text), field="SIGNOFF_FRESH_LOGIN")
    return dt.timedelta(seconds=seconds)


def _checkpoints(writer: str | None) -> dict[str, Any]:
    """The scheduled-checkpoint settings (a target needs a key, a key or interval a target)."""
    file = os.environ.get("SIGNOFF_CHECKPOINT_FILE") or None
    git = os.environ.get("SIGNOFF_CHECKPOINT_GIT") or None
    interval = os.environ.get("SIGNOFF_CHECKPOINT_INTERVAL") or None
    key = _key_file("SIGNOFF_CHECKPOINT_KEY") or writer
    if file is None and git is None:
        if interval is not None or os.environ.get("SIGNOFF_CHECKPOINT_KEY"):
            raise ConfigError(NO_TARGET, field="SIGNOFF_CHECKPOINT_FILE")
        return {}
    if key is None:
        raise ConfigError(NO_CHECKPOINT_KEY, field="SIGNOFF_CHECKPOINT_KEY")
    return {
        "checkpoint_key": key,
        "checkpoint_interval": parse_interval(interval) if interval else 3600.0,
        "checkpoint_file": Path(file) if file else None,
        "checkpoint_git": Path(git) if git else None,
    }


@dataclass(frozen=True)
class Settings:
    """What the server needs besides the database (which ``signoff.connect`` finds)."""

    secret_key: str
    public_url: str
    secure_cookies: bool
    login_links: bool
    oidc_issuer: str | None = None
    oidc_client_id: str | None = None
    oidc_client_secret: str | None = None
    oidc_groups_claim: str = "groups"
    database_url: str | None = None
    session_max: dt.timedelta = dt.timedelta(hours=8)
    session_idle: dt.timedelta = dt.timedelta(minutes=30)
    fresh_login: dt.timedelta = FRESH_LOGIN
    #: The writer's Ed25519 private key (text of ``signoff ledger keygen``), from the file
    #: ``SIGNOFF_WRITER_KEY`` names: every ledger event the server appends is signed with it.
    writer_key: str | None = field(default=None, repr=False)
    #: Scheduled checkpoints: the signing key (``SIGNOFF_CHECKPOINT_KEY``, else the writer
    #: key), every ``checkpoint_interval`` seconds, to a file and/or a git repository folder.
    checkpoint_key: str | None = field(default=None, repr=False)
    checkpoint_interval: float = 3600.0
    checkpoint_file: Path | None = None
    checkpoint_git: Path | None = None
    #: The folder of monitor configs (``<model>.yaml``) batches are measured against.
    monitor_configs: Path | None = None

    @property
    def publishes(self) -> bool:
        """Whether the server publishes checkpoints on a schedule."""
        return self.checkpoint_file is not None or self.checkpoint_git is not None

    @property
    def oidc(self) -> bool:
        """Whether OpenID Connect login is configured."""
        return self.oidc_issuer is not None

    @classmethod
    def from_env(cls, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> Settings:
        """Settings from ``SIGNOFF_*`` variables; the host and port say what is loopback."""
        loopback = host in LOOPBACK
        secret = os.environ.get("SIGNOFF_SECRET_KEY", "")
        if not secret:
            if workers > 1 or not loopback:
                raise ConfigError(NEEDS_SECRET, field="SIGNOFF_SECRET_KEY")
            secret = secrets.token_urlsafe(48)  # one process on loopback: sessions die with it
        elif len(secret) < 32:
            raise ConfigError(SHORT_SECRET.format(n=len(secret)), field="SIGNOFF_SECRET_KEY")
        public = os.environ.get("SIGNOFF_PUBLIC_URL") or f"http://{host}:{port}"
        https = urlsplit(public).scheme == "https"
        oidc = {
            "SIGNOFF_OIDC_ISSUER": os.environ.get("SIGNOFF_OIDC_ISSUER") or None,
            "SIGNOFF_OIDC_CLIENT_ID": os.environ.get("SIGNOFF_OIDC_CLIENT_ID") or None,
            "SIGNOFF_OIDC_CLIENT_SECRET": os.environ.get("SIGNOFF_OIDC_CLIENT_SECRET") or None,
        }
        writer = _key_file("SIGNOFF_WRITER_KEY")
        given = [k for k, v in oidc.items() if v]
        if given and len(given) != len(oidc):
            raise ConfigError(HALF_OIDC.format(given=", ".join(given)), field=given[0])
        return cls(
            secret_key=secret,
            public_url=public.rstrip("/"),
            secure_cookies=_flag("SIGNOFF_SECURE_COOKIES", https),
            login_links=_flag("SIGNOFF_LOGIN_LINKS", loopback) and loopback,
            oidc_issuer=oidc["SIGNOFF_OIDC_ISSUER"],
            oidc_client_id=oidc["SIGNOFF_OIDC_CLIENT_ID"],
            oidc_client_secret=oidc["SIGNOFF_OIDC_CLIENT_SECRET"],
            oidc_groups_claim=os.environ.get("SIGNOFF_OIDC_GROUPS_CLAIM") or "groups",
            database_url=os.environ.get("SIGNOFF_DATABASE_URL") or None,
            fresh_login=_fresh_login(),
            writer_key=writer,
            **_checkpoints(writer),
            monitor_configs=_folder("SIGNOFF_MONITOR_CONFIGS"),
        )
