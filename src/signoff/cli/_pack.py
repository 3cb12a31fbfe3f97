"""``signoff pack`` and ``signoff verify-pack``: the evidence pack."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from ..errors import ConfigError
from ._app import app, err_console, handle_errors, out_console
from ._files import read_text

if TYPE_CHECKING:
    from ..pack import PackVerification

__all__ = ["pack_command", "verify_pack_command"]

OUTPUT_IS_FOLDER = "is a folder; give the zip's file name, e.g. -o evidence.zip"
CHECKPOINT_NEEDS_KEY = "--checkpoint needs --key (the public key that signed it)"
NOT_AUTHENTICATED = (
    "NOT verified: that the proof's root is the ledger's (its checkpoint's signature was "
    "not checked); give --key with the ledger's public key"
)
NOT_ANCHORED = (
    "NOT verified: that this is the audit that was registered; the pack carries no ledger "
    "proof, so a consistent rewrite of every file would also pass (`signoff pack "
    "--ledger-proof`)"
)


@app.command("pack", rich_help_panel="Audit")
@handle_errors
def pack_command(
    folder: Annotated[Path, typer.Argument(help="Output folder of `signoff audit`.")],
    output: Annotated[Path, typer.Option("--output", "-o", help="The zip to write.")] = Path(
        "evidence.zip"
    ),
    config: Annotated[
        Path | None,
        typer.Option(help="The audit config, if not next to FOLDER or in the current folder."),
    ] = None,
    policy: Annotated[
        list[Path] | None,
        typer.Option(help="A policy file, if not where the manifest recorded it (repeatable)."),
    ] = None,
    ledger_proof: Annotated[
        Path | None,
        typer.Option(
            help="Anchor the pack: the inclusion proof (`signoff ledger prove --audit DIR "
            "--checkpoint CP --key PUB`) of the event that attached this audit."
        ),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Bundle report, results, manifest, model card, config and policy with SHA256SUMS.

    The config and policy files are checked against the hashes in the manifest
    (exit 5 if one changed since the audit). With --ledger-proof, the proof must be of
    the ledger event that attached this audit (exit 5 otherwise). The zip is
    byte-identical for the same files. The last line printed is the pack's SHA-256.
    """
    from ..pack import build_pack
    from ..report import write_files

    if output.is_dir():
        raise ConfigError(OUTPUT_IS_FOLDER, file=output, field="--output")
    data, contents = build_pack(
        folder, config=config, policies=tuple(policy or ()), ledger_proof=ledger_proof
    )
    output.parent.mkdir(parents=True, exist_ok=True)
    write_files(output.parent, {output.name: data})
    digest = hashlib.sha256(data).hexdigest()
    if contents.missing:
        err_console.print(
            f"note: not in {folder} (not packed): {', '.join(contents.missing)}; "
            "`signoff report` and `signoff model-card` write the report and the card",
            markup=False,
        )
    if as_json:
        document = {"id": digest, "path": str(output), "files": sorted(contents.files)}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    for name in sorted(contents.files):
        out_console.print(f"  {name}", soft_wrap=True, markup=False)
    out_console.print(f"Wrote {output} ({len(contents.files)} files and SHA256SUMS)", markup=False)
    out_console.print(digest)


@app.command("verify-pack", rich_help_panel="Audit")
@handle_errors
def verify_pack_command(
    pack: Annotated[Path, typer.Argument(help="An evidence pack written by `signoff pack`.")],
    key: Annotated[
        Path | None,
        typer.Option(help="The ledger's public key: check the pack's ledger proof and checkpoint."),
    ] = None,
    checkpoint: Annotated[
        Path | None,
        typer.Option(help="A checkpoint you hold: the proof must be against it (needs --key)."),
    ] = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Check every hash in an evidence pack and that results.json matches the manifest.

    Exit 0 when everything verifies; exit 5 naming the first file that does not
    (a changed, missing or extra file, results that are not the manifest's, a
    report rendered from other results, an unsafe or oversized zip entry). With --key,
    the pack's ledger proof and signed checkpoint must verify too. The output says what
    was verified and what was not.
    """
    from ..ledger import load_public_key, parse_checkpoint
    from ..pack import verify_pack

    public = load_public_key(key) if key is not None else None
    trusted = None
    if checkpoint is not None:
        if public is None:
            raise ConfigError(CHECKPOINT_NEEDS_KEY, field="--key")
        trusted = parse_checkpoint(read_text(checkpoint), public)
    verified = verify_pack(pack, public_key_text=public, checkpoint=trusted)
    if as_json:
        sys.stdout.write(json.dumps(verified.to_dict(), indent=2) + "\n")
        return
    for name in verified.files:
        out_console.print(f"  OK  {escape(name)}", soft_wrap=True)
    for line in _statement(verified, trusted is not None):
        out_console.print(escape(line), soft_wrap=True)


def _statement(verified: PackVerification, against_held: bool) -> list[str]:
    lines = [
        f"verified: {len(verified.files)} files match SHA256SUMS, results.json matches the "
        f"manifest (results SHA-256 {verified.results_sha256}), the inputs are the "
        "manifest's and the report was rendered from these results"
    ]
    cp = verified.checkpoint
    if cp is not None:
        held = " (the checkpoint you gave)" if against_held else ""
        lines.append(
            f"verified: ledger event seq {verified.seq} records this results.json and "
            f"manifest.json and is in the log {cp.origin!r} of {cp.size} event(s) whose "
            f"checkpoint{held} is signed by the given key"
        )
    elif verified.ledger_proof:
        lines.append(
            f"verified: ledger event seq {verified.seq} records this results.json and "
            "manifest.json, and its inclusion path leads to the proof's root"
        )
        lines.append(NOT_AUTHENTICATED)
    else:
        lines.append(NOT_ANCHORED)
    return lines
