"""The organisation API: PCNs of an ICS (JSON and CSV), one PCN or practice, the formation
rule check, the ICS summary, the map's GeoJSON and the population pyramids."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import Response

from openpcn.config import DEFAULT_ICS
from openpcn.web.kit.access import Everyone, ics_code, open_pcn, open_practice
from openpcn.web.kit.downloads import csv_response
from openpcn.web.kit.params import API, DAY, Answer, HierarchyDate, IcsQuery
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
def api_pcns(ask: Everyone, ics: IcsQuery = DEFAULT_ICS, date: HierarchyDate = DAY) -> Answer:
    """Every PCN of the ICS on the date with its size and place against the size band."""
    code = ics_code(ics)
    summary = summary_of(ask.request, code, date)
    items = [{"code": r["pcn_code"], **r} for r in pcn_rows(ask.request, code, date)]
    return {"ics": code, "date": date.isoformat(), "band": summary["band"], "items": items}


@router.get(
    f"{API}/pcns.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the PCN table as CSV"}},
    tags=["organisations"],
)
def api_pcns_csv(ask: Everyone, ics: IcsQuery = DEFAULT_ICS, date: HierarchyDate = DAY) -> Response:
    """The PCN table of the ICS overview as a CSV download."""
    code = ics_code(ics)
    rows = ({"code": row["pcn_code"], **row} for row in pcn_rows(ask.request, code, date))
    return csv_response(rows, CSV_COLUMNS, f"pcns-{code}-{date.isoformat()}.csv")


@router.get(f"{API}/pcns/{{code}}", response_model=PcnDetail, tags=["organisations"])
def api_pcn(code: str, ask: Everyone, date: HierarchyDate = DAY) -> Answer:
    """One PCN: members with their list sizes, totals, band position, centroid."""
    return open_pcn(ask, code, date)


@router.get(f"{API}/practices/{{code}}", response_model=PracticeDetail, tags=["organisations"])
def api_practice(code: str, ask: Everyone, date: HierarchyDate = DAY) -> Answer:
    """One practice: its PCN, list sizes, location, deprivation and CQC rating."""
    return open_practice(ask, code, date)


@router.get(f"{API}/orgs/check", response_model=Check, tags=["organisations"])
def api_check(ask: Everyone, ics: IcsQuery = DEFAULT_ICS, date: HierarchyDate = DAY) -> Answer:
    """The five formation rules for the ICS's PCNs on the date, each explained."""
    return check_of(ask.request, ics_code(ics), date)


@router.get(f"{API}/orgs/summary", response_model=Summary, tags=["organisations"])
def api_summary(ask: Everyone, ics: IcsQuery = DEFAULT_ICS, date: HierarchyDate = DAY) -> Answer:
    """The ICS on the date: practices, PCNs, patients and how the PCNs sit against the band."""
    return summary_of(ask.request, ics_code(ics), date)


@router.get(f"{API}/ics/{{ics}}/geojson", response_model=FeatureCollection, tags=["maps"])
def api_geojson(ics: str, ask: Everyone, date: HierarchyDate = DAY) -> Answer:
    """PCN areas and practice points of the ICS in WGS84 (method in the collection's properties)."""
    return geojson_of(ask.request, ics_code(ics), date)


@router.get(f"{API}/pcns/{{code}}/pyramid", response_model=Pyramid, tags=["population"])
def api_pcn_pyramid(code: str, ask: Everyone, date: HierarchyDate = DAY) -> Answer:
    """Registered patients of the PCN by age band and sex (disclosure-controlled unless you
    have patient rights for the PCN)."""
    detail = open_pcn(ask, code, date)
    return population(ask, kind="pcn", code=detail["code"], day=date)


@router.get(f"{API}/practices/{{code}}/pyramid", response_model=Pyramid, tags=["population"])
def api_practice_pyramid(code: str, ask: Everyone, date: HierarchyDate = DAY) -> Answer:
    """Registered patients of the practice by age band and sex (disclosure-controlled unless
    you have patient rights for the practice)."""
    detail = open_practice(ask, code, date)
    return population(ask, kind="practice", code=detail["code"], day=date)
