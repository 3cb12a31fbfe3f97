"""``signoff ledger …``: keys, checkpoints, verification and proofs."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from ..errors import ConfigError, InputError, LedgerVerificationError, NotFound
from ._app import app, err_console, handle_errors, out_console
from ._files import read_text
from ._ledger_files import NOT_ATTACHED, results_digest
from ._registry import Json, open_registry
from ._remote import remote_mode
from ._remote_ledger import (
    checkpoint_remote,
    prove_remote,
    verify_remote,
)

if TYPE_CHECKING:
    from ..store import Store

__all__ = ["ledger_app"]

ledger_app = typer.Typer(
    help="The tamper-evident ledger: verify, checkpoint, prove.", no_args_is_help=True
)
app.add_typer(ledger_app, name="ledger", rich_help_panel="Ledger")

KEY_EXISTS = "{path} exists; choose another --out or remove it first"
SEQ_OR_AUDIT = "give either SEQ or --audit DIR (the event to prove), not both"
NO_FOLDER = "the folder {folder} does not exist; create it first or choose another --out"
NOT_AUTHENTICATED = (
    "the inclusion path is valid, but the root is NOT authenticated: nothing says it is "
    "the ledger's. Give --key (the ledger's public key) to check the signed checkpoint, "
    "or --unauthenticated to accept an unauthenticated path"
)
NOT_JSON = "not a JSON inclusion proof: {reason}"
DEFAULT_ORIGIN = "signoff-ledger"  # the same as signoff.ledger.DEFAULT_ORIGIN (a test checks)
Origin = Annotated[
    str | None,
    typer.Option(
        help="The log's name in checkpoints (default: SIGNOFF_LEDGER_ORIGIN, else this "
        "registry's own origin, shown by `ledger show`)."
    ),
]
KEY_NAME_DIFFERS = (
    "note: the key is named {key!r} but signs the log {origin!r}; witnesses see both "
    "names (`signoff ledger keygen {origin} --out FILE` names a key after its log)"
)


def _origin(value: str | None, store: Store | None = None) -> str | None:
    """``--origin``, else ``SIGNOFF_LEDGER_ORIGIN``, else this registry's own origin."""
    if value is not None:
        return value
    if os.environ.get("SIGNOFF_LEDGER_ORIGIN"):
        return os.environ["SIGNOFF_LEDGER_ORIGIN"]
    if store is None:
        return None
    from ..ledger import installation_origin

    return installation_origin(store)


def _read(path: Path) -> str:
    return read_text(path)


@ledger_app.command("keygen")
@handle_errors
def keygen(
    name: Annotated[str, typer.Argument(help="Key name (appears in signed checkpoints).")],
    out: Annotated[
        Path,
        typer.Option(help="Path prefix: writes PREFIX.key and PREFIX.pub (folder must exist)."),
    ] = Path("ledger"),
) -> None:
    """Make an Ed25519 key pair for signing checkpoints.

    Keep the private key away from the database host: whoever holds both could
    rewrite the log and sign a matching checkpoint.
    """
    from ..ledger import generate_key

    private, public = generate_key(name)
    key_path, pub_path = Path(f"{out}.key"), Path(f"{out}.pub")
    if not key_path.parent.is_dir():
        raise ConfigError(NO_FOLDER.format(folder=key_path.parent), field="--out")
    for path in (key_path, pub_path):
        if path.exists():
            raise ConfigError(KEY_EXISTS.format(path=path))
    key_path.touch(mode=0o600)
    key_path.write_text(private + "\n", encoding="utf-8")
    pub_path.write_text(public + "\n", encoding="utf-8")
    err_console.print(
        f"private key: {key_path} (keep it off the database host); public key: {pub_path}",
        markup=False,
    )
    print(pub_path)


@ledger_app.command("checkpoint")
@handle_errors
def checkpoint(
    key: Annotated[Path, typer.Option(help="Private key file from `signoff ledger keygen`.")],
    origin: Origin = None,
    out: Annotated[Path | None, typer.Option(help="Also write the signed note here.")] = None,
) -> None:
    """Sign the ledger's current size and root; print the checkpoint to keep elsewhere."""
    from ..ledger import checkpoint_ledger, load_private_key
    from ..registry import utc_now

    private = load_private_key(key)
    if out is not None and not out.parent.is_dir():
        raise ConfigError(NO_FOLDER.format(folder=out.parent), field="--out")
    if remote_mode():  # signed here with your key; the server keeps a copy
        signed_as, note = checkpoint_remote(private, _origin(origin))
    else:
        registry = open_registry()
        signed_as = str(_origin(origin, registry.store))
        _, note = checkpoint_ledger(
            registry.store, private_key_text=private, at=utc_now(), origin=signed_as
        )
    parts = private.strip().split("+", 4)
    key_name = parts[2] if len(parts) == 5 else None
    if key_name is not None and key_name != signed_as:
        notice = KEY_NAME_DIFFERS.format(key=key_name, origin=signed_as)
        err_console.print(escape(notice), soft_wrap=True)
    if out is not None:
        out.write_text(note, encoding="utf-8")
    print(note, end="")


