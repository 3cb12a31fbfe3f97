"""Timestamps as signoff writes them: UTC, ISO 8601, with ``Z``."""

from __future__ import annotations

import datetime as dt

__all__ = ["iso_utc"]


def iso_utc(moment: dt.datetime) -> str:
    """ISO 8601 with ``Z``; a naive datetime (SQLite hands those back) is taken as UTC."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    return moment.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")
