"""The command line end to end: exit codes, outputs, JSON mode."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer.main

from signoff import __version__
from signoff.cli import app, app_for

_WHOLE: Any = typer.main.get_command(app)  # a group (Typer's own copy of Click's)


def _shape(command: Any) -> tuple[Any, ...]:
    """A command as its user meets it: name, help, each parameter and every subcommand."""
    params = [
        (p.name, p.opts, p.secondary_opts, p.required, repr(p.default), getattr(p, "help", None))
        for p in command.params
    ]
    below = getattr(command, "commands", {})
    return (
        command.name,
        command.help,
        command.hidden,
        params,
        [_shape(below[n]) for n in sorted(below)],
    )


@pytest.mark.parametrize("name", sorted(_WHOLE.commands))
def test_the_command_built_alone_is_the_command_built_with_all(name: str):
    """The console script builds only the command it runs (``app_for``): that command, its
    options, subcommands and help must be exactly those of the whole application."""
    alone: Any = typer.main.get_command(app_for([name, "--help"]))
    assert list(alone.commands) == [name]
    assert _shape(alone.commands[name]) == _shape(_WHOLE.commands[name])
    assert _shape(alone)[:4] == _shape(_WHOLE)[:4]  # the root: its help and --version


def test_the_whole_application_answers_what_names_no_command():
    assert app_for([]) is app
    assert app_for(["--help"]) is app
    assert app_for(["portfolo"]) is app  # Click's "No such command" and its suggestion
    assert typer.main.get_command(app_for(["--version"])).params[0].name == "version"


def test_a_mistyped_command_is_suggested(cli):
    result = cli("portfolo")
    assert result.exit_code == 2
    assert "Did you mean 'portfolio'?" in result.output


def test_version(cli):
    result = cli("--version")
    assert result.exit_code == 0
    assert result.stdout.strip() == f"signoff {__version__}"


def test_audit_writes_results_and_manifest(cli, demo: Path, tmp_path: Path):
    out = tmp_path / "out"
    # wide enough that the path is never folded (its length is the temporary folder's)
    result = cli("audit", str(demo / "audit.yaml"), "--output", str(out), env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    assert "Performance and calibration" in result.stdout
    assert "Fairness by protected attribute" in result.stdout
    assert str(out / "results.json") in result.stdout
    results = json.loads((out / "results.json").read_text())
    manifest = json.loads((out / "manifest.json").read_text())
    assert results["rows"] == 300
    assert manifest["inputs"]["data"]["rows"] == 300


def test_json_format_prints_only_json(cli, demo: Path, tmp_path: Path):
    out = tmp_path / "out"
    result = cli("audit", str(demo / "audit.yaml"), "-o", str(out), "--format", "json")
    assert result.exit_code == 0
    printed = json.loads(result.stdout)
    assert printed == json.loads((out / "results.json").read_text())


def test_seed_option_overrides_config(cli, demo: Path, tmp_path: Path):
    cli("audit", str(demo / "audit.yaml"), "-o", str(tmp_path / "a"), "--seed", "7")
    manifest = json.loads((tmp_path / "a" / "manifest.json").read_text())
    assert manifest["seed"] == 7
    assert manifest["config"]["seed"] == 7


def test_quickstart_creates_project_and_audits(cli, tmp_path: Path):
    folder = tmp_path / "qs"
    result = cli("quickstart", str(folder))
    assert result.exit_code == 0, result.output
    for name in ("audit.yaml", "model.skops", "data/train.csv", "data/holdout.csv"):
        assert (folder / name).is_file(), name
    assert (folder / "signoff-audit" / "results.json").is_file()
    again = cli("quickstart", str(folder))
    assert again.exit_code == 2
    assert "folder is not empty" in again.stderr
    assert cli("quickstart", str(folder), "--force").exit_code == 0


def test_metrics_json_lists_registry(cli):
    from signoff.metrics import METRICS

    result = cli("metrics", "--json")
    assert result.exit_code == 0
    names = [m["name"] for m in json.loads(result.stdout)]
    assert names == list(METRICS)


def test_missing_config_is_usage_error(cli, tmp_path: Path):
    result = cli("audit", str(tmp_path / "nope.yaml"))
    assert result.exit_code == 2
    assert "config file not found" in result.stderr
    assert "Traceback" not in result.output


def test_no_arguments_shows_help(cli):
    result = cli()
    assert result.exit_code in (0, 2)
    assert "audit" in result.output
    assert "quickstart" in result.output