@ledger_app.command("verify")
@handle_errors
def verify(
    checkpoint_file: Annotated[
        Path | None,
        typer.Option("--checkpoint", help="A signed checkpoint kept outside the database."),
    ] = None,
    key: Annotated[Path | None, typer.Option(help="Public key that signed the checkpoint.")] = None,
    origin: Origin = None,
    writer_key: Annotated[
        Path | None,
        typer.Option(
            help="The server's public writer key: every event from the first it signed must "
            "carry its valid signature."
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Recompute every event's hash and the root; with a checkpoint, prove the log only grew.

    Exit 5 names the first bad seq: an edited, moved or deleted event, (against a
    checkpoint) a truncated or rewritten log, or (with --writer-key) an event the server
    did not sign — inserted, edited or deleted straight in the database.
    """
    from ..ledger import load_public_key, parse_checkpoint, verify_ledger

    if checkpoint_file is not None and key is None:
        raise ConfigError("--checkpoint needs --key (the public key that signed it)", field="--key")
    if remote_mode():  # the server verifies its own database: the same checks, its answer
        found = verify_remote(checkpoint_file, key, _origin(origin), writer_key)
        _print_verification(found, checkpoint_file is not None, writer_key is not None, as_json)
        return
    cp = None
    if checkpoint_file is not None:
        assert key is not None
        store = open_registry(write=False).store
        cp = parse_checkpoint(
            _read(checkpoint_file), load_public_key(key), origin=_origin(origin, store)
        )
    writer = load_public_key(writer_key) if writer_key is not None else None
    result = verify_ledger(open_registry(write=False).store, checkpoint=cp, writer_key=writer)
    _print_verification(result.to_dict(), cp is not None, writer is not None, as_json)


def _print_verification(result: dict[str, Any], cp: bool, writer: bool, as_json: bool) -> None:
    if as_json:
        print(json.dumps(result, indent=2))
        return
    against = (
        f"; consistent with the checkpoint of {result['checkpoint_size']} event(s)" if cp else ""
    )
    if writer:
        against += f"; {result['writer_signed']} event(s) signed by the writer key"
    out_console.print(
        f"ledger verified: {result['size']} event(s), root {result['root_hash']}{against}"
    )


@ledger_app.command("prove")
@handle_errors
def prove(
    seq: Annotated[
        int | None, typer.Argument(help="The event to prove (or --audit).", min=1)
    ] = None,
    audit: Annotated[
        Path | None,
        typer.Option(
            help="Prove the event that attached this audit output folder (its results.json)."
        ),
    ] = None,
    checkpoint_file: Annotated[
        Path | None, typer.Option("--checkpoint", help="Prove against this signed checkpoint.")
    ] = None,
    key: Annotated[Path | None, typer.Option(help="Public key that signed the checkpoint.")] = None,
    origin: Origin = None,
) -> None:
    """Print an inclusion proof (JSON) that anyone can check offline with `ledger check-proof`.

    With --audit DIR, the event is the `audit.attached` event that records DIR/results.json:
    the proof `signoff pack --ledger-proof` takes.
    """
    from ..ledger import load_public_key, parse_checkpoint, prove_event

    if (seq is None) == (audit is None):
        raise ConfigError(SEQ_OR_AUDIT)
    if checkpoint_file is not None and key is None:
        raise ConfigError("--checkpoint needs --key (the public key that signed it)", field="--key")
    if remote_mode():  # the server proves it over its database, from the same files
        found = prove_remote(seq, audit, checkpoint_file, key, _origin(origin))
        print(json.dumps(found, indent=2, ensure_ascii=False))
        return
    cp, note = None, None
    if checkpoint_file is not None:
        note = _read(checkpoint_file)
    store = open_registry(write=False).store
    if note is not None:
        assert key is not None
        cp = parse_checkpoint(note, load_public_key(key), origin=_origin(origin, store))
    if audit is not None:
        seq = _attach_seq(store, audit)
    assert seq is not None
    doc = prove_event(store, seq, checkpoint=cp, note=note, origin=_origin(origin, store))
    print(json.dumps(doc, indent=2, ensure_ascii=False))


def _attach_seq(store: Store, folder: Path) -> int:
    """The seq of the latest ``audit.attached`` event recording ``folder/results.json``."""
    from ..ledger import attached_seq

    path, digest = results_digest(folder)
    found = attached_seq(store, digest)
    if found is None:
        raise NotFound(NOT_ATTACHED.format(digest=digest[:12]), file=path)
    return found


@ledger_app.command("check-proof")
@handle_errors
def check_proof(
    proof: Annotated[Path, typer.Argument(help="An inclusion proof from `signoff ledger prove`.")],
    key: Annotated[
        Path | None, typer.Option(help="Public key that signed the embedded checkpoint.")
    ] = None,
    unauthenticated: Annotated[
        bool,
        typer.Option(
            "--unauthenticated",
            help="Without --key, accept a valid path to an unauthenticated root (exit 0).",
        ),
    ] = False,
) -> None:
    """Check an inclusion proof offline, without the database (exit 5 if it fails).

    Without --key only the path from the event to the proof's own root is checked, which
    anyone can forge: that is exit 5 unless --unauthenticated is given.
    """
    from .._canonical import parse_json
    from ..ledger import check_inclusion_doc, load_public_key

    try:
        doc = parse_json(_read(proof))
    except json.JSONDecodeError as exc:
        raise InputError(NOT_JSON.format(reason=exc.msg), file=proof, line=exc.lineno) from None
    except ValueError as exc:
        raise InputError(NOT_JSON.format(reason=exc), file=proof) from None
    cp = check_inclusion_doc(doc, public_key_text=load_public_key(key) if key else None)
    if cp is None:
        if not unauthenticated:
            raise LedgerVerificationError(NOT_AUTHENTICATED, file=proof)
        out_console.print(
            f"inclusion path valid: seq {doc['seq']} is in a tree of {doc['tree_size']} "
            "event(s) with the proof's root; the root is NOT authenticated (no --key)"
        )
        return
    out_console.print(
        f"proof verified: seq {doc['seq']} is in the log of {doc['tree_size']} event(s), "
        f"signed checkpoint of {cp.size} event(s) by the given key"
    )
