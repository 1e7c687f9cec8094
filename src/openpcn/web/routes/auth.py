"""Log in and log out, each audited (`login`, `login.failed`, `login.locked`, `logout`).

Failed logins are throttled per username and address, per address (password spraying) and,
slowing rather than locking, per username (see `appdb.login_throttle`).
"""

from __future__ import annotations

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openpcn.store import appdb
from openpcn.web import auth
from openpcn.web.auth import ALL_ROLES, Principal, public, require
from openpcn.web.errors import error_page
from openpcn.web.kit.navigation import safe_next
from openpcn.web.kit.pages import render

router = APIRouter(tags=["auth"])

THROTTLED = {
    "pair": "There have been too many failed attempts to log in to this account from here. "
    "Wait 15 minutes, then try again, or ask your administrator to check the account.",
    "address": "There have been too many failed attempts to log in from your network. "
    "Wait 15 minutes, then try again, or ask your administrator.",
    "username": "This account has had many failed attempts to log in recently, so attempts "
    "are slowed down. Wait {seconds} seconds, then try again.",
}


def _page(
    request: Request,
    *,
    next_url: str,
    username: str = "",
    errors: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    return render(
        request,
        "login.html",
        {"next_url": next_url, "username": username, "errors": errors or {}},
        status,
    )


@router.get("/login", response_class=HTMLResponse, include_in_schema=False)
def login_page(
    request: Request,
    next: str = "/",
    principal: Principal | None = Depends(public()),
) -> Response:
    if principal is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _page(request, next_url=safe_next(next))


@router.post("/login", response_class=HTMLResponse, include_in_schema=False)
def login(
    request: Request,
    username: str = Form(""),
    password: str = Form(""),
    next: str = Form("/"),
    _: Principal | None = Depends(public()),
) -> Response:
    db = request.app.state.appdb
    next_url = safe_next(next)
    username = username.strip()
    errors: dict[str, str] = {}
    if not username:
        errors["username"] = "Enter your username"
    if not password:
        errors["password"] = "Enter your password"
    if errors:
        return _page(request, next_url=next_url, username=username, errors=errors, status=400)
    address = request.client.host if request.client else "unknown"
    throttle = appdb.login_throttle(db, username, address)
    if throttle is not None:
        _audit(db, "login.locked", username, f"{throttle.reason} throttle; from {address}")
        message = THROTTLED[throttle.reason].format(seconds=throttle.retry_after)
        return error_page(request, 429, message, headers={"Retry-After": str(throttle.retry_after)})
    user = appdb.authenticate(db, username, password)
    appdb.record_login(db, username, address, success=user is not None)
    if user is None:
        _audit(db, "login.failed", username, f"from {address}")  # as typed; never the password
        errors["password"] = "The username or password is not right"
        return _page(request, next_url=next_url, username=username, errors=errors, status=400)
    auth.start_session(request, user.id)
    _audit(db, "login", user.username, f"from {address}", user_id=user.id)
    return RedirectResponse(next_url, status_code=303)


@router.post("/logout", include_in_schema=False)
def logout(request: Request, principal: Principal = Depends(require(*ALL_ROLES))) -> Response:
    if auth.end_session(request):
        _audit(request.app.state.appdb, "logout", principal.username, "", user_id=principal.user_id)
    return RedirectResponse("/login", status_code=303)


def _audit(
    db: appdb.AppDB, action: str, username: str, scope: str, *, user_id: int | None = None
) -> None:
    route = "/logout" if action == "logout" else "/login"
    appdb.record_event(
        db, user_id=user_id, username=username, action=action, route=route, scope=scope
    )
