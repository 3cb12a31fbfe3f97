"""``signoff portfolio [trends|report]``: thin faces over :class:`signoff.portfolio.Portfolio`.

The group is a Typer app whose callback lists the models when no subcommand is given;
further subcommands (``portfolio import``) register on :data:`portfolio_app`.
"""

from __future__ import annotations

import csv
import io
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape
from rich.text import Text

from ..errors import ConfigError
from ._app import PlainTable, app, err_console, handle_errors, out_console
from ._registry import NO_MODELS, open_signoff
from ._regulatory import register as register_import

if TYPE_CHECKING:
    from ..portfolio import PortfolioView

__all__ = ["portfolio_app"]

portfolio_app = typer.Typer(
    help="Every model's compliance status, trends and the executive report.",
    invoke_without_command=True,
)
app.add_typer(portfolio_app, name="portfolio", rich_help_panel="Workflow")
register_import(portfolio_app)  # `signoff portfolio import` (cli/_regulatory.py)

BOTH_FORMATS = "--json and --csv are alternatives: give one"
BAD_OUTPUT = "the report is written as .pdf or .html; got {name!r}"
CSV_COLUMNS = (
    "model",
    "production",
    "staging",
    "owner",
    "team",
    "risk_tier",
    "status",
    "next_review_due",
    "last_approval",
    "reason",
)
WIDE = 110  # columns from which every field of `signoff portfolio` has its own column
STYLE = {"compliant": "green", "attention": "yellow", "blocked": "bold red"}
Json = Annotated[bool, typer.Option("--json", help="Print JSON only.")]


def _ledger_line(view: PortfolioView) -> str:
    head = view.ledger
    root = f", root {head.root}" if head.root else ""
    return f"as of {view.as_of.isoformat()}: ledger tree size {head.size}{root}"


