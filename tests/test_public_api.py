"""Every package's ``__all__`` is sorted and names only what it defines."""

from __future__ import annotations

import importlib
import pkgutil

import pytest

import signoff


def _isort_key(name: str) -> tuple[int, str]:
    """The order ruff's RUF022 keeps: CONSTANTS, then Classes, then functions."""
    if name.isupper() or (name.upper() == name and "_" in name):
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def _packages() -> list[str]:
    names = ["signoff"]
    for info in pkgutil.walk_packages(signoff.__path__, "signoff."):
        if info.ispkg:
            names.append(info.name)
    return names


@pytest.mark.parametrize("name", _packages())
def test_all_is_sorted_and_complete(name: str):
    module = importlib.import_module(name)
    exported = module.__all__
    assert list(exported) == sorted(exported, key=_isort_key), f"{name}.__all__ is not sorted"
    for item in exported:
        assert hasattr(module, item), f"{name}.__all__ names missing {item}"
    public = {
        key
        for key, value in vars(module).items()
        if not key.startswith("_") and getattr(value, "__module__", "").startswith(name + ".")
    }
    assert public <= set(exported), (
        f"{name} defines public names outside __all__: {public - set(exported)}"
    )


def test_every_error_carries_exit_code_and_http_status():
    from signoff import errors

    for name in errors.__all__:
        cls = getattr(errors, name)
        assert isinstance(cls.exit_code, int)
        assert 400 <= cls.http_status < 600
    assert errors.ConfigError.exit_code == 2
    assert errors.DataError.exit_code == 3
    assert errors.ModelError.exit_code == 3
    assert errors.WorkflowRefused.exit_code == 4
    assert errors.LedgerVerificationError.exit_code == 5


def test_cli_ledger_default_origin_matches_the_core():
    from signoff.cli._ledger import DEFAULT_ORIGIN as CLI_ORIGIN
    from signoff.ledger import DEFAULT_ORIGIN

    assert CLI_ORIGIN == DEFAULT_ORIGIN


def test_the_command_line_does_not_load_the_database_layer_until_needed():
    import subprocess
    import sys

    code = "import sys, signoff.cli; print(sorted(m for m in ('sqlalchemy', 'alembic', 'matplotlib', 'weasyprint', 'typst') if m in sys.modules))"
    loaded = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert loaded == "[]"
