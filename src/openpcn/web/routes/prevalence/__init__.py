"""Disease prevalence: `pages` and the JSON `api` beside them, over the `answers` they share and
the API's response `models`.

Every figure comes from `openpcn.prevalence`; the routes check who may see what, apply the
disclosure control to counts from the records, and render.
"""

from fastapi import APIRouter

from openpcn.web.routes.prevalence import api, pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(api.router)
