"""``signoff pack`` and ``signoff verify-pack``: the evidence pack."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Annotated

import typer

from ._app import app, err_console, handle_errors, out_console

__all__ = ["pack_command", "verify_pack_command"]


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
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Bundle report, results, manifest, model card, config and policy with SHA256SUMS.

    The config and policy files are checked against the hashes in the manifest
    (exit 5 if one changed since the audit). The zip is byte-identical for the
    same files. The last line printed is the pack's SHA-256.
    """
    from ..pack import build_pack
    from ..report import write_files

    data, contents = build_pack(folder, config=config, policies=tuple(policy or ()))
    output.parent.mkdir(parents=True, exist_ok=True)
    write_files(output.parent, {output.name: data})
    digest = hashlib.sha256(data).hexdigest()
    if contents.missing:
        err_console.print(
            f"note: not in {folder} (not packed): {', '.join(contents.missing)}; "
            "`signoff report` and `signoff model-card` write the report and the card"
        )
    if as_json:
        document = {"id": digest, "path": str(output), "files": sorted(contents.files)}
        sys.stdout.write(json.dumps(document, indent=2) + "\n")
        return
    for name in sorted(contents.files):
        out_console.print(f"  {name}", soft_wrap=True)
    out_console.print(f"Wrote {output} ({len(contents.files)} files and SHA256SUMS)")
    out_console.print(digest)


@app.command("verify-pack", rich_help_panel="Audit")
@handle_errors
def verify_pack_command(
    pack: Annotated[Path, typer.Argument(help="An evidence pack written by `signoff pack`.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print only JSON on stdout.")] = False,
) -> None:
    """Check every hash in an evidence pack and that results.json matches the manifest.

    Exit 0 when everything verifies; exit 5 naming the first file that does not
    (a changed, missing or extra file, results that are not the manifest's, a
    report rendered from other results).
    """
    from ..pack import verify_pack

    verified = verify_pack(pack)
    if as_json:
        sys.stdout.write(json.dumps(verified.to_dict(), indent=2) + "\n")
        return
    for name in verified.files:
        out_console.print(f"  OK  {name}", soft_wrap=True)
    out_console.print(
        f"Verified {pack}: {len(verified.files)} files match SHA256SUMS and results.json "
        f"matches the manifest (results SHA-256 {verified.results_sha256})",
        soft_wrap=True,
    )
