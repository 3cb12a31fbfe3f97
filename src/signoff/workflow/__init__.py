"""The approval workflow: change requests, risk-based sign-offs, separation of duties,
deploys and rollback — every step ledgered."""

from . import _emergency, _rollback, _service, _waivers
from ._domain import DECISIONS, ChangeRequest, Decision, SignOff, cr_id, cr_number
from ._governance import ApprovalRule, Governance, LoadedGovernance, StageRule, load_governance
from ._risk import RiskRating, RiskReason, RiskThresholds, VersionFacts, rate_change
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


class Workflow(
    _service.ChangeRequestServices,
    _rollback.RollbackServices,
    _rollback.HistoryServices,
    _waivers.WaiverServices,
    _emergency.EmergencyServices,
):
    """The approval workflow over one registry and one governance config.

    Every rule lives in these services, in the core, so the CLI and any API inherit
    them; every step is a ledger event written in the same transaction as the change.
    """
