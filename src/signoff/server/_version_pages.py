"""The version page: the audit report and the model card embedded (user content: served
apart, sandboxed, under a strict CSP), the artifacts with their hashes and downloads, the
lineage (the version's and its latest audit manifest's hashes, the parent) and the diff
against the version in production — metrics and gates side by side."""

from __future__ import annotations

import json
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from .._api import Signoff
from ..errors import InputError, NotFound
from ..registry import Artifact, AuditRecord, VersionRef
from ._params import Reader

__all__ = ["router"]

router = APIRouter(include_in_schema=False)
#: The page may frame its own sandboxed documents; nothing else changes from the default.
PAGE_CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; "
    "frame-src 'self'; frame-ancestors 'none'; base-uri 'none'"
)
#: A stored report or card is user content: no script, no request out, its own origin.
EMBED_CSP = (
    "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
    "frame-ancestors 'self'; base-uri 'none'; form-action 'none'"
)
NO_REPORT = "{ref} has no audit: there is no report to show"
NO_CARD = "{ref} has no model card and no audit to render one from"
_ORDER = {"FAIL": 0, "WARN": 1, "PASS": 2}
#: What reading an audit of another shape than ``signoff audit`` writes raises.
SHAPE_ERRORS = (KeyError, TypeError, ValueError, AttributeError, IndexError)


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


