"""The CLI's own tests in remote mode: a live `signoff serve` on loopback (uvicorn in a
thread) over the tests' database, and a runner that sends every command the API offers
through it — as the person of ``SIGNOFF_USER``, logged in through the real flow (a login
link in a browser session, then `signoff login`'s device flow confirmed by that session's
POST).  The few commands the API does not offer (``db``, ``user key`` …; see
docs/server.md) run as before, on the server's host against the same database, and so
does the very first ``user add`` (nobody exists yet to sign in): the test's assertions
and exit codes are unchanged either way.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

#: Commands that go through the server: (noun, verb) or a top-level command.
REMOTE = {
    ("model", "list"),
    ("model", "show"),
    ("model", "history"),
    ("version", "list"),
    ("version", "show"),
    ("cr", "open"),
    ("cr", "submit"),
    ("cr", "sign"),
    ("cr", "deploy"),
    ("cr", "show"),
    ("cr", "list"),
    ("waiver", "request"),
    ("waiver", "grant"),
    ("waiver", "list"),
    ("emergency", "open"),
    ("emergency", "review"),
    ("ledger", "verify"),
    ("ledger", "prove"),
    ("monitor", "status"),
    ("monitor", "history"),
    ("rollback",),
    ("whoami",),
    ("user", "add"),
    ("user", "grant"),
    ("user", "list"),
    ("model", "register"),
    ("version", "add"),
    ("artifact", "add"),
    ("governance", "show"),
    ("governance", "list"),
    ("governance", "apply"),
    ("governance", "approve"),
    ("governance", "reject"),
    ("portfolio",),
    ("inventory", "export"),
    ("docs", "annex-iv"),
    ("log", "export"),
    ("cr", "withdraw"),
    ("cr", "override-risk"),
    ("token", "create"),
    ("token", "list"),
    ("token", "revoke"),
    ("ledger", "show"),
    ("ledger", "export"),
    ("ledger", "checkpoint"),
    ("audit",),  # with --register: the output folder uploaded and attached
}
#: ``portfolio``'s subcommands that stay on the server's host (no route): none now.
LOCAL_SUBCOMMANDS: set[tuple[str, ...]] = set()


def goes_remote(args: tuple[str, ...]) -> bool:
    """Whether the runner sends this command line through the server (every option of a
    wired command goes too: files are uploaded, keys sign here, checkpoints are sent)."""
    if tuple(args[:2]) in LOCAL_SUBCOMMANDS:
        return False
    return tuple(args[:1]) in REMOTE or tuple(args[:2]) in REMOTE


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def live_app(app: Any) -> Iterator[str]:
    """An ASGI app served by uvicorn (one worker) on 127.0.0.1 in a thread; its URL."""
    import uvicorn

    port = app.state.settings.public_url.rsplit(":", 1)[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=int(port), log_level="warning", lifespan="on"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the live server did not start")
        time.sleep(0.02)
    try:
        yield app.state.settings.public_url
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def serve(api: Any, **overrides: Any) -> Any:
    """`signoff serve`'s app over ``api``, for a free loopback port (see :func:`live_app`)."""
    from server_helpers import settings
    from signoff.server import create_app

    url = f"http://127.0.0.1:{_free_port()}"
    return create_app(api, settings(public_url=url, **overrides))


@contextlib.contextmanager
def live_server(database_url: str, artifacts: Path) -> Iterator[str]:
    """`signoff serve` on 127.0.0.1 over ``database_url`` (its own connection); its URL."""
    import signoff

    api = signoff.connect(database_url, artifacts=artifacts)
    try:
        with live_app(serve(api)) as url:
            yield url
    finally:
        api.close()


def login_through_browser(url: str, api: Any, user: str, config_dir: Path) -> dict[str, Any]:
    """Log ``user`` in as a person would: a login link opens a browser session, `signoff
    login`'s request is confirmed on its page; the session is stored in ``config_dir``."""
    from signoff.client import Client

    _, secret = api.registry.tokens.create_login_link(user, actor=user)
    browser = httpx.Client(base_url=url, timeout=60)  # a loaded machine: be patient
    signed_in = browser.post("/login/link", data={"token": secret}, follow_redirects=False)
    assert signed_in.status_code == 303, signed_in.text
    csrf = browser.get("/api/me").json()["csrf"]

    def confirm(started: dict[str, Any]) -> None:
        page = started["verification_uri_complete"]
        shown = browser.get(page)
        assert shown.status_code == 200, shown.text
        assert started["user_code"] in shown.text
        done = browser.post(page, data={"csrf": csrf})
        assert done.status_code == 200, done.text

    saved = os.environ.get("SIGNOFF_CONFIG_DIR")
    os.environ["SIGNOFF_CONFIG_DIR"] = str(config_dir)
    try:
        client = Client(url, anonymous=True)
        session = client.login(confirm, sleep=lambda _: time.sleep(0.05))
        client.close()
    finally:
        if saved is None:
            os.environ.pop("SIGNOFF_CONFIG_DIR", None)
        else:
            os.environ["SIGNOFF_CONFIG_DIR"] = saved
        browser.close()
    return session


