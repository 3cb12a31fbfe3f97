"""The OpenAPI document, with the error shape every route really answers with.

FastAPI documents only the success response and a ``422`` in its own shape. Every error
here leaves as an RFC 9457 problem (``application/problem+json``), so each operation
documents ``4XX`` (and ``422``) with the :data:`PROBLEM_SCHEMA`, the ``303`` of the
form posts and logins that redirect, ``503`` where readiness can fail, and the
``Idempotency-Key`` header every API ``POST`` honours — so a client
(or schemathesis) can check every response against the document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from ._problems import PROBLEM_JSON

__all__ = ["PROBLEM_SCHEMA", "install_openapi"]

PROBLEM_SCHEMA: dict[str, Any] = {
    "title": "Problem",
    "description": "RFC 9457 problem details; `detail` is the message the CLI prints.",
    "type": "object",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "rule": {"type": "string", "description": "The rule that refused the request."},
        "items": {
            "type": "array",
            "items": {"type": "string"},
            "description": "What is missing, for a refusal that lists it; `detail` ends with "
            "them, joined by `; `.",
        },
    },
}
_PROBLEM = {"$ref": "#/components/schemas/Problem"}
_ERROR = {"description": "A problem (RFC 9457)", "content": {PROBLEM_JSON: {"schema": _PROBLEM}}}
_HTML_ERROR = {
    "description": "A problem (RFC 9457), or an error page for a browser",
    "content": {PROBLEM_JSON: {"schema": _PROBLEM}, "text/html": {"schema": {"type": "string"}}},
}
_REDIRECT = {"description": "Done: go to the page in `Location`"}
_IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Send the same request again with the same key: it is answered once "
    "(the first successful answer is replayed for 24 hours).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[ -~]+$"},
}


def _document(spec: dict[str, Any]) -> dict[str, Any]:
    spec.setdefault("components", {}).setdefault("schemas", {})["Problem"] = PROBLEM_SCHEMA
    schemas = spec["components"]["schemas"]
    for name in ("HTTPValidationError", "ValidationError"):
        schemas.pop(name, None)
    for path, operations in spec.get("paths", {}).items():
        for method, operation in operations.items():
            responses = operation.setdefault("responses", {})
            page = not path.startswith("/api")
            error = _HTML_ERROR if page else _ERROR
            responses["422"] = error
            responses["4XX"] = error
            if method == "post" and page:
                responses["303"] = _REDIRECT
            if method == "post" and not page:
                operation.setdefault("parameters", []).append(_IDEMPOTENCY_KEY)
            if path in ("/login", "/auth/callback", "/login/link"):
                responses["303"] = _REDIRECT
            if path == "/readyz":
                responses["503"] = _ERROR
    return spec


def install_openapi(app: FastAPI) -> None:
    """Serve the document above at ``/openapi.json`` (built once, on first request)."""

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            spec = get_openapi(
                title=app.title,
                version=app.version,
                openapi_version=app.openapi_version,
                description=app.description,
                routes=app.routes,
            )
            app.openapi_schema = _document(spec)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
