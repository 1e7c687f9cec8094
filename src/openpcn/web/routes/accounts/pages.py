"""Account pages (admins only): the users list and one user's page with its forms, adding a
user, removing one (after a confirmation page) and the tokens list.

Forms are POSTs carrying the CSRF token; a change answers with a redirect to the page it came
from and a fixed message (`?done=`), except a new password, which is shown once in the
answer itself and never put in a URL or cookie.
"""

from __future__ import annotations

from typing import Any, Literal

from fastapi import APIRouter, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openpcn.exceptions import UserError
from openpcn.store import appdb
from openpcn.web.kit.connections import leased
from openpcn.web.kit.pages import render
from openpcn.web.routes.accounts.answers import (
    Admin,
    TokenId,
    UserId,
    accounts,
    actor,
    code_or_none,
    db_of,
    new_password,
    tokens,
)

router = APIRouter()

ROLES = [
    ("admin", "Admin", "everything, and the accounts and audit log"),
    ("ics_analyst", "ICS analyst", "the whole ICS, aggregates only"),
    ("pcn_manager", "PCN manager", "one PCN, with its worklists: give the PCN code"),
    ("practice_user", "Practice user", "one practice, with its worklists: give the practice code"),
]
DONE = {
    "disabled": "The account is disabled: its sessions are ended and its tokens stop working.",
    "enabled": "The account is enabled again.",
    "role": "The role is changed: the account's sessions are ended.",
    "removed": "The account is removed, with its sessions and tokens.",
    "revoked": "The token is revoked: calls with it now get 401.",
}


def _done(request: Request) -> str | None:
    return DONE.get(request.query_params.get("done", ""))


@router.get("/admin/users", response_class=HTMLResponse, include_in_schema=False)
def users_page(request: Request, principal: Admin) -> Response:
    return render(
        request,
        "admin/users.html",
        {"users": accounts(request), "done": _done(request), "me": principal.user_id},
    )


def _user_page(
    request: Request,
    principal: Admin,
    user_id: int,
    *,
    errors: dict[str, str] | None = None,
    form: dict[str, Any] | None = None,
    status: int = 200,
) -> Response:
    user = appdb.find_user(db_of(request), user_id)
    return render(
        request,
        "admin/user.html",
        {
            "account": user,
            "tokens": tokens(request, user.username),
            "roles": ROLES,
            "form": form
            or {"role": user.role, "pcn": user.pcn_code, "practice": user.practice_code},
            "errors": errors or {},
            "done": _done(request),
            "is_me": user.id == principal.user_id,
        },
        status,
    )


@router.get("/admin/users/new", response_class=HTMLResponse, include_in_schema=False)
def new_user_page(request: Request, _: Admin) -> Response:
    return render(request, "admin/user_new.html", {"roles": ROLES, "form": {}, "errors": {}})


@router.post("/admin/users", response_class=HTMLResponse, include_in_schema=False)
def add_user(
    request: Request,
    principal: Admin,
    username: str = Form("", max_length=200),
    role: str = Form("", max_length=32),
    pcn: str = Form("", max_length=32),
    practice: str = Form("", max_length=32),
) -> Response:
    form = {"username": username.strip(), "role": role, "pcn": pcn, "practice": practice}
    if not username.strip():
        return _new_user_error(request, form, "username", "Enter a username")
    password = new_password()
    try:
        with leased(request) as con:
            user = appdb.add_user(
                db_of(request), username, password, role, pcn_code=code_or_none(pcn),
                practice_code=code_or_none(practice), warehouse=con,
                actor=actor(request, principal),
            )  # fmt: skip
    except UserError as exc:
        about_name = "username" in exc.what or exc.what.startswith("a user named")
        field = "username" if about_name else "role"
        return _new_user_error(request, form, field, _said(exc))
    return _password_page(request, user, password, added=True)


def _new_user_error(request: Request, form: dict[str, Any], field: str, message: str) -> Response:
    return render(
        request,
        "admin/user_new.html",
        {"roles": ROLES, "form": form, "errors": {field: message}},
        400,
    )


