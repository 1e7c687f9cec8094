"""What the account pages and API share: who is acting, the lists, and the form's scope read
as the CLI reads it (codes upper-cased, blanks as none)."""

from __future__ import annotations

import secrets
from typing import Annotated, Any

from fastapi import Depends, Path, Request

from openpcn.store import appdb
from openpcn.web.auth import Principal, Role, require

Admin = Annotated[Principal, Depends(require(Role.ADMIN))]
UserId = Annotated[int, Path(ge=1, le=2_147_483_647)]
TokenId = Annotated[int, Path(ge=1, le=2_147_483_647)]


def db_of(request: Request) -> appdb.AppDB:
    return request.app.state.appdb


def actor(request: Request, principal: Principal) -> appdb.Actor:
    """The admin making a change, named in its audit row with the route they used."""
    return appdb.Actor(principal.username, request.url.path, principal.user_id)


def accounts(request: Request) -> list[dict[str, Any]]:
    db = db_of(request)
    sessions = appdb.live_sessions(db)
    return [
        {
            "id": u.id,
            "username": u.username,
            "role": u.role,
            "pcn_code": u.pcn_code,
            "practice_code": u.practice_code,
            "active": u.active,
            "created": u.created,
            "sessions": sessions.get(u.id, 0),
        }
        for u in appdb.list_users(db)
    ]


def tokens(request: Request, username: str | None = None) -> list[appdb.TokenInfo]:
    return appdb.list_tokens(db_of(request), username)


def code_or_none(value: str) -> str | None:
    value = value.strip().upper()
    return value or None


def new_password() -> str:
    """A random password to show once (20 characters, about 120 bits)."""
    return secrets.token_urlsafe(15)
