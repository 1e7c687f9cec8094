"""Funding pages: the ICS's entitlements by PCN and a PCN's split among its practices, each
with its CSV download."""

from __future__ import annotations

import ibis
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from openpcn.funding.charts import STREAM_LABELS
from openpcn.funding.entitlements import STREAMS
from openpcn.funding.rules import financial_years
from openpcn.web.auth import Principal, require
from openpcn.web.kit.access import EVERYONE, ICS_WIDE
from openpcn.web.kit.connections import warehouse
from openpcn.web.kit.downloads import csv_response
from openpcn.web.kit.pages import render
from openpcn.web.kit.params import API, YearQuery
from openpcn.web.routes.funding.answers import ics_funding, pcn_funding, rules_answer
from openpcn.web.routes.funding.models import Basis
from openpcn.web.routes.funding.params import BasisQuery

router = APIRouter()


@router.get("/ics/{ics}/funding", response_class=HTMLResponse, include_in_schema=False)
def ics_funding_page(
    request: Request,
    ics: str,
    year: str = YearQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*ICS_WIDE)),
) -> HTMLResponse:
    answer = ics_funding(request, principal, con, ics, year)
    q = f"year={answer['year']}"
    return render(
        request,
        "funding/ics.html",
        {
            "principal": principal,
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
def ics_funding_csv(
    request: Request,
    ics: str,
    year: str = YearQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*ICS_WIDE)),
) -> Response:
    answer = ics_funding(request, principal, con, ics, year)
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
    request: Request,
    code: str,
    year: str = YearQuery,
    basis: Basis = BasisQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    answer = pcn_funding(request, principal, con, code, year, basis)
    q = f"year={answer['year']}&basis={basis}"
    return render(
        request,
        "funding/pcn.html",
        {
            "principal": principal,
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
    request: Request,
    code: str,
    year: str = YearQuery,
    basis: Basis = BasisQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> Response:
    answer = pcn_funding(request, principal, con, code, year, basis)
    year_basis = {"year": answer["year"], "basis": basis}
    rows = [
        *({**r, **year_basis} for r in answer["practices"]),
        {"practice_code": "TOTAL", "name": answer["name"], **year_basis, "share": 1.0,
         **answer["totals"]},
    ]  # fmt: skip
    name = f"funding-{answer['pcn_code']}-{answer['year'].replace('/', '-')}-{basis}.csv"
    return csv_response(rows, PCN_CSV_COLUMNS, name)
