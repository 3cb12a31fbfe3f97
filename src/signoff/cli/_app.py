"""The Typer application and the one error handler every command shares."""

from __future__ import annotations

import getpass
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
from rich.console import Console
from rich.markup import escape

from .. import __version__
from ..errors import SignoffError

__all__ = ["app", "current_user", "err_console", "handle_errors", "out_console"]

P = ParamSpec("P")
R = TypeVar("R")

app = typer.Typer(
    name="signoff",
    help="ML model governance: audit models against policies, with evidence a regulator accepts.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode="rich",
)


def _console(stderr: bool) -> Console:
    return Console(stderr=stderr, no_color="NO_COLOR" in os.environ, highlight=False)


out_console = _console(stderr=False)
err_console = _console(stderr=True)


def current_user() -> str | None:
    """``SIGNOFF_USER``, else the login name (recorded as who ran the audit)."""
    user = os.environ.get("SIGNOFF_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Render a :class:`SignoffError` as one line on stderr and exit with its code."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except SignoffError as exc:
            # escape: messages hold brackets that are not markup (pip install 'signoff[pdf]')
            message = escape(exc.render())
            err_console.print(f"[bold red]error:[/] {message}", markup=True, soft_wrap=True)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted; nothing was written")
            raise typer.Exit(130) from None

    return wrapper


def _version(value: bool) -> None:
    if value:
        print(f"signoff {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option(
            "--version", callback=_version, is_eager=True, help="Show the version and exit."
        ),
    ] = False,
) -> None:
    """signoff: policy-as-code audits of ML models, reproducible and offline."""


def run(argv: list[str] | None = None) -> Any:
    """Entry point used by the console script."""
    return app(args=argv if argv is not None else sys.argv[1:], prog_name="signoff")
