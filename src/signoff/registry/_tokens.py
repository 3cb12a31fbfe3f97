"""Credentials of ``signoff serve``: scoped, expiring API tokens and one-time login links.

Each is registry state: created, revoked and used through ledger events that carry the
SHA-256 of the secret, never the secret (shown once, to whoever created it).  A token
acts for one user with a scope (``read``, ``write`` or ``monitor``); no token can sign or
approve — sign-offs come from people in a browser session (the server enforces it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets

from .._time import iso_utc
from ..errors import ConfigError, WorkflowRefused
from ..store import ServerToken, User
from ._core import Core, Unit, deactivated_refusal, read_only_refusal

__all__ = [
    "LOGIN_LINK_TTL",
    "SCOPES",
    "TokenServices",
    "parse_duration",
    "secret_sha256",
    "token_row",
]

SCOPES = ("read", "write", "monitor")
#: How long a one-time login link stays valid.
LOGIN_LINK_TTL = dt.timedelta(minutes=10)
MAX_TOKEN_LIFE = dt.timedelta(days=366)
BAD_SCOPE = "scope must be one of: read, write, monitor; got {value!r}"
BAD_DURATION = "expected a duration like 90d, 12h or 30m (at most 366d), got {text!r}"
NOT_YOURS = "{actor} cannot {what} for {user}: only {user} or an admin can"
MONITOR_SCOPE = "a monitor token is for a user who holds the monitor role; {user} does not"
ALREADY_REVOKED = "token {id} was already revoked"
_DURATION = re.compile(r"(\d{1,4})([dhm])")
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}


def parse_duration(text: str) -> dt.timedelta:
    """``90d`` → 90 days (``h`` hours, ``m`` minutes); ConfigError otherwise."""
    match = _DURATION.fullmatch(text.strip())
    if match is None:
        raise ConfigError(BAD_DURATION.format(text=text), field="--expires")
    delta = dt.timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    if not dt.timedelta(0) < delta <= MAX_TOKEN_LIFE:
        raise ConfigError(BAD_DURATION.format(text=text), field="--expires")
    return delta


def secret_sha256(secret: str) -> str:
    """The hash stored for a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def token_row(token: ServerToken) -> dict[str, object]:
    """A token or CLI session as ``token list --json`` prints it (never its secret)."""
    return {
        "id": token.id,
        "kind": token.kind,
        "user": token.user,
        "scope": token.scope,
        "created_by": token.created_by,
        "created_at": iso_utc(token.created_at),
        "expires_at": iso_utc(token.expires_at),
        "revoked_at": iso_utc(token.revoked_at) if token.revoked_at else None,
    }


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class TokenServices:
    """Create, revoke, list and check API tokens and login links."""

    def __init__(self, core: Core) -> None:
        self._core = core

    @staticmethod
    def _acting_for(unit: Unit, actor: str, user: str, what: str) -> tuple[str, User]:
        me, them = unit.repo.user(actor), unit.repo.user(user)
        removed = deactivated_refusal(me)
        if removed is not None:
            raise WorkflowRefused(removed)
        if me.name != them.name and "admin" not in me.roles:
            raise WorkflowRefused(NOT_YOURS.format(actor=me.name, what=what, user=them.name))
        unit.actor = me.name
        return me.name, them

    def create_token(
        self, user: str, *, scope: str, expires: dt.timedelta, actor: str
    ) -> tuple[ServerToken, str]:
        """A new token for ``user`` (by that user or an admin); ``(token, secret)``.

        The secret is returned once and stored only as its SHA-256.
        """
        if scope not in SCOPES:
            raise ConfigError(BAD_SCOPE.format(value=scope), field="--scope")
        with self._core.write(actor, check_actor=False) as unit:
            _, owner = self._acting_for(unit, actor, user, "create a token")
            removed = deactivated_refusal(owner)
            if removed is not None:
                raise WorkflowRefused(removed)
            refusal = read_only_refusal(owner.name, owner.roles)
            if scope != "read" and refusal is not None:
                raise WorkflowRefused(f"{refusal}: only a read token can be made for them")
            if scope == "monitor" and "monitor" not in owner.roles:
                raise WorkflowRefused(MONITOR_SCOPE.format(user=owner.name))
            secret = "sot_" + secrets.token_urlsafe(32)
            token_id = "tok-" + secrets.token_hex(6)
            unit.emit(
                "token.created",
                f"user:{owner.name}",
                {
                    "id": token_id,
                    "user": owner.name,
                    "scope": scope,
                    "expires_at": _iso(unit.now + expires),
                    "secret_sha256": secret_sha256(secret),
                },
            )
            return unit.repo.token(token_id), secret

    def revoke_token(self, token_id: str, *, actor: str) -> ServerToken:
        """Revoke a token or a CLI session (its user or an admin); it stops working at once."""
        with self._core.write(actor, check_actor=False) as unit:
            token = unit.repo.token(token_id)
            self._acting_for(unit, actor, token.user, "revoke a token")
            if token.revoked_at is not None:
                raise WorkflowRefused(ALREADY_REVOKED.format(id=token.id))
            action = "cli_session.revoked" if token.kind == "cli_session" else "token.revoked"
            unit.emit(action, f"user:{token.user}", {"id": token.id})
            return unit.repo.token(token.id)

    def list_tokens(self, user: str | None = None, *, sessions: bool = False) -> list[ServerToken]:
        """Tokens (without secrets), oldest first; with ``sessions``, people's CLI sessions
        (`signoff login`) too."""
        with self._core.read() as repo:
            name = repo.user(user).name if user is not None else None
            found = repo.tokens(user=name)
            if sessions:
                found += repo.tokens(user=name, kind="cli_session")
                found.sort(key=lambda t: (t.created_at, t.id))
            return found

    def authenticate(self, secret: str) -> tuple[User, ServerToken] | None:
        """The user and token a bearer secret stands for, when usable now; else None."""
        with self._core.read() as repo:
            token = repo.token_by_secret_hash(secret_sha256(secret))
            if token is None or token.kind != "token" or not token.usable(self._core.clock()):
                return None
            user = repo.user(token.user)
            return None if deactivated_refusal(user) else (user, token)

    def create_login_link(self, user: str, *, actor: str) -> tuple[ServerToken, str]:
        """A one-time login link secret for ``user``, valid for ten minutes."""
        with self._core.write(actor, check_actor=False) as unit:
            _, owner = self._acting_for(unit, actor, user, "create a login link")
            removed = deactivated_refusal(owner)
            if removed is not None:
                raise WorkflowRefused(removed)
            secret = "sol_" + secrets.token_urlsafe(32)
            link_id = "link-" + secrets.token_hex(6)
            unit.emit(
                "login_link.created",
                f"user:{owner.name}",
                {
                    "id": link_id,
                    "user": owner.name,
                    "expires_at": _iso(unit.now + LOGIN_LINK_TTL),
                    "secret_sha256": secret_sha256(secret),
                },
            )
            return unit.repo.token(link_id), secret

    def use_login_link(self, secret: str) -> User | None:
        """Spend a login link: its user, once, within ten minutes; None otherwise."""
        with self._core.write(None, check_actor=False) as unit:
            link = unit.repo.token_by_secret_hash(secret_sha256(secret))
            if link is None or link.kind != "login_link" or not link.usable(unit.now):
                return None
            if deactivated_refusal(unit.repo.user(link.user)):
                return None
            unit.actor = link.user
            unit.emit("login_link.used", f"user:{link.user}", {"id": link.id})
            return unit.repo.user(link.user)

    def create_cli_session(
        self,
        user: str,
        *,
        secret: str,
        login_at: dt.datetime,
        lifetime: dt.timedelta,
        identity_provider: str,
        subject: str,
    ) -> ServerToken | None:
        """The personal session ``signoff login`` asked for, confirmed by ``user`` in a
        browser session that logged in at ``login_at``; None when ``secret`` was confirmed
        already.  It ends ``lifetime`` after that login, as the browser session does."""
        with self._core.write(user, check_actor=False) as unit:
            if unit.repo.token_by_secret_hash(secret_sha256(secret)) is not None:
                return None
            owner = unit.repo.user(user)
            unit.actor = owner.name
            session_id = "cli-" + secrets.token_hex(6)
            unit.emit(
                "cli_session.created",
                f"user:{owner.name}",
                {
                    "id": session_id,
                    "user": owner.name,
                    "expires_at": _iso(login_at + lifetime),
                    "login_at": _iso(login_at),
                    "identity_provider": identity_provider,
                    "subject": subject,
                    "secret_sha256": secret_sha256(secret),
                },
            )
            return unit.repo.token(session_id)

    def cli_session(self, secret: str) -> tuple[User, ServerToken, dict[str, str]] | None:
        """The user, session and login (``login_at``, ``identity_provider``, ``subject``)
        a CLI session's secret stands for, when usable now; else None."""
        with self._core.read() as repo:
            found = repo.token_by_secret_hash(secret_sha256(secret))
            if found is None or found.kind != "cli_session":
                return None
            if not found.usable(self._core.clock()):
                return None
            created = repo.events(f"user:{found.user}", ["cli_session.created"])
            login = [p for _, _, _, p in created if p.get("id") == found.id]
            keys = ("login_at", "identity_provider", "subject")
            user = repo.user(found.user)
            if deactivated_refusal(user):
                return None
            return user, found, {k: str(login[-1][k]) for k in keys}

    def end_cli_session(self, session_id: str, *, actor: str) -> ServerToken:
        """End a CLI session (``signoff logout``): revoked like a token, in the ledger."""
        with self._core.write(actor, check_actor=False) as unit:
            found = unit.repo.token(session_id)
            self._acting_for(unit, actor, found.user, "end a CLI session")
            if found.revoked_at is None:
                unit.emit("cli_session.revoked", f"user:{found.user}", {"id": found.id})
            return unit.repo.token(found.id)
