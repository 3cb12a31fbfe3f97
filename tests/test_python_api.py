"""The script in docs/python-api.md runs as written, on SQLite and on PostgreSQL."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

DOC = Path(__file__).resolve().parents[1] / "docs" / "python-api.md"


def _script() -> str:
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(), re.DOTALL)
    [script] = [b for b in blocks if "signoff.connect()" in b]
    assert len(script.strip().splitlines()) <= 25
    return script


def test_the_documented_script_deploys_a_model(database_url: str, demo: Path, tmp_path: Path):
    folder = tmp_path / "project"
    shutil.copytree(demo, folder)
    (folder / "script.py").write_text(_script())
    env = {**os.environ, "SIGNOFF_HOME": str(folder / ".signoff")}
    env.pop("SIGNOFF_DATABASE_URL", None)
    if not database_url.startswith("sqlite"):
        env["SIGNOFF_DATABASE_URL"] = database_url
    done = subprocess.run(
        [sys.executable, "script.py"], cwd=folder, env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    state, size = done.stdout.split()
    assert state == "deployed"
    assert int(size) > 20
