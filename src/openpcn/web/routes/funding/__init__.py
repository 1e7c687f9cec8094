"""Funding (Network Contract DES entitlements, a PCN's split, the rules): `pages` and the JSON
`api` beside them, over the `answers` they share and the API's response `models`.

Every figure comes from `openpcn.funding`; the rules files ship with the package.
"""

from fastapi import APIRouter

from openpcn.web.routes.funding import api, pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(api.router)
