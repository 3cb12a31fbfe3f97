"""Scheduled checkpoint publishing: the server signs the ledger's tree head every
``SIGNOFF_CHECKPOINT_INTERVAL`` and puts the note where witnesses read it — a file
(replaced atomically) and/or a folder of a git repository (one commit per new head).

A head that did not change since the last note is not published again, so a quiet
registry makes no commits. Several workers may publish: a lock file next to each target
serializes them, and the second finds the head already published.
"""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import logging
import os
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .._api import Signoff
from ..errors import ConfigError
from ..ledger import checkpoint_ledger

__all__ = ["Published", "publish_checkpoint", "publish_forever"]

LOG = logging.getLogger("signoff.server")
CHECKPOINT_NAME = "checkpoint.txt"
GIT_FAILED = "cannot commit the checkpoint in {folder}: git {args} said: {reason}"
NOT_A_FOLDER = "{folder} is not a folder"


@dataclass(frozen=True)
class Published:
    """What one round published: the tree size, and which targets got a new note."""

    size: int
    file: bool
    git: bool


@contextlib.contextmanager
def _locked(folder: Path) -> Iterator[None]:
    with open(folder / ".signoff-checkpoint.lock", "a") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


def _unchanged(path: Path, note: str) -> bool:
    try:
        return path.read_text(encoding="utf-8") == note  # Ed25519 signs deterministically
    except OSError:
        return False


def _write_atomically(path: Path, note: str) -> None:
    """Write a temporary file in the same folder, flush it to disk, then rename it over."""
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(note)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o644)
        os.replace(temporary, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


def _git(folder: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=folder, capture_output=True, text=True, check=False, timeout=60
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ConfigError(
            GIT_FAILED.format(folder=folder, args=" ".join(args), reason=exc)
        ) from None
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise ConfigError(
            GIT_FAILED.format(folder=folder, args=" ".join(args), reason=" ".join(reason[-2:]))
        )
    return done.stdout


def _commit(folder: Path, note: str, size: int) -> bool:
    path = folder / CHECKPOINT_NAME
    if _unchanged(path, note):
        return False
    _write_atomically(path, note)
    _git(folder, "add", "--", CHECKPOINT_NAME)
    _git(
        folder,
        "-c",
        "user.name=signoff",
        "-c",
        "user.email=signoff@localhost",
        "commit",
        "--quiet",
        "--no-verify",
        "-m",
        f"signoff checkpoint: {size} event(s)",
        "--",
        CHECKPOINT_NAME,
    )
    return True


def publish_checkpoint(
    api: Signoff, *, private_key: str, file: Path | None = None, git_folder: Path | None = None
) -> Published:
    """Sign the current tree head and publish it to ``file`` and/or ``git_folder``."""
    checkpoint, note = checkpoint_ledger(
        api.store, private_key_text=private_key, at=api.core.clock(), if_changed=True
    )
    wrote_file = committed = False
    if file is not None:
        if not file.parent.is_dir():
            raise ConfigError(NOT_A_FOLDER.format(folder=file.parent), field="checkpoint file")
        with _locked(file.parent):
            if not _unchanged(file, note):
                _write_atomically(file, note)
                wrote_file = True
    if git_folder is not None:
        if not git_folder.is_dir():
            raise ConfigError(NOT_A_FOLDER.format(folder=git_folder), field="checkpoint git")
        with _locked(git_folder):
            committed = _commit(git_folder, note, checkpoint.size)
    return Published(checkpoint.size, wrote_file, committed)


async def publish_forever(
    api: Signoff,
    *,
    private_key: str,
    interval: float,
    file: Path | None,
    git_folder: Path | None,
) -> None:
    """Publish every ``interval`` seconds until cancelled (the app's lifespan cancels it);
    a failed round is logged and retried at the next one."""
    while True:
        try:
            await asyncio.to_thread(
                publish_checkpoint, api, private_key=private_key, file=file, git_folder=git_folder
            )
        except Exception as exc:  # keep serving: say why, try again at the next round
            LOG.warning("checkpoint not published: %s", exc)
        await asyncio.sleep(interval)
