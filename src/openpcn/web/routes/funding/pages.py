"""Funding pages: the ICS's entitlements by PCN and a PCN's split among its practices, each
with its CSV download."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from openpcn.funding.charts import STREAM_LABELS
from openpcn.funding.entitlements import STREAMS
from openpcn.funding.rules import financial_years
from openpcn.web.kit.access import Everyone, IcsWide
from openpcn.web.kit.downloads import csv_response
from openpcn.web.kit.pages import render
from openpcn.web.kit.params import API, DEFAULT_YEAR, Year
from openpcn.web.routes.funding.answers import ics_funding, pcn_funding, rules_answer
from openpcn.web.routes.funding.params import BasisQuery

router = APIRouter()


@router.get("/ics/{ics}/funding", response_class=HTMLResponse, include_in_schema=False)
def ics_funding_page(ics: str, ask: IcsWide, year: Year = DEFAULT_YEAR) -> HTMLResponse:
    answer = ics_funding(ask, ics, year)
    q = f"year={answer['year']}"
    return render(
        ask.request,
        "funding/ics.html",
        {
            "principal": ask.principal,
            "f": answer,
            "labels": STREAM_LABELS,
            "years": financial_years(),
            "rules": rules_answer(answer["year"]),
            "csv_url": f"/ics/{answer['ics']}/funding.csv?{q}",
            "json_url": f"{API}/ics/{answer['ics']}/funding?{q}",
            "chart_url": f"{API}/ics/{answer['ics']}/funding/chart?{q}",
        },
    )


@router.get("/ics/{ics}/funding.csv", include_in_schema=False)
def ics_funding_csv(ics: str, ask: IcsWide, year: Year = DEFAULT_YEAR) -> Response:
    answer = ics_funding(ask, ics, year)
    columns = ICS_CSV_COLUMNS
    rows = [*answer["items"], {"pcn_code": "TOTAL", "name": "All PCNs", **answer["totals"]}]
    name = f"funding-{answer['ics']}-{answer['year'].replace('/', '-')}.csv"
    return csv_response(rows, columns, name)


ICS_CSV_COLUMNS = (
    "pcn_code",
    "name",
    "year",
    *STREAMS,
    "total",
    "extended_hours",
    "enhanced_access",
    "registered_patients",
    "weighted_patients",
    "practices",
    "care_home_beds",
    "list_as_of",
)
PCN_CSV_COLUMNS = (
    "practice_code",
    "name",
    "year",
    "basis",
    "share",
    *STREAMS,
    "total",
    "registered_patients",
    "weighted_patients",
)


@router.get("/pcns/{code}/funding", response_class=HTMLResponse, include_in_schema=False)
def pcn_funding_page(
    code: str, ask: Everyone, year: Year = DEFAULT_YEAR, basis: BasisQuery = "registered"
) -> HTMLResponse:
    answer = pcn_funding(ask, code, year, basis)
    q = f"year={answer['year']}&basis={basis}"
    return render(
        ask.request,
        "funding/pcn.html",
        {
            "principal": ask.principal,
            "f": answer,
            "labels": STREAM_LABELS,
            "years": financial_years(),
            "csv_url": f"/pcns/{answer['pcn_code']}/funding.csv?{q}",
            "json_url": f"{API}/pcns/{answer['pcn_code']}/funding?{q}",
            "arrs_url": f"/pcns/{answer['pcn_code']}/arrs?year={answer['year']}",
        },
    )


@router.get("/pcns/{code}/funding.csv", include_in_schema=False)
def pcn_funding_csv(
    code: str, ask: Everyone, year: Year = DEFAULT_YEAR, basis: BasisQuery = "registered"
) -> Response:
    answer = pcn_funding(ask, code, year, basis)
    year_basis = {"year": answer["year"], "basis": basis}
    rows = [
        *({**r, **year_basis} for r in answer["practices"]),
        {"practice_code": "TOTAL", "name": answer["name"], **year_basis, "share": 1.0,
         **answer["totals"]},
    ]  # fmt: skip
    name = f"funding-{answer['pcn_code']}-{answer['year'].replace('/', '-')}-{basis}.csv"
    return csv_response(rows, PCN_CSV_COLUMNS, name)
