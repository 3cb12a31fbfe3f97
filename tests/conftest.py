"""Shared fixtures: the demo project is built once per session and copied per test."""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

import signoff
from signoff.demo import write_demo_project

# Before signoff's consoles are made (the first import of signoff.cli, after this file):
# pytest-xdist starts its workers with the controller's C-level environment, where GNU
# readline (which pytest imports) has set COLUMNS=80 and LINES=24 for want of a terminal.
# A console made with COLUMNS set keeps that width, whatever COLUMNS a test then gives a
# command. So the controller (or a plain run) hands its own view of the two to the
# workers, which take it.
_TERMINAL = ("COLUMNS", "LINES")
if os.environ.get("PYTEST_XDIST_WORKER"):
    _outer = json.loads(os.environ.get("SIGNOFF_TEST_TERMINAL", "{}"))
    for _name in _TERMINAL:
        if _outer.get(_name) is None:
            os.environ.pop(_name, None)
        else:
            os.environ[_name] = _outer[_name]
else:
    os.environ["SIGNOFF_TEST_TERMINAL"] = json.dumps({n: os.environ.get(n) for n in _TERMINAL})


#: The files that take minutes (Spark sessions and a Spark cluster, schemathesis, racing
#: processes, the browser; measured with ``--durations``), longest first. Under pytest-xdist
#: they are handed out before the rest (``make test`` runs ``--dist loadfile
#: --no-loadscope-reorder``), so no worker is left running one of them alone at the end.
#: Only the order changes; a file missing from the list runs after these.
LONGEST_FIRST = (
    "test_spark_engine.py",
    "test_spark_cluster.py",
    "test_attack_races.py",
    "test_spark_monitor.py",
    "test_server_schema.py",
    "test_spark_uri.py",
    "test_ledger.py",
    "test_server_access.py",
    "test_monitor_reference_audit.py",
    "test_server_browser.py",
    "test_remote_workflow_cli.py",
)


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under pytest-xdist, the files of :data:`LONGEST_FIRST` first (a stable sort)."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        return
    rank = {name: n for n, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))


