"""The inventory over HTTP: register a model, add a version (its files hashed, its
artifacts stored content-addressed), attach artifacts and audits, download them — the
CLI's ``model register``, ``version add``, ``artifact add`` and ``audit --register``.

An audit arrives as an archive (a zipped or tarred ``signoff audit`` output folder, or an
evidence pack) and is read in memory by :mod:`signoff.pack` as hostile input; only its
``results.json`` and ``manifest.json`` — and the reports rendered from them — are kept.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, File, Form, Request, Response, UploadFile
from pydantic import BaseModel, Field

from .._api import Signoff
from ..errors import NotFound
from ..registry import VersionRef
from ._params import Reader, Writer
from ._present import plain
from ._uploads import attachment, json_object, save_upload, upload_name

__all__ = ["router"]

router = APIRouter(prefix="/api", tags=["registry and workflow"])
OptionalFile = Annotated[UploadFile | None, File()]
OptionalText = Annotated[str | None, Form()]
#: The files ``POST .../versions`` attaches after the version, by artifact kind.
VERSION_ARTIFACTS = ("model_card", "validation_report", "rollback_plan", "data_sheet")
NO_ARTIFACT = "{ref} has no artifact with sha256 {sha}"


class RegisterModel(BaseModel):
    """A model for the inventory (``signoff model register``)."""

    name: str = Field(examples=["credit"])
    owner: str = Field(description="The owning user.")
    team: str = Field(description="Created on first use.")
    use_case: str = Field(description="What the model decides.")
    risk_tier: str = Field(description="low, medium or high.")
    description: str = ""


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


@router.post("/models", status_code=201, summary="Register a model (signoff model register)")
def register_model(
    request: Request, body: RegisterModel, who: Writer, response: Response
) -> dict[str, Any]:
    found = _api(request).registry.register_model(
        body.name,
        owner=body.owner,
        team=body.team,
        use_case=body.use_case,
        risk_tier=body.risk_tier,
        description=body.description,
        actor=who.name,
    )
    response.headers["Location"] = f"/api/models/{found.name}"
    return {**plain(found), "id": found.name}


@router.post(
    "/models/{model}/versions",
    status_code=201,
    summary="Add a version: its files hashed, its artifacts attached (signoff version add)",
)
def add_version(
    request: Request,
    model: str,
    who: Writer,
    response: Response,
    version: Annotated[str, Form(description="The version label, e.g. 1.2.")],
    framework: Annotated[str, Form(description="e.g. sklearn, xgboost, onnx.")],
    file: Annotated[UploadFile | None, File(description="The model file (hashed).")] = None,
    uri: Annotated[str | None, Form(description="Where the model lives, if not a file.")] = None,
    scores: Annotated[
        UploadFile | None, File(description="For a version known by its predictions (hashed).")
    ] = None,
    training_data: Annotated[UploadFile | None, File(description="Training data (hashed).")] = None,
    data_source: Annotated[str | None, Form(description="Training data source.")] = None,
    objective: OptionalText = None,
    hyperparameters: Annotated[str | None, Form(description="A JSON object.")] = None,
    feature_schema: Annotated[str | None, Form(description="JSON object: feature → type.")] = None,
    code_commit: Annotated[str | None, Form(description="Git commit of the code.")] = None,
    parent: Annotated[str | None, Form(description="The parent version.")] = None,
    model_card: OptionalFile = None,
    validation_report: OptionalFile = None,
    rollback_plan: OptionalFile = None,
    data_sheet: OptionalFile = None,
) -> dict[str, Any]:
    api, ref = _api(request), VersionRef(model, version)
    hyper = json_object(hyperparameters, "hyperparameters")
    schema = json_object(feature_schema, "feature_schema")
    with tempfile.TemporaryDirectory(prefix="signoff-version-") as temporary:
        folder = Path(temporary)
        model_path = save_upload(file, folder, "model.bin") if file else None
        scores_path = save_upload(scores, folder, "scores.csv") if scores else None
        data_path = save_upload(training_data, folder, "training.csv") if training_data else None
        source = data_source or (data_path.name if data_path is not None else None)
        found = api.registry.add_version(
            ref,
            framework=framework,
            actor=who.name,
            model_file=model_path,
            model_uri=uri or None,
            scores_file=scores_path,
            training_data=data_path,
            training_data_source=source,
            objective=objective or None,
            hyperparameters=hyper,
            feature_schema=schema,
            code_commit=code_commit or None,
            parent=parent or None,
        )
    uploads = (model_card, validation_report, rollback_plan, data_sheet)
    attached = [
        plain(_attach(api, found.ref, kind, upload, who.name))
        for kind, upload in zip(VERSION_ARTIFACTS, uploads, strict=True)
        if upload is not None
    ]
    response.headers["Location"] = f"/api/models/{found.ref.model}/versions/{found.ref.version}"
    return {**plain(found), "id": str(found.ref), "artifacts": attached}


def _attach(api: Signoff, ref: VersionRef, kind: str, upload: UploadFile, actor: str) -> Any:
    data = upload.file.read()
    name = upload_name(upload, f"{kind}.bin")
    return api.registry.add_artifact(ref, kind, data, filename=name, actor=actor)


@router.post(
    "/models/{model}/versions/{version}/artifacts",
    status_code=201,
    summary="Attach a file to a version, stored under its SHA-256 (signoff artifact add)",
)
def add_artifact(
    request: Request,
    model: str,
    version: str,
    who: Writer,
    file: Annotated[UploadFile, File(description="The file.")],
    kind: Annotated[
        str, Form(description="model_card, validation_report, rollback_plan, data_sheet, other.")
    ],
) -> dict[str, Any]:
    found = _attach(_api(request), VersionRef(model, version), kind, file, who.name)
    return {**plain(found), "id": found.sha256}


@router.post(
    "/models/{model}/versions/{version}/audits",
    status_code=201,
    summary="Attach an audit: its output folder (.zip, .tar.gz) or evidence pack",
)
def attach_audit(
    request: Request,
    model: str,
    version: str,
    who: Writer,
    archive: Annotated[
        UploadFile,
        File(description="`signoff audit -o DIR` zipped or tarred, or `signoff pack`'s zip."),
    ],
) -> dict[str, Any]:
    from ..pack import audit_files, read_archive

    api, ref = _api(request), VersionRef(model, version)
    api.registry.get_version(ref)  # a missing version is named before the upload is read
    shown = upload_name(archive, "audit archive")
    with tempfile.TemporaryDirectory(prefix="signoff-audit-") as temporary:
        folder = Path(temporary)
        entries = read_archive(save_upload(archive, folder, "audit.archive"), name=shown)
        files, reports = audit_files(entries, name=shown)
        _renders(files, shown)
        audit = folder / "audit"
        audit.mkdir()
        for name, data in files.items():  # fixed names: results.json, manifest.json
            (audit / name).write_bytes(data)
        found = api.registry.attach_audit(ref, audit, actor=who.name, reports=reports)
    return {**plain(found), "id": found.id}


def _renders(files: dict[str, bytes], shown: str) -> None:
    """Refuse results and a manifest that `signoff report` could not render: an uploaded
    audit is hostile input, and the registry, the pages and the policy read it later."""
    import json

    from ..errors import DataError
    from ..report import NOT_AUDIT_SHAPE, render_report

    try:
        documents = [json.loads(files[n]) for n in ("results.json", "manifest.json")]
        render_report(*documents, formats=("html",))
    except (KeyError, TypeError, ValueError, AttributeError, IndexError, RecursionError) as exc:
        problem = f"{type(exc).__name__}: {' '.join(str(exc).split())[:120]}"
        raise DataError(NOT_AUDIT_SHAPE.format(problem=problem), file=shown) from None


@router.get(
    "/models/{model}/versions/{version}/artifacts/{sha256}",
    summary="Download one of a version's files (artifacts and audit files)",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {"schema": {"type": "string"}}}}},
)
def download(request: Request, model: str, version: str, sha256: str, who: Reader) -> Response:
    api, ref = _api(request), VersionRef(model, version)
    found = next((a for a in api.registry.list_artifacts(ref) if a.sha256 == sha256), None)
    if found is None:
        raise NotFound(NO_ARTIFACT.format(ref=ref, sha=sha256[:64]))
    return Response(
        api.core.artifacts.get(found.sha256),
        media_type="application/octet-stream",
        headers={
            "Content-Disposition": attachment(found.filename or "artifact"),
            "Content-Security-Policy": "sandbox; default-src 'none'",
        },
    )
