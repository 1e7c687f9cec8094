"""Who is asking and what they may see: roles, route declarations, sessions, CSRF, tokens.

Every route declares exactly one of `require(*roles)` or `public()` as a dependency. The
dependency identifies the caller (bearer token, else the session: the signed cookie carries a
random session id, live only while its row in the app database is), refuses
anonymous callers (401 for the API, a redirect to the login page for pages) and callers without
one of the roles (403), and checks the CSRF token on every unsafe request a browser makes.
Scope within a role (a PCN manager's own PCN) is checked by the handlers with `forbid_unless`.
"""

from __future__ import annotations

import hmac
import os
import secrets
import tempfile
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.routing import APIRoute
from starlette.concurrency import run_in_threadpool

from openpcn.config import DEFAULT_DATE
from openpcn.exceptions import OpenPCNError
from openpcn.orgs.hierarchy import pcn_of
from openpcn.store import appdb
from openpcn.store.appdb import AppDB, Role

__all__ = [
    "ALL_ROLES",
    "SAFE_METHODS",
    "AuthRequired",
    "CsrfFailed",
    "Forbidden",
    "Principal",
    "Requirement",
    "Role",
    "csrf_token",
    "declared",
    "forbid_unless",
    "load_secret",
    "public",
    "require",
    "routes_of",
]

ALL_ROLES: tuple[Role, ...] = tuple(Role)
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE = "openpcn_session"
SESSION_MAX_AGE = int(appdb.SESSION_LIFETIME.total_seconds())  # the server ends it then too


class AuthRequired(OpenPCNError):
    """No one is logged in (or the bearer token is not valid): 401 for the API, else login."""

    http_status = 401

    def __init__(self, detail: str = "Log in (or send a valid bearer token) to use this.") -> None:
        super().__init__(detail)
        self.detail = detail


class Forbidden(OpenPCNError):
    """Logged in, but this role or scope may not see it: 403 with no data."""

    http_status = 403

    def __init__(self, detail: str = "Your account does not give access to this.") -> None:
        super().__init__(detail)
        self.detail = detail


class CsrfFailed(Forbidden):
    def __init__(self) -> None:
        super().__init__(
            "The form's security token is missing or out of date. Go back, reload the page "
            "and try again."
        )


@dataclass(frozen=True)
class Principal:
    """The logged-in user. For a practice_user, `pcn_code` is the PCN of their practice."""

    user_id: int
    username: str
    role: Role
    pcn_code: str | None
    practice_code: str | None

    def patient_rights(
        self, *, pcn_code: str | None = None, practice_code: str | None = None
    ) -> bool:
        """Patient-level rights: a pcn_manager for their PCN, a practice_user for their practice."""
        if self.role is Role.PCN_MANAGER:
            return pcn_code is not None and pcn_code == self.pcn_code
        if self.role is Role.PRACTICE_USER:
            return practice_code is not None and practice_code == self.practice_code
        return False

    def can_view(self, *, pcn_code: str | None = None, practice_code: str | None = None) -> bool:
        """May open this PCN's or practice's pages (for a practice, pass its PCN too).

        admin and ics_analyst see everything; a pcn_manager their PCN and its practices; a
        practice_user their practice and its PCN.
        """
        if self.role in (Role.ADMIN, Role.ICS_ANALYST):
            return True
        if self.role is Role.PCN_MANAGER:
            return pcn_code is not None and pcn_code == self.pcn_code
        if practice_code is not None:
            return practice_code == self.practice_code
        return pcn_code is not None and pcn_code == self.pcn_code

    @property
    def is_admin(self) -> bool:
        return self.role is Role.ADMIN


def forbid_unless(condition: bool) -> None:
    """Raise the same 403 as a role refusal when a scope check fails."""
    if not condition:
        raise Forbidden()


# ---------------------------------------------------------------------------------------------
# Route declarations


class Requirement:
    """A route's declared access: `roles` (empty for public). FastAPI calls it per request."""

    def __init__(self, roles: frozenset[Role], *, is_public: bool) -> None:
        self.roles = roles
        self.is_public = is_public

    def __repr__(self) -> str:
        if self.is_public:
            return "public()"
        return f"require({', '.join(sorted(r.value for r in self.roles))})"

    async def __call__(self, request: Request) -> Principal | None:
        principal, via_token = await run_in_threadpool(identify, request, strict=not self.is_public)
        request.state.principal = principal
        if not self.is_public:
            if principal is None:
                raise AuthRequired()
            if principal.role not in self.roles:
                raise Forbidden()
        if request.method not in SAFE_METHODS and not via_token:
            await check_csrf(request)
        return principal


def require(*roles: Role) -> Any:
    """Dependency for routes open to these roles: `Depends(require(Role.ADMIN, ...))`."""
    if not roles:
        raise ValueError("require() needs at least one role; use public() for open routes")
    return Requirement(frozenset(Role(r) for r in roles), is_public=False)


