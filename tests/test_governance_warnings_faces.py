"""One check, every face: :func:`signoff.workflow.governance_warnings` names each webhook
whose literal URL looks like it carries a secret, with the line and column of its ``url``.
`POST /api/governance` answers with them in ``warnings`` (declared in the OpenAPI
document), the web page shows them to the proposer, and remote `governance apply` prints
them from the server's answer — on SQLite and PostgreSQL, against a real app."""

from __future__ import annotations

import html
from pathlib import Path
from typing import Any

import pytest

pytest.importorskip("fastapi", reason="the server extra is not installed")

from conftest import without_policies, write_governance
from server_helpers import bearer, csrf, login, populate, settings
from signoff.errors import WorkflowRefused
from signoff.notify import SECRET_IN_URL
from signoff.workflow import GovernanceWarning, governance_warnings, load_governance

SLACK = "https://hooks.slack.com/services/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"
KEYED = "https://hooks.example.org/signoff?key=abc123"
PLAIN = "https://hooks.example.org/signoff"


def _risky(settings_: dict) -> None:
    without_policies(settings_)
    settings_["webhooks"] = [{"url": PLAIN}, {"url": KEYED}, {"url": SLACK}]


def _safe(settings_: dict) -> None:
    without_policies(settings_)
    settings_["webhooks"] = [{"url": PLAIN}, {"url_env": "SLACK_URL"}]


def _expected(path: Path) -> list[dict[str, Any]]:
    """The warnings, computed here from the file's text and the message template."""
    lines = path.read_text().splitlines()

    def where(url: str) -> tuple[int, int]:
        number = next(n for n, line in enumerate(lines, start=1) if url in line)
        return number, lines[number - 1].index(url) + 1

    found = []
    for index, url, host, signs in (
        (1, KEYED, "https://hooks.example.org", "a query string"),
        (2, SLACK, "https://hooks.slack.com", "a path segment that looks like a token"),
    ):
        line, column = where(url)
        message = SECRET_IN_URL.format(index=index, where=host, signs=signs)
        field = f"webhooks[{index}].url"
        found.append({"field": field, "line": line, "column": column, "message": message})
    return found


def test_the_core_check_locates_each_risky_url(tmp_path: Path):
    risky = write_governance(tmp_path / "risky", _risky)
    found = governance_warnings(load_governance(risky))
    assert all(isinstance(w, GovernanceWarning) for w in found)
    assert [w.to_dict() for w in found] == _expected(risky)
    safe = write_governance(tmp_path / "safe", _safe)
    assert governance_warnings(load_governance(safe)) == []


@pytest.fixture
def app(api: Any, tmp_path: Path) -> Any:
    from signoff.server import create_app

    populate(api, tmp_path / "start")
    return create_app(api, settings())


def _upload(path: Path, *policies: Path, base: Path | None = None) -> list[tuple[str, Any]]:
    files: list[tuple[str, Any]] = [("governance", (path.name, path.read_bytes()))]
    for policy in policies:
        name = policy.relative_to(base).as_posix() if base else policy.name
        files.append(("policies", (name, policy.read_bytes())))
    return files


def test_the_api_answers_with_the_warnings(app: Any, api: Any, tmp_path: Path):
    from fastapi.testclient import TestClient

    client = TestClient(app, headers=bearer(api, "admin", "write"))
    risky = write_governance(tmp_path / "risky", _risky)
    answer = client.post("/api/governance", files=_upload(risky))
    assert answer.status_code == 201, answer.text
    body = answer.json()
    assert body["warnings"] == _expected(risky)
    assert body["state"] == "applied"  # a warning, not a refusal: one admin, in force
    assert body["id"] == f"G-{body['number']}"
    assert api.workflow.rules().governance.webhooks[1].url == KEYED
    safe = write_governance(tmp_path / "safe", _safe)
    quiet = client.post("/api/governance", files=_upload(safe))
    assert quiet.status_code == 201, quiet.text
    assert quiet.json()["warnings"] == []


