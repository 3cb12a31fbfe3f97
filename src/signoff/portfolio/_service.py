"""The portfolio service: the one core behind ``signoff portfolio`` and ``Signoff.portfolio``.

Now, it reads the live tables; ``at`` a past moment, it folds the ledger's events up to
then in memory (:class:`~signoff.store.Fold`: the projector's rules, without SQL) and runs
the same computation on the result, citing the tree size and root of that ledger prefix.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from .._gc import keep_until_exit, paused_gc
from ..errors import ConfigError
from ..ledger import ledger_prefix
from ..registry import Core
from ..store import Fold
from ..workflow import rules_in_force
from ._facts import EVENT_ACTIONS, Facts, FactSource
from ._report import build_report, report_checkpoint
from ._snapshot import Snapshot, trends_of
from ._trends import check_by
from ._view import LedgerHead, PortfolioView, check_status, compute_portfolio

__all__ = ["Portfolio", "parse_moment"]

BAD_MOMENT = "expected a date or time like 2026-11-01 or 2026-11-01T12:00:00Z, got {text!r}"
BEFORE_LEDGER = "{at} is before the ledger began ({first}): nothing was recorded by then"
EMPTY_LEDGER = "the ledger is empty: nothing was recorded yet"
IN_FUTURE = "{at} is in the future (now: {now}): the ledger can only say how things stood"


def parse_moment(value: str | dt.datetime, *, field: str, end_of_day: bool = True) -> dt.datetime:
    """A date (its last second, or first with ``end_of_day=False``) or an ISO time, in UTC."""
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    text = value.strip()
    try:
        if len(text) == 10:
            day = dt.date.fromisoformat(text)
            moment = dt.datetime.combine(day, dt.time(), dt.UTC)
            return moment + dt.timedelta(days=1, seconds=-1) if end_of_day else moment
        moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ConfigError(BAD_MOMENT.format(text=value), field=field) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


class Portfolio:
    """Portfolio views over one registry's core (``Signoff.portfolio``)."""

    def __init__(self, core: Core) -> None:
        self.core = core

    def _read(
        self,
        repo: FactSource,
        now: dt.datetime,
        head: Callable[[], LedgerHead],
        all_audits: bool,
    ) -> Snapshot:
        """The facts and rules, then the ledger head (last: as of a date, a child process
        may still be checking the leaves the head's root rests on — ledger._aside)."""
        facts = Facts.read(repo, now=now, all_audits=all_audits)
        rules = rules_in_force(repo, self.core.artifacts)
        return Snapshot(facts, rules, now, head())

    @contextmanager
    def snapshot(
        self, at: str | dt.datetime | None = None, *, all_audits: bool = False
    ) -> Iterator[Snapshot]:
        """The registry now (live tables), or ``at`` a past moment (folded from the ledger)."""
        with paused_gc():  # a large portfolio reads many small objects, and no cycles
            yield from self._snapshot(at, all_audits)

    def _snapshot(self, at: str | dt.datetime | None, all_audits: bool) -> Iterator[Snapshot]:
        now = self.core.clock()
        if at is None:
            with self.core.read() as repo:
                yield self._read(repo, now, lambda: LedgerHead(repo.ledger_size()), all_audits)
            return
        moment = parse_moment(at, field="--at")
        if moment > now:
            raise ConfigError(IN_FUTURE.format(at=moment.isoformat(), now=now.isoformat()))
        with ledger_prefix(self.core.store, until=moment) as prefix:
            if prefix.first_ts is None:
                raise ConfigError(EMPTY_LEDGER, field="--at")
            if prefix.size == 0:
                raise ConfigError(
                    BEFORE_LEDGER.format(at=moment.isoformat(), first=prefix.first_ts),
                    field="--at",
                )
            fold = Fold(prefix.events, keep=EVENT_ACTIONS)
            keep_until_exit(prefix, fold)  # a command ends soon: not freed event by event
            yield self._read(
                fold, moment, lambda: LedgerHead(prefix.size, prefix.root.hex()), all_audits
            )

    def view(
        self,
        *,
        at: str | dt.datetime | None = None,
        team: str | None = None,
        status: str | None = None,
    ) -> PortfolioView:
        """One row per model: versions, owner, team, risk tier, status and its reason."""
        check_status(status)
        with self.snapshot(at) as snap:
            return compute_portfolio(
                snap.facts,
                rules=snap.rules,
                artifacts=self.core.artifacts,
                now=snap.now,
                ledger=snap.ledger,
                team=team,
                status=status,
            )

    def dashboard(
        self,
        *,
        at: str | dt.datetime | None = None,
        team: str | None = None,
        status: str | None = None,
    ) -> tuple[PortfolioView, dict[str, Any]]:
        """:meth:`view` and :meth:`trends` (by month) from one read of the registry, as the
        dashboard page shows them (the executive report computes both from one snapshot too)."""
        check_status(status)
        with self.snapshot(at, all_audits=True) as snap:
            view = compute_portfolio(
                snap.facts,
                rules=snap.rules,
                artifacts=self.core.artifacts,
                now=snap.now,
                ledger=snap.ledger,
                team=team,
                status=status,
            )
            return view, trends_of(snap, self.core, since=None, by="month")

    def trends(
        self,
        *,
        since: str | dt.datetime | None = None,
        by: str = "month",
        at: str | dt.datetime | None = None,
    ) -> dict[str, Any]:
        """Pass rates, failed gates, metrics over versions, velocity, change failure …"""
        check_by(by)
        start = None if since is None else parse_moment(since, field="--since", end_of_day=False)
        with self.snapshot(at, all_audits=True) as snap:
            return trends_of(snap, self.core, since=start, by=by)

    def report(
        self,
        period: str,
        *,
        fmt: str = "pdf",
        private_key: str | None = None,
        signed: tuple[str, str] | None = None,
    ) -> tuple[bytes, dict[str, Any]]:
        """The monthly executive report (``html`` or ``pdf`` bytes) and the figures it prints;
        with ``private_key`` (text of ``signoff ledger keygen``) its checkpoint is signed,
        with ``signed`` (a note signed elsewhere and its public key) that note is cited
        once it verifies and is the report's checkpoint."""
        return _report(self, period, fmt, private_key, signed)

    def report_checkpoint(self, period: str) -> dict[str, Any]:
        """The origin, tree size and root a report of ``period`` cites: what a person signs
        on their own machine for ``signed``."""
        found = report_checkpoint(self.core, period)
        return {"origin": found.origin, "size": found.size, "root_hash": found.root.hex()}


def _report(
    portfolio: Portfolio,
    period: str,
    fmt: str,
    private_key: str | None,
    signed: tuple[str, str] | None,
) -> tuple[bytes, dict[str, Any]]:
    if fmt not in ("html", "pdf"):
        raise ConfigError(f"unknown report format {fmt!r}; expected html or pdf", field="-o")
    with paused_gc():
        return build_report(
            portfolio.core,
            period,
            fmt=fmt,  # type: ignore[arg-type]
            private_key=private_key,
            signed=signed,
        )
