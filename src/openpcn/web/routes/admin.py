"""Admin pages and API: the audit log, newest first, sortable by any column."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from openpcn.web import audit
from openpcn.web.audit import AuditRow
from openpcn.web.auth import Principal, Role, require
from openpcn.web.kit.pages import render
from openpcn.web.kit.params import API

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


class AuditPage(BaseModel):
    items: list[AuditRow]
    limit: int
    offset: int


def _entries(
    request: Request, sort: SortKey, order: Order, limit: int, offset: int
) -> list[AuditRow]:
    db = request.app.state.appdb
    return audit.entries(db, sort=sort, descending=order == "desc", limit=limit, offset=offset)


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
    rows = _entries(request, sort, order, limit, offset)
    return render(
        request,
        "admin/audit.html",
        {"rows": rows, "columns": COLUMNS, "sort": sort, "order": order, "limit": limit},
    )


@router.get(f"{API}/audit", response_model=AuditPage)
def audit_api(
    request: Request,
    sort: SortKey = "time",
    order: Order = "desc",
    limit: int = Query(100, ge=1, le=1000),
    offset: int = Query(0, ge=0, le=10_000_000),
    principal: Principal = Depends(require(Role.ADMIN)),
) -> AuditPage:
    """The audit log (admins only): who saw patient-level rows, where, how many, when."""
    rows = _entries(request, sort, order, limit, offset)
    return AuditPage(items=rows, limit=limit, offset=offset)
