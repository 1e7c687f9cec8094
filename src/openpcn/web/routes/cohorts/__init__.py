"""Case finding (ICS view, PCN dashboard and trend, worklists, risk model card): `pages` and
the JSON `api` beside them, over the `answers` they share, the API's response `models` and
the routes' own `params`.

Every number comes from `openpcn.cohorts`; who sees what (disclosure control, patient rights,
audit) is decided in `answers`. Summaries and risk models are cached per app and date: the
warehouse is read-only.
"""

from fastapi import APIRouter

from openpcn.web.routes.cohorts import api, pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(api.router)