def test_the_openapi_document_declares_the_warnings(app: Any):
    from fastapi.testclient import TestClient

    spec = TestClient(app).get("/openapi.json").json()
    created = spec["paths"]["/api/governance"]["post"]["responses"]["201"]
    schema = created["content"]["application/json"]["schema"]
    assert "warnings" in schema["required"]
    item = schema["properties"]["warnings"]["items"]
    assert set(item["required"]) == {"field", "line", "column", "message"}


def test_the_web_page_shows_the_warnings_to_the_proposer(app: Any, api: Any, tmp_path: Path):
    browser = login(app, api, "admin")
    page = browser.get("/governance")
    assert page.status_code == 200
    assert 'action="/governance"' in page.text  # an admin gets the form
    risky = write_governance(tmp_path / "risky", _risky)
    shown = browser.post("/governance", data={"csrf": csrf(browser)}, files=_upload(risky))
    assert shown.status_code == 200, shown.text
    text = html.unescape(shown.text)
    number = max(v.number for v in api.workflow.governance_versions_shown(viewer="admin"))
    assert f"G-{number} recorded in the ledger: applied" in text
    for warning in _expected(risky):
        line, column = warning["line"], warning["column"]
        assert f"<li>Line {line}, column {column}: {warning['message']}</li>" in text
    safe = write_governance(tmp_path / "safe", _safe)
    quiet = browser.post("/governance", data={"csrf": csrf(browser)}, files=_upload(safe))
    assert quiet.status_code == 200, quiet.text
    assert "recorded in the ledger: applied" in quiet.text
    assert "Warning" not in quiet.text


def test_the_web_form_places_policies_by_base_name(app: Any, api: Any, tmp_path: Path):
    """A browser sends a file's base name only: the page puts it where the governance
    file names it (``policies/production.yaml``); the version records the same policies
    as the same file proposed from disk."""
    browser = login(app, api, "admin")
    folder = tmp_path / "with-policies"
    path = write_governance(folder)
    policies = sorted((folder / "policies").glob("*.yaml"))
    assert [p.name for p in policies] == ["production.yaml", "staging.yaml"]
    sent = browser.post("/governance", data={"csrf": csrf(browser)}, files=_upload(path, *policies))
    assert sent.status_code == 200, sent.text
    assert "recorded in the ledger: applied" in sent.text
    uploaded = api.workflow.governance_versions_shown(viewer="admin")[-1]
    assert set(uploaded.policies) == {"production", "staging"}
    assert uploaded.sha256 == load_governance(path).sha256
    with pytest.raises(WorkflowRefused, match="already in force with exactly these rules"):
        api.workflow.propose_governance(path, actor="admin")  # the same policies, too


def test_the_web_form_writes_nothing_outside_its_upload(app: Any, api: Any, tmp_path: Path):
    """A crafted governance file whose stage names ``../escaped/production.yaml``: the
    browser's ``production.yaml`` is not placed there (the page refuses the path); a
    policy sent under a ``..`` name is refused too, before any file is written; nothing
    is recorded."""
    browser = login(app, api, "admin")
    folder = tmp_path / "crafted"
    path = write_governance(
        folder,
        lambda g: g["stages"]["production"].update(policy="../escaped/production.yaml"),
    )
    policy = folder / "policies" / "production.yaml"
    before = len(api.workflow.governance_versions_shown(viewer="admin"))
    for files in (
        _upload(path, policy),
        [*_upload(path), ("policies", ("../production.yaml", policy.read_bytes()))],
    ):
        refused = browser.post("/governance", data={"csrf": csrf(browser)}, files=files)
        assert refused.status_code == 400, refused.text
        assert "a relative path without &#39;..&#39;" in refused.text
    assert len(api.workflow.governance_versions_shown(viewer="admin")) == before


def test_no_form_for_a_non_admin_and_the_core_refuses_one(app: Any, api: Any, tmp_path: Path):
    browser = login(app, api, "alice")
    page = browser.get("/governance")
    assert page.status_code == 200
    assert 'action="/governance"' not in page.text
    before = len(api.workflow.governance_versions_shown(viewer="alice"))
    risky = write_governance(tmp_path / "risky", _risky)
    refused = browser.post("/governance", data={"csrf": csrf(browser)}, files=_upload(risky))
    assert refused.status_code == 403
    assert 'role="alert"' in refused.text
    assert len(api.workflow.governance_versions_shown(viewer="alice")) == before
