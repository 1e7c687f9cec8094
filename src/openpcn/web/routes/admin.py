"""Admin pages and API: the audit log, filtered (user, action, route, dates), paged and
sortable by any column, with the matching rows as CSV."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel

from openpcn.exceptions import InputError
from openpcn.web import audit
from openpcn.web.audit import AuditRow, Filter
from openpcn.web.auth import Principal, Role, require
from openpcn.web.kit.downloads import csv_response
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
PAGE_SIZES = (25, 50, 100, 200, 500)
CSV_COLUMNS = ("id", "time", "username", "route", "scope", "rows", "action")
CSV_MAX_ROWS = 100_000
#: the filter's query names (the Filter's own field names, but `from`/`to` for the dates)
QUERY_NAMES = {"user": "user", "action": "action", "route": "route", "since": "from",
               "until": "to"}  # fmt: skip

User = Annotated[str | None, Query(description="the username, exactly")]
Action = Annotated[str | None, Query(description="the action, e.g. view, export, denied")]
RouteContains = Annotated[str | None, Query(description="a part of the route")]
Since = Annotated[str | None, Query(alias="from", description="from this day (UTC), YYYY-MM-DD")]
Until = Annotated[str | None, Query(alias="to", description="to this day (UTC), YYYY-MM-DD")]
Offset = Annotated[int, Query(ge=0, le=10_000_000)]


class AuditPage(BaseModel):
    items: list[AuditRow]
    total: int
    limit: int
    offset: int


@dataclass(frozen=True)
class Asked:
    """The filter and sort a request asked for, as typed (the page shows them back)."""

    user: str | None
    action: str | None
    route: str | None
    since: str | None
    until: str | None
    sort: SortKey
    order: Order

    @property
    def typed(self) -> dict[str, str | None]:
        """The filter fields by their query names."""
        return {QUERY_NAMES[k]: getattr(self, k) for k in QUERY_NAMES}

    def parse(self) -> Filter:
        """The Filter (InputError naming the Filter field for a value it cannot use)."""
        return audit.parse_filter(user=self.user, action=self.action, route=self.route,
                                  since=self.since, until=self.until)  # fmt: skip

    def checked(self) -> Filter:
        """The filter of the API and CSV: a value it cannot use is a 422 naming the parameter."""
        try:
            return self.parse()
        except InputError as err:
            name = QUERY_NAMES.get(err.where.column or "", "filter")
            raise InputError(f"{name}: {err.what}", fix=err.fix, column=name) from None

    def rows(self, request: Request, where: Filter, limit: int, offset: int = 0) -> list[AuditRow]:
        db = request.app.state.appdb
        descending = self.order == "desc"
        return audit.entries(db, where=where, sort=self.sort, descending=descending,
                             limit=limit, offset=offset)  # fmt: skip


def asked(
    user: User = None,
    action: Action = None,
    route: RouteContains = None,
    since: Since = None,
    until: Until = None,
    sort: SortKey = "time",
    order: Order = "desc",
) -> Asked:
    return Asked(user, action, route, since, until, sort, order)


AskedFor = Annotated[Asked, Depends(asked)]


def link(where: Filter, **extra: object) -> str:
    """The audit page's address with the filter and `extra` (sort, order, limit, offset)."""
    query = {QUERY_NAMES[k]: v for k, v in where.query().items()} | extra
    return "/admin/audit?" + urlencode(query)


@router.get("/admin", include_in_schema=False)
def admin_home(_: Principal = Depends(require(Role.ADMIN))) -> Response:
    return RedirectResponse("/admin/audit", status_code=303)


@router.get("/admin/audit", response_class=HTMLResponse, include_in_schema=False)
def audit_page(
    request: Request,
    q: AskedFor,
    limit: int = Query(50, ge=1, le=1000),
    offset: Offset = 0,
    principal: Principal = Depends(require(Role.ADMIN)),
) -> Response:
    db = request.app.state.appdb
    errors: dict[str, str] = {}
    try:
        where = q.parse()
    except InputError as err:
        errors[QUERY_NAMES.get(err.where.column or "", "user")] = err.what
        where = None
    rows = [] if where is None else q.rows(request, where, limit, offset)
    total = 0 if where is None else audit.count(db, where)
    keep = {"sort": q.sort, "order": q.order, "limit": limit}
    here = where or Filter()
    chosen = [q.action] if q.action and not errors else []
    return render(
        request,
        "admin/audit.html",
        {
            "rows": rows,
            "total": total,
            "columns": COLUMNS,
            "sort": q.sort,
            "order": q.order,
            "limit": limit,
            "offset": offset,
            "page_sizes": sorted({*PAGE_SIZES, limit}),
            "actions": sorted({*audit.actions(db), *chosen}),
            "typed": q.typed,
            "errors": errors,
            "sort_link": lambda key, way: link(here, sort=key, order=way, limit=limit),
            "previous": link(here, **keep, offset=max(offset - limit, 0)) if offset else None,
            "next": link(here, **keep, offset=offset + limit) if offset + limit < total else None,
            "csv_url": "/admin/audit.csv?"
            + urlencode({QUERY_NAMES[k]: v for k, v in here.query().items()} | keep),
        },
        422 if errors else 200,
    )


@router.get("/admin/audit.csv", include_in_schema=False)
def audit_csv(
    request: Request, q: AskedFor, principal: Principal = Depends(require(Role.ADMIN))
) -> Response:
    """Every matching row (up to CSV_MAX_ROWS) in the page's order, as CSV."""
    rows = q.rows(request, q.checked(), CSV_MAX_ROWS)
    found = [r.model_dump() | {"time": r.time.isoformat(sep=" ")} for r in rows]
    return csv_response(found, CSV_COLUMNS, "audit-log.csv")


@router.get(f"{API}/audit", response_model=AuditPage)
def audit_api(
    request: Request,
    q: AskedFor,
    limit: int = Query(100, ge=1, le=1000),
    offset: Offset = 0,
    principal: Principal = Depends(require(Role.ADMIN)),
) -> AuditPage:
    """The audit log (admins only): who saw patient-level rows or was refused, where, how many,
    when; filtered by user, action, route (a part of it) and dates, with the matching total."""
    where = q.checked()
    total = audit.count(request.app.state.appdb, where)
    return AuditPage(items=q.rows(request, where, limit, offset), total=total, limit=limit,
                     offset=offset)  # fmt: skip