def _csv(rows: list[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, extrasaction="ignore")
    writer.writeheader()
    writer.writerows(rows)
    return buffer.getvalue()


@portfolio_app.callback()
@handle_errors
def portfolio(
    ctx: typer.Context,
    at: Annotated[
        str | None,
        typer.Option(help="A past date or time: recompute from the ledger alone, as it stood."),
    ] = None,
    team: Annotated[str | None, typer.Option(help="Only this team's models.")] = None,
    status: Annotated[
        str | None, typer.Option(help="Only models with this status: compliant|attention|blocked.")
    ] = None,
    as_json: Json = False,
    as_csv: Annotated[bool, typer.Option("--csv", help="Print CSV only.")] = False,
) -> None:
    """One row per model: production and staging versions, owner, team, risk tier,
    compliance status and its reason, next review due."""
    if ctx.invoked_subcommand is not None:
        return
    if as_json and as_csv:
        raise ConfigError(BOTH_FORMATS, field="--csv")
    from ..portfolio import check_status  # (imported with the registry in any case)

    check_status(status)  # a mistyped status is named before the registry is looked for
    with open_signoff(write=False, deliver=False) as api:
        view = api.portfolio.view(at=at, team=team, status=status)
    data = view.to_dict()
    if as_json:
        print(json.dumps(data, indent=2, ensure_ascii=False))
        return
    if as_csv:
        if at is not None:
            err_console.print(escape(_ledger_line(view)))
        sys.stdout.write(_csv(data["models"]))
        return
    total = len(data["models"])
    if total:
        out_console.print(_models_table(data["models"], out_console.width))
        counts = ", ".join(f"{n} {s}" for s, n in data["counts"].items())
        out_console.print(escape(f"{total} model{'' if total == 1 else 's'}: {counts}"))
    else:
        out_console.print(escape(_nothing_listed(at=at, team=team, status=status)))
    out_console.print(escape(_ledger_line(view)), soft_wrap=True)


def _nothing_listed(*, at: str | None, team: str | None, status: str | None) -> str:
    """What an empty list means, instead of a table with no rows."""
    asked = [f"{name} {value}" for name, value in (("team", team), ("status", status)) if value]
    if asked:
        return f"no model matches {' and '.join(asked)}" + (f" as of {at}" if at else "")
    if at:
        return f"no model was registered as of {at}"
    return NO_MODELS


def _models_table(rows: list[dict[str, Any]], width: int) -> PlainTable:
    """One row per model. From ``WIDE`` columns every field has its column; below (an
    80-column terminal or CI log) three columns — the model with its team and risk, the
    status with the versions and the review date, the reason — so nothing is cut."""
    if width >= WIDE:
        table = PlainTable(
            "model", "production", "staging", "team", "risk", "status", "next review", "reason"
        )
        for row in rows:
            table.add_row(
                row["model"],
                row["production"] or "–",
                row["staging"] or "–",
                row["team"],
                row["risk_tier"],
                Text(row["status"], style=STYLE[row["status"]]),
                row["next_review_due"] or "–",
                row["reason"],
            )
        return table
    table = PlainTable("model", "status", "reason", expand=True)
    table.columns[0].no_wrap = table.columns[1].no_wrap = True
    table.columns[2].ratio = 1  # the reason takes every column the others leave
    for row in rows:
        model = Text(row["model"])
        model.append(f"\n{row['team']} · {row['risk_tier']}", style="dim")
        status = Text(row["status"], style=STYLE[row["status"]])
        status.append(f"\nproduction {row['production'] or '–'}", style="dim")
        if row["staging"]:
            status.append(f"\nstaging {row['staging']}", style="dim")
        status.append(f"\nreview {row['next_review_due'] or '–'}", style="dim")
        table.add_row(model, status, row["reason"])
    return table


@portfolio_app.command("trends")
@handle_errors
def trends(
    since: Annotated[str | None, typer.Option(help="Only from this date on.")] = None,
    by: Annotated[str, typer.Option(help="Group by month, team or risk.")] = "month",
    as_json: Json = False,
) -> None:
    """Gate pass rate, most-failed gates, metrics over versions, approval velocity,
    change-failure rate, time to restore, monitoring coverage, audits per month."""
    from ..portfolio import check_by

    check_by(by)  # named before the registry is looked for
    with open_signoff(write=False, deliver=False) as api:
        found = api.portfolio.trends(since=since, by=by)
    if as_json:
        print(json.dumps(found, indent=2, ensure_ascii=False))
        return
    _print_trends(found)


def _cell(value: Any, suffix: str = "") -> str:
    return "–" if value is None else f"{value}{suffix}"


def _table_or(table: PlainTable, nothing: str) -> None:
    """The table, or a line saying what its lack of rows means (as ``emit`` does)."""
    out_console.print(table if table.row_count else escape(nothing))


def _print_trends(found: dict[str, Any]) -> None:
    groups = PlainTable(found["by"], "audits", "pass rate", "approvals", "deploys", "rolled back")
    for g in found["groups"]:
        rate = None if g["pass_rate"] is None else f"{100 * g['pass_rate']:.1f}%"
        groups.add_row(
            g["key"],
            str(g["audits"]),
            _cell(rate),
            str(g["approvals"]),
            str(g["deploys"]),
            str(g["rolled_back"]),
        )
    _table_or(groups, f"no audit, approval or deploy to show by {found['by']}")
    failed = PlainTable("most-failed gate", "failures", "models")
    for g in found["most_failed_gates"]:
        failed.add_row(g["gate"], str(g["failures"]), str(g["models"]))
    _table_or(failed, "no gate has failed")
    velocity = PlainTable(
        "risk tier", "approved: n", "median h", "p90 h", "deployed: n", "median h", "p90 h"
    )
    for tier, v in found["velocity"].items():
        a, d = v["approved"], v["deployed"]
        velocity.add_row(
            tier,
            str(a["n"]),
            _cell(a["median_hours"]),
            _cell(a["p90_hours"]),
            str(d["n"]),
            _cell(d["median_hours"]),
            _cell(d["p90_hours"]),
        )
    _table_or(velocity, "no change request approved or deployed")
    change, restore, cover = (
        found["change_failure"],
        found["time_to_restore"],
        found["monitoring_coverage"],
    )
    out_console.print(
        escape(
            f"change-failure rate: {change['rolled_back']} of {change['deploys']} deploys "
            f"rolled back; time to restore: median {_cell(restore['median_hours'], ' h')}, "
            f"p90 {_cell(restore['p90_hours'], ' h')} ({restore['n']} rollbacks); monitoring "
            f"coverage: {cover['monitored_24h']} of {cover['production_models']} in the last 24 h"
        )
    )
    months = ", ".join(f"{m}: {n}" for m, n in found["audits_per_month"].items())
    out_console.print(escape(f"audits per month: {months or 'none'}"))


@portfolio_app.command("report")
@handle_errors
def report(
    period: Annotated[str, typer.Option(help="The month reported on, e.g. 2026-11.")],
    output: Annotated[Path, typer.Option("-o", "--output", help="exec.pdf or exec.html.")],
    key: Annotated[
        Path | None,
        typer.Option(help="Private key file (signoff ledger keygen): sign the checkpoint."),
    ] = None,
) -> None:
    """The monthly executive report, computed from the ledger and citing its checkpoint."""
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in ("pdf", "html"):
        raise ConfigError(BAD_OUTPUT.format(name=output.name), field="-o")
    private = None
    if key is not None:
        from ..ledger import load_private_key

        private = load_private_key(key)
    with open_signoff(write=False, deliver=False) as api:
        data, context = api.portfolio.report(period, fmt=suffix, private_key=private)
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_bytes(data)
    ledger = context["ledger"]
    signed = "signed" if ledger["signed_note"] else "unsigned"
    out_console.print(
        escape(
            f"wrote {output} ({signed}; ledger tree size {ledger['size']}, "
            f"root {ledger['root_hash']})"
        ),
        soft_wrap=True,
    )
