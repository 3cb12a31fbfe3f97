"""``signoff model|version|artifact|log`` commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer
from rich.markup import escape

from .._time import iso_utc
from ..errors import ConfigError
from ._app import PlainTable, handle_errors, out_console
from ._registry import (
    NO_MODELS,
    As,
    Json,
    acting_user,
    artifact_app,
    emit,
    log_app,
    model_app,
    open_registry,
    open_signoff,
    parse_ref,
    version_app,
)

__all__: list[str] = []

NO_VERSIONS = (
    "{model} has no version yet: `signoff version add {model}@VERSION --framework …` adds one"
)
BAD_MOMENT = "expected a date or time like 2026-11-01 or 2026-11-01T12:00:00, got {text!r}"


def _json_option(text: str | None, field: str) -> dict[str, object] | None:
    from .._canonical import json_object_option  # lazily: the CLI starts without it

    return json_object_option(text, field)


@model_app.command("register")
@handle_errors
def model_register(
    name: Annotated[str, typer.Argument(help="Model name.")],
    owner: Annotated[str, typer.Option(help="Owning user.")],
    team: Annotated[str, typer.Option(help="Team (created on first use).")],
    use_case: Annotated[str, typer.Option(help="What the model decides.")],
    risk_tier: Annotated[str, typer.Option(help="low | medium | high.")],
    description: Annotated[str, typer.Option(help="Free text.")] = "",
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Add a model to the inventory."""
    model = open_registry().register_model(
        name,
        owner=owner,
        team=team,
        use_case=use_case,
        risk_tier=risk_tier,
        description=description,
        actor=str(acting_user(actor)),
    )
    if not as_json:
        out_console.print(
            escape(f"registered {model.name} ({model.risk_tier} risk, team {model.team})")
        )
    emit(model, as_json=as_json, new_id=model.name)


@model_app.command("list")
@handle_errors
def model_list(as_json: Json = False) -> None:
    """The model inventory."""
    models = open_registry(write=False).list_models()
    table = PlainTable("name", "owner", "team", "risk", "use case")
    for m in models:
        table.add_row(m.name, m.owner, m.team, m.risk_tier, m.use_case)
    emit(models, as_json=as_json, table=table, nothing=NO_MODELS)


@model_app.command("show")
@handle_errors
def model_show(
    name: Annotated[str, typer.Argument(help="Model name.")], as_json: Json = False
) -> None:
    """One model with its versions and their stages."""
    registry = open_registry(write=False)
    model, versions = registry.get_model(name), registry.list_versions(name)
    table = PlainTable("version", "stage", "framework", "created by", "created")
    for v in versions:
        table.add_row(v.version, v.stage, v.framework, v.created_by, iso_utc(v.created_at))
    if not as_json:
        out_console.print(
            f"[bold]{escape(model.name)}[/] — "
            + escape(
                f"{model.use_case} (owner {model.owner}, team {model.team}, {model.risk_tier} risk)"
            )
        )
    emit(
        {"model": model, "versions": versions},
        as_json=as_json,
        table=table,
        nothing=NO_VERSIONS.format(model=model.name),
    )


@model_app.command("history")
@handle_errors
def model_history(
    name: Annotated[str, typer.Argument(help="Model name.")],
    at: Annotated[
        str | None,
        typer.Option(
            help="A date or time (ISO 8601, UTC): what was in production then, who approved it."
        ),
    ] = None,
    as_json: Json = False,
) -> None:
    """Which version was in which stage, when, and by whom (with the ledger event)."""
    if at is not None:
        _holder_at(name, at, as_json=as_json)
        return
    changes = open_registry(write=False).history(name)
    table = PlainTable("when", "version", "from", "to", "by", "ledger seq")
    for c in changes:
        table.add_row(
            iso_utc(c.at), c.version, c.from_stage or "—", c.to_stage, c.actor, str(c.ledger_seq)
        )
    emit(changes, as_json=as_json, table=table, nothing=f"{name} has not changed stage")


