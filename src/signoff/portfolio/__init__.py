"""The portfolio: every model's compliance status, trends and the monthly executive report,
computed from the registry — and, as of any past date, from the ledger alone."""

from ._context import portfolio_charts
from ._facts import EVENT_ACTIONS, Facts, MonitorWindow
from ._service import Portfolio, parse_moment
from ._snapshot import Snapshot
from ._status import EXPIRING_DAYS, STATUSES, Finding, ModelStatus, Status
from ._trends import BY, check_by, percentiles
from ._view import LedgerHead, PortfolioView, check_status

__all__ = [
    "BY",
    "EVENT_ACTIONS",
    "EXPIRING_DAYS",
    "STATUSES",
    "Facts",
    "Finding",
    "LedgerHead",
    "ModelStatus",
    "MonitorWindow",
    "Portfolio",
    "PortfolioView",
    "Snapshot",
    "Status",
    "check_by",
    "check_status",
    "parse_moment",
    "percentiles",
    "portfolio_charts",
]
