"""Access (Appointments in General Practice, published beside recorded): `pages` and the JSON
`api` beside them, over the `answers` they share and the API's response `models`.

Every figure comes from `openpcn.access`; the routes check who may see what, shape the answer
and render it.
"""

from fastapi import APIRouter

from openpcn.web.routes.access import api, pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(api.router)