@version_app.command("add")
@handle_errors
def version_add(
    ref: Annotated[str, typer.Argument(help="MODEL@VERSION.")],
    framework: Annotated[str, typer.Option(help="e.g. sklearn, xgboost, onnx.")],
    file: Annotated[Path | None, typer.Option(help="Model file (hashed).")] = None,
    uri: Annotated[str | None, typer.Option(help="Where the model lives, if not a file.")] = None,
    scores: Annotated[
        Path | None,
        typer.Option(help="For a version known by its predictions: the scored data (hashed)."),
    ] = None,
    training_data: Annotated[Path | None, typer.Option(help="Training data file (hashed).")] = None,
    data_source: Annotated[str | None, typer.Option(help="Training data source.")] = None,
    objective: Annotated[str | None, typer.Option(help="Training objective.")] = None,
    hyperparameters: Annotated[str | None, typer.Option(help="JSON object.")] = None,
    feature_schema: Annotated[str | None, typer.Option(help="JSON object: feature → type.")] = None,
    code_commit: Annotated[
        str | None, typer.Option(help="Git commit of the training code.")
    ] = None,
    parent: Annotated[str | None, typer.Option(help="Parent version.")] = None,
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Register a version with its lineage; it enters the development stage."""
    version = open_registry().add_version(
        parse_ref(ref),
        framework=framework,
        actor=str(acting_user(actor)),
        model_file=file,
        model_uri=uri,
        scores_file=scores,
        training_data=training_data,
        training_data_source=data_source,
        objective=objective,
        hyperparameters=_json_option(hyperparameters, "--hyperparameters"),
        feature_schema=_json_option(feature_schema, "--feature-schema"),
        code_commit=code_commit,
        parent=parent,
    )
    if not as_json:
        out_console.print(
            escape(f"added {version.ref} ({version.framework}), stage {version.stage}")
        )
    emit(version, as_json=as_json, new_id=str(version.ref))


@version_app.command("list")
@handle_errors
def version_list(
    model: Annotated[str, typer.Argument(help="Model name.")], as_json: Json = False
) -> None:
    """A model's versions."""
    versions = open_registry(write=False).list_versions(model)
    table = PlainTable("version", "stage", "framework", "parent", "model sha256")
    for v in versions:
        table.add_row(
            v.version, v.stage, v.framework, v.parent or "—", (v.model_sha256 or "—")[:16]
        )
    emit(versions, as_json=as_json, table=table, nothing=NO_VERSIONS.format(model=model))


@version_app.command("show")
@handle_errors
def version_show(
    ref: Annotated[str, typer.Argument(help="MODEL@VERSION.")], as_json: Json = False
) -> None:
    """A version's lineage, stage, audits and artifacts."""
    registry = open_registry(write=False)
    parsed = parse_ref(ref)
    version = registry.get_version(parsed)
    audits, artifacts = registry.list_audits(parsed), registry.list_artifacts(parsed)
    table = PlainTable("field", "value")
    fields = version.fields() if hasattr(version, "fields") else version.__dict__  # remote: JSON
    for key, value in fields.items():
        table.add_row(key, json.dumps(value) if isinstance(value, dict) else str(value))
    table.add_row("audits", ", ".join(f"#{a.id} {a.verdict or 'no policy'}" for a in audits) or "—")
    table.add_row("artifacts", ", ".join(f"{a.kind}:{a.filename}" for a in artifacts) or "—")
    emit(
        {"version": version, "audits": audits, "artifacts": artifacts}, as_json=as_json, table=table
    )


@artifact_app.command("add")
@handle_errors
def artifact_add(
    ref: Annotated[str, typer.Argument(help="MODEL@VERSION.")],
    file: Annotated[Path, typer.Argument(help="The file.")],
    kind: Annotated[
        str,
        typer.Option(help="model_card | validation_report | rollback_plan | data_sheet | other."),
    ],
    actor: As = None,
    as_json: Json = False,
) -> None:
    """Attach a file to a version (stored once under its SHA-256)."""
    if not file.is_file():
        raise ConfigError("file not found", file=file)
    artifact = open_registry().add_artifact(
        parse_ref(ref),
        kind,
        file.read_bytes(),
        filename=file.name,
        actor=str(acting_user(actor)),
    )
    if not as_json:
        out_console.print(escape(f"attached {artifact.kind} {artifact.filename} to {ref}"))
    emit(artifact, as_json=as_json, new_id=artifact.sha256)


@log_app.command("export")
@handle_errors
def log_export(
    fmt: Annotated[
        str, typer.Option("--format", help="jsonl: one JSON object per line (the only format).")
    ] = "jsonl",
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="The same as --format jsonl (kept for scripts).")
    ] = True,
) -> None:
    """One line per audit, attached or imported, oldest first, in the shape
    ``signoff portfolio import`` reads.

    Each line holds model_id, timestamp, gates_passed, team, audit_file and imported;
    an attached audit adds verdict, policy, policy_version and the status of every gate,
    an imported one its import_id.
    """
    if fmt != "jsonl":
        raise ConfigError(f"expected jsonl (the only format), got {fmt!r}", field="--format")
    with open_signoff(write=False) as api:  # closed: a server database keeps no connection
        for record in api.registry.audit_log():
            print(json.dumps(record, ensure_ascii=False, sort_keys=True))


def _holder_at(name: str, text: str, *, as_json: bool) -> None:
    import datetime as dt

    from ._registry import open_workflow

    try:
        moment = dt.datetime.fromisoformat(text)
    except ValueError:
        raise ConfigError(BAD_MOMENT.format(text=text), field="--at") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=dt.UTC)
    if len(text) == 10:  # a bare date means the end of that day
        moment += dt.timedelta(days=1, microseconds=-1)
    found = open_workflow(write=False).holder_at(name, moment)
    if as_json:
        print(json.dumps(found, indent=2))
        return
    if found is None:
        out_console.print(escape(f"nothing of {name} was in production at {moment.isoformat()}"))
        return
    approvers = ", ".join(f"{a['user']} ({a['role']})" for a in found["approved_by"]) or "nobody"
    out_console.print(
        escape(
            f"{name}@{found['version']} was in production at {moment.isoformat()} "
            f"(since {found['since']}, moved by {found['moved_by']}, "
            f"ledger seq {found['ledger_seq']}); "
            f"{found['change_request'] or 'no change request'} approved by {approvers}"
        )
    )
