"""The audit trail of patient-level views and exports: who, which route, what scope, how many
rows, when. Handlers that show or export patient-level rows call `record` once per response."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from openpcn.store.appdb import AppDB, AuditLog, record_event
from openpcn.web.auth import Principal

SORTS = {
    "time": AuditLog.time,
    "user": AuditLog.username,
    "route": AuditLog.route,
    "scope": AuditLog.scope,
    "rows": AuditLog.rows,
    "action": AuditLog.action,
}


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


def entries(
    db: AppDB,
    *,
    sort: str = "time",
    descending: bool = True,
    limit: int = 100,
    offset: int = 0,
) -> list[AuditRow]:
    """Audit rows, newest first unless asked otherwise."""
    column = SORTS.get(sort, AuditLog.time)
    order = column.desc() if descending else column.asc()
    with db.session() as session:
        rows = session.scalars(
            select(AuditLog).order_by(order, AuditLog.id.desc()).limit(limit).offset(offset)
        )
        return [AuditRow.model_validate(r) for r in rows]
