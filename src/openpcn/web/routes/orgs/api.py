"""The organisation API: PCNs of an ICS (JSON and CSV), one PCN or practice, the formation
rule check, the ICS summary, the map's GeoJSON and the population pyramids."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from openpcn.web.auth import Principal, require
from openpcn.web.kit.access import EVERYONE, ics_code, open_pcn, open_practice
from openpcn.web.kit.downloads import csv_response
from openpcn.web.kit.params import API, HierarchyDateQuery, IcsQuery
from openpcn.web.routes.orgs.answers import (
    check_of,
    geojson_of,
    pcn_rows,
    population,
    summary_of,
)
from openpcn.web.routes.orgs.models import (
    Check,
    FeatureCollection,
    PcnDetail,
    PcnList,
    PracticeDetail,
    Pyramid,
    Summary,
)

router = APIRouter()

CSV_COLUMNS = (
    "code",
    "name",
    "practices",
    "registered_patients",
    "weighted_patients",
    "in_band",
    "band_position",
    "exception",
)


@router.get(f"{API}/pcns", response_model=PcnList, tags=["organisations"])
def api_pcns(
    request: Request,
    ics: str = IcsQuery,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """Every PCN of the ICS on the date with its size and place against the size band."""
    code = ics_code(ics)
    summary = summary_of(request, code, date)
    items = [{"code": r["pcn_code"], **r} for r in pcn_rows(request, code, date)]
    return {"ics": code, "date": date.isoformat(), "band": summary["band"], "items": items}


@router.get(
    f"{API}/pcns.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the PCN table as CSV"}},
    tags=["organisations"],
)
def api_pcns_csv(
    request: Request,
    ics: str = IcsQuery,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> Response:
    """The PCN table of the ICS overview as a CSV download."""
    code = ics_code(ics)
    rows = ({"code": row["pcn_code"], **row} for row in pcn_rows(request, code, date))
    return csv_response(rows, CSV_COLUMNS, f"pcns-{code}-{date.isoformat()}.csv")


@router.get(f"{API}/pcns/{{code}}", response_model=PcnDetail, tags=["organisations"])
def api_pcn(
    request: Request,
    code: str,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """One PCN: members with their list sizes, totals, band position, centroid."""
    return open_pcn(request, principal, code, date)


@router.get(f"{API}/practices/{{code}}", response_model=PracticeDetail, tags=["organisations"])
def api_practice(
    request: Request,
    code: str,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """One practice: its PCN, list sizes, location, deprivation and CQC rating."""
    return open_practice(request, principal, code, date)


@router.get(f"{API}/orgs/check", response_model=Check, tags=["organisations"])
def api_check(
    request: Request,
    ics: str = IcsQuery,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """The five formation rules for the ICS's PCNs on the date, each explained."""
    return check_of(request, ics_code(ics), date)


@router.get(f"{API}/orgs/summary", response_model=Summary, tags=["organisations"])
def api_summary(
    request: Request,
    ics: str = IcsQuery,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """The ICS on the date: practices, PCNs, patients and how the PCNs sit against the band."""
    return summary_of(request, ics_code(ics), date)


@router.get(f"{API}/ics/{{ics}}/geojson", response_model=FeatureCollection, tags=["maps"])
def api_geojson(
    request: Request,
    ics: str,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """PCN areas and practice points of the ICS in WGS84 (method in the collection's properties)."""
    return geojson_of(request, ics_code(ics), date)


@router.get(f"{API}/pcns/{{code}}/pyramid", response_model=Pyramid, tags=["population"])
def api_pcn_pyramid(
    request: Request,
    code: str,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """Registered patients of the PCN by age band and sex (disclosure-controlled unless you
    have patient rights for the PCN)."""
    detail = open_pcn(request, principal, code, date)
    return population(request, principal, kind="pcn", code=detail["code"], day=date)


@router.get(f"{API}/practices/{{code}}/pyramid", response_model=Pyramid, tags=["population"])
def api_practice_pyramid(
    request: Request,
    code: str,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """Registered patients of the practice by age band and sex (disclosure-controlled unless
    you have patient rights for the practice)."""
    detail = open_practice(request, principal, code, date)
    return population(request, principal, kind="practice", code=detail["code"], day=date)
