"""Waivers: time-limited, approved exceptions for one failed warning gate of one version.

A waiver is requested, then granted by someone else who holds a granting role
(governance ``waivers.granted_by``); it expires on its own at ``until`` — an
expired waiver unblocks nothing.  Time comes from the injected clock.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from ..errors import ConfigError, SignoffError, WorkflowRefused
from ..registry import Core
from ..store import VersionRef, WaiverRecord
from ._rules import rules_in_force
from ._support import record_refusal

__all__ = ["Waiver", "WaiverServices"]

TOO_LONG = "a waiver may last at most {days} days (until {latest}); asked until {until}"
IN_PAST = "a waiver must end in the future; {until} has passed"
NOT_GRANTER = "{user} cannot grant waivers (roles that can: {roles})"
OWN_WAIVER = "{user} requested {waiver} and cannot grant it (separation of duties)"
ALREADY = "{waiver} is already granted"
BAD_ID = "expected a waiver id like W-3, got {text!r}"


@dataclass(frozen=True)
class Waiver:
    """A waiver and whether it is in force at the time it was read."""

    id: str
    version: str
    gate: str
    reason: str
    until: dt.datetime
    requested_by: str
    granted_by: str | None
    state: str  # requested | granted | expired


def _number(text: str) -> int:
    match = re.fullmatch(r"(?:W-)?(\d{1,9})", text.strip(), re.IGNORECASE)
    if match is None:
        raise ConfigError(BAD_ID.format(text=text))
    return int(match.group(1))


class WaiverServices:
    """Request, grant and list waivers."""

    def __init__(self, core: Core) -> None:
        self._core = core

    def _to_waiver(self, row: WaiverRecord) -> Waiver:
        now = self._core.clock()
        state = "expired" if row.until < now else ("granted" if row.granted_by else "requested")
        return Waiver(
            f"W-{row.number}",
            f"{row.model}@{row.version}",
            row.gate,
            row.reason,
            row.until,
            row.requested_by,
            row.granted_by,
            state,
        )

    def request_waiver(
        self, ref: VersionRef, *, gate: str, reason: str, until: dt.datetime, actor: str
    ) -> Waiver:
        """Ask for a waiver of ``gate`` (its name or id) on ``ref`` until ``until``."""
        with self._core.write(actor) as unit:
            days = rules_in_force(unit.repo, self._core.artifacts).governance.waivers.max_days
            latest = unit.now + dt.timedelta(days=days)
            if until <= unit.now:
                raise WorkflowRefused(IN_PAST.format(until=until.date()))
            if until > latest:
                raise WorkflowRefused(
                    TOO_LONG.format(days=days, latest=latest.date(), until=until.date())
                )
            unit.repo.version(ref)
            number = unit.repo.next_number("waiver")
            unit.emit(
                "waiver.requested",
                f"version:{ref}",
                {
                    "waiver": f"W-{number}",
                    "gate": gate,
                    "reason": reason,
                    "until": until.isoformat(),
                },
            )
            return self._to_waiver(unit.repo.waiver(number))

    def grant_waiver(self, waiver: str, *, actor: str) -> Waiver:
        """Grant a requested waiver (a granting role, and not the requester)."""
        try:
            with self._core.write(actor) as unit:
                allowed = rules_in_force(
                    unit.repo, self._core.artifacts
                ).governance.waivers.granted_by
                row = unit.repo.waiver(_number(waiver))
                name = f"W-{row.number}"
                if not set(allowed) & set(unit.repo.user(unit.actor).roles):
                    raise WorkflowRefused(
                        NOT_GRANTER.format(user=unit.actor, roles=", ".join(allowed))
                    )
                if row.requested_by == unit.actor:
                    raise WorkflowRefused(OWN_WAIVER.format(user=unit.actor, waiver=name))
                if row.granted_by is not None:
                    raise WorkflowRefused(ALREADY.format(waiver=name))
                ref = VersionRef(row.model, row.version)
                unit.emit("waiver.granted", f"version:{ref}", {"waiver": name, "gate": row.gate})
                return self._to_waiver(unit.repo.waiver(row.number))
        except SignoffError as refusal:
            record_refusal(self._core, actor, f"version:{waiver}", "grant_waiver", refusal)
            raise

    def list_waivers(self, ref: VersionRef) -> list[Waiver]:
        """A version's waivers, with their state now."""
        with self._core.read() as repo:
            return [self._to_waiver(r) for r in repo.waivers(ref)]
