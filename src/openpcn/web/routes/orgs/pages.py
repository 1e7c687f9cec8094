"""Organisation pages: the ICS overview (and its date partial), a PCN, a practice."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends
from fastapi.responses import HTMLResponse, RedirectResponse

from openpcn.config import DEFAULT_ICS
from openpcn.web.auth import Principal, require
from openpcn.web.kit.access import EVERYONE, Everyone, may_see_pcn, open_pcn, open_practice
from openpcn.web.kit.navigation import home_url
from openpcn.web.kit.pages import render
from openpcn.web.kit.params import API, DAY, HierarchyDate
from openpcn.web.routes.orgs.answers import ics_overview

router = APIRouter()


@router.get("/", include_in_schema=False)
def home(principal: Principal = Depends(require(*EVERYONE))) -> RedirectResponse:
    """Each role's own world: the ICS for admins and analysts, a manager's PCN, a practice
    user's practice."""
    return RedirectResponse(home_url(principal, DEFAULT_ICS), status_code=303)


def _geojson_url(ics: str, date: dt.date) -> str:
    return f"{API}/ics/{ics}/geojson?date={date.isoformat()}"


@router.get("/ics/{ics}", response_class=HTMLResponse, include_in_schema=False)
def ics_page(ics: str, ask: Everyone, date: HierarchyDate = DAY) -> HTMLResponse:
    overview = ics_overview(ask.request, ics, date)
    context = {"principal": ask.principal, "geojson_url": _geojson_url(overview["ics"], date)}
    return render(ask.request, "orgs/ics.html", {**context, **overview})


@router.get("/ics/{ics}/partials/overview", response_class=HTMLResponse, include_in_schema=False)
def ics_overview_partial(ics: str, ask: Everyone, date: HierarchyDate = DAY) -> HTMLResponse:
    """Only the date-dependent region of the ICS overview, for htmx to swap in; HX-Push-Url
    puts the full page's address (with the date) in the browser's history."""
    overview = ics_overview(ask.request, ics, date)
    context = {"principal": ask.principal, **overview}
    response = render(ask.request, "orgs/_ics_overview.html", context)
    response.headers["HX-Push-Url"] = overview["page_url"]
    return response


@router.get("/pcns/{code}", response_class=HTMLResponse, include_in_schema=False)
def pcn_page(code: str, ask: Everyone, date: HierarchyDate = DAY) -> HTMLResponse:
    detail = open_pcn(ask, code, date)
    ics = str(detail["commissioner"]["code"] or DEFAULT_ICS)
    context = {
        "principal": ask.principal,
        "pcn": detail,
        "date": date,
        "ics": ics,
        "geojson_url": _geojson_url(ics, date),
        "pyramid_url": f"{API}/pcns/{detail['code']}/pyramid?date={date.isoformat()}",
    }
    return render(ask.request, "orgs/pcn.html", context)


@router.get("/practices/{code}", response_class=HTMLResponse, include_in_schema=False)
def practice_page(code: str, ask: Everyone, date: HierarchyDate = DAY) -> HTMLResponse:
    detail = open_practice(ask, code, date)
    ics = str(detail["commissioner"]["code"] or DEFAULT_ICS)
    pcn = detail["pcn"]
    may_open_pcn = pcn is not None and may_see_pcn(ask, str(pcn["code"]), date)
    context = {
        "principal": ask.principal,
        "practice": detail,
        "date": date,
        "ics": ics,
        "may_open_pcn": may_open_pcn,
        "geojson_url": _geojson_url(ics, date),
        "pyramid_url": f"{API}/practices/{detail['code']}/pyramid?date={date.isoformat()}",
    }
    return render(ask.request, "orgs/practice.html", context)
