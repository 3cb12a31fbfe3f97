"""Delivery of the outbox: POST, sign, retry with back-off, record; never raise for a failure.

Delivery is at least once: each attempt first *claims* its row (``attempts``
goes up only if nobody else moved it), then sends, then records the outcome,
each step in its own short transaction, so no database lock is held while a
receiver answers.  Receivers deduplicate on ``X-Signoff-Delivery``.  Each attempt is
signed afresh over the delivery id, its timestamp and the body (see ``_signature``).
"""

from __future__ import annotations

import datetime as dt
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

from sqlalchemy import not_, or_, select, update

from .. import __version__
from .._canonical import canonical_json
from .._time import iso_utc
from ..store import NotificationRow
from ._events import HasWebhooks, Webhook, summary_text
from ._outbox import MAX_ATTEMPTS, PERMANENT
from ._signature import DELIVERY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, sign_body

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["DeliveryFailure", "DeliveryReport", "deliver_pending"]

NOT_CONFIGURED = "the webhook {url} is no longer in the governance config"
NO_URL = "environment variable {name} (the webhook's url_env) is unset or not an http(s) URL"
NO_SECRET = "environment variable {name} (the webhook's secret_env) is unset or empty"
_Outcome = Literal["delivered", "failed", "pending"]


@dataclass(frozen=True)
class DeliveryFailure:
    """A notification whose delivery failed in this run; ``final`` when it will not be retried."""

    id: int
    event: str
    url: str
    attempts: int
    error: str
    final: bool


@dataclass(frozen=True)
class DeliveryReport:
    """What one :func:`deliver_pending` run did: counts, and every row that failed in it."""

    delivered: int = 0
    failed: int = 0
    pending: int = 0
    failures: tuple[DeliveryFailure, ...] = ()


def _body(row: NotificationRow) -> bytes:
    payload = dict(row.payload)
    return canonical_json(
        {
            "event": row.event,
            "subject": row.subject,
            "ledger_seq": row.ledger_seq,
            "at": iso_utc(row.created_at),
            "payload": payload,
            "text": summary_text(row.event, row.subject, payload),
        }
    )


def _claim(store: Store, row_id: int, seen: int) -> bool:
    with store.transaction() as session:
        result = session.execute(
            update(NotificationRow)
            .where(
                NotificationRow.id == row_id,
                NotificationRow.attempts == seen,
                NotificationRow.delivered_at.is_(None),
            )
            .values(attempts=seen + 1)
        )
        return bool(getattr(result, "rowcount", 0) == 1)


def _settle(
    store: Store, row_id: int, *, error: str | None, delivered_at: dt.datetime | None = None
) -> None:
    with store.transaction() as session:
        session.execute(
            update(NotificationRow)
            .where(NotificationRow.id == row_id)
            .values(last_error=error, delivered_at=delivered_at)
        )


def _pending(store: Store, max_attempts: int) -> list[NotificationRow]:
    with store.transaction() as session:
        query = (
            select(NotificationRow)
            .where(
                NotificationRow.delivered_at.is_(None),
                NotificationRow.attempts < max_attempts,
                or_(
                    NotificationRow.last_error.is_(None),
                    not_(NotificationRow.last_error.startswith(PERMANENT, autoescape=True)),
                ),
            )
            .order_by(NotificationRow.id)
        )
        return list(session.scalars(query))  # detached, fully loaded (expire_on_commit=False)


