"""The approval workflow: change requests, risk-based sign-offs, separation of duties,
deploys and rollback, governance versions — every step ledgered, every rule checked
under the write lock."""

from __future__ import annotations

from ..store import (
    CRState,
    Decision,
    GovernanceRecord,
    RequiredSignOff,
    SignOff,
)
from ._comments import judge_comment
from ._cr_pages import CRPage, page_crs
from ._deploy import DeployServices
from ._domain import DECISIONS, ChangeRequest, EmergencyDetails, cr_id, cr_number
from ._emergency import EmergencyServices, flag_overdue
from ._facade import Workflow
from ._governance import (
    NO_POLICY,
    ApprovalRule,
    Governance,
    LoadedGovernance,
    ReviewEveryDays,
    StageRule,
    bundled_governance_path,
    load_governance,
)
from ._governance_view import governance_view, redact_url, shown_versions
from ._governance_warnings import GovernanceConfigWarning, GovernanceWarning, governance_warnings
from ._identity import IdentityServices, RoleSync
from ._monitor_types import (
    SEVERITIES,
    ActionPlan,
    RecordedWindow,
    RunRecord,
    WindowRecord,
    watched_ref,
)
from ._monitoring import MonitorServices
from ._override import RiskOverrideServices
from ._readiness import Judgement, judge_audit, judge_latest_audit, missing_for, waived
from ._risk import RiskRating, RiskReason, RiskThresholds, VersionFacts, rate_change
from ._rollback import HistoryServices, Rollback, RollbackServices
from ._rules import GovernanceServices, Rules, StagePolicy, gov_id, rules_in_force, rules_of
from ._service import ChangeRequestServices
from ._sign import SignOffServices
from ._signatures import require_signatures
from ._states import CR_STATES, TRANSITIONS, check_transition
from ._support import REFUSALS, evidence_changed
from ._waivers import Waiver, WaiverServices

__all__ = [
    "CR_STATES",
    "DECISIONS",
    "NO_POLICY",
    "REFUSALS",
    "SEVERITIES",
    "TRANSITIONS",
    "ActionPlan",
    "ApprovalRule",
    "CRPage",
    "CRState",
    "ChangeRequest",
    "ChangeRequestServices",
    "Decision",
    "DeployServices",
    "EmergencyDetails",
    "EmergencyServices",
    "Governance",
    "GovernanceConfigWarning",
    "GovernanceRecord",
    "GovernanceServices",
    "GovernanceWarning",
    "HistoryServices",
    "IdentityServices",
    "Judgement",
    "LoadedGovernance",
    "MonitorServices",
    "RecordedWindow",
    "RequiredSignOff",
    "ReviewEveryDays",
    "RiskOverrideServices",
    "RiskRating",
    "RiskReason",
    "RiskThresholds",
    "RoleSync",
    "Rollback",
    "RollbackServices",
    "Rules",
    "RunRecord",
    "SignOff",
    "SignOffServices",
    "StagePolicy",
    "StageRule",
    "VersionFacts",
    "Waiver",
    "WaiverServices",
    "WindowRecord",
    "Workflow",
    "bundled_governance_path",
    "check_transition",
    "cr_id",
    "cr_number",
    "evidence_changed",
    "flag_overdue",
    "gov_id",
    "governance_view",
    "governance_warnings",
    "judge_audit",
    "judge_comment",
    "judge_latest_audit",
    "load_governance",
    "missing_for",
    "page_crs",
    "rate_change",
    "redact_url",
    "require_signatures",
    "rules_in_force",
    "rules_of",
    "shown_versions",
    "waived",
    "watched_ref",
]
