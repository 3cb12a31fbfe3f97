"""RFC 9457 problems back into the CLI's errors: the same message, the same exit code."""

from __future__ import annotations

from typing import Any

from .. import errors

__all__ = ["RemoteBug", "error_from_problem"]

#: The server's own refusals and errors, by title, as the CLI's error classes.
_SERVER_TITLES: dict[str, type[errors.SignoffError]] = {
    "AccessRefused": errors.WorkflowRefused,  # 403: refused, with the rule (exit 4)
    "CSRFRefused": errors.WorkflowRefused,
    "NotAuthenticated": errors.ConfigError,  # sign in first: `signoff login` (exit 2)
    "InvalidRequest": errors.ConfigError,  # the request did not parse (exit 2)
    "PreconditionRequired": errors.ConfigError,
    "PreconditionFailed": errors.WorkflowRefused,
    "NotFound": errors.NotFound,
}
_CLASSES: dict[str, type[errors.SignoffError]] = {
    name: cls
    for name in errors.__all__
    if isinstance(cls := getattr(errors, name), type) and issubclass(cls, errors.SignoffError)
}


class RemoteBug(Exception):
    """The server answered with an internal error (a bug: exit 70, as locally)."""


def _by_status(status: int) -> type[errors.SignoffError]:
    if status == 403:
        return errors.WorkflowRefused
    if status == 404:
        return errors.NotFound
    if status == 409:
        return errors.AlreadyExists
    if status in (401, 400, 412, 428, 422):
        return errors.ConfigError
    return errors.StoreError


def error_from_problem(status: int, body: Any) -> Exception:
    """The error a problem document stands for (the server sends ``detail``, the message
    the CLI prints after ``error:``; ``title``, the error class)."""
    problem = body if isinstance(body, dict) else {}
    title = str(problem.get("title", ""))
    detail = str(problem.get("detail") or f"the server answered HTTP {status}")
    if status >= 500 and title in ("InternalError", ""):
        return RemoteBug(f"the server failed: {detail}")
    cls = _CLASSES.get(title) or _SERVER_TITLES.get(title) or _by_status(status)
    if cls is errors.MissingExtraError:
        cls = errors.StoreError  # its text is complete already; the server misses the extra
    error = cls(detail)
    if isinstance(error, errors.WorkflowRefused):
        error.rule = problem.get("rule")
        items = problem.get("items")
        if isinstance(items, list) and all(isinstance(i, str) for i in items):
            error.items = tuple(items)
    return error
