"""A governance version is recorded whole in the ledger (``governance.proposed``), which
every reader sees and which cannot be redacted without breaking verification. So
`governance apply` and `governance lint` warn, naming file:line:column, about a webhook
whose literal URL looks like it carries a secret, and point to ``url_env`` — whose URL
never reaches the ledger. On SQLite and PostgreSQL, local and remote."""

from __future__ import annotations

import json
import warnings
from pathlib import Path

import pytest
from sqlalchemy import text

from conftest import without_policies, write_governance
from signoff.ledger import verify_ledger
from signoff.notify import SECRET_IN_URL, secret_signs, webhook_warnings

SLACK = "https://hooks.slack.com/services/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"
KEYED = "https://hooks.example.org/signoff?key=abc123"
PLAIN = "https://hooks.example.org/signoff"
SECRET_VALUE = "https://hooks.slack.com/services/T999/B999/from-the-environment-0123456789"


@pytest.mark.parametrize(
    ("url", "signs"),
    [
        (KEYED, ["a query string"]),
        ("https://user:pw@example.org/", ["a user name or password"]),
        (SLACK, ["a path segment that looks like a token"]),
        (
            "https://discord.com/api/webhooks/123456789012345678/AbCdEf-GhIjKl_MnOpQr0123",
            ["a path segment that looks like a token"],
        ),
        ("https://example.org/x?t=1&sig=Zm9v", ["a query string"]),
        (PLAIN, []),
        ("https://example.org/api/v1/model-registry-notifications", []),  # words, no digits
        ("https://example.org/hooks/2026", []),  # digits, too short for a token
        ("https://example.org/", []),
    ],
)
def test_what_looks_like_a_secret(url: str, signs: list[str]):
    assert secret_signs(url) == signs


def _with_webhooks(*hooks: dict) -> object:
    def adjust(settings: dict) -> None:
        without_policies(settings)
        settings["webhooks"] = list(hooks)

    return adjust


def _line_column(path: Path, needle: str) -> tuple[int, int]:
    """Where ``needle`` (a URL) starts in the file, found by reading its text."""
    for number, line in enumerate(path.read_text().splitlines(), start=1):
        if needle in line:
            return number, line.index(needle) + 1
    raise AssertionError(f"{needle} not in {path}")


def _expected(path: Path, index: int, url: str, host: str, signs: str) -> str:
    line, column = _line_column(path, url)
    warning = SECRET_IN_URL.format(index=index, where=host, signs=signs)
    return f"{path}:{line}:{column}: warning: {warning}"


def test_webhook_warnings_name_each_hook_and_never_a_url_env_one():
    from signoff.notify import Webhook

    hooks = [Webhook(url=PLAIN), Webhook(url=KEYED), Webhook(url_env="SLACK_URL")]
    assert webhook_warnings(hooks) == [
        (
            1,
            SECRET_IN_URL.format(
                index=1, where="https://hooks.example.org", signs="a query string"
            ),
        )
    ]


def _ledger_text(api) -> str:
    query = "SELECT payload FROM ledger_events WHERE action = 'governance.proposed'"
    with api.store.engine.connect() as conn:
        return "\n".join(p for (p,) in conn.execute(text(query)))


def test_apply_and_lint_warn_locally_and_remotely(api, cli, tmp_path: Path, monkeypatch):
    from server_helpers import bearer, populate

    pytest.importorskip("fastapi", reason="the server extra is not installed")
    from remote_cli import live_app, serve

    populate(api, tmp_path / "start")
    risky = write_governance(
        tmp_path / "risky",
        _with_webhooks({"url": PLAIN}, {"url": KEYED}, {"url": SLACK, "events": ["cr.approved"]}),
    )
    local = {
        "SIGNOFF_DATABASE_URL": api.store.engine.url.render_as_string(hide_password=False),
        "SIGNOFF_HOME": str(tmp_path / "home"),
        "COLUMNS": "200",
    }
    expected = [
        _expected(risky, 1, KEYED, "https://hooks.example.org", "a query string"),
        _expected(
            risky, 2, SLACK, "https://hooks.slack.com", "a path segment that looks like a token"
        ),
    ]
    linted = cli("governance", "lint", str(risky), env=local)
    assert linted.exit_code == 0, linted.output
    assert linted.stderr.splitlines() == expected
    applied = cli("governance", "apply", str(risky), "--as", "admin", env=local)
    assert applied.exit_code == 0, applied.output  # a warning, not a refusal
    assert applied.stderr.splitlines() == expected
    assert KEYED in _ledger_text(api)  # what the warning is about: it is in the ledger now
    # url_env: the ledger records the variable's name, never the URL it holds
    monkeypatch.setenv("SLACK_URL", SECRET_VALUE)
    safe = write_governance(
        tmp_path / "safe", _with_webhooks({"url": PLAIN}, {"url_env": "SLACK_URL"})
    )
    quiet = cli("governance", "apply", str(safe), "--as", "admin", env=local)
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    recorded = _ledger_text(api)
    assert SECRET_VALUE not in recorded
    assert '"url_env":"SLACK_URL"' in recorded.replace(" ", "")
    hooks = api.workflow.rules().governance.webhooks
    assert [h.address() for h in hooks] == [PLAIN, SECRET_VALUE]  # read at delivery time
    with live_app(serve(api)) as url:
        token = bearer(api, "admin", "write")["Authorization"].removeprefix("Bearer ")
        remote = {
            "SIGNOFF_URL": url,
            "SIGNOFF_TOKEN": token,
            "SIGNOFF_HOME": str(tmp_path / "no-database"),
            "SIGNOFF_DATABASE_URL": "",
            "SIGNOFF_USER": "",
            "COLUMNS": "200",
        }
        there = cli("governance", "apply", str(risky), "--json", env=remote)
        assert there.exit_code == 0, there.output
        assert there.stderr.splitlines() == expected
        shown = json.loads(there.stdout)
        assert shown["state"] == "applied"
        assert "warnings" not in shown  # the server's warnings go to stderr, as locally
    verify_ledger(api.store)


def test_the_python_api_warns_before_recording(api, tmp_path: Path):
    """``Workflow.propose_governance`` warns as the CLI does (file, line, column), with a
    ``GovernanceConfigWarning``, and records the version all the same; ``warn=False``
    (what the CLI passes, printing its own) is quiet."""
    from server_helpers import populate
    from signoff.workflow import GovernanceConfigWarning

    populate(api, tmp_path / "start")
    risky = write_governance(tmp_path / "risky", _with_webhooks({"url": PLAIN}, {"url": KEYED}))
    with pytest.warns(GovernanceConfigWarning) as caught:
        record = api.workflow.propose_governance(risky, actor="admin")
    where = _expected(risky, 1, KEYED, "https://hooks.example.org", "a query string")
    assert [str(w.message) for w in caught] == [where.replace(": warning: ", ": ")]
    assert caught[0].filename == __file__  # the caller's line, not signoff's
    assert record.state == "applied"
    quiet = write_governance(tmp_path / "again", _with_webhooks({"url": KEYED}))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        api.workflow.propose_governance(quiet, actor="admin", warn=False)
