"""The web UI in a real Chromium (Debian's package, driven by Playwright) against the real
server and a real OpenID Connect provider (npm ``oidc-provider``), both on loopback.

Set up by ``make browser-deps`` (``make test`` runs it): ``apt-get install chromium`` when
root, ``npm ci`` in tests/oidc.  Screenshots land in ``tests/screenshots/`` (not committed).
"""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")
sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")

import signoff  # noqa: E402
from conftest import without_policies, write_governance  # noqa: E402
from server_helpers import populate  # noqa: E402
from signoff.ledger import iter_events  # noqa: E402

HERE = Path(__file__).parent
CHROMIUM = "/usr/bin/chromium"
FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
SHOTS = HERE / "screenshots"
SIGNOFF = "import sys; from signoff.cli import run; run(sys.argv[1:])"
COMMENT = "validation report, model card and rollback plan read; numbers match"
pytestmark = pytest.mark.slow
if not Path(CHROMIUM).exists():
    pytest.skip("no /usr/bin/chromium: run `make browser-deps`", allow_module_level=True)
if shutil.which("node") is None or not (HERE / "oidc" / "node_modules" / "oidc-provider").is_dir():
    pytest.skip("no oidc-provider: run `make browser-deps` (Node and npm)", allow_module_level=True)


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait(url: str, process: subprocess.Popen[bytes]) -> None:
    for _ in range(200):
        if process.poll() is not None:
            raise RuntimeError(f"{process.args} exited with {process.returncode}")
        try:
            with urllib.request.urlopen(url, timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{url} did not answer")


#: The provider's groups → roles (governance ``identity.groups``), and each account's groups.
GROUPS = {"model-approvers": ["approver"], "risk-validators": ["risk_reviewer"]}
MEMBERS = {"anna": ["model-approvers"], "vera": ["risk-validators", "staff"], "rita": ["staff"]}
#: How old a login may be for a sign-off in these tests (SIGNOFF_FRESH_LOGIN; default 15m).
FRESH_SECONDS = 15  # long enough for a loaded machine to render the page after login


def _with_groups(settings: dict) -> None:
    without_policies(settings)
    settings["identity"] = {"groups": GROUPS}


@pytest.fixture
def stack(tmp_path: Path) -> Iterator[dict[str, str]]:
    """A populated SQLite registry, the OIDC provider and ``signoff serve``, on loopback."""
    url, artifacts = f"sqlite:///{tmp_path / 'signoff.db'}", tmp_path / "artifacts"
    with signoff.connect(url, artifacts=artifacts) as api:
        cr = populate(api, tmp_path)
        api.registry.add_user("vera", "vera@example.org", ["ops_reviewer"], actor="admin")
        (tmp_path / "groups").mkdir()
        api.workflow.propose_governance(
            write_governance(tmp_path / "groups", _with_groups), actor="admin"
        )
    idp_port, port = _port(), _port()
    base = f"http://127.0.0.1:{port}"
    accounts = {
        n: {"email": f"{n}@example.org", "groups": MEMBERS.get(n, [])}
        for n in ("anna", "alice", "dave", "rita", "vera", "admin")
    }
    idp = subprocess.Popen(
        ["node", str(HERE / "oidc" / "provider.mjs"), str(idp_port), f"{base}/auth/callback"],
        env={**os.environ, "ACCOUNTS": json.dumps(accounts)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{idp_port}"
    env = {
        **os.environ,
        "SIGNOFF_DATABASE_URL": url,
        "SIGNOFF_ARTIFACT_ROOT": str(artifacts),
        "SIGNOFF_SECRET_KEY": "browser-test-secret-key-of-32-characters-or-more",
        "SIGNOFF_PUBLIC_URL": base,
        "SIGNOFF_OIDC_ISSUER": issuer,
        "SIGNOFF_OIDC_CLIENT_ID": "signoff",
        "SIGNOFF_OIDC_CLIENT_SECRET": "test-client-secret",
        "SIGNOFF_FRESH_LOGIN": f"{FRESH_SECONDS}s",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", SIGNOFF, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"{issuer}/.well-known/openid-configuration", idp)
        _wait(f"{base}/healthz", server)
        yield {"base": base, "issuer": issuer, "cr": cr, "url": url, "artifacts": str(artifacts)}
    finally:
        for process in (server, idp):
            process.terminate()
            process.wait(timeout=10)


@pytest.fixture
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=CHROMIUM, args=FLAGS)
        yield launched
        launched.close()


def _login(browser, stack, user: str, path: str, **context: object):
    """A browser context signed in as ``user`` through the identity provider; its page."""
    page = browser.new_context(**context).new_page()
    page.goto(stack["base"] + path)
    assert "/login" in page.url
    page.get_by_role("link", name="Sign in with your organisation").click()
    page.fill("input[name=login]", user)
    page.fill("input[name=password]", "any password: the development login form")
    page.click("button[type=submit]")
    page.click("button[type=submit]")  # consent: Continue
    page.wait_for_url(stack["base"] + path)
    return page


def _signed(stack, *actions: str) -> list:
    api = signoff.connect(stack["url"], artifacts=stack["artifacts"])
    wanted = actions or ("cr.signed",)
    with api, api.store.transaction() as session:
        return [e for e in iter_events(session) if e.action in wanted]


def _shot(page, name: str) -> None:
    SHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SHOTS / f"{name}.png"), full_page=True)


def test_reviewer_logs_in_reads_and_signs(stack, browser):
    cr = stack["cr"]
    page = _login(browser, stack, "anna", f"/crs/{cr}", viewport={"width": 1280, "height": 900})
    assert page.get_by_role("heading", name="Your sign-off").is_visible()
    assert page.get_by_text("Every readiness check passes").is_visible()
    _shot(page, "cr-reviewer-1280")
    page.get_by_label("Approve").check()
    page.get_by_label("What you checked").fill(COMMENT)
    page.get_by_role("button", name="Record sign-off").click()
    assert page.get_by_text("Your sign-off was recorded in the ledger").is_visible()
    _shot(page, "cr-signed-1280")
    event = _signed(stack)[-1]
    assert (event.actor, event.payload["role"]) == ("anna", "approver")
    login = event.payload["login"]
    assert (login["identity_provider"], login["subject"]) == (stack["issuer"], "anna")
    assert login["shown_evidence"] == event.payload["evidence"]
    assert login["shown_evidence"]["model_card_sha256"] is not None


def test_requester_sees_no_form_and_the_api_refuses(stack, browser):
    cr = stack["cr"]
    page = _login(browser, stack, "alice", f"/crs/{cr}", viewport={"width": 390, "height": 844})
    assert page.locator("form[action$='/sign']").count() == 0
    _shot(page, "cr-requester-phone")
    me = page.request.get(stack["base"] + "/api/me").json()
    etag = page.request.get(f"{stack['base']}/api/crs/{cr}").headers["etag"]
    body = {"role": "requester", "decision": "approve", "comment": COMMENT}
    refused = page.request.post(
        f"{stack['base']}/api/crs/{cr}/sign",
        data=body,
        headers={"If-Match": etag, "X-CSRF-Token": me["csrf"]},
    )
    assert refused.status == 403
    assert refused.json()["rule"] in ("role_not_required", "requester_cannot_sign")
    assert _signed(stack) == []


KEYED_HOOK = "https://hooks.example.org/signoff?key=abc123"


def test_an_admin_proposes_governance_and_sees_the_webhook_warning(stack, browser, tmp_path):
    """The governance page in Chromium: the file and its policies picked in the form (a
    browser sends base names), recorded in the ledger, and the warning about a webhook URL
    holding a key shown to the proposer, with its line and column."""

    def risky(settings: dict) -> None:
        settings["identity"] = {"groups": GROUPS}
        settings["webhooks"] = [{"url": KEYED_HOOK}]

    path = write_governance(tmp_path / "proposed", risky)
    policies = sorted(str(p) for p in (tmp_path / "proposed" / "policies").glob("*.yaml"))
    line = next(n for n, t in enumerate(path.read_text().splitlines(), 1) if KEYED_HOOK in t)
    page = _login(browser, stack, "admin", "/governance", viewport={"width": 1280, "height": 900})
    assert page.get_by_role("heading", name="Propose a version").is_visible()
    page.set_input_files("#governance", str(path))
    page.set_input_files("#policies", policies)
    page.get_by_role("button", name="Propose").click()
    page.wait_for_load_state()
    assert "recorded in the ledger: applied" in page.get_by_role("status").inner_text()
    warning = page.locator(".alert.warn li").inner_text()
    assert warning.startswith(f"Line {line}, column ")
    assert "webhooks[0].url (https://hooks.example.org) has a query string" in warning
    _shot(page, "governance-warning")
    proposed = _signed(stack, "governance.proposed", "governance.applied")
    assert KEYED_HOOK in json.dumps(proposed[-2].payload)
    assert proposed[-1].action == "governance.applied"


def test_a_stale_page_cannot_approve_twice(stack, browser):
    cr = stack["cr"]
    first = _login(browser, stack, "dave", f"/crs/{cr}")
    second = first.context.new_page()
    second.goto(f"{stack['base']}/crs/{cr}")
    for page in (first, second):
        page.get_by_label("Approve").check()
        page.get_by_label("What you checked").fill(COMMENT)
    first.get_by_role("button", name="Record sign-off").click()
    assert first.get_by_text("Your sign-off was recorded").is_visible()
    second.get_by_role("button", name="Record sign-off").click()
    assert second.get_by_text("changed since it was read").is_visible()
    _shot(second, "cr-stale-page")
    assert [e.actor for e in _signed(stack)] == ["dave"]


def test_provider_groups_grant_and_take_roles_at_login(stack, browser):
    cr = stack["cr"]
    vera = _login(browser, stack, "vera", f"/crs/{cr}")
    me = vera.request.get(stack["base"] + "/api/me").json()
    assert set(me["roles"]) == {"ops_reviewer", "risk_reviewer"}  # by hand + from her group
    options = vera.locator("select#role option").all_inner_texts()
    assert sorted(options) == ["ops_reviewer", "risk_reviewer"]
    # rita was made risk_reviewer by hand, but the mapping governs that role and her
    # groups no longer grant it: she loses it as she signs in, and sees no form.
    rita = _login(browser, stack, "rita", f"/crs/{cr}")
    assert rita.request.get(stack["base"] + "/api/me").json()["roles"] == []
    assert rita.locator("form[action$='/sign']").count() == 0
    anna = _login(browser, stack, "anna", f"/crs/{cr}")  # already approver: nothing recorded
    assert anna.request.get(stack["base"] + "/api/me").json()["roles"] == ["approver"]
    changes = _signed(stack, "user.role_granted", "user.role_revoked")[-2:]
    assert [(e.action, e.actor, e.payload["name"], e.payload["role"]) for e in changes] == [
        ("user.role_granted", "signoff", "vera", "risk_reviewer"),
        ("user.role_revoked", "signoff", "rita", "risk_reviewer"),
    ]
    assert changes[0].payload["groups"] == ["risk-validators"]
    assert changes[1].payload["groups"] == ["staff"]
    assert changes[0].payload["identity_provider"] == stack["issuer"]


def test_a_signoff_without_a_fresh_login_is_refused(stack, browser):
    cr = stack["cr"]
    page = _login(browser, stack, "anna", f"/crs/{cr}")
    assert page.locator("form[action$='/sign'] [role=alert]").count() == 0  # fresh: no warning
    page.get_by_label("Approve").check()
    page.get_by_label("What you checked").fill(COMMENT)
    time.sleep(FRESH_SECONDS + 1.5)  # the reviewer reads on; the login is no longer fresh
    page.get_by_role("button", name="Record sign-off").click()
    assert page.get_by_role("heading", name="Refused").is_visible()
    alert = page.get_by_role("alert").inner_text()
    assert alert.startswith(f"a sign-off needs a fresh login (at most {FRESH_SECONDS} seconds")
    assert page.get_by_text("fresh_login_required").is_visible()
    _shot(page, "cr-stale-login")
    assert page.get_by_text("What you typed is kept").is_visible()
    page.get_by_role("link", name="Read it again").click()  # the form says why, too
    assert page.get_by_label("What you checked").input_value() == COMMENT  # kept
    warning = page.locator("form[action$='/sign'] [role=alert]").inner_text()
    assert warning.startswith("Your login is ")
    assert "Sign in again" in warning
    me = page.request.get(stack["base"] + "/api/me").json()
    etag = page.request.get(f"{stack['base']}/api/crs/{cr}").headers["etag"]
    body = {"role": "approver", "decision": "approve", "comment": COMMENT}
    refused = page.request.post(
        f"{stack['base']}/api/crs/{cr}/sign",
        data=body,
        headers={"If-Match": etag, "X-CSRF-Token": me["csrf"]},
    )
    assert (refused.status, refused.json()["rule"]) == (403, "fresh_login_required")
    assert _signed(stack) == []
    recorded = _signed(stack, "access.refused")
    assert [(e.actor, e.payload["rule"]) for e in recorded] == [
        ("anna", "fresh_login_required"),
        ("anna", "fresh_login_required"),
    ]
    assert [e.payload["path"] for e in recorded] == [f"/crs/{cr}/sign", f"/api/crs/{cr}/sign"]
    # Signing in again makes the login fresh: the same reviewer may now sign.
    page.get_by_role("link", name="Sign in again").click()
    page.get_by_role("link", name="Sign in with your organisation").click()
    page.wait_for_url(stack["base"] + f"/crs/{cr}")
    assert page.get_by_label("Approve").is_checked()  # what was typed survived the login
    assert page.get_by_label("What you checked").input_value() == COMMENT
    page.get_by_role("button", name="Record sign-off").click()
    assert page.get_by_text("Your sign-off was recorded in the ledger").is_visible()
    assert [e.actor for e in _signed(stack)] == ["anna"]


@pytest.fixture
def world_stack(tmp_path: Path, audited: dict[str, Path]) -> Iterator[dict[str, str]]:
    """``tests/governed.py``'s world behind ``signoff serve`` and the OIDC provider: fraud
    1.0 and 2.0 deployed, 3.0 a worse candidate, and two more teams' models."""
    from conftest import FakeClock
    from governed import build_world

    url, artifacts = f"sqlite:///{tmp_path / 'signoff.db'}", tmp_path / "artifacts"
    clock = FakeClock()
    with signoff.connect(url, artifacts=artifacts, clock=clock) as api:
        world = build_world(api, clock, tmp_path, audited)
        world.deployed("1.0")
        clock.advance(days=20)
        world.deployed("2.0")
        world.version("3.0", model="bad", waive=False)
        for name, team, tier in (("credit", "lending", "high"), ("churn", "marketing", "low")):
            api.registry.register_model(
                name, owner="alice", team=team, use_case=f"{name} model", risk_tier=tier,
                actor="alice",
            )  # fmt: skip
    yield from _serve(tmp_path, url, artifacts, ("erin", "anna"))


def _serve(
    tmp_path: Path, url: str, artifacts: Path, people: tuple[str, ...]
) -> Iterator[dict[str, str]]:
    idp_port, port = _port(), _port()
    base = f"http://127.0.0.1:{port}"
    accounts = {n: {"email": f"{n}@example.org"} for n in people}
    idp = subprocess.Popen(
        ["node", str(HERE / "oidc" / "provider.mjs"), str(idp_port), f"{base}/auth/callback"],
        env={**os.environ, "ACCOUNTS": json.dumps(accounts)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    issuer = f"http://127.0.0.1:{idp_port}"
    env = {
        **os.environ,
        "SIGNOFF_DATABASE_URL": url,
        "SIGNOFF_ARTIFACT_ROOT": str(artifacts),
        "SIGNOFF_SECRET_KEY": "browser-test-secret-key-of-32-characters-or-more",
        "SIGNOFF_PUBLIC_URL": base,
        "SIGNOFF_OIDC_ISSUER": issuer,
        "SIGNOFF_OIDC_CLIENT_ID": "signoff",
        "SIGNOFF_OIDC_CLIENT_SECRET": "test-client-secret",
    }
    server = subprocess.Popen(
        [sys.executable, "-c", SIGNOFF, "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"{issuer}/.well-known/openid-configuration", idp)
        _wait(f"{base}/healthz", server)
        yield {"base": base, "issuer": issuer, "url": url, "artifacts": str(artifacts)}
    finally:
        for process in (server, idp):
            process.terminate()
            process.wait(timeout=10)


@pytest.mark.parametrize(
    ("viewport", "suffix"),
    [({"width": 1280, "height": 900}, "1280"), ({"width": 390, "height": 844}, "phone")],
)
def test_portfolio_and_version_pages(world_stack, browser, viewport, suffix):
    page = _login(browser, world_stack, "erin", "/portfolio", viewport=viewport)
    assert page.get_by_role("heading", name="Portfolio").is_visible()
    rows = page.locator("table.portfolio tbody tr")
    assert rows.count() == 3
    assert page.locator("svg#chart-status").is_visible()
    _shot(page, f"portfolio-{suffix}")
    page.get_by_label("Team", exact=True).select_option("risk")
    page.get_by_role("button", name="Show").click()
    assert page.locator("table.portfolio tbody tr").count() == 1
    page.get_by_role("link", name="fraud", exact=True).click()
    page.goto(world_stack["base"] + "/models/fraud/versions/3.0")
    report = page.frame_locator("iframe.embed >> nth=0")
    assert report.locator("body").inner_text(timeout=10_000).strip()  # framed, not blocked
    assert page.get_by_role("heading", name="Against production").is_visible()
    assert page.locator("text=roc_auc").first.is_visible()
    _shot(page, f"version-{suffix}")
