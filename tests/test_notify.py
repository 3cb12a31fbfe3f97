"""Webhook notifications against a real HTTP server on 127.0.0.1: outbox, signing, retries."""

from __future__ import annotations

import json
import re
import shutil
import socket
import textwrap
import time
from typing import Any

import pytest
import yaml
from pydantic import ValidationError
from sqlalchemy import text

from conftest import without_policies, write_governance
from signoff._canonical import canonical_json
from signoff.errors import ConfigError
from signoff.ledger import append_event
from signoff.notify import (
    ALL_EVENTS,
    DeliveryReport,
    deliver_pending,
    enqueue,
    list_notifications,
    sign_body,
    summary_text,
    verify_signature,
)
from signoff.notify._deliver import NO_SECRET, NOT_CONFIGURED
from signoff.notify._events import (
    BAD_ENV_NAME,
    BAD_URL,
    CREDENTIALS_IN_URL,
    DUPLICATE_URLS,
    NO_EVENTS,
    UNKNOWN_EVENTS,
)
from signoff.store import Store
from signoff.workflow import Governance, load_governance

SECRET = "s3cret-for-tests"
SECRET_ENV = "SIGNOFF_TEST_WEBHOOK_SECRET"
APPROVED = {"version": "fraud@2.0", "to_stage": "production"}