def _json(api: Signoff, sha256: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(api.core.artifacts.get(sha256))
    return document


def _documents(api: Signoff, audit: AuditRecord) -> tuple[dict[str, Any], dict[str, Any]]:
    return _json(api, audit.results_sha256), _json(api, audit.manifest_sha256)


def _attached_with(artifacts: list[Artifact], audit: AuditRecord, name: str) -> Artifact | None:
    """The file ``name`` attached together with ``audit`` (the same ledger event)."""
    found = [a for a in artifacts if a.filename == name and a.created_at == audit.created_at]
    return found[-1] if found else None


def _card(artifacts: list[Artifact], audit: AuditRecord | None) -> Artifact | None:
    cards = [a for a in artifacts if a.kind == "model_card"]
    if cards:
        return cards[-1]
    return _attached_with(artifacts, audit, "model_card.html") if audit is not None else None


def _value(metric: Any) -> float | None:
    found = metric.get("value") if isinstance(metric, dict) else metric
    return float(found) if isinstance(found, int | float) else None


def _lineage(manifest: dict[str, Any] | None) -> dict[str, str] | None:
    """What the page shows of an audit manifest (user content: only plain values kept)."""
    if manifest is None:
        return None

    def at(*keys: str) -> str:
        value: Any = manifest
        for key in keys:
            value = value.get(key) if isinstance(value, dict) else None
        return str(value) if isinstance(value, str | int | float) else ""

    git = manifest.get("git")
    return {
        "model_sha256": at("inputs", "model", "sha256"),
        "data_path": at("inputs", "data", "path"),
        "data_rows": at("inputs", "data", "rows"),
        "data_sha256": at("inputs", "data", "sha256"),
        "config_sha256": at("inputs", "config", "sha256"),
        "signoff_version": at("signoff_version"),
        "git_commit": at("git", "commit") if isinstance(git, dict) else at("git"),
        "seed": at("seed"),
    }


def _overall(api: Signoff, audit: AuditRecord | None) -> dict[str, Any]:
    """An audit's overall metrics ({} when its results, user content, have none)."""
    found = _json(api, audit.results_sha256).get("overall") if audit is not None else None
    return found if isinstance(found, dict) else {}


def _rendered(render: Any, api: Signoff, audit: AuditRecord, name: str) -> Response:
    """A document rendered from an audit's stored files; 422 when they are not what
    ``signoff audit`` writes (an attached audit is user content), as the CLI says."""
    from ..report import NOT_AUDIT_SHAPE

    try:
        data: bytes = render(*_documents(api, audit))[name]
    except SHAPE_ERRORS as exc:
        problem = f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
        raise InputError(NOT_AUDIT_SHAPE.format(problem=problem), file="results.json") from None
    return _embedded(data, name)


def _trend(name: str, delta: float | None) -> str:
    """``better``, ``worse`` or ``same``, by the metric registry's direction ('' unknown)."""
    from ..metrics import METRICS

    spec = METRICS.get(name)
    if delta is None or spec is None:
        return ""
    if abs(delta) < 1e-12:
        return "same"
    return "better" if (delta > 0) == (spec.direction == "higher") else "worse"


def _judged(api: Signoff, audit: AuditRecord | None, stage: str) -> dict[str, Any]:
    """The stage policy's gates on ``audit``, as the workflow judges them, by name."""
    from ..workflow import judge_audit

    rules = api.workflow.rules()
    if audit is None or stage not in rules.policies:
        return {}
    try:
        judged = judge_audit(audit, api.core.artifacts, rules, stage, api.core.clock().date())
    except SHAPE_ERRORS:  # stored results of another shape (user content): nothing to show
        return {}
    return {g.name: g for g in judged.gates}


def _diff(api: Signoff, mine: AuditRecord | None, theirs: AuditRecord | None) -> dict[str, Any]:
    """Overall metrics, and the production policy's gates, of two audits side by side."""
    ours, prod = _overall(api, mine), _overall(api, theirs)
    metrics = []
    for name in [*ours, *(n for n in prod if n not in ours)]:
        a, b = _value(ours.get(name)), _value(prod.get(name))
        delta = None if a is None or b is None else a - b
        metrics.append({"name": name, "mine": a, "theirs": b, "delta": delta})
        metrics[-1]["trend"] = _trend(name, delta)
    gates_a, gates_b = _judged(api, mine, "production"), _judged(api, theirs, "production")

    def rank(name: str) -> tuple[int, str]:
        statuses = [g.status for g in (gates_a.get(name), gates_b.get(name)) if g is not None]
        return (min((_ORDER.get(s, 3) for s in statuses), default=3), name)

    names = sorted(set(gates_a) | set(gates_b), key=rank)
    gates = [(n, gates_a.get(n), gates_b.get(n)) for n in names]
    policy = api.workflow.rules().policies.get("production")
    return {"metrics": metrics, "gates": gates, "policy": policy}


@router.get("/models/{model}/versions/{version}", response_class=HTMLResponse)
def version_page(request: Request, model: str, version: str, who: Reader) -> Response:
    api, ref = _api(request), VersionRef(model, version)
    found = api.registry.get_version(ref)
    audits = api.registry.list_audits(ref)
    artifacts = api.registry.list_artifacts(ref)
    audit = audits[-1] if audits else None
    manifest = _json(api, audit.manifest_sha256) if audit else None
    production = next(
        (v for v in api.registry.list_versions(found.model) if v.stage == "production"), None
    )
    card_found = _card(artifacts, audit)
    diff = None
    if production is not None and production.version != found.version:
        theirs = api.registry.list_audits(production.ref)
        diff = _diff(api, audit, theirs[-1] if theirs else None)
    context = {
        "who": who,
        "version": found,
        "audits": audits,
        "audit": audit,
        "lineage": _lineage(manifest),
        "artifacts": artifacts,
        "card": card_found,
        "card_text": _card_text(api, card_found),
        "waivers": api.workflow.list_waivers(ref),
        "production": production,
        "diff": diff,
    }
    page: Response = request.app.state.templates.TemplateResponse(request, "version.html", context)
    page.headers["Content-Security-Policy"] = PAGE_CSP
    return page


def _card_text(api: Signoff, card: Artifact | None) -> str | None:
    """A text model card (Markdown, plain text) shown in the page itself, escaped."""
    if card is None or card.filename.endswith((".html", ".htm", ".pdf")) or card.size > 200_000:
        return None
    try:
        return api.core.artifacts.get(card.sha256).decode("utf-8")
    except UnicodeDecodeError:
        return None


def _embedded(data: bytes, filename: str) -> Response:
    html = filename.endswith(".html")
    return Response(
        data,
        media_type="text/html; charset=utf-8" if html else "text/plain; charset=utf-8",
        headers={"Content-Security-Policy": EMBED_CSP, "X-Frame-Options": "SAMEORIGIN"},
    )


@router.get("/models/{model}/versions/{version}/report", response_class=HTMLResponse)
def report(request: Request, model: str, version: str, who: Reader) -> Response:
    """The latest audit's stored report.html, else one rendered from its stored results."""
    api, ref = _api(request), VersionRef(model, version)
    audits = api.registry.list_audits(ref)
    if not audits:
        raise NotFound(NO_REPORT.format(ref=ref))
    stored = _attached_with(api.registry.list_artifacts(ref), audits[-1], "report.html")
    if stored is not None:
        return _embedded(api.core.artifacts.get(stored.sha256), "report.html")
    from ..report import render_report

    return _rendered(
        lambda r, m: render_report(r, m, formats=("html",)), api, audits[-1], "report.html"
    )


@router.get("/models/{model}/versions/{version}/card", response_class=HTMLResponse)
def card(request: Request, model: str, version: str, who: Reader) -> Response:
    """The version's model card artifact (or its audit's), else one rendered from the audit."""
    api, ref = _api(request), VersionRef(model, version)
    audits = api.registry.list_audits(ref)
    found = _card(api.registry.list_artifacts(ref), audits[-1] if audits else None)
    if found is not None:
        return _embedded(api.core.artifacts.get(found.sha256), found.filename)
    if not audits:
        raise NotFound(NO_CARD.format(ref=ref))
    from ..report import render_model_card

    return _rendered(render_model_card, api, audits[-1], "model_card.html")
