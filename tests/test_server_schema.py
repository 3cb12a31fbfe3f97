"""schemathesis against ``/openapi.json`` on SQLite and PostgreSQL: generated requests to
every operation, as a signed-in machine with a write token, never get a 5xx, and every
response — status code, content type and body — matches what the document declares."""

from __future__ import annotations

from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")
pytest.importorskip("schemathesis", reason="schemathesis (dev) is not installed")

import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from server_helpers import bearer, populate
from server_helpers import settings as server_settings

#: Generated requests per operation: bounded so both databases run in well under 2 minutes.
EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def served(api, tmp_path: Path):
    """A populated registry behind the app, and a write token of a reviewer."""
    from signoff.server import create_app

    populate(api, tmp_path)
    app = create_app(api, server_settings())
    return app, bearer(api, "anna", "write")


def test_no_5xx_and_every_response_matches_its_schema(served):
    from hypothesis import given

    from signoff.server import api_routes

    app, headers = served
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]
    documented = {(op.method.upper(), op.path) for op in operations}
    routes = {
        (method, route.path)
        for route in api_routes(app.routes)
        if route.include_in_schema
        for method in route.methods - {"HEAD"}
    }
    assert documented == routes  # every documented route is exercised
    assert len(routes) >= 25

    for operation in operations:

        @given(case=operation.as_strategy())
        @settings(
            max_examples=EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        def check(case) -> None:
            case.call_and_validate(headers=dict(headers), checks=CHECKS)

        check()
