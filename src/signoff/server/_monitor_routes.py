"""Monitoring over HTTP: status, history, ingesting a batch file for a monitored model, the
model page's trend charts, and ``/metrics`` (requests plus ``signoff monitor export``).

A batch is measured against the monitor config the server holds for the model —
``<SIGNOFF_MONITOR_CONFIGS>/<model>.yaml``, with its reference data and policy beside it —
and recorded as the caller, so the core's rule applies: only a holder of the ``monitor``
role records runs (a ``monitor`` token, or a person signed in).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
import tempfile
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, File, Form, Query, Request, UploadFile
from fastapi.responses import HTMLResponse, PlainTextResponse

from .._api import Signoff
from ..errors import ConfigError, DataError, SignoffError
from ..monitor import TREND_METRICS, Point, line_chart
from ._auth import Principal, need
from ._params import Limit, Offset, Reader
from ._present import page
from ._uploads import save_upload, upload_name

__all__ = ["metrics", "monitoring_section", "router"]

router = APIRouter(prefix="/api/monitor", tags=["monitoring"])
metrics = APIRouter(tags=["operations"])
Monitor = Annotated[Principal, Depends(need("monitor"))]
NO_CONFIGS = (
    "this server ingests no batches: set SIGNOFF_MONITOR_CONFIGS to the folder holding "
    "<model>.yaml monitor configs"
)
NO_CONFIG = "no monitor config for {model}: expected {path}"
OTHER_MODEL = "{path} watches {watched}, not {model}"
_PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
PROFILE_LIMIT = 32 << 20  # a profile is a table of counts: 32 MiB is far beyond any
TOO_LARGE = "the profile is larger than 32 MiB: it is not a reference profile"
NOT_REFERENCE = "reference is not a JSON object: {reason}"
REPORT_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'"


def _api(request: Request) -> Signoff:
    api: Signoff = request.app.state.api
    return api


def _config(request: Request, model: str) -> Path:
    folder: Path | None = request.app.state.settings.monitor_configs
    if folder is None:
        raise ConfigError(NO_CONFIGS, field="SIGNOFF_MONITOR_CONFIGS")
    path = folder / f"{model}.yaml"
    if path.parent != folder or not path.is_file():
        raise ConfigError(NO_CONFIG.format(model=model, path=path), field="model")
    from ..monitor import load_monitor_config

    watched = load_monitor_config(path).config.model
    if watched.split("@", 1)[0] != model:
        raise ConfigError(OTHER_MODEL.format(path=path, watched=watched, model=model), file=path)
    return path


def _save(upload: UploadFile, folder: Path, name: str) -> Path:
    """The upload under ``folder``, by its own file name when it is a plain one (the
    reader goes by its suffix; the run records it)."""
    given = Path(upload.filename or "").name
    plain = _PLAIN_NAME.fullmatch(given) is not None
    target = folder / name / (given if plain else f"{name}{Path(given).suffix or '.csv'}")
    target.parent.mkdir()
    with target.open("wb") as out:
        shutil.copyfileobj(upload.file, out)
    return target


@router.get("", summary="Monitoring status: one row per model in production or monitored")
def status(request: Request, who: Reader, limit: Limit = 50, offset: Offset = 0) -> dict[str, Any]:
    return page(request, _api(request).monitor.status(), limit, offset)


@router.get("/{model}", summary="One model's monitoring status and alerts")
def model_status(request: Request, model: str, who: Reader) -> dict[str, Any]:
    api = _api(request)
    name = api.registry.get_model(model).name
    row: dict[str, Any] = api.monitor.status(name)[0]
    return {**row, "alert_events": api.workflow.monitoring.alerts(name)}


@router.get("/{model}/history", summary="One metric in every current window, oldest first")
def history(
    request: Request,
    model: str,
    who: Reader,
    metric: Annotated[str, Query(description="A monitoring metric, e.g. drift_share.")],
    column: Annotated[str | None, Query(description="A column, for per-column metrics.")] = None,
    attribute: Annotated[str | None, Query(description="A protected attribute.")] = None,
    since: Annotated[dt.datetime | None, Query(description="Only windows from then.")] = None,
) -> dict[str, Any]:
    api = _api(request)
    name = api.registry.get_model(model).name
    items = api.monitor.history(name, metric, column=column, attribute=attribute, since=since)
    return {"model": name, "metric": metric, "items": items}


@router.post("/{model}/batches", summary="Measure and record a production batch file")
def ingest(
    request: Request,
    model: str,
    who: Monitor,
    batch: Annotated[UploadFile, File(description="The batch: CSV or Parquet.")],
    labels: Annotated[
        UploadFile | None, File(description="Late labels (prediction id and target).")
    ] = None,
    today: Annotated[dt.date | None, Query(description="The run's date (default today).")] = None,
) -> dict[str, Any]:
    api = _api(request)
    name = api.registry.get_model(model).name
    config = _config(request, name)
    with tempfile.TemporaryDirectory(prefix="signoff-batch-") as temporary:
        folder = Path(temporary)
        batch_path = _save(batch, folder, "batch")
        labels_path = _save(labels, folder, "labels") if labels is not None else None
        run = api.monitor.run(config, batch_path, labels=labels_path, actor=who.name, today=today)
    document: dict[str, Any] = run.document
    return document


@router.get("/{model}/report", response_class=HTMLResponse, summary="The monitoring report (HTML)")
def report(request: Request, model: str, who: Reader) -> HTMLResponse:
    api = _api(request)
    html = api.monitor.report(api.registry.get_model(model).name)
    return HTMLResponse(html, headers={"Content-Security-Policy": REPORT_CSP})


@metrics.get(
    "/metrics",
    response_class=PlainTextResponse,
    summary="Prometheus: request counts and latencies, and the monitoring metrics",
)
def prometheus(request: Request, who: Reader) -> PlainTextResponse:
    text = request.app.state.request_metrics.render() + _api(request).monitor.prometheus()
    return PlainTextResponse(text, media_type="text/plain; version=0.0.4; charset=utf-8")


def monitoring_section(api: Signoff, model: str) -> dict[str, Any]:
    """What the model page shows: status, alerts and one trend chart per metric."""
    row = api.monitor.status(model)[0]
    charts = []
    if row["monitored"]:
        latest = row["latest_window"]["results_sha256"]
        (body,) = api.workflow.monitoring.documents([latest]).values()
        gates = json.loads(body).get("gates", [])
        for metric, title in TREND_METRICS:
            threshold = next(
                (g["threshold"] for g in gates if g["metric"] == metric and not g["attribute"]),
                None,
            )
            points = [
                Point(
                    str(h["start"] or "batch")[:16].replace("T", " "),
                    h["value"],
                    h["failed"],
                    tuple(h["ci"]) if h["ci"] else None,
                )
                for h in api.monitor.history(model, metric)
            ]
            charts.append(line_chart(points, title=title, threshold=threshold))
    return {**row, "charts": charts, "alert_events": api.workflow.monitoring.alerts(model)}


@router.post(
    "/{model}/baseline",
    status_code=201,
    summary="Store a reference profile made on the caller's machine (monitor baseline)",
)
def baseline(
    request: Request,
    model: str,
    who: Monitor,
    config: Annotated[UploadFile, File(description="The monitor config the profile was made by.")],
    profile: Annotated[UploadFile, File(description="The reference profile (JSON).")],
    reference: Annotated[str, Form(description='The reference file: {"path", "sha256"} (JSON).')],
    shown: Annotated[
        str | None, Form(description="The config as its errors name it (the path typed).")
    ] = None,
) -> dict[str, Any]:
    from ..monitor import load_monitor_config

    api = _api(request)
    name = api.registry.get_model(model).name
    display = shown or upload_name(config, "monitor.yaml")
    with tempfile.TemporaryDirectory(prefix="signoff-baseline-") as temporary:
        saved = save_upload(config, Path(temporary), "monitor.yaml")
        try:
            watched = load_monitor_config(saved).config.model
            if watched.split("@", 1)[0].casefold() != name.casefold():
                message = OTHER_MODEL.format(path=display, watched=watched, model=name)
                raise ConfigError(message, file=saved, field="model")
            data = profile.file.read(PROFILE_LIMIT + 1)
            if len(data) > PROFILE_LIMIT:
                raise DataError(TOO_LARGE, field="profile")
            try:
                described = json.loads(reference)
            except json.JSONDecodeError as exc:
                raise DataError(NOT_REFERENCE.format(reason=exc), field="reference") from None
            done = api.monitor.baseline_from_profile(
                saved,
                data,
                described,
                actor=who.name,
                shown=upload_name(profile, "profile.json"),
            )
        except SignoffError as exc:
            if exc.file == str(saved):
                exc.file = display
            raise
    return {
        "model": done.model,
        "version": done.version,
        "profile_sha256": done.profile_sha256,
        "rows": done.rows,
        "features": done.features,
    }
