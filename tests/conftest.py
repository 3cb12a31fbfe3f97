"""Shared fixtures: the demo project is built once per session and copied per test."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from typer.testing import CliRunner

from signoff.cli import app
from signoff.demo import write_demo_project


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A demo project (German Credit split, trained skops model, audit.yaml), built once."""
    folder = tmp_path_factory.mktemp("demo-template")
    write_demo_project(folder)
    return folder


@pytest.fixture
def demo(demo_template: Path, tmp_path: Path) -> Path:
    """A private copy of the demo project; returns its folder."""
    target = tmp_path / "demo"
    shutil.copytree(demo_template, target)
    return target


@pytest.fixture
def edit_config() -> Callable[[Path, Callable[[dict], None]], Path]:
    """Change the demo's audit.yaml through a function on its parsed content."""

    def edit(folder: Path, change: Callable[[dict], None]) -> Path:
        path = folder / "audit.yaml"
        data = yaml.safe_load(path.read_text())
        change(data)
        path.write_text(yaml.safe_dump(data, sort_keys=False))
        return path

    return edit


@pytest.fixture
def cli() -> Callable[..., object]:
    """Run the signoff CLI in-process; returns the click Result."""
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> object:
        return runner.invoke(app, list(args), env=env, catch_exceptions=False)

    return invoke
