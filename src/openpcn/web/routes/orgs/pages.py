"""Organisation pages: the ICS overview (and its date partial), a PCN, a practice."""

from __future__ import annotations

import datetime as dt

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse

from openpcn.config import DEFAULT_ICS
from openpcn.web.auth import Principal, require
from openpcn.web.kit.access import EVERYONE, may_see_pcn, open_pcn, open_practice
from openpcn.web.kit.pages import render
from openpcn.web.kit.params import API, HierarchyDateQuery
from openpcn.web.routes.orgs.answers import ics_overview

router = APIRouter()


@router.get("/", include_in_schema=False, dependencies=[Depends(require(*EVERYONE))])
def home() -> RedirectResponse:
    return RedirectResponse(f"/ics/{DEFAULT_ICS}", status_code=303)


def _geojson_url(ics: str, date: dt.date) -> str:
    return f"{API}/ics/{ics}/geojson?date={date.isoformat()}"


@router.get("/ics/{ics}", response_class=HTMLResponse, include_in_schema=False)
def ics_page(
    request: Request,
    ics: str,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    overview = ics_overview(request, ics, date)
    geojson_url = _geojson_url(overview["ics"], date)
    return render(
        request,
        "orgs/ics.html",
        {"principal": principal, "geojson_url": geojson_url, **overview},
    )


@router.get("/ics/{ics}/partials/overview", response_class=HTMLResponse, include_in_schema=False)
def ics_overview_partial(
    request: Request,
    ics: str,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    """Only the date-dependent region of the ICS overview, for htmx to swap in; HX-Push-Url
    puts the full page's address (with the date) in the browser's history."""
    overview = ics_overview(request, ics, date)
    response = render(request, "orgs/_ics_overview.html", {"principal": principal, **overview})
    response.headers["HX-Push-Url"] = overview["page_url"]
    return response


@router.get("/pcns/{code}", response_class=HTMLResponse, include_in_schema=False)
def pcn_page(
    request: Request,
    code: str,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    detail = open_pcn(request, principal, code, date)
    ics = str(detail["commissioner"]["code"] or DEFAULT_ICS)
    return render(
        request,
        "orgs/pcn.html",
        {
            "principal": principal,
            "pcn": detail,
            "date": date,
            "ics": ics,
            "geojson_url": _geojson_url(ics, date),
            "pyramid_url": f"{API}/pcns/{detail['code']}/pyramid?date={date.isoformat()}",
        },
    )


@router.get("/practices/{code}", response_class=HTMLResponse, include_in_schema=False)
def practice_page(
    request: Request,
    code: str,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    detail = open_practice(request, principal, code, date)
    ics = str(detail["commissioner"]["code"] or DEFAULT_ICS)
    pcn = detail["pcn"]
    return render(
        request,
        "orgs/practice.html",
        {
            "principal": principal,
            "practice": detail,
            "date": date,
            "ics": ics,
            "may_open_pcn": pcn is not None
            and may_see_pcn(request, principal, str(pcn["code"]), date),
            "geojson_url": _geojson_url(ics, date),
            "pyramid_url": f"{API}/practices/{detail['code']}/pyramid?date={date.isoformat()}",
        },
    )
