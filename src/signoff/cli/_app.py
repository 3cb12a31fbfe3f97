"""The Typer application and the one error handler every command shares."""

from __future__ import annotations

import copy
import gc
import getpass
import os
import sys
from collections.abc import Callable
from functools import wraps
from typing import Annotated, Any, ParamSpec, TypeVar

import typer
import typer.exceptions
from rich.console import Console
from rich.markup import escape
from typer.models import CommandInfo, TyperInfo

from .. import __version__
from .._gc import mark_long_lived, mark_short_lived
from ..errors import SignoffError
from ._table import CliTable, PlainTable

__all__ = [
    "INTERNAL_ERROR",
    "INTERNAL_EXIT",
    "CliTable",
    "PlainTable",
    "app",
    "app_for",
    "current_user",
    "err_console",
    "handle_errors",
    "long_lived_process",
    "out_console",
    "settle_imports",
    "short_lived_process",
]

#: Exit code of an unexpected exception: a bug in signoff, never a failed gate (EX_SOFTWARE).
INTERNAL_EXIT = 70
INTERNAL_ERROR = (
    "internal error: {kind}: {detail} -- this is a bug in signoff, not in your input; "
    "please report it with the command you ran at https://github.com/signoff/signoff/issues"
)

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


_SHORT_LIVED = {"yes": False}
#: The collector's thresholds as Python sets them, and the first generation's while a
#: short-lived command imports its modules: they create ~300k objects that live until exit,
#: and collecting every 700 allocations walked them ~200 times (75 ms of `portfolio --at`).
_THRESHOLDS = gc.get_threshold()
WHILE_IMPORTING = 1_000_000


def short_lived_process() -> None:
    """Mark this process as one command that exits when done (the console script): its
    collector runs seldom until :func:`settle_imports`, which puts it back."""
    _SHORT_LIVED["yes"] = True
    mark_short_lived()  # bulk reads are kept, not freed one by one (signoff._gc)
    gc.set_threshold(WHILE_IMPORTING, *_THRESHOLDS[1:])


def long_lived_process() -> None:
    """This process keeps running (``signoff serve`` started by the console script): undo
    :func:`short_lived_process` — bulk reads freed, the collector as Python sets it."""
    _SHORT_LIVED["yes"] = False
    mark_long_lived()
    gc.set_threshold(*_THRESHOLDS)


def settle_imports() -> None:
    """Call after a command's heavy imports (pandas, scikit-learn, the report engine; the
    registry's, which :func:`~signoff.cli._registry.open_signoff` calls it after).

    In a short-lived process everything alive now is moved to the garbage
    collector's permanent generation (``gc.freeze``): it lives until exit
    anyway, and otherwise every full collection the computation triggers scans
    all imported modules, classes and functions again, about half a second of
    an audit.  A long-lived process (an application calling ``run``, tests,
    the server) keeps its collector as it is.
    """
    if _SHORT_LIVED["yes"]:
        gc.freeze()
        gc.set_threshold(*_THRESHOLDS)


def current_user() -> str | None:
    """``SIGNOFF_USER``, else the login name (recorded as who ran the audit)."""
    user = os.environ.get("SIGNOFF_USER")
    if user:
        return user
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return None


def internal_error_line(exc: BaseException) -> str:
    """The one line printed for an exception that is not a :class:`SignoffError`."""
    detail = " ".join(str(exc).split())[:200] or "(no message)"
    return INTERNAL_ERROR.format(kind=type(exc).__name__, detail=detail)


def _report_bug(exc: BaseException) -> None:
    err_console.print(escape(internal_error_line(exc)), markup=True, soft_wrap=True)


#: What to release when the running command ends (open registries), newest first.
_ON_EXIT: list[Callable[[], None]] = []


def on_exit(release: Callable[[], None]) -> None:
    """Run ``release`` when the running command ends, however it ends."""
    _ON_EXIT.append(release)


def _release() -> None:
    while _ON_EXIT:
        _ON_EXIT.pop()()


def _print_error(exc: SignoffError) -> None:
    """``error: MESSAGE`` on stderr; a refusal that lists what is missing shows one item per
    line under its first words instead of one line of ``; ``-joined items."""
    text = exc.render()
    items: tuple[str, ...] = getattr(exc, "items", ())
    joined = "; ".join(items)
    if items and text.endswith(joined):
        text = text[: len(text) - len(joined)].rstrip() + "".join(f"\n  - {i}" for i in items)
    # escape: messages hold brackets that are not markup (pip install 'signoff[pdf]')
    err_console.print(f"[bold red]error:[/] {escape(text)}", markup=True, soft_wrap=True)


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Render a :class:`SignoffError` as one line on stderr and exit with its code.

    Any other exception is a bug: one line pointing to a bug report, exit 70.
    """

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except SignoffError as exc:
            _print_error(exc)
            raise typer.Exit(exc.exit_code) from None
        except KeyboardInterrupt:
            err_console.print("interrupted; nothing was written")
            raise typer.Exit(130) from None
        except (typer.Exit, typer.Abort, typer.exceptions.TyperException):
            raise  # typer's own control flow and usage errors
        except Exception as exc:  # the last resort: never a traceback, never exit 1
            _report_bug(exc)
            raise typer.Exit(INTERNAL_EXIT) from None
        finally:
            _release()

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


def app_for(argv: list[str]) -> typer.Typer:
    """The application with only the command ``argv`` names, or all of it.

    Typer turns every registered command into a Click command before it parses a word:
    for signoff's hundred commands that is about 345 M instructions (some 70 ms), paid by
    every command for all the others.  The first word names the command (the root has no
    option that takes a value), so only that command is built.  The whole application
    answers when there is no such command (Click's message and its suggestions) and for
    the root's own help and options (``--help``, no word at all).
    """
    if not argv or argv[0].startswith("-"):
        return app if argv != ["--version"] else _only(app, [], [])
    commands = [c for c in app.registered_commands if c.name == argv[0]]
    groups = [g for g in app.registered_groups if g.name == argv[0]]
    return _only(app, commands, groups) if commands or groups else app


def _only(whole: typer.Typer, commands: list[CommandInfo], groups: list[TyperInfo]) -> typer.Typer:
    part = copy.copy(whole)  # the same settings and root callback; its own lists
    part.registered_commands = commands
    part.registered_groups = groups
    return part


def run(argv: list[str] | None = None) -> Any:
    """Entry point used by the console script (exit 70 on an unexpected exception)."""
    args = argv if argv is not None else sys.argv[1:]
    try:
        return app_for(args)(args=args, prog_name="signoff")
    except Exception as exc:  # a command without handle_errors, or typer itself
        _report_bug(exc)
        sys.exit(INTERNAL_EXIT)
