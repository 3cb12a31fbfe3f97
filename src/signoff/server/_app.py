"""The FastAPI application: routes, sessions, security headers, error handlers."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from pathlib import Path
from types import ModuleType

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.middleware.sessions import SessionMiddleware

from .. import __version__
from .._api import Signoff, connect
from . import (
    _admin_routes,
    _api_routes,
    _change_routes,
    _cli_login,
    _docs_routes,
    _export_routes,
    _governance_pages,
    _governance_routes,
    _history_routes,
    _import_routes,
    _ledger_read_routes,
    _ledger_routes,
    _login,
    _monitor_routes,
    _notify_routes,
    _pages,
    _portfolio_pages,
    _portfolio_routes,
    _registry_routes,
    _token_routes,
    _version_pages,
)
from ._auth import api_routes, route_access
from ._cache import PageCache
from ._edge import Edge, MarkWrites
from ._idempotency import Idempotency
from ._metrics import RequestMetrics
from ._openapi import install_openapi
from ._problems import install_handlers
from ._publish import publish_forever
from ._settings import Settings

__all__ = ["create_app"]

HERE = Path(__file__).parent
NO_RULE = "route {methods} {path} declares no access level (Depends(need(...))); refusing to start"


def _oidc_client(settings: Settings) -> object | None:
    if not settings.oidc:
        return None
    from authlib.integrations.starlette_client import OAuth

    oauth = OAuth()
    client: object = oauth.register(
        "idp",
        server_metadata_url=f"{settings.oidc_issuer}/.well-known/openid-configuration",
        client_id=settings.oidc_client_id,
        client_secret=settings.oidc_client_secret,
        client_kwargs={"scope": "openid email profile", "code_challenge_method": "S256"},
    )
    return client


def _lifespan(
    api: Signoff, settings: Settings
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """Start the checkpoint schedule with the app, stop it with the app."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = None
        if settings.publishes and settings.checkpoint_key is not None:
            task = asyncio.create_task(
                publish_forever(
                    api,
                    private_key=settings.checkpoint_key,
                    interval=settings.checkpoint_interval,
                    file=settings.checkpoint_file,
                    git_folder=settings.checkpoint_git,
                )
            )
        try:
            yield
        finally:
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task

    return lifespan


def create_app(api: Signoff | None = None, settings: Settings | None = None) -> FastAPI:
    """The application over ``api`` (default: ``signoff.connect()`` with the settings' URL)."""
    settings = settings or Settings.from_env()
    api = api or connect(settings.database_url)
    if settings.writer_key is not None:  # the server signs every event it appends
        api.core.writer_key = settings.writer_key
    app = FastAPI(
        lifespan=_lifespan(api, settings),
        title="signoff",
        version=__version__,
        description="ML model governance: the registry, the approval workflow and the ledger.",
        openapi_url="/openapi.json",
        docs_url="/docs",
        redoc_url=None,
    )
    app.state.api = api
    app.state.page_cache = PageCache(api)  # page data by the ledger's tree size
    app.state.settings = settings
    app.state.templates = Jinja2Templates(directory=HERE / "templates")
    app.state.oidc = _oidc_client(settings)
    app.add_middleware(MarkWrites, cache=app.state.page_cache)  # read-your-writes
    app.add_middleware(Idempotency)  # inside the session: it knows who is asking
    app.add_middleware(
        SessionMiddleware,
        secret_key=settings.secret_key,
        session_cookie="signoff_session",
        max_age=int(settings.session_max.total_seconds()),
        same_site="lax",
        https_only=settings.secure_cookies,
    )
    app.state.request_metrics = RequestMetrics()
    app.add_middleware(Edge, metrics=app.state.request_metrics)  # headers, counts, latency

    install_handlers(app)
    install_openapi(app)
    routers: tuple[ModuleType, ...] = (_ledger_routes, _api_routes, _change_routes)
    routers += (_monitor_routes, _login, _cli_login, _pages)
    routers += (_registry_routes, _history_routes, _portfolio_routes, _admin_routes)
    routers += (_portfolio_pages, _version_pages, _token_routes, _ledger_read_routes)
    routers += (_notify_routes, _export_routes, _docs_routes, _import_routes)
    routers += (_governance_routes, _governance_pages)
    for module in routers:
        app.include_router(module.router)
    app.include_router(_ledger_routes.health)
    app.include_router(_monitor_routes.metrics)
    app.mount("/static", StaticFiles(directory=HERE / "static"), name="static")
    for route in api_routes(app.routes):
        if route_access(route) is None:
            raise RuntimeError(NO_RULE.format(methods=sorted(route.methods or ()), path=route.path))
    return app
