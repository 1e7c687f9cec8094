"""The account API (admins only): every account and every token, never a token itself."""

from __future__ import annotations

from fastapi import APIRouter, Query, Request

from openpcn.web.kit.params import API
from openpcn.web.routes.accounts.answers import Admin, accounts, tokens
from openpcn.web.routes.accounts.models import Accounts, Tokens

router = APIRouter(tags=["admin"])


@router.get(f"{API}/admin/users", response_model=Accounts)
def api_users(request: Request, _: Admin) -> Accounts:
    """Every account: role, scope, whether it is active and how many sessions it has open."""
    return Accounts.model_validate({"items": accounts(request)})


@router.get(f"{API}/admin/tokens", response_model=Tokens)
def api_tokens(
    request: Request,
    _: Admin,
    username: str | None = Query(None, max_length=64, description="only this account's"),
) -> Tokens:
    """Every API token (id, user, label, created, last used, revoked); revoke one by its id
    with `openpcn tokens revoke ID` or on the admin page."""
    return Tokens(items=tokens(request, username))