class RemoteRunner:
    """``cli(*args, env=...)`` as the tests call it, in remote mode where the API allows.

    ``backend`` picks the database the test's registry lives in: ``sqlite`` (the test's
    own ``SIGNOFF_HOME``) or a PostgreSQL URL that replaces it.
    """

    def __init__(self, local: Any, tmp_path: Path, postgres_url: str | None) -> None:
        self.local, self.tmp_path, self.postgres_url = local, tmp_path, postgres_url
        self.servers: dict[str, tuple[str, Any, contextlib.ExitStack]] = {}
        self.logged_in: set[tuple[str, str]] = set()
        self.remote_calls = 0
        self.nowhere = tmp_path / "no-database-here"

    def _env(self, env: dict[str, str] | None) -> dict[str, str]:
        env = dict(env or {})
        if self.postgres_url is not None:
            env["SIGNOFF_DATABASE_URL"] = self.postgres_url
        return env

    def _server(self, env: dict[str, str]) -> tuple[str, Any]:
        import signoff
        from signoff.store import database_url, signoff_home

        db = database_url(env)
        if db not in self.servers:
            artifacts = signoff_home(env) / "artifacts"
            stack = contextlib.ExitStack()
            url = stack.enter_context(live_server(db, artifacts))
            api = stack.enter_context(contextlib.closing(signoff.connect(db, artifacts=artifacts)))
            self.servers[db] = (url, api, stack)
        url, api, _ = self.servers[db]
        return url, api

    def __call__(self, *args: str, env: dict[str, str] | None = None) -> Any:
        env = self._env(env)
        if not goes_remote(args) or env.get("SIGNOFF_USER") == "":
            # no acting person named: local mode's "say who is acting" (remotely, the
            # credential always names one)
            return self.local(*args, env=env)
        url, api = self._server(env)
        if not api.registry.list_users():  # the first admin is added on the server's host
            return self.local(*args, env=env)
        user = env.get("SIGNOFF_USER") or "admin"
        folder = self.tmp_path / "config" / user
        remote = {**env, "SIGNOFF_URL": url, "SIGNOFF_CONFIG_DIR": str(folder)}
        if user.casefold() not in {u.name.casefold() for u in api.registry.list_users()}:
            # a name that is no registry user (the tests' "auditor" reading the ledger):
            # a machine's read token, as an auditor's script would have
            remote["SIGNOFF_TOKEN"] = self._read_token(api)
        elif (url, user) not in self.logged_in:
            login_through_browser(url, api, user, folder)
            self.logged_in.add((url, user))
        self.remote_calls += 1
        # no database within reach: a command that opened one instead would fail
        remote.update(SIGNOFF_HOME=str(self.nowhere), SIGNOFF_DATABASE_URL="")
        return self.local(*args, env=remote)

    def _read_token(self, api: Any) -> str:
        import datetime as dt

        admin = api.registry.list_users()[0].name
        _, secret = api.registry.tokens.create_token(
            admin, scope="read", expires=dt.timedelta(days=1), actor=admin
        )
        return str(secret)

    def close(self) -> None:
        for _, _, stack in self.servers.values():
            stack.close()


@contextlib.contextmanager
def _postgres_database(template: str) -> Iterator[str]:
    import uuid

    from sqlalchemy import create_engine, text

    from conftest import POSTGRES_URL, _with_database

    assert POSTGRES_URL is not None
    name = f"signoff_r{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f"CREATE DATABASE {name} TEMPLATE {template}"))
    try:
        yield _with_database(POSTGRES_URL, name)
    finally:
        with admin.connect() as conn:
            conn.execute(text(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
        admin.dispose()


@pytest.fixture(params=["sqlite", "postgresql"])
def cli(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[RemoteRunner]:
    """The tests' ``cli`` runner, in remote mode against a live server."""
    from typer.testing import CliRunner

    from signoff.cli import app_for

    runner = CliRunner()

    def local(*args: str, env: dict[str, str] | None = None) -> Any:
        return runner.invoke(app_for(list(args)), list(args), env=env, catch_exceptions=False)

    with contextlib.ExitStack() as stack:
        postgres = None
        if request.param == "postgresql":
            template = request.getfixturevalue("postgres_template")
            postgres = stack.enter_context(_postgres_database(template))
        remote = RemoteRunner(local, tmp_path, postgres)
        stack.callback(remote.close)
        yield remote
    assert remote.remote_calls > 0  # the test did go through the server
    assert not remote.nowhere.exists()  # and no remote command opened a database
