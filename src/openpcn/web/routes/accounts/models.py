"""The account API's response models (they name the OpenAPI schema's components)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, Field

from openpcn.store.appdb import TokenInfo


class Account(BaseModel):
    id: int
    username: str
    role: str
    pcn_code: str | None = Field(description="a pcn_manager's PCN")
    practice_code: str | None = Field(description="a practice_user's practice")
    active: bool = Field(description="false once disabled: no log-in, no token works")
    created: dt.datetime
    sessions: int = Field(description="live web sessions (ended by any change to the account)")


class Accounts(BaseModel):
    items: list[Account]


class Tokens(BaseModel):
    items: list[TokenInfo]
