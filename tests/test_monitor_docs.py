"""docs/monitoring.md documents every monitor.yaml key and metric; docs/cli.md every option."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import typer
from pydantic import BaseModel

from signoff.cli import app
from signoff.monitor import MONITOR_METRICS, MonitorConfig

DOCS = Path(__file__).resolve().parents[1] / "docs"


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
        nested = _model_of(field.annotation)
        path = f"{prefix}{name}"
        keys.append(path)
        if nested is not None:
            is_mapping = typing.get_origin(field.annotation) is dict
            keys += _keys(nested, f"{path}.<name>." if is_mapping else f"{path}.")
    return keys


@pytest.mark.parametrize("key", _keys(MonitorConfig))
def test_every_monitor_config_key_is_documented(key: str):
    assert f"| `{key}` |" in (DOCS / "monitoring.md").read_text(), (
        f"docs/monitoring.md lacks `{key}`"
    )


@pytest.mark.parametrize("metric", sorted(MONITOR_METRICS))
def test_every_monitoring_metric_is_documented(metric: str):
    assert f"`{metric}`" in (DOCS / "monitoring.md").read_text()


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    rest = text[start + len(heading) :]
    following = re.search(r"^## ", rest, re.MULTILINE)
    return rest[: following.start()] if following else rest


@pytest.mark.parametrize("command", ["run", "baseline", "status", "history", "report", "export"])
def test_every_option_of_the_monitor_commands_is_in_its_section(command: str):
    group = typer.main.get_command(app).commands["monitor"]  # type: ignore[attr-defined]
    section = _section((DOCS / "cli.md").read_text(), f"## `signoff monitor {command}`")
    for param in group.commands[command].params:
        for option in param.opts:
            if option.startswith("--"):
                assert option in section, f"docs/cli.md: `signoff monitor {command}` lacks {option}"
