"""Waivers: time-limited, approved exceptions for one failed warning gate of one version.

A waiver is requested, then granted by someone else who holds a granting role
(governance ``waivers.granted_by``); it expires on its own at ``until`` — an
expired waiver unblocks nothing.  Time comes from the injected clock.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from sqlalchemy import select

from ..errors import ConfigError, NotFound, WorkflowRefused
from ..registry._domain import VersionRef
from ..store._models import WaiverRow
from ._base import WorkflowBase

__all__ = ["Waiver", "WaiverServices"]

TOO_LONG = "a waiver may last at most {days} days (until {latest}); asked until {until}"
IN_PAST = "a waiver must end in the future; {until} has passed"
NOT_GRANTER = "{user} cannot grant waivers (roles that can: {roles})"
OWN_WAIVER = "{user} requested {waiver} and cannot grant it (separation of duties)"
ALREADY = "{waiver} is already granted"
NO_WAIVER = "no waiver {waiver}"
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
    match = re.match(r"^(?:W-)?(\d+)$", text.strip(), re.IGNORECASE)
    if match is None:
        raise ConfigError(BAD_ID.format(text=text))
    return int(match.group(1))


class WaiverServices(WorkflowBase):
    """Request, grant and list waivers."""

    def _to_waiver(self, row: WaiverRow, ref: str) -> Waiver:
        state = (
            "expired"
            if row.until < self.clock()
            else ("granted" if row.granted_by else "requested")
        )
        return Waiver(
            f"W-{row.id}",
            ref,
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
        """Ask for a waiver of ``gate`` on ``ref`` until ``until``."""
        now, days = self.clock(), self.governance.governance.waivers.max_days
        latest = now + dt.timedelta(days=days)
        if until <= now:
            raise WorkflowRefused(IN_PAST.format(until=until.date()))
        if until > latest:
            raise WorkflowRefused(
                TOO_LONG.format(days=days, latest=latest.date(), until=until.date())
            )
        with self.write(actor) as (session, record):
            version = self._version_row(session, ref)
            row = WaiverRow(
                version_id=version.id,
                gate=gate,
                reason=reason,
                until=until,
                requested_by=actor,
                created_at=now,
            )
            session.add(row)
            session.flush()
            record(
                "waiver.requested",
                f"version:{ref}",
                {
                    "waiver": f"W-{row.id}",
                    "gate": gate,
                    "reason": reason,
                    "until": until.isoformat(),
                },
            )
            return self._to_waiver(row, str(ref))

    def grant_waiver(self, waiver: str, *, actor: str) -> Waiver:
        """Grant a requested waiver (a granting role, and not the requester)."""
        allowed = self.governance.governance.waivers.granted_by
        with self.write(actor) as (session, record):
            row = session.get(WaiverRow, _number(waiver))
            if row is None:
                raise NotFound(NO_WAIVER.format(waiver=waiver))
            name = f"W-{row.id}"
            if not set(allowed) & self._roles(session, actor):
                raise WorkflowRefused(NOT_GRANTER.format(user=actor, roles=", ".join(allowed)))
            if row.requested_by == actor:
                raise WorkflowRefused(OWN_WAIVER.format(user=actor, waiver=name))
            if row.granted_by is not None:
                raise WorkflowRefused(ALREADY.format(waiver=name))
            row.granted_by, row.granted_at = actor, self.clock()
            from ..store._models import VersionRow

            version = session.get(VersionRow, row.version_id)
            assert version is not None
            ref = self._ref(session, version)
            record("waiver.granted", f"version:{ref}", {"waiver": name, "gate": row.gate})
            return self._to_waiver(row, ref)

    def list_waivers(self, ref: VersionRef) -> list[Waiver]:
        """A version's waivers, with their state now."""
        with self.store.transaction() as session:
            version = self._version_row(session, ref)
            rows = session.scalars(
                select(WaiverRow).where(WaiverRow.version_id == version.id).order_by(WaiverRow.id)
            )
            return [self._to_waiver(r, str(ref)) for r in rows]
