"""Webhook notifications: an outbox written with each workflow event, delivered after commit.

The workflow calls :func:`enqueue` inside its transaction; :func:`deliver_pending`
POSTs signed JSON to the webhooks in the governance config, retries with
back-off and records every failure without ever blocking the workflow.
Receivers check ``X-Signoff-Signature`` with :func:`verify_signature`.
"""

from ._deliver import DeliveryFailure, DeliveryReport, deliver_pending
from ._events import ALL_EVENTS, Webhook, Webhooks, summary_text
from ._exposure import SECRET_IN_URL, secret_signs, webhook_warnings
from ._outbox import (
    MAX_ATTEMPTS,
    Notification,
    enqueue,
    has_pending,
    list_notifications,
    outbox_entries,
)
from ._signature import sign_body, verify_signature

__all__ = [
    "ALL_EVENTS",
    "MAX_ATTEMPTS",
    "SECRET_IN_URL",
    "DeliveryFailure",
    "DeliveryReport",
    "Notification",
    "Webhook",
    "Webhooks",
    "deliver_pending",
    "enqueue",
    "has_pending",
    "list_notifications",
    "outbox_entries",
    "secret_signs",
    "sign_body",
    "summary_text",
    "verify_signature",
    "webhook_warnings",
]
