"""Admin pages and API: the audit log, newest first, sortable by any column."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from openpcn.web import audit
from openpcn.web.auth import Principal, Role, require

router = APIRouter(tags=["admin"])

SortKey = Literal["time", "user", "route", "scope", "rows", "action"]
Order = Literal["asc", "desc"]
COLUMNS: list[tuple[SortKey, str]] = [
    ("time", "Time (UTC)"),
    ("user", "User"),
    ("route", "Route"),
    ("scope", "Scope"),
    ("rows", "Rows"),
    ("action", "Action"),
]


class AuditRow(BaseModel):
    id: int
    time: dt.datetime
    username: str
    route: str
    scope: str
    rows: int
    action: str


class AuditPage(BaseModel):
    items: list[AuditRow]
    limit: int
    offset: int


@router.get("/admin", include_in_schema=False)
def admin_home(_: Principal = Depends(require(Role.ADMIN))) -> Response:
    return RedirectResponse("/admin/audit", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(
    request: Request,
    sort: SortKey = "time",
    order: Order = "desc",
    limit: int = Query(200, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
    principal: Principal = Depends(require(Role.ADMIN)),
) -> Response:
    from openpcn.web.app import templates

    rows = audit.entries(
        request.app.state.appdb, sort=sort, descending=order == "desc", limit=limit, offset=offset
    )
    return templates.TemplateResponse(
        request,
        "admin/audit.html",
        {"rows": rows, "columns": COLUMNS, "sort": sort, "order": order, "limit": limit},
    )


@router.get("/api/v1/audit", response_model=AuditPage)
def audit_api(
    request: Request,
    sort: SortKey = "time",
    order: Order = "desc",
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
    principal: Principal = Depends(require(Role.ADMIN)),
) -> AuditPage:
    """The audit log (admins only): who saw patient-level rows, where, how many, when."""
    rows = audit.entries(
        request.app.state.appdb, sort=sort, descending=order == "desc", limit=limit, offset=offset
    )
    return AuditPage(items=[AuditRow(**vars(r)) for r in rows], limit=limit, offset=offset)
