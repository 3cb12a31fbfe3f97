"""``signoff policy …`` and ``signoff init``: write, check and review policies."""

from __future__ import annotations

import json
import shutil
from importlib import resources
from pathlib import Path
from typing import Annotated, Any

import typer

from ..errors import ConfigError, SignoffError
from ._app import CliTable, app, err_console, handle_errors, out_console

__all__ = ["policy_app", "template_files"]

policy_app = typer.Typer(
    help="Check, show, compare and explain policies.", no_args_is_help=True, rich_markup_mode="rich"
)
app.add_typer(policy_app, name="policy", rich_help_panel="Policy")

TEMPLATE_EXISTS = "{path} exists; pass --force to overwrite it"
UNKNOWN_TEMPLATE = "no template named {name!r}; templates: {names}"


def template_files() -> dict[str, Path]:
    """Bundled policy templates: name (file stem) → file."""
    folder = resources.files("signoff.policy") / "templates"
    return {
        Path(str(entry)).stem: Path(str(entry))
        for entry in sorted(folder.iterdir(), key=lambda e: e.name)
        if entry.name.endswith(".yaml")
    }


@policy_app.command("lint")
def lint_command(
    files: Annotated[list[Path], typer.Argument(help="Policy files to check.")],
) -> None:
    """Check policy files: schema, unknown metrics, unreachable thresholds, extends."""
    from ..policy import load_policy

    failed = 0
    for path in files:
        try:
            loaded = load_policy(path)
        except SignoffError as exc:
            failed += 1
            err_console.print(f"[bold red]error:[/] {exc.render()}", soft_wrap=True)
            continue
        parents = f", extends {loaded.files[1].path}" if len(loaded.files) > 1 else ""
        out_console.print(f"ok: {path} ({len(loaded.policy.gates)} gates{parents})")
    if failed:
        raise typer.Exit(ConfigError.exit_code)


@policy_app.command("show")
@handle_errors
def show_command(
    file: Annotated[Path, typer.Argument(help="Policy file.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of YAML.")] = False,
) -> None:
    """Print the resolved policy: parents' gates merged, as the audit will apply it."""
    from ..policy import load_policy

    loaded = load_policy(file)
    data: dict[str, Any] = loaded.policy.model_dump(mode="json", exclude={"extends"})
    data["resolved_from"] = [str(f.path) for f in loaded.files]
    if as_json:
        print(json.dumps(data, indent=2))
    else:
        import yaml  # here, not at start-up: only this command writes YAML

        print(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), end="")


@policy_app.command("diff")
@handle_errors
def diff_command(
    old: Annotated[Path, typer.Argument(help="The policy as it was.")],
    new: Annotated[Path, typer.Argument(help="The policy as proposed.")],
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """Gates added, removed, tightened and loosened between two policy versions."""
    from ..policy import diff_policies, load_policy

    changes = diff_policies(load_policy(old).policy, load_policy(new).policy)
    if as_json:
        print(json.dumps([c.to_dict() for c in changes], indent=2))
        return
    if not changes:
        out_console.print("no gate changes")
        return
    style = {"loosened": "red", "removed": "red", "tightened": "green", "added": "green"}
    table = CliTable(title=f"{old} → {new}", title_justify="left")
    for column in ("change", "gate", "details"):
        table.add_column(column)
    for change in changes:
        colour = style.get(change.kind, "yellow")
        table.add_row(f"[{colour}]{change.kind}[/]", change.key, "; ".join(change.reasons))
    out_console.print(table)
    loosened = sum(c.kind in ("loosened", "removed") for c in changes)
    if loosened:
        out_console.print(f"[red]{loosened} gate(s) loosened or removed: needs policy review[/]")


@policy_app.command("explain")
@handle_errors
def explain_command(metric: Annotated[str, typer.Argument(help="Metric name.")]) -> None:
    """What a metric means, which way is better, typical thresholds, what fixes it."""
    from ..metrics import get_metric
    from ..policy import guidance

    try:
        spec = get_metric(metric)
    except KeyError as exc:
        raise ConfigError(str(exc.args[0]), field="metric") from None
    advice = guidance(metric)
    where = {"overall": "overall", "attribute": "per attribute", "group": "per group"}
    out_console.print(f"[bold cyan]{spec.name}[/]: {spec.description}")
    out_console.print(
        f"  better: {spec.direction}; reported {', '.join(where[x] for x in spec.levels)}"
    )
    out_console.print(f"  meaning: {advice.interpretation}")
    out_console.print(f"  typical thresholds: {advice.typical}")
    out_console.print(f"  when it fails: {advice.remediation}")


@policy_app.command("templates")
@handle_errors
def templates_command(
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
) -> None:
    """List the bundled policy templates (copied by `signoff init`)."""
    from ..policy import load_policy

    rows: list[dict[str, Any]] = []
    for name, path in template_files().items():
        loaded = load_policy(path)
        rows.append(
            {
                "name": name,
                "policy_name": loaded.policy.policy_name,
                "version": loaded.policy.version,
                "gates": len(loaded.policy.gates),
                "citation": loaded.policy.citation,
            }
        )
    if as_json:
        print(json.dumps(rows, indent=2))
        return
    table = CliTable(title="Policy templates", title_justify="left")
    for column in ("name", "policy", "gates", "citation"):
        table.add_column(column)
    for row in rows:
        table.add_row(
            str(row["name"]),
            f"{row['policy_name']} v{row['version']}",
            str(row["gates"]),
            str(row["citation"]),
        )
    out_console.print(table)


@app.command("init", rich_help_panel="Start here")
@handle_errors
def init_command(
    folder: Annotated[Path, typer.Argument(help="Where to put policies/.")] = Path("."),
    template: Annotated[
        list[str] | None, typer.Option(help="Template to copy (repeatable); default: all.")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite existing files.")] = False,
) -> None:
    """Copy the bundled policy templates into FOLDER/policies/ to start from."""
    available = template_files()
    chosen = template or list(available)
    for name in chosen:
        if name not in available:
            raise ConfigError(
                UNKNOWN_TEMPLATE.format(name=name, names=", ".join(available)), field="--template"
            )
    target = folder / "policies"
    target.mkdir(parents=True, exist_ok=True)
    for name in chosen:
        destination = target / f"{name}.yaml"
        if destination.exists() and not force:
            raise ConfigError(TEMPLATE_EXISTS.format(path=destination))
        shutil.copyfile(available[name], destination)
        out_console.print(f"wrote {destination}")
    out_console.print(f"Next: signoff audit audit.yaml --policy {target / (chosen[0] + '.yaml')}")
