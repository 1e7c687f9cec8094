"""The formation page: today's configuration, the parameters form and, once asked for, the
proposal beside it (maps, metrics, networks, moves), and the proposal's CSV download."""

from __future__ import annotations

from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from openpcn.web.kit.access import IcsWide, may_see_ics
from openpcn.web.kit.downloads import csv_response
from openpcn.web.kit.pages import render
from openpcn.web.kit.params import IcsPath
from openpcn.web.routes.formation.answers import (
    CSV_COLUMNS,
    grouping_kinds,
    kept_proposal,
    may_run,
    practice_rows,
    proposal_of,
    view,
)
from openpcn.web.routes.formation.params import MAX_TIME_LIMIT, FormationPage, Runner
from openpcn.web.routes.formation.saved import for_ics

router = APIRouter()


@router.get("/ics/{ics}/formation", response_class=HTMLResponse, include_in_schema=False)
def formation_page(ics: IcsPath, ask: IcsWide, query: FormationPage) -> HTMLResponse:
    """Today's configuration; with `run`, the proposal for the form's parameters (a job with
    a progress page the first time; analysts and admins only)."""
    footprint = may_see_ics(ask, ics)
    params = query.params(footprint["code"])
    proposal = proposal_of(ask, params, query.again) if query.run else None
    asked = ask.request.url.query
    again = dict(ask.request.query_params) | {"again": str(query.again + 1)}
    context = {
        "principal": ask.principal,
        "footprint": footprint,
        "ics": footprint["code"],
        "q": query,
        "params": params,
        "kinds": grouping_kinds(ask),
        "may_run": may_run(ask),
        "max_time_limit": MAX_TIME_LIMIT,
        "csv_url": f"/ics/{footprint['code']}/formation.csv?{asked}",
        "again_url": f"/ics/{footprint['code']}/formation?{urlencode(again)}",
        "scenarios": for_ics(ask, footprint["code"]),
        "scenarios_url": f"/ics/{footprint['code']}/formation/scenarios?{asked}",
        "saved": ask.request.query_params.get("saved"),
        "deleted": ask.request.query_params.get("deleted"),
        **view(ask, params, proposal),
    }
    return render(ask.request, "formation/ics.html", context)


@router.get("/ics/{ics}/formation.csv", include_in_schema=False)
def formation_csv(ics: IcsPath, ask: Runner, query: FormationPage) -> Response:
    """The proposal on the page as CSV; one nobody has asked for yet opens the page that works
    it out (a download never starts a solve by itself)."""
    footprint = may_see_ics(ask, ics)
    params = query.params(footprint["code"])
    proposal = kept_proposal(ask, params, query.again)
    if proposal is None:
        again = dict(ask.request.query_params) | {"run": "true"}
        return RedirectResponse(
            f"/ics/{footprint['code']}/formation?{urlencode(again)}", status_code=303
        )
    name = f"formation-{footprint['code']}-{params.date.isoformat()}.csv"
    return csv_response(practice_rows(proposal), CSV_COLUMNS, name)
