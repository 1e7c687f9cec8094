"""Saved formation scenarios on the web (`openpcn.formation.scenarios`): the list on the page
and in the API (every role that sees the page), and saving the proposal on the page or
deleting a scenario (analysts and admins; each writes an audit row in the same transaction).

The forms post to URLs that carry the page's own query, so the proposal saved is exactly the
one shown (read from the answers kept for it, never solved again here).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Form
from fastapi.responses import RedirectResponse

from openpcn.exceptions import UserError
from openpcn.formation import scenarios
from openpcn.store import appdb
from openpcn.web.kit.access import Ask, IcsWide, may_see_ics
from openpcn.web.kit.params import API, IcsPath
from openpcn.web.routes.formation.answers import kept_proposal
from openpcn.web.routes.formation.models import ScenarioSummary
from openpcn.web.routes.formation.params import FormationPage, Runner

router = APIRouter()
Name = Form(..., min_length=1, max_length=200, description="the scenario's name")


def for_ics(ask: Ask, code: str) -> list[dict[str, Any]]:
    """The ICS's saved scenarios, newest first, with who saved each and when."""
    return [s for s in scenarios.list_scenarios(ask.request.app.state.appdb) if s["ics"] == code]


def _actor(ask: Ask) -> appdb.Actor:
    principal = ask.principal
    return appdb.Actor(principal.username, ask.request.url.path, principal.user_id)


def _back(ask: Ask, code: str, **extra: str) -> RedirectResponse:
    query = dict(ask.request.query_params) | extra
    return RedirectResponse(f"/ics/{code}/formation?{urlencode(query)}", status_code=303)


@router.post("/ics/{ics}/formation/scenarios", include_in_schema=False)
def save_scenario(
    ics: IcsPath, ask: Runner, query: FormationPage, name: str = Name
) -> RedirectResponse:
    """Save the proposal the page (with this query) shows, under a new name."""
    code = may_see_ics(ask, ics)["code"]
    proposal = kept_proposal(ask, query.params(code), query.again)
    if proposal is None:
        raise UserError(
            "that proposal is no longer kept by the server",
            fix="propose the networks again, then save the proposal",
        )
    saved = scenarios.save(
        ask.request.app.state.appdb, name, proposal, ask.principal.username, actor=_actor(ask)
    )
    return _back(ask, code, run="true", saved=str(saved["name"]))


@router.post("/ics/{ics}/formation/scenarios/delete", include_in_schema=False)
def delete_scenario(
    ics: IcsPath, ask: Runner, query: FormationPage, name: str = Name
) -> RedirectResponse:
    """Remove a saved scenario of the ICS."""
    code = may_see_ics(ask, ics)["code"]
    db = ask.request.app.state.appdb
    if scenarios.load(db, name)["scenario"]["ics"] != code:
        raise UserError(f"the scenario {name!r} is not of {code}", fix="open its ICS's page")
    gone = scenarios.delete(db, name, _actor(ask))
    return _back(ask, code, deleted=str(gone["name"]))


@router.get(
    f"{API}/ics/{{ics}}/formation/scenarios",
    response_model=list[ScenarioSummary],
    tags=["formation"],
)
def api_scenarios(ics: IcsPath, ask: IcsWide) -> list[dict[str, Any]]:
    """The ICS's saved scenarios, newest first: name, date, mode, key measures, status, who
    saved each and when."""
    return for_ics(ask, may_see_ics(ask, ics)["code"])
