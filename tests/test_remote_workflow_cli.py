"""The CLI's workflow tests re-run in remote mode: a live `signoff serve` on loopback over
SQLite and PostgreSQL, every command the API offers sent through it as the person signed
in (remote_cli.py) — the same assertions, the same exit codes."""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from remote_cli import cli  # noqa: F401  (the remote runner replaces conftest's)
from test_workflow_cli import (  # noqa: F401
    env,
    test_a_cr_not_ready_lists_what_is_missing_one_per_line,
    test_emergency_through_the_cli,
    test_feature_schema_change_is_medium_risk_with_two_signoffs,
    test_governance_show_and_lint,
)
from test_workflow_scenarios import (  # noqa: F401
    test_emergency_rollback_after_an_incident_then_an_overdue_review_is_closed,
    test_fraud_model_to_production_then_a_blocked_second_version,
)
