"""Docs checked by tests: every metric, config key and command is documented."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
from pydantic import BaseModel

from signoff.cli import app
from signoff.config import AuditConfig
from signoff.metrics._reference import metric_reference

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_metric_reference_is_generated_from_the_registry():
    assert (DOCS / "metrics.md").read_text() == metric_reference(), (
        "docs/metrics.md is stale: run `signoff metrics --markdown > docs/metrics.md`"
    )


def _model_of(annotation: typing.Any) -> type[BaseModel] | None:
    for candidate in (annotation, *typing.get_args(annotation)):
        if isinstance(candidate, type) and issubclass(candidate, BaseModel):
            return candidate
        if typing.get_origin(candidate) is dict:
            inner = _model_of(typing.get_args(candidate)[1])
            if inner is not None:
                return inner
    return None


def _keys(model: type[BaseModel], prefix: str = "") -> list[str]:
    keys = []
    for name, field in model.model_fields.items():
        annotation = field.annotation
        nested = _model_of(annotation)
        is_mapping = typing.get_origin(annotation) is dict
        path = f"{prefix}{name}"
        if nested is not None:
            keys += _keys(nested, f"{path}.<name>." if is_mapping else f"{path}.")
        else:
            keys.append(path)
    return keys


@pytest.mark.parametrize("key", _keys(AuditConfig))
def test_every_config_key_is_documented(key: str):
    assert f"`{key}`" in (DOCS / "config.md").read_text(), f"docs/config.md lacks `{key}`"


def _commands() -> list[str]:
    names = [c.name for c in app.registered_commands if c.name]
    for group in app.registered_groups:
        assert group.typer_instance is not None
        names += [f"{group.name} {c.name}" for c in group.typer_instance.registered_commands]
    return sorted(names)


@pytest.mark.parametrize("command", _commands())
def test_every_command_is_documented(command: str):
    assert f"## `signoff {command}`" in (DOCS / "cli.md").read_text()


def test_readme_quick_start_has_the_two_commands_ci_uses():
    readme = (ROOT / "README.md").read_text()
    assert re.search(r"^make demo\b", readme, re.MULTILINE)
    assert re.search(r"^make test\b", readme, re.MULTILINE)
    assert "make test" in (ROOT / ".ci" / "run").read_text()


def test_docs_link_to_existing_files():
    for page in [ROOT / "README.md", *DOCS.glob("*.md")]:
        for target in re.findall(r"\]\(([^)#:]+\.md)\)", page.read_text()):
            assert (page.parent / target).is_file(), f"{page.name} links to missing {target}"


def test_every_policy_key_is_documented():
    from signoff.policy import Gate, Policy

    text = (DOCS / "policy.md").read_text()
    for key in [k for k in _keys(Policy) if not k.startswith("gates.")]:
        assert f"`{key}`" in text, f"docs/policy.md lacks `{key}`"
    for key in Gate.model_fields:
        assert f"| `{key}` |" in text, f"docs/policy.md lacks gate key `{key}`"


def _options() -> list[tuple[str, str]]:
    import typer.main

    group = typer.main.get_command(app)
    found = []

    def walk(command: typing.Any, path: list[str]) -> None:
        subcommands = getattr(command, "commands", None)
        if subcommands:
            for name, sub in subcommands.items():
                walk(sub, [*path, name])
            return
        for param in command.params:
            for opt in param.opts:
                if opt.startswith("--"):
                    found.append((" ".join(path), opt))

    walk(group, [])
    return sorted(found)


def _section(command: str) -> str:
    text = (DOCS / "cli.md").read_text()
    start = text.index(f"## `signoff {command}`")
    end = text.find("\n## ", start + 1)
    return text[start : end if end != -1 else len(text)]


@pytest.mark.parametrize(("command", "option"), _options())
def test_every_option_of_every_command_is_documented(command: str, option: str):
    assert re.search(rf"{re.escape(option)}\b", _section(command)), (
        f"docs/cli.md: the section of `signoff {command}` does not mention {option}"
    )
