"""Access pages: an ICS's appointments (charts, a sortable month table, CSV download) and a
PCN's, both rendered through the one base template."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from openpcn.access.categories import categories
from openpcn.access.summary import NoAppointments
from openpcn.access.table import access_csv, month_rows
from openpcn.web.kit.access import Ask, Everyone, ics_code, ics_footprint
from openpcn.web.kit.downloads import CSV, download
from openpcn.web.kit.pages import render
from openpcn.web.kit.params import API
from openpcn.web.routes.access.answers import ics_access, pcn_view
from openpcn.web.routes.access.params import Asked, Months

router = APIRouter()


def _page(ask: Ask, result: dict[str, Any], base: str, months: Months) -> HTMLResponse:
    query = months.query()
    suffix = f"?{query}" if query else ""
    joiner = "&" if query else ""
    context = {
        "principal": ask.principal,
        "result": result,
        "rows": month_rows(result),
        "months": months,
        "label": categories().label,
        "kinds": categories().published,
        "base": base,
        "json_url": f"{API}{base}{suffix}",
        "csv_url": f"{base}.csv{suffix}",
        "chart_url": f"{API}{base}/chart?{query}{joiner}name=",
    }
    return render(ask.request, "access/page.html", context)


@router.get("/ics/{ics}/access", response_class=HTMLResponse, include_in_schema=False)
def ics_access_page(ics: str, ask: Everyone, months: Asked) -> HTMLResponse:
    code = ics_code(ics)
    try:
        result = ics_access(ask, code, months)
    except NoAppointments as exc:  # say so on the page, not as an error page
        footprint = ics_footprint(ask, code)
        empty = {"scope": {"kind": "ics", "code": code, "name": footprint["name"]}}
        context = {"principal": ask.principal, "result": empty, "missing": exc, "months": months}
        return render(ask.request, "access/page.html", context)
    return _page(ask, result, f"/ics/{code}/access", months)


@router.get("/ics/{ics}/access.csv", response_class=Response, include_in_schema=False)
def ics_access_csv(ics: str, ask: Everyone, months: Asked) -> Response:
    """The month table, published then recorded months, for a spreadsheet."""
    result = ics_access(ask, ics, months)
    name = f"access-{result['scope']['code']}-{result['from']}-{result['to']}.csv"
    return download(access_csv(result), CSV, name)


@router.get("/pcns/{code}/access", response_class=HTMLResponse, include_in_schema=False)
def pcn_access_page(code: str, ask: Everyone, months: Asked) -> HTMLResponse:
    result = pcn_view(ask, code, months)
    return _page(ask, result, f"/pcns/{result['scope']['code']}/access", months)


@router.get("/pcns/{code}/access.csv", response_class=Response, include_in_schema=False)
def pcn_access_csv(code: str, ask: Everyone, months: Asked) -> Response:
    """A PCN's month table (recorded counts disclosed)."""
    result = pcn_view(ask, code, months)
    name = f"access-{result['scope']['code']}-{result['from']}-{result['to']}.csv"
    return download(access_csv(result), CSV, name)
