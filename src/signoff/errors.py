"""Every error signoff raises for a person to read.

The tree::

    SignoffError                 exit 1   HTTP 500   (never raised directly)
    ├── ConfigError              exit 2   HTTP 400   bad config, policy or usage
    ├── InputError               exit 3   HTTP 422   data or model cannot be read or used
    │   ├── DataError                                the evaluation data
    │   └── ModelError                               the model file
    ├── MissingExtraError        exit 2   HTTP 501   an optional integration is not installed
    ├── StoreError               exit 2   HTTP 503   the registry database cannot be used
    ├── NotFound                 exit 2   HTTP 404   a user, model, version or event not found
    ├── AlreadyExists            exit 2   HTTP 409   a name that is taken
    ├── WorkflowRefused          exit 4   HTTP 403   refused by the workflow (its ``rule``)
    └── LedgerVerificationError  exit 5   HTTP 409   the ledger does not verify

Each class carries the CLI exit code (``exit_code``) and the HTTP status
(``http_status``) it maps to, so the CLI and the API render every error the
same way with one handler.  Messages name the file, the field (and the line
where there is one) and what was expected.
"""

from __future__ import annotations

from pathlib import Path

__all__ = [
    "AlreadyExists",
    "ConfigError",
    "DataError",
    "InputError",
    "LedgerVerificationError",
    "MissingExtraError",
    "ModelError",
    "NotFound",
    "SignoffError",
    "StoreError",
    "WorkflowRefused",
]


class SignoffError(Exception):
    """Root of every error meant for a person rather than a traceback."""

    exit_code: int = 1
    http_status: int = 500

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        field: str | None = None,
        line: int | None = None,
        column: int | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.field = field
        self.line = line
        self.column = column
        super().__init__(self.render())

    def render(self) -> str:
        """``file:line:column: field: message`` with the parts that are known."""
        where = ""
        if self.file is not None:
            where = self.file
            if self.line is not None:
                where += f":{self.line}"
                if self.column is not None:
                    where += f":{self.column}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class ConfigError(SignoffError):
    """A config, policy or command line that cannot be used as written."""

    exit_code = 2
    http_status = 400


class InputError(SignoffError):
    """Input data or a model that cannot be read or used."""

    exit_code = 3
    http_status = 422


class DataError(InputError):
    """The evaluation data: missing file, missing column, bad labels or scores."""


class ModelError(InputError):
    """The model: unreadable, untrusted, or not matching the data."""


class MissingExtraError(SignoffError):
    """An optional integration was asked for but its extra is not installed."""

    exit_code = 2
    http_status = 501

    def __init__(self, feature: str, extra: str, module: str) -> None:
        self.extra = extra
        super().__init__(
            f"{feature} needs the optional package '{module}', which is not installed; "
            f"install it with: pip install 'signoff[{extra}]'"
        )


class StoreError(SignoffError):
    """The registry database cannot be reached, is locked, or has an old schema."""

    exit_code = 2
    http_status = 503


class NotFound(SignoffError):
    """A user, model, version, event or file that does not exist."""

    exit_code = 2
    http_status = 404


class AlreadyExists(SignoffError):
    """A name or version that is already taken."""

    exit_code = 2
    http_status = 409


class WorkflowRefused(SignoffError):
    """The workflow refused a state change (sign-off, separation of duties, stage rule).

    ``rule`` names the rule that applied (``requester_cannot_sign`` …) when there is one;
    ``items``, what is missing when the refusal lists it (the message ends with them, joined
    by ``; ``), for faces that show a list.
    """

    exit_code = 4
    http_status = 403
    rule: str | None = None
    items: tuple[str, ...] = ()


class LedgerVerificationError(SignoffError):
    """The ledger or an evidence pack does not verify."""

    exit_code = 5
    http_status = 409
