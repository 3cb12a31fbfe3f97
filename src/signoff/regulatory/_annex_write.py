"""Write an Annex IV document: a folder, or a deterministic zip of the same files.

Files: ``annex-iv.md`` (for people: every claim followed by its citations),
``annex-iv.json`` (the same, for machines, with the ledger's tree size and root) and
``proofs/seq-N.json`` (one inclusion proof per cited event, checkable with
``signoff ledger check-proof``).
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from ..errors import ConfigError

__all__ = ["annex_files", "annex_markdown", "annex_zip", "write_annex", "write_annex_files"]

NOT_RECORDED = "Not recorded."
NOT_EMPTY = "exists and is not empty; give a new folder or a FILE.zip"
ZIP_TIME = (1980, 1, 1, 0, 0, 0)  # the earliest a zip can say: the same bytes every time


def _cite(c: Mapping[str, Any]) -> str:
    if c["kind"] == "ledger_event":
        return f"ledger seq {c['seq']} ({c['action']}), leaf {c['leaf_hash']}"
    return f"{c['filename']} sha256 {c['sha256']}"


def annex_markdown(doc: Mapping[str, Any]) -> str:
    """The document for people, in Markdown."""
    ledger = doc["ledger"]
    lines = [
        f"# EU AI Act Annex IV technical documentation: {doc['model']}@{doc['version']}",
        "",
        f"Assembled by signoff from its registry. Ledger `{ledger['origin']}`, tree size "
        f"{ledger['tree_size']}, root hash `{ledger['root_hash']}`. Every statement cites the "
        "evidence it rests on; a section without evidence says so.",
    ]
    for section in doc["sections"]:
        lines += ["", f"## {section['title']}", "", f"*{section['annex_iv']}*", ""]
        if not section["claims"]:
            lines.append(NOT_RECORDED)
        for claim in section["claims"]:
            cites = "; ".join(_cite(c) for c in claim["cites"]) or "no citation"
            lines.append(f"- {claim['text']}  \n  Evidence: {cites}")
    return "\n".join(lines) + "\n"


def annex_files(doc: Mapping[str, Any]) -> dict[str, bytes]:
    """Every file of the document, by name (sorted)."""
    body = {k: v for k, v in doc.items() if k != "proofs"}
    files = {
        "annex-iv.md": annex_markdown(doc).encode("utf-8"),
        "annex-iv.json": (json.dumps(body, indent=2, ensure_ascii=False) + "\n").encode("utf-8"),
    }
    for seq, proof in doc["proofs"].items():
        files[f"proofs/seq-{seq}.json"] = (json.dumps(proof, indent=2) + "\n").encode("utf-8")
    return dict(sorted(files.items()))


def annex_zip(files: Mapping[str, bytes]) -> bytes:
    """The deterministic zip of ``files`` (the same files give the same bytes)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name, data in files.items():
            info = zipfile.ZipInfo(name, date_time=ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            archive.writestr(info, data)
    return buffer.getvalue()


def write_annex_files(files: Mapping[str, bytes], out: Path) -> list[str]:
    """Write ``files`` to ``out``: a zip when it ends in ``.zip``, else a new (or empty)
    folder."""
    if out.suffix.lower() == ".zip":
        out.write_bytes(annex_zip(files))
        return list(files)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise ConfigError(NOT_EMPTY, file=out, field="-o")
    for name, data in files.items():
        target = out / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
    return list(files)


def write_annex(doc: Mapping[str, Any], out: Path) -> list[str]:
    """Write to ``out``: a zip when it ends in ``.zip``, else a new (or empty) folder."""
    return write_annex_files(annex_files(doc), out)
