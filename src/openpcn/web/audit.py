"""The audit trail of patient-level views and exports: who, which route, what scope, how many
rows, when. Handlers that show or export patient-level rows call `record` once per response."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict
from sqlalchemy import select
from sqlalchemy.orm import Session

from openpcn.store.appdb import AppDB, AuditLog
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
    """Write one audit row. With a Session the caller commits; with an AppDB it is committed."""
    entry = AuditLog(
        user_id=principal.user_id,
        username=principal.username,
        route=route[:255],
        scope=scope[:255],
        rows=int(rows),
        action=action[:32],
    )
    if isinstance(session_or_db, Session):
        session_or_db.add(entry)
        return
    with session_or_db.session() as session:
        session.add(entry)


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
