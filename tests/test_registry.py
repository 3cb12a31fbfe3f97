"""The registry on SQLite and PostgreSQL: every write ledgered in the same transaction."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from sqlalchemy import func, select, text

import signoff.store as signoff_store
from signoff.errors import (
    AlreadyExists,
    ConfigError,
    DataError,
    NotFound,
    StoreError,
    WorkflowRefused,
)
from signoff.ledger._log import iter_events
from signoff.registry import Registry, VersionRef
from signoff.store import Store, head_revision, open_store, schema_status
from signoff.store._models import LedgerEventRow, ModelRow


def _events(registry: Registry) -> list:
    with registry.store.transaction() as session:
        return list(iter_events(session))


def _seed(registry: Registry) -> None:
    registry.add_user("alice", "alice@example.org", ["requester"], actor=None)
    registry.add_user("bob", "bob@example.org", ["risk_reviewer"], actor="alice")
    registry.register_model(
        "credit",
        owner="alice",
        team="risk",
        use_case="consumer credit",
        risk_tier="high",
        actor="alice",
    )


def test_first_user_is_admin_and_only_admins_add_users(registry: Registry):
    alice = registry.add_user("alice", "alice@example.org", ["requester"], actor=None)
    assert alice.roles == ("admin", "requester")
    bob = registry.add_user("bob", "bob@example.org", ["approver"], actor="alice")
    assert bob.roles == ("approver",)
    with pytest.raises(WorkflowRefused, match="bob cannot add users: only an admin can"):
        registry.add_user("carol", "carol@example.org", ["operator"], actor="bob")
    with pytest.raises(AlreadyExists):
        registry.add_user("bob", "bob@example.org", ["approver"], actor="alice")
    with pytest.raises(ConfigError, match="unknown role 'boss'"):
        registry.add_user("dan", "dan@example.org", ["boss"], actor="alice")
    with pytest.raises(ConfigError, match="expected an e-mail address"):
        registry.add_user("dan", "not-an-email", ["operator"], actor="alice")
    assert [e.action for e in _events(registry)] == [
        "user.added",
        "governance.proposed",  # a fresh registry starts under the bundled governance, G-1
        "governance.applied",
        "user.added",
    ]
    granted = registry.grant_role("bob", "operator", actor="alice")
    assert granted.roles == ("approver", "operator")


def test_every_write_has_its_event_and_a_refused_write_has_none(registry: Registry):
    _seed(registry)
    events = _events(registry)
    assert [e.action for e in events] == [
        "user.added",
        "governance.proposed",
        "governance.applied",
        "user.added",
        "team.created",
        "model.registered",
    ]
    assert [e.seq for e in events] == [1, 2, 3, 4, 5, 6]
    assert events[-1].payload["risk_tier"] == "high"
    with pytest.raises(AlreadyExists):
        registry.register_model(
            "credit", owner="alice", team="other", use_case="x", risk_tier="low", actor="alice"
        )
    assert len(_events(registry)) == 6  # no event, and no team "other" either
    with registry.store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(ModelRow)) == 1
    with pytest.raises(
        NotFound,
        match="no user named 'zed' \\(users: alice, bob\\)",
    ):
        registry.register_model(
            "fraud", owner="zed", team="risk", use_case="x", risk_tier="low", actor="alice"
        )


def test_versions_record_lineage_and_enter_development(registry: Registry, tmp_path: Path, clock):
    _seed(registry)
    model_file = tmp_path / "model.bin"
    model_file.write_bytes(b"weights")
    data = tmp_path / "train.csv"
    data.write_text("a,b\n1,2\n")
    v1 = registry.add_version(
        VersionRef.parse("credit@1.0"),
        framework="sklearn",
        model_file=model_file,
        training_data=data,
        objective="binary:logistic",
        hyperparameters={"C": 1.0},
        feature_schema={"a": "int"},
        code_commit="abc123",
        actor="alice",
    )
    assert v1.stage == "development"
    assert v1.model_sha256 == hashlib.sha256(b"weights").hexdigest()
    clock.advance(days=1)
    v2 = registry.add_version(
        VersionRef.parse("credit@2.0"), framework="sklearn", parent="1.0", actor="bob"
    )
    assert v2.parent == "1.0"
    assert v2.created_at > v1.created_at
    with pytest.raises(AlreadyExists, match=re.escape("credit@2.0 is already registered")):
        registry.add_version(VersionRef.parse("credit@2.0"), framework="sklearn", actor="alice")
    with pytest.raises(
        NotFound, match=re.escape("no version credit@9; versions of credit: 1.0, 2.0")
    ):
        registry.get_version(VersionRef.parse("credit@9"))
    history = registry.history("credit")
    assert [(h.version, h.to_stage) for h in history] == [
        ("1.0", "development"),
        ("2.0", "development"),
    ]
    event = next(e for e in _events(registry) if e.seq == history[0].ledger_seq)
    assert event.action == "version.added"
    assert event.payload["training_data_sha256"] == v1.training_data_sha256


def test_version_refs_are_validated():
    assert str(VersionRef.parse("credit-scorer@1.2.3")) == "credit-scorer@1.2.3"
    for bad in ("credit", "credit@", "@1", "cre dit@1", "credit@1@2"):
        with pytest.raises(ConfigError, match="expected MODEL@VERSION"):
            VersionRef.parse(bad)


def test_artifacts_are_content_addressed(registry: Registry):
    _seed(registry)
    ref = VersionRef.parse("credit@1.0")
    registry.add_version(ref, framework="sklearn", actor="alice")
    first = registry.add_artifact(ref, "model_card", b"# card", filename="card.md", actor="alice")
    again = registry.add_artifact(
        ref, "model_card", b"# card", filename="card-copy.md", actor="alice"
    )
    assert first.sha256 == again.sha256
    assert registry.artifacts.get(first.sha256) == b"# card"
    stored = [p for p in registry.artifacts.root.rglob("*") if p.is_file()]
    assert [p for p in stored if p.read_bytes() == b"# card"] == [
        registry.artifacts.path(first.sha256)
    ]
    with pytest.raises(ConfigError, match="unknown artifact kind 'poster'"):
        registry.add_artifact(ref, "poster", b"x", filename="x", actor="alice")


def test_auditor_is_read_only(registry: Registry):
    _seed(registry)
    registry.add_user("erin", "erin@example.org", ["auditor"], actor="alice")
    with pytest.raises(
        WorkflowRefused,
        match=re.escape("erin holds only read-only roles (auditor) and cannot change the registry"),
    ):
        registry.register_model(
            "fraud", owner="erin", team="risk", use_case="x", risk_tier="low", actor="erin"
        )
    assert [m.name for m in registry.list_models()] == ["credit"]


def test_a_person_with_no_role_reads_but_cannot_write(registry: Registry):
    """Least privilege: no role (never granted, or every group's role removed at a login)
    means read-only, like an auditor — and the refusal says how to get one."""
    _seed(registry)
    registry.add_user("nora", "nora@example.org", [], actor="alice")
    with pytest.raises(WorkflowRefused, match=re.escape("nora holds no role and cannot change")):
        registry.register_model(
            "fraud", owner="nora", team="risk", use_case="x", risk_tier="low", actor="nora"
        )
    assert [m.name for m in registry.list_models()] == ["credit"]  # reading needs no role
    registry.grant_role("nora", "requester", actor="alice")
    registry.register_model(
        "fraud", owner="nora", team="risk", use_case="x", risk_tier="low", actor="nora"
    )
    assert [m.name for m in registry.list_models()] == ["credit", "fraud"]


def test_attach_audit_checks_results_against_manifest(
    registry: Registry, demo: Path, tmp_path: Path
):
    import signoff

    _seed(registry)
    ref = VersionRef.parse("credit@1.0")
    registry.add_version(ref, framework="sklearn", model_file=demo / "model.skops", actor="alice")
    out = tmp_path / "audit"
    signoff.audit(demo / "audit.yaml", policy=demo / "policy.yaml").write(out)
    record = registry.attach_audit(ref, out, actor="alice")
    assert record.verdict == "FAIL"
    assert record.gates["Demographic Parity"] == "FAIL"
    assert registry.artifacts.get(record.results_sha256) == (out / "results.json").read_bytes()
    [line] = list(registry.audit_log())
    assert line["model_id"] == "credit@1.0"
    assert line["team"] == "risk"
    assert line["gates_passed"] is False
    assert line["timestamp"] == "2026-01-05T09:00:00Z"
    results = json.loads((out / "results.json").read_text())
    results["rows"] = 1
    (out / "results.json").write_text(json.dumps(results))
    with pytest.raises(DataError, match=re.escape("results.json does not match manifest.json")):
        registry.attach_audit(ref, out, actor="alice")


def test_ledger_table_refuses_update_and_delete(registry: Registry):
    _seed(registry)
    for statement in ("UPDATE ledger_events SET actor = 'mallory'", "DELETE FROM ledger_events"):
        with (
            pytest.raises(StoreError, match="the ledger is append-only"),
            registry.store.transaction() as session,
        ):
            session.execute(text(statement))
    with registry.store.transaction() as session:
        assert session.scalar(select(func.count()).select_from(LedgerEventRow)) == 6


def test_models_and_migrations_agree(database_url: str):
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext

    from signoff.store._models import Base

    store = Store(database_url)
    with store.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
        # Alembic compares no index's condition: the partial index is checked here (the
        # models name no dialect's condition, so a command loads its own dialect only)
        if database_url.startswith("sqlite"):
            made = "SELECT sql FROM sqlite_master WHERE name = 'ix_monitor_windows_in_force'"
        else:
            made = "SELECT indexdef FROM pg_indexes WHERE indexname = 'ix_monitor_windows_in_force'"
        definition = connection.execute(text(made)).scalar_one()
    store.dispose()
    assert diff == []
    assert "WHERE" in definition.upper()
    assert "superseded_by IS NULL" in definition


def test_a_schema_made_from_the_models_has_the_partial_index():
    """The replays' in-memory SQLite (``ledger verify``) is made from the table definitions,
    not by migrations: it gets the condition there (``_partial_on_sqlite``), and so does a
    second one made in the same process."""
    from sqlalchemy import create_engine

    from signoff.store._models import Base

    for _ in range(2):
        engine = create_engine("sqlite://")
        Base.metadata.create_all(engine)
        with engine.connect() as connection:
            made = "SELECT sql FROM sqlite_master WHERE name = 'ix_monitor_windows_in_force'"
            definition = connection.execute(text(made)).scalar_one()
        engine.dispose()
        assert definition.endswith("WHERE superseded_by IS NULL"), definition


def test_an_unmigrated_database_gets_a_clear_message(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    with pytest.raises(
        StoreError,
        match=r"no registry database at .*other\.db: nothing was created",
    ):
        open_store(url)  # a read: nothing is created
    assert not (tmp_path / "other.db").exists()
    Store(url).dispose()  # an empty file
    with pytest.raises(
        StoreError,
        match=rf"has schema none \(an empty database\); this signoff needs {head_revision()}: upgrade",
    ):
        open_store(url)
    store = Store(url)
    assert schema_status(store).current is None


def test_an_audit_of_another_model_file_is_refused(registry: Registry, demo: Path, tmp_path: Path):
    import signoff

    _seed(registry)
    other = tmp_path / "other.skops"
    other.write_bytes(b"not the audited model")
    ref = VersionRef.parse("credit@1.0")
    registry.add_version(ref, framework="sklearn", model_file=other, actor="alice")
    signoff.audit(demo / "audit.yaml").write(tmp_path / "out")
    with pytest.raises(DataError, match=re.escape("this audit is of another model file")):
        registry.attach_audit(ref, tmp_path / "out", actor="alice")


def test_the_head_revision_read_from_file_names_is_alembics():
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from signoff.store import head_revision

    config = Config()
    config.set_main_option(
        "script_location", str(Path(signoff_store.__file__).parent / "migrations")
    )
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()
