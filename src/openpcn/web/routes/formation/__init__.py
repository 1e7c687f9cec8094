"""Formation (proposing right-sized, contiguous PCNs): the `pages` and the JSON `api` beside
them, over the `answers` they share, the parameters parsed once (`params`) and the API's
response `models`.

Every figure comes from `openpcn.formation`. Analysts and admins may ask for proposals (a
solve is a job with progress that its owner may cancel); a PCN manager sees today's
configuration and the saved scenarios read-only; practice users are refused, as on the other
ICS-wide pages. Saved scenarios are the separate piece in `saved`.
"""

from fastapi import APIRouter

from openpcn.web.routes.formation import api, pages, saved

router = APIRouter()
router.include_router(pages.router)
router.include_router(api.router)
router.include_router(saved.router)  # saved scenarios