def _said(exc: UserError) -> str:
    """What was wrong and how to fix it, as a sentence for an error message."""
    what = exc.what[:1].upper() + exc.what[1:]
    return f"{what}: {exc.fix}" if exc.fix else what


def _password_page(
    request: Request, user: appdb.User, password: str, *, added: bool = False
) -> Response:
    return render(
        request, "admin/password.html", {"account": user, "password": password, "added": added}
    )


@router.get("/admin/users/{user_id}", response_class=HTMLResponse, include_in_schema=False)
def user_page(request: Request, user_id: UserId, principal: Admin) -> Response:
    return _user_page(request, principal, user_id)


@router.post("/admin/users/{user_id}/disable", response_class=HTMLResponse, include_in_schema=False)
def disable_user(request: Request, user_id: UserId, principal: Admin) -> Response:
    appdb.set_active(db_of(request), user_id, False, actor=actor(request, principal))
    return RedirectResponse(f"/admin/users/{user_id}?done=disabled", status_code=303)


@router.post("/admin/users/{user_id}/enable", response_class=HTMLResponse, include_in_schema=False)
def enable_user(request: Request, user_id: UserId, principal: Admin) -> Response:
    appdb.set_active(db_of(request), user_id, True, actor=actor(request, principal))
    return RedirectResponse(f"/admin/users/{user_id}?done=enabled", status_code=303)


@router.post(
    "/admin/users/{user_id}/password", response_class=HTMLResponse, include_in_schema=False
)
def reset_password(request: Request, user_id: UserId, principal: Admin) -> Response:
    password = new_password()
    user = appdb.set_password(db_of(request), user_id, password, actor=actor(request, principal))
    return _password_page(request, user, password)


@router.post("/admin/users/{user_id}/role", response_class=HTMLResponse, include_in_schema=False)
def change_role(
    request: Request,
    user_id: UserId,
    principal: Admin,
    role: str = Form("", max_length=32),
    pcn: str = Form("", max_length=32),
    practice: str = Form("", max_length=32),
) -> Response:
    try:
        with leased(request) as con:
            appdb.set_role(
                db_of(request), user_id, role, pcn_code=code_or_none(pcn),
                practice_code=code_or_none(practice), warehouse=con,
                actor=actor(request, principal),
            )  # fmt: skip
    except UserError as exc:
        if "no user" in exc.what:
            raise
        form = {"role": role, "pcn": pcn, "practice": practice}
        errors = {"role": _said(exc)}
        return _user_page(request, principal, user_id, errors=errors, form=form, status=400)
    return RedirectResponse(f"/admin/users/{user_id}?done=role", status_code=303)


@router.get("/admin/users/{user_id}/remove", response_class=HTMLResponse, include_in_schema=False)
def remove_user_page(request: Request, user_id: UserId, principal: Admin) -> Response:
    user = appdb.find_user(db_of(request), user_id)
    return render(
        request,
        "admin/user_remove.html",
        {"account": user, "is_me": user.id == principal.user_id},
    )


@router.post("/admin/users/{user_id}/remove", response_class=HTMLResponse, include_in_schema=False)
def remove_user(request: Request, user_id: UserId, principal: Admin) -> Response:
    appdb.remove_user(db_of(request), user_id, actor=actor(request, principal))
    return RedirectResponse("/admin/users?done=removed", status_code=303)


@router.get("/admin/tokens", response_class=HTMLResponse, include_in_schema=False)
def tokens_page(request: Request, _: Admin) -> Response:
    return render(request, "admin/tokens.html", {"tokens": tokens(request), "done": _done(request)})


@router.post(
    "/admin/tokens/{token_id}/revoke", response_class=HTMLResponse, include_in_schema=False
)
def revoke_token(
    request: Request,
    token_id: TokenId,
    principal: Admin,
    back: Literal["tokens", "user"] = Form("tokens"),
) -> Response:
    db = db_of(request)
    revoked = appdb.revoke_token_id(db, token_id, actor=actor(request, principal))
    where = f"/admin/users/{appdb.user_id_of(db, revoked.username)}" if back == "user" else None
    return RedirectResponse(f"{where or '/admin/tokens'}?done=revoked", status_code=303)
