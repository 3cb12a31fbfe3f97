"""A Spark standalone cluster on this machine: a master and a worker, each its own JVM.

Local mode (``local[2]``) runs the executors' tasks inside the driver's JVM; a standalone
cluster runs them in an executor JVM the worker launches, so everything the engine sends
to its tasks is serialised and shipped, results come back over the network, and nothing
is shared with the driver's memory — what a cluster changes, short of several machines.
Started with the ``spark-class`` launcher pyspark ships; stopped (and its folder removed)
when the tests are done.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import sysconfig
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any

#: How long a JVM may take to come up on a loaded two-core machine.
START_TIMEOUT = 180.0


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _spark_class() -> Path:
    import pyspark

    return Path(pyspark.__file__).parent / "bin" / "spark-class"


def python_without(folder: Path, *names: str) -> str:
    """A Python for Spark's workers (``PYSPARK_PYTHON``) that cannot import ``names``: this
    interpreter without its site (whose editable install finds signoff), and on its path
    everything this one's site-packages holds but what ``names`` name."""
    packages = folder / "site-packages"
    packages.mkdir(parents=True)
    for entry in Path(sysconfig.get_paths()["purelib"]).iterdir():
        if not entry.name.endswith(".pth") and not any(n in entry.name for n in names):
            (packages / entry.name).symlink_to(entry)
    script = folder / "python"
    script.write_text(
        f'#!/bin/sh\nPYTHONPATH="{packages}${{PYTHONPATH:+:$PYTHONPATH}}" '
        f'exec {sys.executable} -S "$@"\n'
    )
    script.chmod(0o755)
    return str(script)


class Cluster:
    """A running master and worker: the master's URL and its JSON status page."""

    def __init__(self, url: str, ui: str, logs: Path) -> None:
        self.url, self.ui, self.logs = url, ui, logs

    def status(self) -> dict[str, Any]:
        """The master's status (``/json/``): workers, running and completed applications."""
        with urllib.request.urlopen(f"{self.ui}/json/", timeout=10) as response:
            found: dict[str, Any] = json.load(response)
            return found


def _wait(cluster: Cluster, processes: list[subprocess.Popen[bytes]]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise RuntimeError(f"a Spark daemon ended early: see {cluster.logs}")
        with suppress(OSError, ValueError):
            if cluster.status().get("aliveworkers", 0) >= 1:
                return
        time.sleep(1.0)
    raise RuntimeError(f"the Spark cluster did not come up in {START_TIMEOUT:g} s: {cluster.logs}")


@contextmanager
def standalone_cluster(folder: Path, *, cores: int = 2, memory: str = "2g") -> Iterator[Cluster]:
    """A master and one worker (``cores`` cores, ``memory``) on loopback, logs in ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    launcher = str(_spark_class())
    env = {**os.environ, "SPARK_HOME": str(_spark_class().parent.parent)}
    port, ui, worker_ui = _free_port(), _free_port(), _free_port()
    url = f"spark://127.0.0.1:{port}"
    processes: list[subprocess.Popen[bytes]] = []

    def start(log: str, *args: str) -> None:
        with open(folder / log, "wb") as out:
            processes.append(
                subprocess.Popen([launcher, *args], stdout=out, stderr=subprocess.STDOUT, env=env)
            )

    try:
        start(
            "master.log",
            "org.apache.spark.deploy.master.Master",
            *("--host", "127.0.0.1", "--port", str(port), "--webui-port", str(ui)),
        )
        start(
            "worker.log",
            "org.apache.spark.deploy.worker.Worker",
            url,
            *("--host", "127.0.0.1", "--cores", str(cores), "--memory", memory),
            *("--webui-port", str(worker_ui), "--work-dir", str(folder / "work")),
        )
        cluster = Cluster(url, f"http://127.0.0.1:{ui}", folder)
        _wait(cluster, processes)
        yield cluster
    finally:
        for process in reversed(processes):
            process.terminate()
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
