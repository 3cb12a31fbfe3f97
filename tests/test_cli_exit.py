"""The console script ends its process at once, and loses nothing doing so.

``signoff.cli.console`` (the ``signoff`` executable) skips the interpreter's teardown
(``signoff.cli._exit``): these check that the exit code, every byte of output and the
``atexit`` functions survive it, and that it waits like an ordinary exit when another
thread is still working.  The time it saves is measured in ``benchmarks/``, not here.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from signoff.cli._exit import exit_now

SIGNOFF = Path(sys.executable).with_name("signoff")


def _python(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=False, timeout=120
    )


@pytest.mark.parametrize("code", [0, 3, None])
def test_the_code_every_byte_and_the_atexit_functions_survive(tmp_path: Path, code):
    marker = tmp_path / "atexit-ran"
    done = _python(
        "import atexit, sys\n"
        f"atexit.register(lambda: open({str(marker)!r}, 'w').write('yes'))\n"
        "sys.stdout.write('x' * 200_000)\n"  # buffered, no newline: flushed by exit_now
        "sys.stderr.write('to stderr')\n"
        "from signoff.cli._exit import exit_now\n"
        f"exit_now({code!r})\n"
        "print('never reached')\n"
    )
    assert done.returncode == (code or 0)
    assert done.stdout == "x" * 200_000
    assert done.stderr == "to stderr"
    assert marker.read_text() == "yes"


def test_a_working_thread_is_waited_for(tmp_path: Path):
    done = _python(
        "import threading, time\n"
        "from signoff.cli._exit import exit_now\n"
        "t = threading.Thread(target=lambda: (time.sleep(0.3), print('thread done')))\n"
        "t.start()\n"
        "exit_now(5)\n"
    )
    assert done.returncode == 5
    assert done.stdout == "thread done\n"


def test_in_process_a_waiting_thread_or_a_text_code_raise_system_exit():
    release = threading.Event()
    worker = threading.Thread(target=release.wait)
    worker.start()
    try:
        with pytest.raises(SystemExit) as raised:
            exit_now(4)
        assert raised.value.code == 4
    finally:
        release.set()
        worker.join()
    with pytest.raises(SystemExit) as raised:
        exit_now("a message")
    assert raised.value.code == "a message"


def test_the_console_script_keeps_its_exit_codes_and_output(tmp_path: Path):
    env = dict(os.environ, SIGNOFF_HOME=str(tmp_path / "home"), NO_COLOR="1")
    env.pop("SIGNOFF_DATABASE_URL", None)
    env.pop("SIGNOFF_URL", None)

    def signoff(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [str(SIGNOFF), *args], capture_output=True, text=True, env=env, timeout=120
        )

    added = signoff("user", "add", "ada", "--email", "ada@example.org", "--role", "admin")
    assert added.returncode == 0, added.stderr
    listed = signoff("user", "list", "--json")
    assert listed.returncode == 0, listed.stderr
    assert [u["name"] for u in json.loads(listed.stdout)] == ["ada"]
    refused = signoff("portfolio", "--status", "bogus")
    assert refused.returncode == 2
    assert "expected one of: compliant, attention, blocked" in refused.stderr
    assert "Traceback" not in refused.stderr


def test_a_short_lived_process_keeps_its_bulk_reads_and_a_long_lived_one_frees_them():
    """``keep_until_exit`` (what ``portfolio --at`` and the report do with the ledger's
    events): a no-op in a long-lived process; in one the console script marks as short
    lived, the objects stay alive, frozen out of the collector's sight."""
    done = _python(
        "import gc, sys, weakref\n"
        "from signoff import _gc\n"
        "class Read: pass\n"
        "read = Read(); alive = weakref.ref(read)\n"
        "_gc.keep_until_exit(read); del read\n"
        "print(alive() is None, gc.get_freeze_count())\n"  # long-lived: freed, nothing frozen
        "sys.argv = ['signoff', '--version']\n"
        "from signoff.cli import main\n"
        "try:\n    main()\nexcept SystemExit:\n    pass\n"  # main() marks the process
        "read = Read(); alive = weakref.ref(read)\n"
        "_gc.keep_until_exit(read); del read\n"
        "print(alive() is not None, gc.get_freeze_count() > 0)\n"
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0] == "True 0"
    assert lines[-1] == "True True"