@pytest.fixture
def closed_url() -> str:
    """A loopback URL nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/hook"


# --- helpers ------------------------------------------------------------------------------


def _governance(*webhooks: dict[str, Any]) -> Governance:
    data = load_governance().governance.model_dump()
    return Governance.model_validate({**data, "webhooks": list(webhooks)})


def _announce(
    session: Any,
    governance: Governance,
    clock: Any,
    event: str = "cr.approved",
    subject: str = "CR-3",
    payload: dict[str, Any] | None = None,
) -> tuple[int, int]:
    """What the workflow does: append the ledger event, enqueue in the same transaction."""
    payload = APPROVED if payload is None else payload
    ledgered = append_event(  # an action no table projects: no CR-3 exists here
        session, actor="anna", action=f"test.{event}", subject=subject, payload=payload, at=clock()
    )
    added = enqueue(
        session,
        governance,
        event=event,
        subject=subject,
        payload=payload,
        ledger_seq=ledgered.seq,
        at=clock(),
    )
    return ledgered.seq, added


def _deliver(store: Store, governance: Governance, clock: Any, **options: Any) -> DeliveryReport:
    sleeps: list[float] = options.pop("sleeps", [])
    return deliver_pending(store, governance, clock=clock, sleep=sleeps.append, **options)


# --- the outbox ---------------------------------------------------------------------------


def test_a_notification_is_written_only_if_its_transaction_commits(registry, clock, receiver):
    governance = _governance({"url": receiver.url})
    store = registry.store

    def refused_after_recording() -> None:
        with store.transaction() as session:
            assert _announce(session, governance, clock)[1] == 1
            raise RuntimeError("refused after the event was recorded")

    with pytest.raises(RuntimeError):
        refused_after_recording()
    assert list_notifications(store) == []
    assert _deliver(store, governance, clock) == DeliveryReport()
    assert receiver.requests == []


def test_a_committed_event_is_delivered_as_signed_canonical_json(
    registry, clock, receiver, monkeypatch
):
    monkeypatch.setenv(SECRET_ENV, SECRET)
    governance = _governance({"url": receiver.url + "/hook", "secret_env": SECRET_ENV})
    store = registry.store
    with store.transaction() as session:
        seq, _ = _announce(session, governance, clock)
    clock.advance(seconds=7)

    report = _deliver(store, governance, clock)

    assert report == DeliveryReport(delivered=1)
    [request] = receiver.requests
    assert request.path == "/hook"
    assert json.loads(request.body) == {
        "event": "cr.approved",
        "subject": "CR-3",
        "ledger_seq": seq,
        "at": "2026-01-05T09:00:00Z",
        "payload": APPROVED,
        "text": "CR-3 approved: fraud@2.0 → production",
    }
    assert canonical_json(json.loads(request.body)) == request.body
    assert request.headers["Content-Type"] == "application/json"
    assert request.headers["X-Signoff-Event"] == "cr.approved"
    [row] = list_notifications(store)
    assert request.headers["X-Signoff-Delivery"] == str(row.id)
    signature = request.headers["X-Signoff-Signature"]
    assert signature.startswith("v1=")
    stamp = request.headers["X-Signoff-Timestamp"]
    assert stamp == str(int(clock.now.timestamp()))
    signed = {"delivery_id": str(row.id), "timestamp": stamp, "now": clock.now.timestamp()}
    assert verify_signature(request.body, signature, SECRET, **signed)
    assert not verify_signature(request.body, signature, "another secret", **signed)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 1, None)
    assert row.delivered_at == clock.now
    assert _deliver(store, governance, clock) == DeliveryReport()  # delivered once
    assert len(receiver.requests) == 1


def test_only_subscribed_webhooks_get_an_event_and_unsigned_ones_carry_no_signature(
    registry, clock, receiver
):
    governance = _governance(
        {"url": receiver.url + "/all"},
        {"url": receiver.url + "/decisions", "events": ["cr.approved", "cr.rejected"]},
    )
    store = registry.store
    with store.transaction() as session:
        assert _announce(session, governance, clock, event="cr.submitted")[1] == 1
        assert _announce(session, governance, clock, event="cr.approved")[1] == 2
        assert _announce(session, load_governance().governance, clock)[1] == 0  # no webhooks
    assert _deliver(store, governance, clock) == DeliveryReport(delivered=3)
    assert [r.path for r in receiver.requests] == ["/all", "/all", "/decisions"]
    assert [r.headers["X-Signoff-Event"] for r in receiver.requests] == [
        "cr.submitted",
        "cr.approved",
        "cr.approved",
    ]
    assert all(r.headers["X-Signoff-Signature"] is None for r in receiver.requests)


def test_an_unknown_event_is_a_programming_error(clock):
    with pytest.raises(ValueError, match=re.escape("unknown notification event 'cr.opened'")):
        enqueue(
            None,  # type: ignore[arg-type]  # refused before the session is touched
            _governance(),
            event="cr.opened",
            subject="CR-1",
            payload={},
            ledger_seq=1,
            at=clock(),
        )


# --- retries and failures -----------------------------------------------------------------


@pytest.mark.parametrize("status", [500, 503, 429])
def test_a_transient_answer_is_retried_with_exponential_back_off(registry, clock, receiver, status):
    receiver.plan = [status, status]
    governance = _governance({"url": receiver.url})
    store = registry.store
    with store.transaction() as session:
        _announce(session, governance, clock)
    sleeps: list[float] = []

    report = _deliver(store, governance, clock, sleeps=sleeps)

    assert report == DeliveryReport(delivered=1)
    assert sleeps == [0.5, 1.0]
    [row] = list_notifications(store)
    assert (row.status, row.attempts, row.last_error) == ("delivered", 3, None)
    assert len({r.body for r in receiver.requests}) == 1
    assert {r.headers["X-Signoff-Delivery"] for r in receiver.requests} == {str(row.id)}


def test_a_4xx_answer_fails_for_good_after_one_attempt(registry, clock, receiver):
    receiver.status = 400
    governance = _governance({"url": receiver.url})
    store = registry.store
    with store.transaction() as session:
        _announce(session, governance, clock)
    sleeps: list[float] = []

    report = _deliver(store, governance, clock, sleeps=sleeps)

    assert (report.delivered, report.failed, report.pending) == (0, 1, 0)
    [failure] = report.failures
    assert failure.final
    assert failure.attempts == 1
    assert failure.error == "permanent: HTTP 400 Bad Request: nope"
    assert sleeps == []
    assert _deliver(store, governance, clock) == DeliveryReport()  # not retried later either
    assert len(receiver.requests) == 1
    [row] = list_notifications(store, failed=True)
    assert (row.status, row.attempts, row.last_error) == ("failed", 1, failure.error)


def test_an_unreachable_webhook_fails_after_max_attempts_without_raising(
    registry, clock, closed_url
):
    governance = _governance({"url": closed_url})
    store = registry.store
    with store.transaction() as session:
        _announce(session, governance, clock)
        _announce(session, governance, clock, subject="CR-4")
    sleeps: list[float] = []

    report = _deliver(store, governance, clock, sleeps=sleeps, max_attempts=3)

    # the first row spends its attempts; the second waits for the next run
    assert (report.delivered, report.failed, report.pending) == (0, 1, 1)
    [failure] = report.failures
    assert failure.final
    assert failure.attempts == 3
    assert failure.error.startswith(f"cannot reach {closed_url}: ")
    assert sleeps == [0.5, 1.0]
    first, second = list_notifications(store, max_attempts=3)
    assert (first.status, first.attempts, first.last_error) == ("failed", 3, failure.error)
    assert (second.status, second.attempts) == ("pending", 0)


def test_a_receiver_that_does_not_answer_in_time_is_a_transient_failure(registry, clock, receiver):
    receiver.delay = 5.0
    governance = _governance({"url": receiver.url})
    store = registry.store
    with store.transaction() as session:
        _announce(session, governance, clock)

    report = _deliver(store, governance, clock, timeout=0.2, max_attempts=1)

    assert [(f.error, f.final) for f in report.failures] == [("no answer within 0.2 s", True)]
    [row] = list_notifications(store, max_attempts=1)
    assert (row.status, row.attempts) == ("failed", 1)


def test_a_missing_secret_is_recorded_and_nothing_is_sent_unsigned(
    registry, clock, receiver, monkeypatch
):
    monkeypatch.delenv(SECRET_ENV, raising=False)
    governance = _governance({"url": receiver.url, "secret_env": SECRET_ENV})
    store = registry.store
    with store.transaction() as session:
        _announce(session, governance, clock)

    report = _deliver(store, governance, clock)

    error = NO_SECRET.format(name=SECRET_ENV)
    assert report.pending == 1
    assert [(f.error, f.final, f.attempts) for f in report.failures] == [(error, False, 0)]
    assert receiver.requests == []
    [row] = list_notifications(store, failed=True)
    assert (row.status, row.attempts, row.last_error) == ("retrying", 0, error)

    monkeypatch.setenv(SECRET_ENV, SECRET)
    assert _deliver(store, governance, clock) == DeliveryReport(delivered=1)
    [request] = receiver.requests
    signed = {"delivery_id": request.headers["X-Signoff-Delivery"], "now": clock.now.timestamp()}
    signed["timestamp"] = request.headers["X-Signoff-Timestamp"]
    assert verify_signature(request.body, request.headers["X-Signoff-Signature"], SECRET, **signed)


def test_a_webhook_removed_from_the_config_fails_its_notifications(registry, clock, receiver):
    governance = _governance({"url": receiver.url})
    store = registry.store
    with store.transaction() as session:
        _announce(session, governance, clock)

    report = _deliver(store, _governance(), clock)

    assert report.failed == 1
    assert report.failures[0].error == "permanent: " + NOT_CONFIGURED.format(url=receiver.url)
    assert receiver.requests == []


# --- the governance config ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("webhook", "message"),
    [
        ({"url": "ftp://example.org/x"}, BAD_URL.format(url="ftp://example.org/x")),
        ({"url": "hooks.example.org"}, BAD_URL.format(url="hooks.example.org")),
        ({"url": "https://example.org:99999/"}, BAD_URL.format(url="https://example.org:99999/")),
        ({"url": "https://user:pw@example.org/"}, CREDENTIALS_IN_URL),
        ({"url": "https://example.org/", "secret_env": "not a name"}, BAD_ENV_NAME),
        ({"url": "https://example.org/", "events": []}, NO_EVENTS),
        ({"url": "https://example.org/", "secret": "x"}, "Extra inputs are not permitted"),
        (
            {"url": "https://example.org/", "events": ["cr.approved", "cr.opened"]},
            UNKNOWN_EVENTS.format(bad=["cr.opened"], known=", ".join(ALL_EVENTS)),
        ),
    ],
)
def test_a_bad_webhook_is_refused_with_a_clear_message(webhook, message):
    with pytest.raises(ValidationError) as caught:
        _governance(webhook)
    assert message in str(caught.value)


def test_webhook_urls_are_unique():
    hook = {"url": "https://example.org/hook"}
    with pytest.raises(ValidationError) as caught:
        _governance(hook, {**hook, "events": ["cr.approved"]})
    assert DUPLICATE_URLS.format(urls="https://example.org/hook") in str(caught.value)


def test_webhooks_load_from_the_governance_file_and_errors_name_the_line(tmp_path):
    data = load_governance().governance.model_dump(mode="json")
    data["webhooks"] = [{"url": "https://hooks.example.org/a", "secret_env": SECRET_ENV}]
    good = tmp_path / "governance.yaml"
    good.write_text(yaml.safe_dump(data, sort_keys=False))
    [hook] = load_governance(good).governance.webhooks
    assert (hook.url, hook.secret_env, hook.events) == (
        "https://hooks.example.org/a",
        SECRET_ENV,
        ALL_EVENTS,
    )
    data["webhooks"][0]["events"] = ["cr.approve"]
    bad = tmp_path / "bad.yaml"
    bad.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(ConfigError) as caught:
        load_governance(bad)
    assert caught.value.file == str(bad)
    assert caught.value.line is not None
    assert "unknown event(s) ['cr.approve']" in str(caught.value)


def test_the_bundled_governance_has_no_active_webhooks():
    assert load_governance().governance.webhooks == ()


# --- signatures and text ------------------------------------------------------------------


def test_verify_signature_accepts_only_the_exact_body_id_time_and_secret():
    body = canonical_json({"event": "cr.approved"})
    at = {"delivery_id": "7", "timestamp": 1_767_605_400}
    header = sign_body(body, SECRET, **at)
    fresh = {**at, "now": 1_767_605_400 + 299}
    assert verify_signature(body, header, SECRET, **fresh)
    assert verify_signature(body, f" {header}\r\n", SECRET, **fresh)
    assert verify_signature(body, header, SECRET, **{**fresh, "timestamp": "1767605400"})
    assert not verify_signature(body + b" ", header, SECRET, **fresh)
    assert not verify_signature(body, header, SECRET + "x", **fresh)
    assert not verify_signature(body, header, SECRET, **{**fresh, "delivery_id": "8"})
    assert not verify_signature(body, header, SECRET, **{**fresh, "timestamp": 1_767_605_401})
    assert not verify_signature(body, header, SECRET, **{**fresh, "now": 1_767_605_400 + 301})
    assert not verify_signature(body, header, SECRET, **{**fresh, "timestamp": "-5"})
    assert not verify_signature(body, header.removeprefix("v1="), SECRET, **fresh)
    assert not verify_signature(body, "sha256=" + header[3:], SECRET, **fresh)
    assert not verify_signature(body, "", SECRET, **fresh)
    assert not verify_signature(body, "v1=é", SECRET, **fresh)


def test_the_receiver_example_in_the_docstring_works():
    import signoff.notify._signature as module

    source = module.__doc__.split("standard library::")[1].split(":func:")[0]
    namespace: dict[str, object] = {}
    exec(textwrap.dedent(source), namespace)
    body = canonical_json({"event": "cr.approved"})
    stamp = int(time.time())
    headers = {"X-Signoff-Delivery": "42", "X-Signoff-Timestamp": str(stamp)}
    headers["X-Signoff-Signature"] = sign_body(body, SECRET, delivery_id="42", timestamp=stamp)
    seen: set[str] = set()
    check = namespace["is_from_signoff"]
    assert check(headers, body, SECRET, seen)  # type: ignore[operator]
    assert not check(headers, body, SECRET, seen)  # type: ignore[operator]  # a replay
    assert not check(headers, body + b" ", SECRET, set())  # type: ignore[operator]


SUMMARIES = {
    "cr.submitted": ("CR-3", APPROVED, "CR-3 submitted for review: fraud@2.0 → production"),
    "cr.signoff_needed": (
        "CR-3",
        {**APPROVED, "roles": ["risk_reviewer", "approver"]},
        "CR-3 needs sign-off (risk_reviewer, approver): fraud@2.0 → production",
    ),
    "cr.approved": ("CR-3", APPROVED, "CR-3 approved: fraud@2.0 → production"),
    "cr.rejected": (
        "CR-3",
        {**APPROVED, "actor": "rita"},
        "CR-3 rejected: fraud@2.0 → production (by rita)",
    ),
    "cr.deployed": ("CR-3", APPROVED, "CR-3 deployed: fraud@2.0 → production"),
    "model.rolled_back": (
        "model:fraud",
        {"from": "fraud@2.0", "to": "fraud@1.0", "reason": "AUC fell\n to 0.61"},
        "fraud rolled back: fraud@2.0 → fraud@1.0 — AUC fell to 0.61",
    ),
    "emergency.opened": (
        "CR-7",
        {"version": "fraud@2.1", "to_stage": "production"},
        "Emergency change CR-7 opened: fraud@2.1 → production",
    ),
    "emergency.review_overdue": (
        "CR-7",
        {"version": "fraud@2.1"},
        "Post-incident review of CR-7 is overdue: fraud@2.1",
    ),
    "monitor.alert": (
        "version:fraud@2.0",
        {"severity": "error", "gates": ["Parity"], "consecutive": 2},
        "Monitoring alert for fraud@2.0: error gate(s) Parity failed in 2 window(s) in a row",
    ),
}


def test_every_event_has_a_summary():
    assert set(SUMMARIES) == set(ALL_EVENTS)


@pytest.mark.parametrize("event", ALL_EVENTS)
def test_the_text_is_one_slack_compatible_line(event):
    subject, payload, expected = SUMMARIES[event]
    assert summary_text(event, subject, payload) == expected


def test_the_text_escapes_what_slack_treats_as_markup():
    text = summary_text("cr.approved", "CR-1", {"version": "a<b>&c@1"})
    assert text == "CR-1 approved: a&lt;b&gt;&amp;c@1"


# --- the command line ---------------------------------------------------------------------


def test_notify_deliver_and_list_from_the_command_line(
    cli, sqlite_template, tmp_path, clock, receiver
):
    database = tmp_path / "signoff.db"
    shutil.copyfile(sqlite_template, database)
    url = f"sqlite:///{database}"
    receiver.plan = [400]
    path = write_governance(tmp_path, lambda s: s.update(webhooks=[{"url": receiver.url}]))
    governance = load_governance(path).governance
    env = {"SIGNOFF_DATABASE_URL": url, "SIGNOFF_HOME": str(tmp_path)}
    assert (
        cli("user", "add", "ada", "--email", "a@example.org", "--role", "admin", env=env).exit_code
        == 0
    )
    applied = cli("governance", "apply", str(path), "--as", "ada", env=env)
    assert applied.exit_code == 0, applied.output
    store = Store(url)
    with store.transaction() as session:
        _announce(session, governance, clock, subject="CR-1")
        _announce(session, governance, clock, subject="CR-2")
    store.dispose()

    done = cli("notify", "deliver", "--json", env=env)

    assert done.exit_code == 0, done.output
    report = json.loads(done.stdout)
    assert (report["delivered"], report["failed"], report["pending"]) == (1, 1, 0)
    listed = cli("notify", "list", "--failed", "--json", env=env)
    assert listed.exit_code == 0, listed.output
    [failed] = json.loads(listed.stdout)
    assert (failed["subject"], failed["status"], failed["attempts"]) == ("CR-1", "failed", 1)
    table = cli("notify", "list", env=env)
    assert table.exit_code == 0
    assert "delivered" in table.stdout


def test_the_workflow_announces_its_steps(api, tmp_path, clock, receiver):
    """Submit, sign-off needed, approve, deploy and rollback reach the webhook, in order."""
    import json as _json

    from signoff.registry import VersionRef

    def adjust(settings: dict[str, Any]) -> None:
        without_policies(settings)
        settings["stages"]["staging"]["promotion"] = "manual"
        settings["webhooks"] = [{"url": receiver.url}]

    registry, flow = api.registry, api.workflow
    registry.add_user("admin", "admin@example.org", ["admin"], actor=None)
    flow.propose_governance(write_governance(tmp_path, adjust), actor="admin")
    governance = flow.rules().governance
    for name, role in (("alice", "requester"), ("anna", "approver"), ("olga", "operator")):
        registry.add_user(name, f"{name}@example.org", [role], actor="admin")
    registry.register_model(
        "offers", owner="alice", team="mkt", use_case="offers", risk_tier="low", actor="alice"
    )
    for version in ("1", "2"):
        ref = VersionRef("offers", version)
        registry.add_version(ref, framework="sklearn", actor="alice")
        registry.add_artifact(ref, "model_card", b"# card", filename="card.md", actor="alice")
        cr = flow.open_cr(ref, to_stage="staging", summary="s", actor="alice")
        flow.submit(cr.id, actor="alice")
        for rule in flow.get_cr(cr.id).required:
            registry.add_user(
                f"{rule.role}-{version}",
                f"{rule.role}{version}@example.org",
                [rule.role],
                actor="admin",
            )
            flow.sign(
                cr.id,
                actor=f"{rule.role}-{version}",
                role=rule.role,
                decision="approve",
                comment="reviewed the evidence carefully",
            )
        flow.deploy(cr.id, actor="olga")
    report = _deliver(registry.store, governance, clock)
    assert report.failed == 0
    events = [_json.loads(r.body)["event"] for r in receiver.requests]
    assert events[:4] == ["cr.submitted", "cr.signoff_needed", "cr.approved", "cr.deployed"]
    assert events.count("cr.deployed") == 2


def test_a_url_holding_a_token_stays_in_the_environment(registry, clock, receiver, monkeypatch):
    """`url_env`: the URL is read at delivery time, never stored in the outbox or printed."""
    token_url = receiver.url + "/services/T000/B000/SECRET-TOKEN"
    governance = _governance({"url_env": "SIGNOFF_TEST_SLACK_URL"})
    store = registry.store
    with store.transaction() as session:
        _announce(session, governance, clock)
    monkeypatch.delenv("SIGNOFF_TEST_SLACK_URL", raising=False)
    report = _deliver(store, governance, clock)
    assert report.delivered == 0
    assert "SIGNOFF_TEST_SLACK_URL (the webhook's url_env) is unset" in report.failures[0].error
    monkeypatch.setenv("SIGNOFF_TEST_SLACK_URL", token_url)
    assert _deliver(store, governance, clock).delivered == 1
    assert receiver.requests[0].path == "/services/T000/B000/SECRET-TOKEN"
    [row] = list_notifications(store)
    assert row.url == "env:SIGNOFF_TEST_SLACK_URL"
    with store.transaction() as session:
        stored = session.execute(text("SELECT url, payload FROM notifications")).all()
    assert "SECRET-TOKEN" not in repr(stored)


def test_a_webhook_needs_exactly_one_address():
    with pytest.raises(ValueError, match="a webhook needs exactly one of url or url_env"):
        _governance({"url": "https://example.org/h", "url_env": "X"})
    with pytest.raises(ValueError, match="a webhook needs exactly one of url or url_env"):
        _governance({"events": ["cr.approved"]})
