"""Workforce (the ARRS planner, GP workforce risk): `pages` and the JSON `api` beside them,
over the `answers` they share and the API's response `models`.

Figures come from `openpcn.workforce`. Scope is as for funding: a PCN's plan for admin,
ics_analyst and the PCN's manager or practice users; the ICS risk page for admin, ics_analyst
and a pcn_manager of a PCN in that ICS.
"""

from fastapi import APIRouter

from openpcn.web.routes.workforce import api, pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(api.router)