def public() -> Any:
    """Dependency for routes anyone may use (login page, health); still checks CSRF."""
    return Requirement(frozenset(), is_public=True)


def routes_of(app: Any) -> list[Any]:
    """Every route of the app, with included routers flattened (newer FastAPI nests them)."""
    try:
        from fastapi.routing import _iter_included_route_candidates
    except ImportError:  # older FastAPI keeps a flat list
        return list(app.routes)
    return list(_iter_included_route_candidates(app.routes))


def declared(route: APIRoute) -> list[Requirement]:
    """Every Requirement in a route's dependency tree (a well-declared route has exactly one)."""
    found: list[Requirement] = []
    stack = [route.dependant]
    while stack:
        dependant = stack.pop()
        if isinstance(dependant.call, Requirement):
            found.append(dependant.call)
        stack.extend(dependant.dependencies)
    return found


# ---------------------------------------------------------------------------------------------
# Identifying the caller


def identify(request: Request, *, strict: bool = True) -> tuple[Principal | None, bool]:
    """(principal, came from a bearer token). A bad token is refused when `strict`."""
    db: AppDB = request.app.state.appdb
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        user = appdb.user_for_token(db, token.strip()) if scheme.lower() == "bearer" else None
        if user is None:
            if strict:
                raise AuthRequired("The bearer token is not valid or has been revoked.")
            return None, False  # not authenticated by it, so forms still need their CSRF token
        return _principal(request, user), True
    session_id = request.session.get("sid") if "session" in request.scope else None
    if not isinstance(session_id, str):
        return None, False
    user = appdb.user_for_session(db, session_id)
    if user is None:
        request.session.pop("sid", None)  # ended, expired, or its account disabled or removed
        return None, False
    return _principal(request, user), False


_pcn_cache_lock = threading.Lock()


def _principal(request: Request, user: appdb.User) -> Principal:
    role = Role(user.role)
    pcn_code = user.pcn_code
    if role is Role.PRACTICE_USER and user.practice_code:
        pcn_code = _pcn_of(request, user.practice_code)
    return Principal(
        user_id=user.id,
        username=user.username,
        role=role,
        pcn_code=pcn_code,
        practice_code=user.practice_code,
    )


def _pcn_of(request: Request, practice_code: str) -> str | None:
    """The practice's PCN on the default date, looked up once per app."""
    state = request.app.state
    cache: dict[str, str | None] = state.practice_pcn
    with _pcn_cache_lock:
        if practice_code in cache:
            return cache[practice_code]
    with state.warehouse_pool.lease() as con:
        pcn = pcn_of(con, practice_code, DEFAULT_DATE)
    with _pcn_cache_lock:
        cache[practice_code] = pcn
    return pcn


# ---------------------------------------------------------------------------------------------
# Sessions and CSRF


def load_secret(home: Path) -> str:
    """The session-signing secret from `<home>/secret.key`, created (mode 0600) on first use.

    The new secret is written to a private temporary file and linked into place, so a second
    worker starting at the same moment sees either no file or the whole secret, never half.
    """
    path = home / "secret.key"
    home.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        fd, tmp = tempfile.mkstemp(dir=home, prefix=".secret-")  # mode 0600
        try:
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(secrets.token_hex(32) + "\n")
            os.link(tmp, path)  # atomic; fails if another process won the race
        except FileExistsError:
            pass
        finally:
            os.unlink(tmp)
    secret = path.read_text(encoding="ascii").strip()
    if len(secret) < 32:
        path.unlink()  # empty or truncated by hand: make a new one
        return load_secret(home)
    return secret


def csrf_token(request: Request) -> str:
    """The session's CSRF token (made on first use); templates put it in every form."""
    token = request.session.get("csrf")
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        request.session["csrf"] = token
    return token


async def check_csrf(request: Request) -> None:
    """The form field `csrf_token` (or header X-CSRF-Token) must match the session's token."""
    expected = request.session.get("csrf") if "session" in request.scope else None
    sent: Any = request.headers.get("x-csrf-token")
    if not sent:
        content_type = request.headers.get("content-type", "")
        if content_type.startswith(("application/x-www-form-urlencoded", "multipart/form-data")):
            form = await request.form()
            sent = form.get("csrf_token")
    if not isinstance(expected, str) or not isinstance(sent, str):
        raise CsrfFailed()
    if not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CsrfFailed()


def start_session(request: Request, user_id: int) -> None:
    """A fresh server-side session for a new login (a new CSRF token too: no fixation); any
    session the browser had before is ended."""
    end_session(request)
    request.session["sid"] = appdb.start_session(request.app.state.appdb, user_id)
    request.session["csrf"] = secrets.token_urlsafe(32)


def end_session(request: Request) -> bool:
    """End the browser's session on the server and forget the cookie; True if one was live."""
    session_id = request.session.get("sid")
    request.session.clear()
    if not isinstance(session_id, str):
        return False
    return appdb.end_session(request.app.state.appdb, session_id)
