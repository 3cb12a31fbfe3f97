"""EU AI Act Annex IV technical documentation, assembled from the registry and the ledger.

Every claim cites the evidence it rests on: a ledger event (its seq and leaf hash, with an
inclusion proof against the current tree in the logging section) or a stored file (its
SHA-256: the audit's ``results.json`` or ``manifest.json``).  A section with no evidence
says "not recorded"; nothing is written that the registry does not hold.
"""

from __future__ import annotations

import json
from typing import Any

from ..errors import LedgerVerificationError, NotFound
from ..ledger import (
    LedgerEvent,
    installation_origin,
    iter_events,
    leaf_hashes,
    make_inclusion_doc,
    root_hash,
)
from ..registry import Core, VersionRef
from ..workflow import NO_POLICY, judge_latest_audit, rules_in_force
from ._annex_facts import Claim, Evidence, Facts, Section
from ._annex_sections import SECTIONS

__all__ = ["ANNEX_FORMAT", "annex_iv"]

ANNEX_FORMAT = "signoff-annex-iv/v1"


def _related(e: LedgerEvent, ref: VersionRef, crs: set[str]) -> bool:
    p = e.payload
    if p.get("model") == ref.model and "version" in p:  # imported and monitoring records
        return p["version"] in (None, ref.version, str(ref))
    return (
        e.subject in (f"version:{ref}", f"model:{ref.model}")
        or e.subject in crs
        or p.get("version") == str(ref)
    )


def annex_iv(core: Core, ref: VersionRef) -> dict[str, Any]:
    """The Annex IV document of ``ref`` as JSON-ready data (see the module docstring)."""
    ev = Evidence()
    with core.read() as repo:
        model, version = repo.model(ref.model), repo.version(ref)
        audits = repo.audits(ref)
        crs = {f"CR-{c.number}" for c in repo.crs(version=ref)}
        rules = rules_in_force(repo, core.artifacts)
        stage = "production" if "production" in rules.policies else version.stage
        judged = None
        rule = rules.governance.stages.get(stage)
        if audits and rule is not None and rule.policy not in (None, NO_POLICY):
            try:
                judged = judge_latest_audit(
                    repo, core.artifacts, rules, ref, stage, core.clock().date()
                )
            except (NotFound, LedgerVerificationError, ValueError):
                judged = None
    with core.store.transaction() as session:
        events = [e for e in iter_events(session) if _related(e, ref, crs)]
        leaves = leaf_hashes(session)
    origin = installation_origin(core.store)
    by_action: dict[str, list[LedgerEvent]] = {}
    for e in events:
        by_action.setdefault(e.action, []).append(e)
    latest = audits[-1] if audits else None
    results: dict[str, Any] = {}
    manifest: dict[str, Any] = {}
    if latest is not None:
        results = json.loads(core.artifacts.get(latest.results_sha256))
        manifest = json.loads(core.artifacts.get(latest.manifest_sha256))
    res_cite = [ev.file(latest.results_sha256, "results.json")] if latest else []
    man_cite = [ev.file(latest.manifest_sha256, "manifest.json")] if latest else []
    facts = Facts(core, ev, events, by_action, audits, latest, results, manifest, res_cite,
                  man_cite, rules, stage, judged)  # fmt: skip
    sections = [build(facts) for build in SECTIONS]
    logging = Section("logging", "Logging and record-keeping", "Annex IV point 2(g), Art. 12")
    proofs: dict[str, Any] = {}
    for seq in sorted(ev.events):
        e = ev.events[seq]
        proofs[str(seq)] = dict(
            make_inclusion_doc(
                origin=origin, seq=seq, leaf_index=seq - 1, event=e.to_dict(), leaves=leaves
            )
        )
        logging.claims.append(
            Claim(
                f"Ledger event {seq} ({e.action}, {e.subject}) is included in the ledger of "
                f"{len(leaves)} events (proof proofs/seq-{seq}.json).",
                [ev.event(e)],
            )
        )
    sections.append(logging)
    return {
        "format": ANNEX_FORMAT,
        "model": model.name,
        "version": ref.version,
        "ledger": {
            "origin": origin,
            "tree_size": len(leaves),
            "root_hash": root_hash(leaves).hex(),
        },
        "sections": [
            {
                "id": s.id,
                "title": s.title,
                "annex_iv": s.annex_iv,
                "claims": [{"text": c.text, "cites": c.cites} for c in s.claims],
            }
            for s in sections
        ],
        "proofs": proofs,
    }
