"""Who may see what: the role tuples routes declare, and the scope checks that open an ICS,
a PCN or a practice for a principal (404 first, as organisation data is public; then 403).

Organisation answers are cached per app (the warehouse is read-only under it) and read on a
cursor of the app's pool. Views of patient-level rows, or exact counts from them, are audited.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any

import ibis
from fastapi import Depends, Request

from openpcn import orgs
from openpcn.codes import PCN_CODE, PRACTICE_CODE
from openpcn.exceptions import NotFoundError
from openpcn.orgs.hierarchy import resolve_ics
from openpcn.web import audit
from openpcn.web.auth import Principal, Role, forbid_unless, require
from openpcn.web.kit.cache import Cache
from openpcn.web.kit.connections import warehouse
from openpcn.web.kit.params import DAY

EVERYONE = (Role.ADMIN, Role.ICS_ANALYST, Role.PCN_MANAGER, Role.PRACTICE_USER)
ICS_WIDE = (Role.ADMIN, Role.ICS_ANALYST, Role.PCN_MANAGER)
WHOLE_ICS = frozenset({Role.ADMIN, Role.ICS_ANALYST})
CODE_FIX = "PCN codes look like U42510; practice codes like J81019"

cached = Cache("orgs", size=512)


@dataclass(frozen=True)
class Ask:
    """One request as the answers see it: the request, who asks, and a warehouse cursor of
    its own for the length of the request (see `openpcn.web.kit.connections`)."""

    request: Request
    principal: Principal
    con: ibis.BaseBackend


def asked_by(*roles: Role) -> Any:
    """The route's one role declaration (`require(*roles)`), as a dependency giving an Ask."""

    def ask(
        request: Request,
        principal: Principal = Depends(require(*roles)),
        con: ibis.BaseBackend = Depends(warehouse),
    ) -> Ask:
        return Ask(request, principal, con)

    return Depends(ask)


Everyone = Annotated[Ask, asked_by(*EVERYONE)]
IcsWide = Annotated[Ask, asked_by(*ICS_WIDE)]


def ics_code(ics: str) -> str:
    """An ICS or commissioner code as the warehouse keys it."""
    return ics.strip().upper()


def pcn_detail(request: Request, code: str, day: dt.date) -> dict[str, Any]:
    """`openpcn.orgs.show` of a PCN (404 for a code that is not a PCN's)."""
    key = code.strip().upper()
    if not PCN_CODE.match(key):
        raise NotFoundError("no PCN has that code", fix=CODE_FIX)
    return _show(request, key, day)


def practice_detail(request: Request, code: str, day: dt.date) -> dict[str, Any]:
    """`openpcn.orgs.show` of a practice (404 for a code that is not a practice's)."""
    key = code.strip().upper()
    if not PRACTICE_CODE.match(key) or PCN_CODE.match(key):  # U + 5 digits is a PCN
        raise NotFoundError("no practice has that code", fix=CODE_FIX)
    return _show(request, key, day)


def _show(request: Request, key: str, day: dt.date) -> dict[str, Any]:
    return cached.query(request, ("show", key, day), lambda con: orgs.show(con, key, day))


def pcn_of(request: Request, practice_code: str | None, day: dt.date) -> str | None:
    """The PCN the practice belongs to on the date (None: none, or no practice)."""
    if not practice_code:
        return None
    key = ("pcn_of", practice_code, day)
    return cached.query(request, key, lambda con: orgs.pcn_of(con, practice_code, day))


def may_see_pcn(ask: Ask, code: str, day: dt.date) -> bool:
    """Whole-ICS roles see every PCN; a manager their own; a practice user their practice's."""
    principal = ask.principal
    if principal.role in WHOLE_ICS:
        return True
    if principal.role == Role.PCN_MANAGER:
        return principal.pcn_code == code
    if principal.role == Role.PRACTICE_USER:
        return pcn_of(ask.request, principal.practice_code, day) == code
    return False


def may_see_practice(principal: Principal, code: str, pcn_code: str | None) -> bool:
    """A manager sees the member practices of their PCN on the date; a practice user theirs."""
    if principal.role in WHOLE_ICS:
        return True
    if principal.role == Role.PCN_MANAGER:
        return pcn_code is not None and principal.pcn_code == pcn_code
    if principal.role == Role.PRACTICE_USER:
        return principal.practice_code == code
    return False


def open_pcn(ask: Ask, code: str, day: dt.date = DAY) -> dict[str, Any]:
    """The PCN on the date (404 if unknown) if the principal may see it (403 otherwise)."""
    detail = pcn_detail(ask.request, code, day)
    forbid_unless(may_see_pcn(ask, detail["code"], day))
    return detail


def open_practice(ask: Ask, code: str, day: dt.date = DAY) -> dict[str, Any]:
    """The practice on the date (404 if unknown) if the principal may see it (403 otherwise)."""
    detail = practice_detail(ask.request, code, day)
    pcn = pcn_of(ask.request, detail["code"], day)
    forbid_unless(may_see_practice(ask.principal, detail["code"], pcn))
    return detail


def may_see_ics(ask: Ask, ics: str) -> dict[str, Any]:
    """The ICS's footprint, if the principal may see ICS-wide figures (a manager: their own)."""
    found = ics_footprint(ask, ics)  # 404 first: organisation data is public
    forbid_unless(sees_ics(ask, found))
    return found


def ics_footprint(ask: Ask, ics: str) -> dict[str, Any]:
    """The ICS's footprint (404 for an unknown code)."""
    code = ics_code(ics)
    return cached(ask.request, ("footprint", code), lambda: resolve_ics(ask.con, code).as_dict())


def sees_ics(ask: Ask, found: dict[str, Any]) -> bool:
    """The one rule for ICS-wide figures: whole-ICS roles, or the manager of a PCN in the ICS
    (the ICS pages refuse the rest; the report leaves their sections out)."""
    principal = ask.principal
    if principal.role in WHOLE_ICS:
        return True
    mine = principal.pcn_code
    if principal.role is not Role.PCN_MANAGER or mine is None:
        return False
    return pcn_detail(ask.request, mine, DAY)["commissioner"]["code"] in found["commissioners"]


def record_view(ask: Ask, *, scope: str, rows: int, action: str = "view") -> None:
    """Patient-level rows or exact counts from them were shown: who, what, when, how many."""
    audit.record(
        ask.request.app.state.appdb,
        principal=ask.principal,
        route=ask.request.url.path,
        scope=scope,
        rows=rows,
        action=action,
    )