@pytest.fixture(scope="session", autouse=True)
def _private_cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """signoff's cache (skops' trusted types) in a session folder, never the user's own."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SIGNOFF_CACHE_DIR", str(tmp_path_factory.mktemp("signoff-cache")))
        yield


@pytest.fixture(scope="session", autouse=True)
def _private_temp_dir(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Under pytest-xdist, each worker's temporary files (``tempfile``, and ``TMPDIR`` for
    the processes it starts) in a folder of its own: DuckDB names its spill files the same
    in every process (``duckdb_temp_storage-0.tmp``) and removes them all from the folder
    when it closes, so two workers spilling to one ``/tmp`` would corrupt each other's."""
    if not os.environ.get("PYTEST_XDIST_WORKER"):
        yield
        return
    import tempfile

    folder = str(tmp_path_factory.mktemp("tmp"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("TMPDIR", folder)
        patch.setattr(tempfile, "tempdir", folder)
        yield


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
    from signoff.cli import app_for

    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> object:
        # as the console script runs it: only the named command is built
        return runner.invoke(app_for(list(args)), list(args), env=env, catch_exceptions=False)

    return invoke


# --- registry databases: the same store suite on SQLite and PostgreSQL ----------------

POSTGRES_URL = os.environ.get("SIGNOFF_TEST_POSTGRES_URL")
#: The migrated template database, one per pytest-xdist worker (``gw0``, ``gw1``…): two
#: workers would drop and create the same one, and PostgreSQL refuses ``CREATE DATABASE …
#: TEMPLATE`` while another session is connected to it. Without xdist: ``signoff_template``.
_TEMPLATE = "signoff_template" + (
    f"_{os.environ['PYTEST_XDIST_WORKER']}" if os.environ.get("PYTEST_XDIST_WORKER") else ""
)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite registry migrated once per session; each test gets a copy."""
    from signoff.store import Store, upgrade

    path = tmp_path_factory.mktemp("db-template") / "signoff.db"
    store = Store(f"sqlite:///{path}")
    upgrade(store)
    store.dispose()
    return path


@pytest.fixture(scope="session")
def postgres_template() -> str:
    """A PostgreSQL database migrated once per session, used as a template."""
    if not POSTGRES_URL:
        pytest.skip("no PostgreSQL: set SIGNOFF_TEST_POSTGRES_URL (scripts/with-postgres does)")
    from sqlalchemy import create_engine, text

    from signoff.store import Store, upgrade

    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"DROP DATABASE IF EXISTS {_TEMPLATE}"))
        conn.execute(text(f"CREATE DATABASE {_TEMPLATE}"))
    store = Store(_with_database(POSTGRES_URL, _TEMPLATE))
    upgrade(store)
    store.dispose()
    admin.dispose()
    return _TEMPLATE


def _with_database(url: str, name: str) -> str:
    return url.rsplit("/", 1)[0] + f"/{name}"


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated registry database: SQLite, then PostgreSQL."""
    if request.param == "sqlite":
        template = request.getfixturevalue("sqlite_template")
        target = tmp_path / "signoff.db"
        shutil.copyfile(template, target)
        yield f"sqlite:///{target}"
        return
    template = request.getfixturevalue("postgres_template")
    from sqlalchemy import create_engine, text

    assert POSTGRES_URL is not None
    name = f"signoff_t{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    try:
        yield _with_database(POSTGRES_URL, name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


class FakeClock:
    """Injected time: starts at a fixed instant, moves only when told."""

    def __init__(self) -> None:
        self.now = dt.datetime(2026, 1, 5, 9, 0, tzinfo=dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += dt.timedelta(**delta)


@pytest.fixture
def clock() -> FakeClock:
    """A clock the test controls."""
    return FakeClock()


@pytest.fixture
def api(database_url: str, tmp_path: Path, clock: FakeClock) -> Iterator[object]:
    """``signoff.connect`` on a fresh database (both backends), with an injected clock."""
    import signoff

    connected = signoff.connect(database_url, artifacts=tmp_path / "artifacts", clock=clock)
    yield connected
    connected.close()


@pytest.fixture
def registry(api: object) -> object:
    """The registry of :func:`api`."""
    return api.registry  # type: ignore[attr-defined]


def write_governance(folder: Path, adjust: Callable[[dict], None] | None = None) -> Path:
    """The bundled governance (and its policies) copied into ``folder``, changed by ``adjust``."""
    from signoff.workflow import bundled_governance_path

    bundled = bundled_governance_path()
    shutil.copytree(bundled.parent / "policies", folder / "policies", dirs_exist_ok=True)
    settings = yaml.safe_load(bundled.read_text())
    if adjust is not None:
        adjust(settings)
    path = folder / "governance.yaml"
    path.write_text(yaml.safe_dump(settings, sort_keys=False))
    return path


NO_POLICY_REASON = "tests of the approval machinery alone; audits are judged in their own tests"


def without_policies(settings: dict) -> None:
    """Governance ``adjust``: stages judge no audit (``policy: none`` with a reason)."""
    for rule in settings["stages"].values():
        rule["policy"] = "none"
        rule["reason"] = NO_POLICY_REASON


def degrade_model(model_path: Path, data: Path) -> None:
    """A model refit on shuffled labels: it cannot rank (ROC AUC near 0.5)."""
    import pandas as pd
    import skops.io

    model = skops.io.load(model_path, trusted=skops.io.get_untrusted_types(file=model_path))
    train = pd.read_csv(data)
    features = list(model.feature_names_in_)
    model.fit(train[features], train["credit_risk"].sample(frac=1.0, random_state=0).to_numpy())
    skops.io.dump(model, model_path)


@pytest.fixture(scope="session")
def audited(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Two audited models, made once: a good one (passes, one warning) and a bad one."""
    root = tmp_path_factory.mktemp("attack-audits")
    project = root / "project"
    shutil.copytree(demo_template, project)
    good = signoff.audit(project / "audit.yaml")
    good.write(root / "good")
    shutil.copyfile(project / "model.skops", root / "good.skops")
    degrade_model(project / "model.skops", project / "data" / "train.csv")
    signoff.audit(project / "audit.yaml").write(root / "bad")
    shutil.copyfile(project / "model.skops", root / "bad.skops")
    return {
        "good": root / "good",
        "bad": root / "bad",
        "good.skops": root / "good.skops",
        "bad.skops": root / "bad.skops",
        "root": root,
    }


@pytest.fixture
def world(
    api: Any,
    clock: FakeClock,
    tmp_path: Path,
    audited: dict[str, Path],
    database_url: str,
    saved_worlds: dict[tuple[str, str], SavedWorld],
    tmp_path_factory: pytest.TempPathFactory,
) -> object:
    """A governed registry (see ``tests/governed.py``), on SQLite and PostgreSQL: built
    by the first test on each backend, a copy of it for the others."""
    from governed import World, build_world

    key = ("governed", backend(database_url))
    if key in saved_worlds:
        saved_worlds[key].restore(api, database_url, tmp_path, clock)
        return World(api, clock, tmp_path, audited)
    built = build_world(api, clock, tmp_path, audited)
    keep = tmp_path_factory.mktemp("governed-world")
    saved_worlds[key] = SavedWorld.save(api, database_url, tmp_path, clock, keep)
    return built


@pytest.fixture
def receiver(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    """A real webhook receiver on loopback (``tests/webhook_receiver.py``), no proxies."""
    from webhook_receiver import serve

    for name in ("http_proxy", "HTTP_PROXY", "https_proxy", "HTTPS_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    with serve() as state:
        yield state


# --- the seeded portfolio (tests/portfolio_world.py), shared by the portfolio tests ----------


@pytest.fixture(scope="session")
def policy_audits(
    audited: dict[str, Path], demo_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, Path]:
    """The good and the bad model audited under the portfolio's production policy (so each
    audit records gate statuses), made once."""
    root = tmp_path_factory.mktemp("portfolio-audits")
    project = root / "project"
    shutil.copytree(demo_template, project)
    from portfolio_world import POLICY

    policy = root / "policy.yaml"
    policy.write_text(yaml.safe_dump(POLICY))
    out = {}
    for kind in ("good", "bad"):
        shutil.copyfile(audited[f"{kind}.skops"], project / "model.skops")
        signoff.audit(project / "audit.yaml", policy=policy).write(root / kind)
        out[kind] = root / kind
        out[f"{kind}.skops"] = audited[f"{kind}.skops"]
    return out


@dataclass
class SavedWorld:
    """A registry as a fixture built it, kept for the next tests on the same backend (a
    world built through the workflow takes seconds; a copy, a fraction of one): the
    database (a SQLite file, or a PostgreSQL template database), the test's folder as it
    was (artifacts, files written, SQLite copies made on the way), the clock, and what
    the fixture needs to rebuild its object (``extra``)."""

    database: str
    folder: Path
    now: dt.datetime
    extra: dict[str, Any]

    @classmethod
    def save(
        cls, api: Any, url: str, tmp_path: Path, clock: FakeClock, keep: Path, **extra: Any
    ) -> SavedWorld:
        api.store.dispose()  # no connection left open: PostgreSQL copies an idle database
        if url.startswith("sqlite"):
            database = str(keep / "world.db")
            source = sqlite3.connect(url.removeprefix("sqlite:///"))
            copy = sqlite3.connect(database)
            source.backup(copy)  # consistent, the write-ahead log included
            copy.close()
            source.close()
        else:
            database = f"signoff_world_{uuid.uuid4().hex[:12]}"
            pg_admin(f"CREATE DATABASE {database} TEMPLATE {url.rsplit('/', 1)[1]}")
        name = Path(url.removeprefix("sqlite:///")).name
        shutil.copytree(tmp_path, keep / "folder", ignore=shutil.ignore_patterns(f"{name}*"))
        return cls(database, keep / "folder", clock(), extra)

    def restore(self, api: Any, url: str, tmp_path: Path, clock: FakeClock) -> None:
        """This test's database and folder made the saved ones, under ``api``."""
        api.store.dispose()  # the database is replaced under it
        if url.startswith("sqlite"):
            file = Path(url.removeprefix("sqlite:///"))
            for leftover in file.parent.glob(file.name + "-*"):
                leftover.unlink()  # the empty database's write-ahead log
            shutil.copyfile(self.database, file)
        else:
            name = url.rsplit("/", 1)[1]
            pg_admin(
                f"DROP DATABASE {name} WITH (FORCE)",
                f"CREATE DATABASE {name} TEMPLATE {self.database}",
            )
        shutil.copytree(self.folder, tmp_path, dirs_exist_ok=True)
        clock.now = self.now


@pytest.fixture(scope="session")
def saved_worlds() -> Iterator[dict[tuple[str, str], SavedWorld]]:
    """Worlds built so far, by (fixture, backend); their PostgreSQL copies dropped at the end."""
    saved: dict[tuple[str, str], SavedWorld] = {}
    yield saved
    for world in saved.values():
        if not world.database.endswith(".db"):
            pg_admin(f"DROP DATABASE IF EXISTS {world.database} WITH (FORCE)")


def backend(url: str) -> str:
    return "sqlite" if url.startswith("sqlite") else "postgresql"


def pg_admin(*statements: str) -> None:
    from sqlalchemy import create_engine, text

    assert POSTGRES_URL is not None
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        for statement in statements:
            conn.execute(text(statement))
    admin.dispose()
