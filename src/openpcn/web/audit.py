"""The audit trail: patient-level views and exports, refused requests, and the events other
parts write (logins, account and token changes, report downloads): who, which route, what
scope, how many rows, when. Handlers that show or export patient-level rows call `record` once
per response; every 403 to a signed-in user calls `record_denied`. Admins read it filtered and
paged (`Filter`, `entries`, `count`)."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, fields

from fastapi import Request
from fastapi.routing import APIRoute
from pydantic import BaseModel, ConfigDict
from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from openpcn.exceptions import InputError
from openpcn.store.appdb import AppDB, AuditLog, record_event
from openpcn.web.auth import CsrfFailed, Forbidden, Principal, declared

SORTS = {
    "time": AuditLog.time,
    "user": AuditLog.username,
    "route": AuditLog.route,
    "scope": AuditLog.scope,
    "rows": AuditLog.rows,
    "action": AuditLog.action,
}
DENIED = "denied"
ACTION = re.compile(r"^[a-z][a-z0-9_.-]{0,31}$")
#: what of a refused request's path parameters an audit row keeps (codes and cohort ids)
_PARAM = re.compile(r"[^A-Za-z0-9_.-]")


# One row as the admin page and API show it (no docstring: it would enter the OpenAPI schema).
class AuditRow(BaseModel):
    model_config = ConfigDict(frozen=True, from_attributes=True)

    id: int
    time: dt.datetime
    username: str
    route: str
    scope: str
    rows: int
    action: str


def record(
    session_or_db: Session | AppDB,
    *,
    principal: Principal,
    route: str,
    scope: str,
    rows: int,
    action: str = "view",
) -> None:
    """Write one audit row for a signed-in principal (see `appdb.record_event`)."""
    record_event(
        session_or_db,
        user_id=principal.user_id,
        username=principal.username,
        route=route,
        scope=scope,
        rows=rows,
        action=action,
    )


def record_denied(request: Request, principal: Principal, exc: Forbidden) -> None:
    """A 403 to a signed-in user: action `denied`, rows 0, and as scope why (`role`: the route
    is not for their role; `scope`: not for their organisation; `csrf`: the form's token failed)
    with the path's parameters (organisation codes, cohort ids; nothing else of the request)."""
    route = request.scope.get("route")
    why = "scope"
    if isinstance(exc, CsrfFailed):
        why = "csrf"
    elif isinstance(route, APIRoute):
        needs = declared(route)
        if needs and not needs[0].is_public and principal.role not in needs[0].roles:
            why = "role"
    params = " ".join(
        f"{name}={_PARAM.sub('', str(value))[:40]}" for name, value in request.path_params.items()
    )
    record(
        request.app.state.appdb,
        principal=principal,
        route=request.url.path,
        scope=f"{why} {params}".strip(),
        rows=0,
        action=DENIED,
    )


@dataclass(frozen=True)
class Filter:
    """Which audit rows to list: each field narrows the rows; None leaves it open."""

    user: str | None = None  # the username, exactly
    action: str | None = None
    route: str | None = None  # a part of the route
    since: dt.date | None = None  # from this day (UTC), inclusive
    until: dt.date | None = None  # to this day (UTC), inclusive

    def query(self) -> dict[str, str]:
        """The filter as query parameters (for links that keep it)."""
        out = {}
        for field in fields(self):
            value = getattr(self, field.name)
            if value is not None:
                out[field.name] = value.isoformat() if isinstance(value, dt.date) else value
        return out

    def where(self) -> list[ColumnElement[bool]]:
        found: list[ColumnElement[bool]] = []
        if self.user is not None:
            found.append(AuditLog.username == self.user)
        if self.action is not None:
            found.append(AuditLog.action == self.action)
        if self.route is not None:
            found.append(AuditLog.route.contains(self.route, autoescape=True))
        if self.since is not None:
            found.append(AuditLog.time >= dt.datetime.combine(self.since, dt.time()))
        if self.until is not None:
            day_after = self.until + dt.timedelta(days=1)
            found.append(AuditLog.time < dt.datetime.combine(day_after, dt.time()))
        return found


def parse_filter(
    *,
    user: str | None = None,
    action: str | None = None,
    route: str | None = None,
    since: str | None = None,
    until: str | None = None,
) -> Filter:
    """A Filter from form or query values (blank = open); InputError naming the field when a
    value cannot be used. The message never repeats the value."""
    user, action, route = (_blank(v) for v in (user, action, route))
    if user is not None and len(user) > 64:
        raise InputError("a username has at most 64 characters", column="user")
    if action is not None and not ACTION.match(action):
        raise InputError(
            "an action is a lower-case word such as view, export or denied", column="action"
        )
    if route is not None and len(route) > 255:
        raise InputError("a route has at most 255 characters", column="route")
    start, end = _day(since, "since"), _day(until, "until")
    if start and end and start > end:
        raise InputError("the 'from' date is after the 'to' date", column="until",
                         fix="choose a 'to' date on or after the 'from' date")  # fmt: skip
    return Filter(user=user, action=action, route=route, since=start, until=end)


def _blank(value: str | None) -> str | None:
    value = None if value is None else value.strip()
    return value or None


def _day(value: str | None, column: str) -> dt.date | None:
    text = _blank(value)
    if text is None:
        return None
    try:
        day = dt.date.fromisoformat(text)
    except ValueError:
        raise InputError("a date is written YYYY-MM-DD, e.g. 2026-12-01", column=column) from None
    if not 2000 <= day.year <= 2100:
        raise InputError("a date between the years 2000 and 2100", column=column)
    return day


def entries(
    db: AppDB,
    *,
    where: Filter | None = None,
    sort: str = "time",
    descending: bool = True,
    limit: int | None = 100,
    offset: int = 0,
) -> list[AuditRow]:
    """Audit rows that match the filter, newest first unless asked otherwise (None: no limit)."""
    column = SORTS.get(sort, AuditLog.time)
    order = column.desc() if descending else column.asc()
    statement = select(AuditLog).where(*(where or Filter()).where())
    statement = statement.order_by(order, AuditLog.id.desc()).limit(limit).offset(offset)
    with db.session() as session:
        return [AuditRow.model_validate(r) for r in session.scalars(statement)]


def count(db: AppDB, where: Filter | None = None) -> int:
    """How many audit rows match the filter."""
    statement = select(func.count(AuditLog.id)).where(*(where or Filter()).where())
    with db.session() as session:
        return int(session.scalar(statement) or 0)


def actions(db: AppDB) -> list[str]:
    """The actions the log holds, for the page's choice of action."""
    with db.session() as session:
        return sorted(str(a) for a in session.scalars(select(AuditLog.action).distinct()))
