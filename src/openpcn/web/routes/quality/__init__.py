"""Quality (CQC ratings, GP Patient Survey variation): `pages` and the JSON `api` beside them,
over the `answers` they share and the API's response `models`.

Every figure comes from `openpcn.quality`; the routes check who may see what, shape the answer
and render it.
"""

from fastapi import APIRouter

from openpcn.web.routes.quality import api, pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(api.router)
