"""The CLI's registry tests re-run in remote mode (see remote_cli.py): the same assertions,
the same exit codes, over SQLite and PostgreSQL.  (``test_ledger_commands_end_to_end``
counts the ledger's events exactly, and a remote person's login adds its own — its remote
counterpart is in test_remote_mode.py.)"""

from __future__ import annotations

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from remote_cli import cli  # noqa: F401  (the remote runner replaces conftest's)
from test_registry_cli import (  # noqa: F401
    env,
    test_refusals_and_missing_things_have_exit_codes,
    test_registry_flow_prints_ids_last_and_json,
)
