"""The audit: evidence for one model on one evaluation set, with its manifest."""

from ._result import RESULT_FILES, AuditResult
from ._run import Progress, audit, timestamp_from_environment

__all__ = ["RESULT_FILES", "AuditResult", "Progress", "audit", "timestamp_from_environment"]
