"""``signoff db upgrade|status``: the registry database's schema (local only)."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from rich.markup import escape

from ..errors import StoreError
from ._app import handle_errors, out_console
from ._registry import Json, db_app
from ._remote import command_name, remote_mode

if TYPE_CHECKING:
    from ..store import Store

__all__: list[str] = []


def _default_store(*, create: bool = True) -> Store:
    if remote_mode():  # never a local database when the server is the registry
        from ..client import not_remote

        raise not_remote(command_name())
    from ..store import Store, database_url

    return Store(database_url(), create=create)


@db_app.command("upgrade")
@handle_errors
def db_upgrade() -> None:
    """Create the registry database or migrate it to this signoff's schema."""
    from ..store import upgrade

    store = _default_store()
    status = upgrade(store)
    out_console.print(f"{store.display_url}: schema {status.current} (current)")


@db_app.command("status")
@handle_errors
def db_status(as_json: Json = False) -> None:
    """Show the database's schema revision and whether an upgrade is needed."""
    from ..store import SchemaStatus, database_url, head_revision, schema_status

    try:
        store = _default_store(create=False)
    except StoreError:  # no database yet: say so, create nothing
        status, shown, exists = SchemaStatus(None, head_revision()), database_url(), False
    else:
        status, shown, exists = schema_status(store), store.display_url, True
    data = {
        "url": shown,
        "exists": exists,
        "current": status.current,
        "head": status.head,
        "up_to_date": status.up_to_date,
    }
    if as_json:
        print(json.dumps(data, indent=2))
        return
    advice = "up to date" if status.up_to_date else "out of date: run `signoff db upgrade`"
    out_console.print(
        f"{escape(str(data['url']))}: schema {status.current or 'none'} "
        f"(head {status.head}); {advice}"
    )
