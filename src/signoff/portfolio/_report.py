"""The monthly executive report, computed from the ledger prefix that ends with the period.

One pass over the ledger's events, folded in memory, gives the status at each of the last
six month ends and the state at the end of the period; the report cites (and with a key,
signs) the tree size and root of exactly that prefix, so the PDF is itself evidence.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any, Literal

from .._gc import keep_until_exit
from ..errors import ConfigError
from ..ledger import (
    Checkpoint,
    LedgerPrefix,
    installation_origin,
    ledger_prefix,
    parse_checkpoint,
    sign_checkpoint,
)
from ..registry import Core
from ..store import Fold
from ..workflow import cr_id, rules_in_force
from ._context import report_context
from ._facts import EVENT_ACTIONS, Facts, FactSource, MonitorWindow
from ._render import render_html, render_pdf
from ._snapshot import Snapshot, trends_of
from ._view import LedgerHead, PortfolioView, compute_portfolio

__all__ = ["HISTORY_MONTHS", "build_report", "parse_period", "report_checkpoint"]

BAD_PERIOD = "expected a month like 2026-11, got {text!r}"
NOT_BEGUN = "the period {period} has not begun (now: {now})"
NO_LEDGER = "the ledger holds no event up to the end of {period}: nothing to report"
MOVED = (
    "the signed checkpoint is of tree size {size}, but the report's ledger is now at size "
    "{now} (root {root}): the ledger moved meanwhile; run the command again"
)
HISTORY_MONTHS = 6
LIVE_STATES = ("draft", "submitted", "in_review", "approved")


def parse_period(text: str) -> tuple[dt.datetime, dt.datetime]:
    """``2026-11`` → (its first instant, the first instant of the next month), UTC."""
    if not re.fullmatch(r"\d{4}-\d{2}", text.strip()):
        raise ConfigError(BAD_PERIOD.format(text=text), field="--period")
    year, month = (int(part) for part in text.strip().split("-"))
    if not 1 <= month <= 12 or year < 1970:
        raise ConfigError(BAD_PERIOD.format(text=text), field="--period")
    start = dt.datetime(year, month, 1, tzinfo=dt.UTC)
    end = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
    return start, end


def _month_ends(end: dt.datetime, count: int) -> list[tuple[str, dt.datetime]]:
    out = []
    year, month = end.year, end.month  # ``end`` is the first instant after the period
    for _ in range(count):
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        first_after = dt.datetime(year + month // 12, month % 12 + 1, 1, tzinfo=dt.UTC)
        out.append((f"{year:04d}-{month:02d}", first_after - dt.timedelta(seconds=1)))
    return list(reversed(out))


def _open_items(facts: Facts, now: dt.datetime) -> dict[str, str]:
    items: dict[str, list[str]] = {}
    for cr in facts.crs:
        if cr.state in LIVE_STATES:
            items.setdefault(cr.model, []).append(
                f"{cr_id(cr.number)} to {cr.to_stage} ({cr.state})"
            )
    production = facts.holders("production")
    for w in facts.waivers:
        held = production.get(w.model)
        if held and held.version == w.version and w.granted_by and w.until >= now:
            items.setdefault(w.model, []).append(f"waiver W-{w.number} until {w.until.date()}")
    return {model: "; ".join(found) for model, found in items.items()}


def _period_prefix(core: Core, period: str) -> tuple[dt.datetime, dt.datetime, Any]:
    """The period's end, the moment the report is as of and the ledger up to it."""
    start, end = parse_period(period)
    now = core.clock()
    if start > now:
        raise ConfigError(NOT_BEGUN.format(period=period, now=now.isoformat()), field="--period")
    as_of = min(end - dt.timedelta(seconds=1), now)
    prefix = ledger_prefix(core.store, until=as_of)
    if prefix.size == 0:
        raise ConfigError(NO_LEDGER.format(period=period), field="--period")
    return end, as_of, prefix


def report_checkpoint(core: Core, period: str) -> Checkpoint:
    """The checkpoint a report of ``period`` cites (to be signed where the key is)."""
    _, _, prefix = _period_prefix(core, period)
    return Checkpoint(origin=installation_origin(core.store), size=prefix.size, root=prefix.root)


