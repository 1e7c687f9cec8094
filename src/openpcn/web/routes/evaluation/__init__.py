"""Evaluation (matched-control studies of whether a service changed hospital use): the `pages`
and the JSON `api` beside them, over the `answers` they share, the parameters parsed once
(`params`) and the API's response `models`.

Every figure comes from `openpcn.evaluation`; studies are kept by `openpcn.store.studies`.
Analysts and admins define, run and delete studies (a run is a job with progress); a PCN
manager of the ICS reads them. Nobody has patient-level rights over a whole ICS, so every
count on the page and in the API is disclosure-controlled; the matched set of a PCN's own
patients is a download for that PCN's manager only, and it is audited.
"""

from fastapi import APIRouter

from openpcn.web.routes.evaluation import api, pages

router = APIRouter()
router.include_router(pages.router)
router.include_router(api.router)
