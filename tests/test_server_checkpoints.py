"""Scheduled checkpoint publishing on SQLite and PostgreSQL: the server signs the tree
head on a schedule and publishes it to a file (atomically) and a git repository folder
(one commit per new head), for witnesses."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import func, select

pytest.importorskip("fastapi", reason="the server extra is not installed")

from server_helpers import login, populate, settings
from signoff.errors import ConfigError
from signoff.ledger import generate_key, parse_checkpoint, verify_ledger
from signoff.store._models import CheckpointRow


@pytest.fixture
def key() -> tuple[str, str]:
    return generate_key("signoff-witness")


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose folder ``checkpoints`` the server publishes into."""
    root = tmp_path / "witness"
    subprocess.run(["git", "init", "--quiet", str(root)], check=True)
    (root / "checkpoints").mkdir()
    return root / "checkpoints"


def _commits(folder: Path) -> list[str]:
    out = subprocess.run(
        ["git", "log", "--format=%s", "--", "checkpoint.txt"],
        cwd=folder,
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.splitlines()


def _kept(api) -> int:
    with api.store.transaction() as session:
        return int(session.scalar(select(func.count()).select_from(CheckpointRow)) or 0)


def test_publish_writes_the_file_atomically_and_commits_each_new_head(api, key, repo, tmp_path):
    from signoff.server._publish import publish_checkpoint

    private, public = key
    populate(api, tmp_path)
    target = tmp_path / "public" / "checkpoint"
    target.parent.mkdir()
    first = publish_checkpoint(api, private_key=private, file=target, git_folder=repo)
    size = verify_ledger(api.store).size
    assert (first.size, first.file, first.git) == (size, True, True)
    checkpoint = parse_checkpoint(target.read_text(), public)  # signed by the key
    assert checkpoint.size == size
    assert verify_ledger(api.store, checkpoint=checkpoint).checkpoint_size == size
    assert sorted(p.name for p in target.parent.iterdir()) == [
        ".signoff-checkpoint.lock",
        "checkpoint",
    ]  # no temporary file left behind
    committed = subprocess.run(
        ["git", "show", "HEAD:checkpoints/checkpoint.txt"],
        cwd=repo,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert committed == target.read_text()
    assert _commits(repo) == [f"signoff checkpoint: {size} event(s)"]

    again = publish_checkpoint(api, private_key=private, file=target, git_folder=repo)
    assert (again.file, again.git) == (False, False)  # nothing new: no write, no commit
    assert _kept(api) == 1

    login(
        __import__("signoff.server", fromlist=["create_app"]).create_app(api, settings()),
        api,
        "dave",
    )
    grown = publish_checkpoint(api, private_key=private, file=target, git_folder=repo)
    assert (grown.size, grown.file, grown.git) == (size + 2, True, True)
    assert len(_commits(repo)) == 2
    newer = parse_checkpoint(target.read_text(), public)
    assert verify_ledger(api.store, checkpoint=checkpoint).size == newer.size


def test_the_server_publishes_on_its_schedule(api, key, repo, tmp_path):
    from fastapi.testclient import TestClient

    from signoff.server import create_app

    private, public = key
    populate(api, tmp_path)
    target = tmp_path / "checkpoint.txt"
    app = create_app(
        api,
        settings(
            checkpoint_key=private,
            checkpoint_interval=0.2,
            checkpoint_file=target,
            checkpoint_git=repo,
        ),
    )
    with TestClient(app) as client:  # the lifespan starts the schedule
        assert client.get("/healthz").status_code == 200
        size = verify_ledger(api.store).size
        _wait_for(
            lambda: target.exists() and parse_checkpoint(target.read_text(), public).size == size
        )
        login(app, api, "dave")  # two more events: the next round publishes them
        _wait_for(lambda: parse_checkpoint(target.read_text(), public).size == size + 2)
        newest = f"signoff checkpoint: {size + 2} event(s)"
        _wait_for(lambda: _commits(repo)[:1] == [newest])
    published = parse_checkpoint(target.read_text(), public)
    assert verify_ledger(api.store, checkpoint=published).checkpoint_size == size + 2
    # one commit per new head: the first, the last, and (if a round fell between the
    # login link's two events) the one in between — never the same head twice
    sizes = [int(subject.split()[2]) for subject in _commits(repo)]
    assert sizes[0] == size + 2
    assert sizes[-1] == size
    assert sizes == sorted(set(sizes), reverse=True)


def _wait_for(condition, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if condition():
                return
        except (OSError, ValueError):
            pass  # not written yet
        time.sleep(0.05)
    raise AssertionError("the schedule did not publish in time")


def test_a_failing_target_does_not_stop_the_server(api, key, tmp_path, caplog):
    from fastapi.testclient import TestClient

    from signoff.server import create_app

    not_a_repo = tmp_path / "plain"
    not_a_repo.mkdir()
    app = create_app(
        api, settings(checkpoint_key=key[0], checkpoint_interval=0.1, checkpoint_git=not_a_repo)
    )
    with caplog.at_level("WARNING", logger="signoff.server"), TestClient(app) as client:
        _wait_for(lambda: "checkpoint not published" in caplog.text)
        assert client.get("/healthz").status_code == 200
    assert f"cannot commit the checkpoint in {not_a_repo}: git add" in caplog.text


def test_checkpoint_settings(monkeypatch, tmp_path, key):
    from signoff.server import Settings
    from signoff.server._settings import (
        BAD_INTERVAL,
        NO_CHECKPOINT_KEY,
        NO_TARGET,
        parse_interval,
    )

    assert [parse_interval(t) for t in ("30s", "10m", "1h", "1d", "0.5")] == [
        30.0,
        600.0,
        3600.0,
        86400.0,
        0.5,
    ]
    for bad in ("0s", "soon", "5w", "-1m"):
        with pytest.raises(ConfigError) as raised:
            parse_interval(bad)
        message = BAD_INTERVAL.format(text=bad)
        assert str(raised.value) == f"SIGNOFF_CHECKPOINT_INTERVAL: {message}"
    monkeypatch.setenv("SIGNOFF_CHECKPOINT_INTERVAL", "1m")
    with pytest.raises(ConfigError) as no_target:
        Settings.from_env()
    assert str(no_target.value) == f"SIGNOFF_CHECKPOINT_FILE: {NO_TARGET}"
    monkeypatch.setenv("SIGNOFF_CHECKPOINT_FILE", str(tmp_path / "cp.txt"))
    with pytest.raises(ConfigError) as no_key:
        Settings.from_env()
    assert str(no_key.value) == f"SIGNOFF_CHECKPOINT_KEY: {NO_CHECKPOINT_KEY}"
    (tmp_path / "w.key").write_text(key[0] + "\n")
    monkeypatch.setenv("SIGNOFF_WRITER_KEY", str(tmp_path / "w.key"))  # the writer key serves
    found = Settings.from_env()
    assert (found.checkpoint_key, found.checkpoint_interval) == (key[0], 60.0)
    assert found.checkpoint_file == tmp_path / "cp.txt"
    assert found.publishes
