"""Where each role starts and what its menu offers: only pages the role may open.

A PCN manager's world is their PCN (members, case-finding, funding, the ARRS planner); a
practice user's is their practice and its PCN; admins and ICS analysts work on the whole ICS.
The ICS overview and the quality and prevalence pages hold public organisation data, so every
role has them.
Templates ask `may_open(request, pcn=..., practice=...)` before linking to a PCN or practice.
"""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request

from openpcn.config import DEFAULT_ICS
from openpcn.web.auth import Principal, Role
from openpcn.web.kit.access import WHOLE_ICS


@dataclass(frozen=True)
class Link:
    label: str
    href: str


def safe_next(target: str | None) -> str:
    """Only same-site paths: never an open redirect to another host."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return "/"
    return target


def home_url(principal: Principal, ics: str = DEFAULT_ICS) -> str:
    """The page a role lands on after logging in: its own world."""
    if principal.role is Role.PCN_MANAGER and principal.pcn_code:
        return f"/pcns/{principal.pcn_code}"
    if principal.role is Role.PRACTICE_USER and principal.practice_code:
        return f"/practices/{principal.practice_code}"
    return f"/ics/{ics}"


def menu(
    principal: Principal | None, ics: str = DEFAULT_ICS, *, personal: bool = True
) -> list[Link]:
    """The header's menu for the principal (empty when nobody is logged in). Without
    `personal` (error pages) a manager's or practice user's own links are left out, so a
    refusal names no PCN or practice."""
    if principal is None:
        return []
    shared = [
        Link("ICS overview", f"/ics/{ics}"),
        Link("Quality", f"/ics/{ics}/quality"),
        Link("Prevalence", f"/ics/{ics}/prevalence"),
        Link("Access", f"/ics/{ics}/access"),
    ]
    if principal.role in WHOLE_ICS:
        links = [
            *shared,
            Link("Funding", f"/ics/{ics}/funding"),
            Link("Workforce", f"/ics/{ics}/workforce"),
            Link("Case-finding", f"/ics/{ics}/cohorts"),
            Link("Formation", f"/ics/{ics}/formation"),
            Link("Evaluation", f"/ics/{ics}/evaluation"),
            Link("Report", f"/ics/{ics}/report"),
        ]
        return [*links, Link("Admin", "/admin/audit")] if principal.is_admin else links
    if not personal:
        return shared
    pcn = principal.pcn_code
    own: list[Link] = []
    if principal.role is Role.PRACTICE_USER and principal.practice_code:
        own.append(Link("My practice", f"/practices/{principal.practice_code}"))
    if pcn:
        own += [
            Link("My PCN" if principal.role is Role.PCN_MANAGER else "Our PCN", f"/pcns/{pcn}"),
            Link("Case-finding", f"/pcns/{pcn}/cohorts"),
            Link("Funding", f"/pcns/{pcn}/funding"),
            Link("ARRS planner", f"/pcns/{pcn}/arrs"),
        ]
    return [*own, *shared]


def may_open(request: Request, *, pcn: str | None = None, practice: str | None = None) -> bool:
    """May the signed-in user open this PCN's page (or this practice's, with its PCN)?
    Templates link only where the answer is yes."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        return False
    return principal.can_view(pcn_code=pcn, practice_code=practice)
