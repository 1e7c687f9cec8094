"""The formation API: today's configuration measured against a band (GET), a proposal (POST,
202 with a job to poll while the solver runs; ask again with the same body once it is done)
and the proposal as CSV, one row per practice."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from openpcn.web.kit.access import IcsWide, may_see_ics
from openpcn.web.kit.downloads import csv_response
from openpcn.web.kit.params import API, Answer, IcsPath
from openpcn.web.routes.formation.answers import (
    CSV_COLUMNS,
    current_of,
    practice_rows,
    proposal_of,
)
from openpcn.web.routes.formation.models import Configuration
from openpcn.web.routes.formation.params import CurrentQuery, ProposalAsk, Runner

router = APIRouter()
TAGS = ["formation"]


@router.get(f"{API}/ics/{{ics}}/formation/current", response_model=Configuration, tags=TAGS)
def api_current(ics: IcsPath, ask: IcsWide, query: CurrentQuery) -> Answer:
    """Today's networks of the ICS measured as a proposal is: size band, compactness,
    contiguity (a PCN manager of the ICS may read it too)."""
    code = may_see_ics(ask, ics)["code"]
    return current_of(ask, query.params(code)).as_dict()


@router.post(f"{API}/ics/{{ics}}/formation/proposal", response_model=Configuration, tags=TAGS)
def api_proposal(ics: IcsPath, ask: Runner, body: ProposalAsk) -> Answer:
    """Propose networks (analysts and admins). Bad parameters are refused at once (4xx with a
    fix). A solve that is not ready within a second answers 202 with the job to poll (and
    cancel: POST /api/v1/jobs/{id}/cancel keeps the best found so far); then send the same
    body again for the answer."""
    code = may_see_ics(ask, ics)["code"]
    return proposal_of(ask, body.params(code), body.again).as_dict()


@router.post(
    f"{API}/ics/{{ics}}/formation/proposal.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "one row per practice"}},
    tags=TAGS,
)
def api_proposal_csv(ics: IcsPath, ask: Runner, body: ProposalAsk) -> Response:
    """The proposal as CSV: each practice with its list size, current and proposed network
    and whether it moves (202 with a job while the solver runs, as above)."""
    code = may_see_ics(ask, ics)["code"]
    params = body.params(code)
    rows = practice_rows(proposal_of(ask, params, body.again))
    return csv_response(rows, CSV_COLUMNS, f"formation-{code}-{params.date.isoformat()}.csv")