def _signed_note(checkpoint: Checkpoint, signed: tuple[str, str]) -> str:
    """A note signed elsewhere, once it verifies under its public key and is this
    report's checkpoint."""
    note, public_key = signed
    found = parse_checkpoint(note, public_key, origin=checkpoint.origin)
    if (found.size, found.root) != (checkpoint.size, checkpoint.root):
        raise ConfigError(
            MOVED.format(size=found.size, now=checkpoint.size, root=checkpoint.root.hex()),
            field="--key",
        )
    return note


def build_report(
    core: Core,
    period: str,
    *,
    fmt: Literal["html", "pdf"],
    private_key: str | None = None,
    signed: tuple[str, str] | None = None,
) -> tuple[bytes, dict[str, Any]]:
    """The report's bytes and its context (the figures it prints); its checkpoint signed
    with ``private_key``, or ``signed`` elsewhere (the note and its public key)."""
    end, as_of, prefix = _period_prefix(core, period)
    with prefix:  # folded while a child process may check the leaves (ledger._aside)
        return _build(core, period, end, as_of, prefix, fmt, private_key, signed)


def _build(
    core: Core,
    period: str,
    end: dt.datetime,
    as_of: dt.datetime,
    prefix: LedgerPrefix,
    fmt: Literal["html", "pdf"],
    private_key: str | None,
    signed: tuple[str, str] | None,
) -> tuple[bytes, dict[str, Any]]:
    history: list[tuple[str, dict[str, int]]] = []
    events = list(prefix.events)
    fold = Fold(keep=EVENT_ACTIONS)
    documents: dict[str, Any] = {}  # audit files parsed once for all the month ends
    windows: dict[int, MonitorWindow] = {}  # and monitoring windows read once
    position = 0
    for label, moment in _month_ends(end, HISTORY_MONTHS):
        moment = min(moment, as_of)
        cut, stamp = position, _ts(moment)
        while cut < len(events) and events[cut].ts <= stamp:
            cut += 1
        fold.apply(events[position:cut])
        position = cut
        if fold.seq == 0:
            continue
        view = _view(core, fold, moment, LedgerHead(fold.seq), documents, windows)
        history.append((label, view.counts()))
    fold.apply(events[position:])
    keep_until_exit(prefix, events, fold)  # a command ends soon: not freed event by event
    since = dt.datetime.strptime(history[0][0], "%Y-%m").replace(tzinfo=dt.UTC)
    audits = fold.audit_rows_since(since)  # the trends count audits from ``since`` on
    facts = Facts.read(fold, now=as_of, window_cache=windows, audits=audits)
    rules = rules_in_force(fold, core.artifacts)
    head = LedgerHead(prefix.size, prefix.root.hex())  # the root last: the check's verdict
    snap = Snapshot(facts, rules, as_of, head)
    final = compute_portfolio(
        snap.facts,
        rules=snap.rules,
        artifacts=core.artifacts,
        now=as_of,
        ledger=head,
        documents=documents,
    )
    trends = trends_of(snap, core, since=since, by="month")
    open_items = _open_items(snap.facts, as_of)
    origin = installation_origin(core.store)
    ledger: dict[str, Any] = {**head.to_dict(), "origin": origin, "signed_note": None}
    checkpoint = Checkpoint(origin=origin, size=prefix.size, root=prefix.root)
    if private_key is not None:
        ledger["signed_note"] = sign_checkpoint(checkpoint, private_key)
    elif signed is not None:
        ledger["signed_note"] = _signed_note(checkpoint, signed)
    epoch_text = os.environ.get("SOURCE_DATE_EPOCH", "").strip()
    created = (
        dt.datetime.fromtimestamp(int(epoch_text), dt.UTC)
        if epoch_text.isascii() and epoch_text.isdigit()
        else as_of
    )
    context = report_context(
        period=period,
        view=final,
        history=history,
        trends=trends,
        open_items=open_items,
        ledger=ledger,
        created_at=created,
    )
    html = render_html(context)
    if fmt == "html":
        return html.encode("utf-8"), context
    identifier = prefix.root.hex()[:32]
    return render_pdf(html, epoch=int(created.timestamp()), identifier=identifier), context


def _ts(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _view(
    core: Core,
    repo: FactSource,
    moment: dt.datetime,
    head: LedgerHead,
    documents: dict[str, Any],
    windows: dict[int, MonitorWindow],
) -> PortfolioView:
    facts = Facts.read(repo, now=moment, window_cache=windows)
    return compute_portfolio(
        facts,
        rules=rules_in_force(repo, core.artifacts),
        artifacts=core.artifacts,
        now=moment,
        ledger=head,
        documents=documents,
    )
