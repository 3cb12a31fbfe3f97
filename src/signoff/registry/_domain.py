"""The registry's vocabulary: roles, stages, risk tiers and artifact kinds."""

from __future__ import annotations

__all__ = ["ARTIFACT_KINDS", "RISK_TIERS", "ROLES", "STAGES"]

#: Bundled default roles (a governance config may add more).  ``monitor`` is the
#: service identity of automatic monitoring: it may roll back, never sign or approve.
ROLES = (
    "admin",
    "requester",
    "data_reviewer",
    "risk_reviewer",
    "ops_reviewer",
    "approver",
    "operator",
    "on_call",
    "auditor",
    "monitor",
)
STAGES = ("development", "staging", "production", "archived")
RISK_TIERS = ("low", "medium", "high")
ARTIFACT_KINDS = (
    "model_card",
    "validation_report",
    "rollback_plan",
    "data_sheet",
    "audit_results",
    "audit_manifest",
    "audit_report",
    "other",
)