def _deliver_one(
    store: Store,
    row: NotificationRow,
    hook: Webhook | None,
    *,
    clock: Callable[[], dt.datetime],
    sleep: Callable[[float], object],
    max_attempts: int,
    base_delay: float,
    timeout: float,
) -> tuple[_Outcome, int, str | None]:
    """Try one row until it is delivered, fails for good or runs out of attempts."""
    if hook is None:
        error = PERMANENT + NOT_CONFIGURED.format(url=row.url)
        _settle(store, row.id, error=error)
        return "failed", row.attempts, error
    headers = {
        "Content-Type": "application/json",
        "User-Agent": f"signoff/{__version__}",
        "X-Signoff-Event": row.event,
        DELIVERY_HEADER: str(row.id),
    }
    body = _body(row)
    address = hook.address()
    if address is None:  # the URL lives in an environment variable that is not set
        error = NO_URL.format(name=hook.url_env)
        _settle(store, row.id, error=error)
        return "pending", row.attempts, error
    secret = None
    if hook.secret_env is not None:
        secret = os.environ.get(hook.secret_env)
        if not secret:  # never send unsigned what should be signed; retried once it is set
            error = NO_SECRET.format(name=hook.secret_env)
            _settle(store, row.id, error=error)
            return "pending", row.attempts, error
    from ._http import one_line, post  # urllib's HTTP client: for a delivery only (18 M
    # instructions that every command opening the registry would pay)

    attempts, retry = row.attempts, 0
    while True:
        if not _claim(store, row.id, attempts):
            return "pending", attempts, None  # another deliverer has it
        attempts += 1
        if secret is not None:  # each attempt signed with its own time: replays go stale
            stamp = int(clock().timestamp())
            headers[TIMESTAMP_HEADER] = str(stamp)
            headers[SIGNATURE_HEADER] = sign_body(
                body, secret, delivery_id=str(row.id), timestamp=stamp
            )
        problem, transient = post(address, body, headers, timeout)
        if problem is None:
            _settle(store, row.id, error=None, delivered_at=clock())
            return "delivered", attempts, None
        failure = one_line(problem if transient else PERMANENT + problem)
        _settle(store, row.id, error=failure)
        if not transient or attempts >= max_attempts:
            return "failed", attempts, failure
        sleep(base_delay * 2**retry)
        retry += 1


def deliver_pending(
    store: Store,
    governance: HasWebhooks,
    *,
    clock: Callable[[], dt.datetime],
    sleep: Callable[[float], object] = time.sleep,
    max_attempts: int = MAX_ATTEMPTS,
    base_delay: float = 0.5,
    timeout: float = 5.0,
) -> DeliveryReport:
    """Send every undelivered notification, oldest first, and record each outcome.

    Connection errors, timeouts, 5xx, 408 and 429 are retried with exponential
    back-off (``base_delay * 2**k`` seconds before retry ``k``) until the row has
    had ``max_attempts`` attempts in all; any other 4xx or 3xx is a permanent
    failure, never retried.  Once a receiver has exhausted one row's attempts,
    its other rows wait for the next run.  A missing secret leaves the row
    pending without spending an attempt.

    Parameters
    ----------
    store : Store
        The registry database holding the outbox.
    governance : Governance
        Supplies each webhook's ``secret_env`` (looked up by URL); rows for a URL
        no longer configured fail permanently.
    clock : callable
        Returns the time-zone aware time recorded as ``delivered_at``.
    sleep : callable
        Waits between retries (injected by tests).
    max_attempts : int
        Attempts per notification, counting earlier runs.
    base_delay : float
        Seconds before the first retry in this run; doubled for each next one.
    timeout : float
        Seconds to wait for a receiver to connect and answer.

    Returns
    -------
    DeliveryReport
        Rows delivered, failed for good and still pending after this run, and the
        rows that failed in it.  A failed delivery never raises.

    Raises
    ------
    StoreError
        Only when the database itself cannot be used.
    """
    hooks = {hook.key: hook for hook in governance.webhooks}
    counts = {"delivered": 0, "failed": 0, "pending": 0}
    failures: list[DeliveryFailure] = []
    resting: set[str] = set()  # receivers that exhausted a row's attempts in this run
    for row in _pending(store, max_attempts):
        if row.url in resting:
            counts["pending"] += 1
            continue
        outcome, attempts, error = _deliver_one(
            store,
            row,
            hooks.get(row.url),
            clock=clock,
            sleep=sleep,
            max_attempts=max_attempts,
            base_delay=base_delay,
            timeout=timeout,
        )
        counts[outcome] += 1
        if error is not None:
            final = outcome == "failed"
            failures.append(DeliveryFailure(row.id, row.event, row.url, attempts, error, final))
            if final and not error.startswith(PERMANENT):
                resting.add(row.url)
    return DeliveryReport(
        delivered=counts["delivered"],
        failed=counts["failed"],
        pending=counts["pending"],
        failures=tuple(failures),
    )
