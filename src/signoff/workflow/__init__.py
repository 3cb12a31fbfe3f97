"""The approval workflow: change requests, risk-based sign-offs, separation of duties,
deploys and rollback — every step ledgered."""

from ._domain import DECISIONS, ChangeRequest, Decision, SignOff, cr_id, cr_number
from ._governance import ApprovalRule, Governance, LoadedGovernance, StageRule, load_governance
from ._risk import RiskRating, RiskReason, RiskThresholds, VersionFacts, rate_change
from ._service import ProductionHistory as Workflow
from ._states import CR_STATES, TRANSITIONS, CRState, check_transition
from ._waivers import Waiver

__all__ = [
    "CR_STATES",
    "DECISIONS",
    "TRANSITIONS",
    "ApprovalRule",
    "CRState",
    "ChangeRequest",
    "Decision",
    "Governance",
    "LoadedGovernance",
    "RiskRating",
    "RiskReason",
    "RiskThresholds",
    "SignOff",
    "StageRule",
    "VersionFacts",
    "Waiver",
    "Workflow",
    "check_transition",
    "cr_id",
    "cr_number",
    "load_governance",
    "rate_change",
]
