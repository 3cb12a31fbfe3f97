"""``signoff ledger rotate-writer-key``: hand the server's writer key over to a new one."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from ._app import handle_errors, out_console
from ._ledger import ledger_app
from ._registry import As, Json, acting_user, emit, open_registry

__all__: list[str] = []


@ledger_app.command("rotate-writer-key")
@handle_errors
def rotate_writer_key(
    old_key: Annotated[
        Path, typer.Option(help="The writer's private key in force now (SIGNOFF_WRITER_KEY).")
    ],
    new_key: Annotated[
        Path, typer.Option(help="The new private key (`signoff ledger keygen`) that takes over.")
    ],
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Replace the server's writer key (an admin, on the server's host, workers stopped).

    Records writer_key.rotated: signed by the old key, naming the new public key and signed
    by it too. `ledger verify --writer-key FIRST.pub` follows the chain; restart the server
    with SIGNOFF_WRITER_KEY naming the new key. Prints the event's seq.
    """
    from ..ledger import load_private_key

    old, new = load_private_key(old_key), load_private_key(new_key)
    event = open_registry().writer_keys.rotate(old, new, actor=str(acting_user(actor)))
    name = str(event.payload["public_key"]).split("+", 1)[0]
    if not as_json:
        out_console.print(f"writer key rotated to {name} at seq {event.seq}")
    data = {"seq": event.seq, "public_key": event.payload["public_key"]}
    emit(data, as_json=as_json, new_id=str(event.seq))
