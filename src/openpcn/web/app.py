"""The web application: `create_app` wires settings, the app DB, security and the routers.

The warehouse is opened once, read-only, per app; the app DB is migrated on start-up. Every
route declares its roles (see `openpcn.web.auth`); the route matrix test walks them all.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI
from fastapi.routing import APIRoute
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel
from starlette.middleware.sessions import SessionMiddleware

from openpcn import __version__
from openpcn.config import Settings, load_settings
from openpcn.store import appdb
from openpcn.store.warehouse import connect
from openpcn.web import auth, errors
from openpcn.web.head import HeadMiddleware
from openpcn.web.kit.connections import WarehousePool
from openpcn.web.kit.jobs import Board
from openpcn.web.routes import (
    access,
    accounts,
    admin,
    cohorts,
    evaluation,
    formation,
    funding,
    jobs,
    orgs,
    prevalence,
    quality,
    report,
    workforce,
)
from openpcn.web.routes import auth as auth_routes
from openpcn.web.security import HostMiddleware, SecurityHeadersMiddleware

log = logging.getLogger("openpcn.web")

HERE = Path(__file__).parent
STATIC = HERE / "static"


class Health(BaseModel):
    status: str
    version: str


def insecure_cookies(env: dict[str, str] | None = None) -> bool:
    """Plain-http cookies only when asked for (tests; `openpcn serve` on loopback)."""
    env = dict(os.environ) if env is None else env
    return env.get("OPENPCN_INSECURE_COOKIES", "") == "1"


def create_app(settings: Settings | None = None, *, appdb_url: str | None = None) -> FastAPI:
    """The FastAPI app over the warehouse of `settings` and the app DB at `appdb_url`."""
    settings = settings or load_settings()
    db = appdb.open_appdb(appdb_url or appdb.appdb_url(settings))  # migrates to head
    pool = WarehousePool(connect(settings))

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield
        # Only pooled app-DB connections are let go: a test client or schemathesis may start
        # and stop the same app many times, and the warehouse must stay open for the next run.
        db.dispose()

    app = FastAPI(
        title="OpenPCN",
        version=__version__,
        description="Primary Care Networks for an ICS: organisations, sizes and populations.",
        docs_url=None,  # Swagger UI needs inline script, which the CSP forbids
        redoc_url=None,
        openapi_url=None,  # served below as a declared public route
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.appdb = db
    # Either hold warehouse_lock around uses of the one shared connection, or take a cursor of
    # your own from the pool with Depends(openpcn.web.kit.connections.warehouse).
    app.state.warehouse = pool.backend
    app.state.warehouse_lock = threading.RLock()
    app.state.warehouse_pool = pool
    app.state.practice_pcn = {}
    app.state.cache_budget = settings.cache_mb * 1024 * 1024  # openpcn.web.kit.cache
    app.state.jobs = Board(
        workers=settings.job_workers, per_user=settings.jobs_per_user, wait=settings.job_wait
    )

    errors.install(app)
    # add_middleware puts each new one outside the last: HEAD-as-GET wraps headers wrap the
    # Host check wraps sessions wrap catch-all.
    app.add_middleware(errors.CatchAllMiddleware)
    app.add_middleware(
        SessionMiddleware,
        secret_key=auth.load_secret(settings.home),
        session_cookie=auth.SESSION_COOKIE,
        max_age=auth.SESSION_MAX_AGE,
        same_site="lax",
        https_only=not insecure_cookies(),
    )
    app.add_middleware(HostMiddleware, allowed=settings.allowed_hosts)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(HeadMiddleware)

    app.mount("/static", StaticFiles(directory=STATIC, check_dir=False), name="static")

    @app.get("/openapi.json", include_in_schema=False, dependencies=[Depends(auth.public())])
    def openapi() -> dict[str, Any]:
        return app.openapi()

    @app.get(
        "/health", response_model=Health, tags=["health"], dependencies=[Depends(auth.public())]
    )
    def health() -> Health:
        """Liveness for load balancers and the bench: the app answers."""
        return Health(status="ok", version=__version__)

    for module in (
        auth_routes,
        admin,
        orgs,
        quality,
        prevalence,
        report,
        funding,
        workforce,
        cohorts,
        formation,
        evaluation,
        access,
        jobs,
    ):
        app.include_router(module.router)
    app.include_router(accounts.router)  # account administration (admins only)
    _describe_auth_in_openapi(app)
    return app


def _describe_auth_in_openapi(app: FastAPI) -> None:
    """Mark every operation that needs a role as taking a bearer token (or the session)."""
    build = app.openapi

    def openapi_with_auth() -> dict[str, Any]:
        fresh = app.openapi_schema is None
        schema = build()
        if fresh:
            schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
            schemes["bearer"] = {
                "type": "http",
                "scheme": "bearer",
                "description": "a token from `openpcn tokens create USERNAME`",
            }
            for route in auth.routes_of(app):
                if not isinstance(route, APIRoute) or not route.include_in_schema:
                    continue
                needs = auth.declared(route)
                if not needs or needs[0].is_public:
                    continue
                for method in route.methods - {"HEAD"}:
                    operation = schema.get("paths", {}).get(route.path, {}).get(method.lower())
                    if operation is not None:
                        operation["security"] = [{"bearer": []}]
        return schema

    app.openapi = openapi_with_auth  # type: ignore[method-assign]
