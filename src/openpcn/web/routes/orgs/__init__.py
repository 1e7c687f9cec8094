"""Organisations (ICS overview, PCN, practice): `pages` and the JSON `api` beside them, over
the `answers` they share and the API's response `models`.

Every number comes from `openpcn.orgs`. Organisation data is public to every signed-in role;
a pcn_manager or practice_user may open only their own PCN and practice (and the PCN of their
practice), see `openpcn.web.kit.access`.
"""

from fastapi import APIRouter

from openpcn.web.routes.orgs import api, pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(api.router)
