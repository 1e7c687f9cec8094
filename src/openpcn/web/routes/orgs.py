"""Organisation pages (ICS overview, PCN, practice) and the JSON API beside them.

Every number comes from `openpcn.orgs`; this module only checks who may see what, shapes the
answer and renders it. Organisation data is public to every signed-in role; a pcn_manager or
practice_user may open only their own PCN and practice (and the PCN of their practice). The
population pyramid is built from patient-level rows, so it passes through disclosure control
unless the viewer has patient rights for exactly those patients (then the view is audited).
Results are cached per app: the warehouse is opened read-only and does not change under it.
"""

from __future__ import annotations

import datetime as dt
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Literal, TypeVar

import ibis
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from pydantic import BaseModel, Field

from openpcn import orgs
from openpcn.codes import PCN_CODE, PRACTICE_CODE
from openpcn.cohorts.disclosure import disclose, total_of
from openpcn.config import DEFAULT_DATE, DEFAULT_ICS
from openpcn.exceptions import NotFoundError
from openpcn.exports import csv_text
from openpcn.orgs.geo import ics_geojson
from openpcn.orgs.population import pyramid
from openpcn.web.auth import Principal, Role, forbid_unless, require
from openpcn.web.charts import pyramid_spec

router = APIRouter()

EVERYONE = (Role.ADMIN, Role.ICS_ANALYST, Role.PCN_MANAGER, Role.PRACTICE_USER)
WHOLE_ICS = frozenset({Role.ADMIN, Role.ICS_ANALYST})
DAY = dt.date.fromisoformat(DEFAULT_DATE)
ICS_PATTERN = r"^[A-Za-z0-9]{2,6}$"
CODE_FIX = "PCN codes look like U42510; practice codes like J81019"

DateQuery = Query(DAY, description="the date the hierarchy is read on (YYYY-MM-DD)")
IcsQuery = Query(DEFAULT_ICS, pattern=ICS_PATTERN, description="commissioner or ICS code")

T = TypeVar("T")


# ---------------------------------------------------------------- response models (OpenAPI)
class PcnItem(BaseModel):
    code: str
    name: str
    practices: int
    registered_patients: float
    weighted_patients: float | None
    in_band: bool
    band_position: Literal["below", "in", "above"]
    exception: str | None = Field(None, description="why the PCN may sit outside the band")


class PcnList(BaseModel):
    ics: str
    date: str
    band: list[float]
    items: list[PcnItem]


class CodeName(BaseModel):
    code: str | None
    name: str | None


class Member(BaseModel):
    practice_code: str
    name: str | None
    status: str | None
    member_since: str | None
    registered_patients: float | None
    weighted_patients: float | None
    list_as_of: str | None
    list_source: str | None
    postcode: str | None
    lat: float | None
    lon: float | None


class Centroid(BaseModel):
    lat: float
    lon: float
    method: str
    unplaced: int


class PcnDetail(BaseModel):
    kind: Literal["pcn"]
    code: str
    name: str
    date: str
    commissioner: CodeName
    open_date: str | None
    close_date: str | None
    postcode: str | None
    members: list[Member]
    practices: int
    registered_patients: float
    weighted_patients: float | None
    band: list[float]
    band_position: Literal["below", "in", "above"]
    in_band: bool
    exception: str | None
    centroid: Centroid | None


class PracticePcn(BaseModel):
    code: str
    name: str | None
    since: str | None


class MembershipRow(BaseModel):
    pcn_code: str
    pcn_name: str | None
    start_date: str | None
    end_date: str | None
    source: str | None


class ListOnDate(BaseModel):
    as_of: str | None
    source: str
    registered_patients: float | None
    weighted_patients: float | None


class ListRow(BaseModel):
    as_of: str | None
    source: str
    registered_patients: float
    weighted_patients: float | None


class Location(BaseModel):
    postcode: str | None
    lat: float | None
    lon: float | None
    coord_source: str | None


class Cqc(BaseModel):
    rating: str
    year: int
    source: str


class PracticeDetail(BaseModel):
    kind: Literal["practice"]
    code: str
    name: str
    date: str
    status: str | None
    commissioner: CodeName
    open_date: str | None
    close_date: str | None
    contract_type: str | None
    pcn: PracticePcn | None
    pcns_on_date: int
    memberships: list[MembershipRow]
    list_on_date: ListOnDate | None
    lists: list[ListRow]
    location: Location
    imd2019_score: float | None = Field(None, description="IMD 2019 score (higher = deprived)")
    rurality: str | None
    dispensing: bool | None
    cqc: Cqc | None


class Footprint(BaseModel):
    code: str
    name: str
    commissioners: list[str]


class Finding(BaseModel):
    code: str
    name: str
    outcome: Literal["breach", "allowed", "note"]
    reason: str
    details: dict[str, Any]


class Rule(BaseModel):
    rule: str
    title: str
    status: Literal["pass", "fail"]
    summary: str
    findings: list[Finding]


class Check(BaseModel):
    ics: Footprint
    date: str
    band: list[float]
    status: Literal["pass", "fail"]
    rules: list[Rule]


class SizeOf(BaseModel):
    code: str
    name: str
    patients: float


class ListSource(BaseModel):
    source: str | None
    as_of: str | None
    practices: int


class Summary(BaseModel):
    ics: Footprint
    date: str
    practices: int
    pcns: int
    registered_patients: float
    weighted_patients: float | None
    band: list[float]
    band_source: str
    pcns_in_band: int
    pcns_below_band: int
    pcns_above_band: int
    pcns_with_exception: int
    pcn_size_min: SizeOf | None
    pcn_size_max: SizeOf | None
    pcn_size_median: float | None
    single_practice_pcns: int
    practices_per_pcn_max: int
    commissioned_practices: int
    commissioned_practices_in_pcns: int
    dormant_members: list[str]
    list_source: list[ListSource]


class Feature(BaseModel):
    type: Literal["Feature"]
    geometry: dict[str, Any]
    properties: dict[str, Any]


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"]
    properties: dict[str, Any]
    features: list[Feature]


class PyramidRow(BaseModel):
    age_band: str
    sex: Literal["F", "M"]
    patients: int | None = Field(description="null when redacted (a count of 1 to 7)")


class Pyramid(BaseModel):
    kind: Literal["pcn", "practice"]
    code: str
    date: str
    disclosure_controlled: bool = Field(
        description="true: counts of 1-7 redacted and the rest rounded to the nearest 5"
    )
    total_patients: int = Field(description="sum of the counts shown (recomputed if controlled)")
    rows: list[PyramidRow]
    spec: dict[str, Any] = Field(description="Vega-Lite v5 spec of the pyramid")


# ---------------------------------------------------------------- warehouse access and cache
_CACHE_SIZE = 512


def _warehouse(request: Request) -> ibis.BaseBackend:
    """The app's one read-only warehouse connection (opened by create_app)."""
    return request.app.state.warehouse


def _cached(request: Request, key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """compute() once per app and key, holding the app's warehouse lock: a DuckDB connection
    runs one query at a time (see openpcn.web.routes.warehouse)."""
    state = request.app.state
    with state.warehouse_lock:
        cache = getattr(state, "orgs_cache", None)
        if cache is None:
            cache = state.orgs_cache = OrderedDict()
        if key in cache:
            cache.move_to_end(key)
            return cache[key]
        value = compute()  # exceptions (e.g. NotFoundError) are not cached
        cache[key] = value
        if len(cache) > _CACHE_SIZE:
            cache.popitem(last=False)
        return value


def _ics(ics: str) -> str:
    return ics.strip().upper()


def pcn_rows(request: Request, ics: str, day: dt.date) -> list[dict[str, Any]]:
    con = _warehouse(request)
    return _cached(request, ("pcns", ics, day), lambda: orgs.pcn_table(con, ics, day))


def summary_of(request: Request, ics: str, day: dt.date) -> dict[str, Any]:
    con = _warehouse(request)
    return _cached(request, ("summary", ics, day), lambda: orgs.summary(con, ics, day))


def check_of(request: Request, ics: str, day: dt.date) -> dict[str, Any]:
    con = _warehouse(request)
    return _cached(request, ("check", ics, day), lambda: orgs.check(con, ics, day).as_dict())


def geojson_of(request: Request, ics: str, day: dt.date) -> dict[str, Any]:
    con = _warehouse(request)
    return _cached(request, ("geojson", ics, day), lambda: ics_geojson(con, ics, day))


def pcn_detail(request: Request, code: str, day: dt.date) -> dict[str, Any]:
    key = code.strip().upper()
    if not PCN_CODE.match(key):
        raise NotFoundError("no PCN has that code", fix=CODE_FIX)
    con = _warehouse(request)
    return _cached(request, ("show", key, day), lambda: orgs.show(con, key, day))


def practice_detail(request: Request, code: str, day: dt.date) -> dict[str, Any]:
    key = code.strip().upper()
    if not PRACTICE_CODE.match(key) or PCN_CODE.match(key):  # U + 5 digits is a PCN
        raise NotFoundError("no practice has that code", fix=CODE_FIX)
    con = _warehouse(request)
    return _cached(request, ("show", key, day), lambda: orgs.show(con, key, day))


def _pcn_of(request: Request, practice_code: str | None, day: dt.date) -> str | None:
    if not practice_code:
        return None
    con = _warehouse(request)
    return _cached(
        request, ("pcn_of", practice_code, day), lambda: orgs.pcn_of(con, practice_code, day)
    )


# ---------------------------------------------------------------- scope
def may_see_pcn(request: Request, principal: Principal, code: str, day: dt.date) -> bool:
    """Whole-ICS roles see every PCN; a manager their own; a practice user their practice's."""
    if principal.role in WHOLE_ICS:
        return True
    if principal.role == Role.PCN_MANAGER:
        return principal.pcn_code == code
    if principal.role == Role.PRACTICE_USER:
        return _pcn_of(request, principal.practice_code, day) == code
    return False


def may_see_practice(
    request: Request, principal: Principal, code: str, pcn_code: str | None, day: dt.date
) -> bool:
    """A manager sees the member practices of their PCN on the date; a practice user theirs."""
    if principal.role in WHOLE_ICS:
        return True
    if principal.role == Role.PCN_MANAGER:
        return pcn_code is not None and principal.pcn_code == pcn_code
    if principal.role == Role.PRACTICE_USER:
        return principal.practice_code == code
    return False


def _open_pcn(request: Request, principal: Principal, code: str, day: dt.date) -> dict[str, Any]:
    detail = pcn_detail(request, code, day)  # 404 first: organisation data is public
    forbid_unless(may_see_pcn(request, principal, detail["code"], day))
    return detail


def _open_practice(
    request: Request, principal: Principal, code: str, day: dt.date
) -> dict[str, Any]:
    detail = practice_detail(request, code, day)
    pcn = _pcn_of(request, detail["code"], day)
    forbid_unless(may_see_practice(request, principal, detail["code"], pcn, day))
    return detail


# ---------------------------------------------------------------- population pyramid
def population(
    request: Request,
    principal: Principal,
    *,
    kind: Literal["pcn", "practice"],
    code: str,
    day: dt.date,
) -> dict[str, Any]:
    """Pyramid rows, exact only for a viewer with patient rights over exactly these patients."""
    con = _warehouse(request)
    if kind == "pcn":
        rights = principal.patient_rights(pcn_code=code)
        rows = _cached(
            request, ("pyramid", kind, code, day), lambda: pyramid(con, pcn_code=code, date=day)
        )
    else:
        pcn = _pcn_of(request, code, day)
        rights = principal.patient_rights(pcn_code=pcn, practice_code=code)
        rows = _cached(
            request,
            ("pyramid", kind, code, day),
            lambda: pyramid(con, practice_code=code, date=day),
        )
    shown = [dict(r) for r in rows]
    if not rights:
        for row in shown:
            row["patients"] = disclose(int(row["patients"]))
    total = total_of(r["patients"] for r in shown)
    if rights:
        _audit(request, principal, scope=f"{kind}:{code}", rows=total)
    what = "PCN" if kind == "pcn" else "practice"
    return {
        "kind": kind,
        "code": code,
        "date": day.isoformat(),
        "disclosure_controlled": not rights,
        "total_patients": total,
        "rows": shown,
        "spec": pyramid_spec(
            shown,
            title=f"Registered patients of {what} {code} by age and sex, {day.day} {day:%B %Y}",
        ),
    }


def _audit(request: Request, principal: Principal, *, scope: str, rows: int) -> None:
    """An exact count from patient-level rows is a patient-level view: write an audit row."""
    from openpcn.web import audit

    audit.record(
        _appdb(request), principal=principal, route=request.url.path, scope=scope, rows=rows
    )


def _appdb(request: Request) -> Any:
    return request.app.state.appdb


# ---------------------------------------------------------------- pages
def _render(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    from openpcn.web.app import templates

    return templates.TemplateResponse(request, template, context)


@router.get("/", include_in_schema=False, dependencies=[Depends(require(*EVERYONE))])
def home() -> RedirectResponse:
    return RedirectResponse(f"/ics/{DEFAULT_ICS}", status_code=303)


def ics_overview(request: Request, ics: str, day: dt.date) -> dict[str, Any]:
    """What the ICS overview shows on a date: one function for the full page and its partial
    (the region the date selector refreshes), so the two always show the same figures."""
    code = _ics(ics)
    return {
        "ics": code,
        "date": day,
        "summary": summary_of(request, code, day),
        "pcns": pcn_rows(request, code, day),
        "check": check_of(request, code, day),
        "page_url": f"/ics/{code}?date={day.isoformat()}",
        "partial_url": f"/ics/{code}/partials/overview",
        "csv_url": f"/api/v1/pcns.csv?ics={code}&date={day.isoformat()}",
    }


@router.get("/ics/{ics}", response_class=HTMLResponse, include_in_schema=False)
def ics_page(
    request: Request,
    ics: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    overview = ics_overview(request, ics, date)
    geojson_url = f"/api/v1/ics/{overview['ics']}/geojson?date={date.isoformat()}"
    return _render(
        request,
        "orgs/ics.html",
        {"principal": principal, "geojson_url": geojson_url, **overview},
    )


@router.get("/ics/{ics}/partials/overview", response_class=HTMLResponse, include_in_schema=False)
def ics_overview_partial(
    request: Request,
    ics: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    """Only the date-dependent region of the ICS overview, for htmx to swap in; HX-Push-Url
    puts the full page's address (with the date) in the browser's history."""
    overview = ics_overview(request, ics, date)
    response = _render(request, "orgs/_ics_overview.html", {"principal": principal, **overview})
    response.headers["HX-Push-Url"] = overview["page_url"]
    return response


@router.get("/pcns/{code}", response_class=HTMLResponse, include_in_schema=False)
def pcn_page(
    request: Request,
    code: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    detail = _open_pcn(request, principal, code, date)
    ics = str(detail["commissioner"]["code"] or DEFAULT_ICS)
    return _render(
        request,
        "orgs/pcn.html",
        {
            "principal": principal,
            "pcn": detail,
            "date": date,
            "ics": ics,
            "geojson_url": f"/api/v1/ics/{ics}/geojson?date={date.isoformat()}",
            "pyramid_url": f"/api/v1/pcns/{detail['code']}/pyramid?date={date.isoformat()}",
        },
    )


@router.get("/practices/{code}", response_class=HTMLResponse, include_in_schema=False)
def practice_page(
    request: Request,
    code: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    detail = _open_practice(request, principal, code, date)
    ics = str(detail["commissioner"]["code"] or DEFAULT_ICS)
    pcn = detail["pcn"]
    return _render(
        request,
        "orgs/practice.html",
        {
            "principal": principal,
            "practice": detail,
            "date": date,
            "ics": ics,
            "may_open_pcn": pcn is not None
            and may_see_pcn(request, principal, str(pcn["code"]), date),
            "geojson_url": f"/api/v1/ics/{ics}/geojson?date={date.isoformat()}",
            "pyramid_url": f"/api/v1/practices/{detail['code']}/pyramid?date={date.isoformat()}",
        },
    )


# ---------------------------------------------------------------- API
API = "/api/v1"


@router.get(f"{API}/pcns", response_model=PcnList, tags=["organisations"])
def api_pcns(
    request: Request,
    ics: str = IcsQuery,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """Every PCN of the ICS on the date with its size and place against the size band."""
    code = _ics(ics)
    summary = summary_of(request, code, date)
    items = [{"code": r["pcn_code"], **r} for r in pcn_rows(request, code, date)]
    return {"ics": code, "date": date.isoformat(), "band": summary["band"], "items": items}


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


@router.get(
    f"{API}/pcns.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {}}, "description": "the PCN table as CSV"}},
    tags=["organisations"],
)
def api_pcns_csv(
    request: Request,
    ics: str = IcsQuery,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> Response:
    """The PCN table of the ICS overview as a CSV download."""
    code = _ics(ics)
    rows = ({"code": row["pcn_code"], **row} for row in pcn_rows(request, code, date))
    text = csv_text(rows, CSV_COLUMNS)
    filename = f"pcns-{code}-{date.isoformat()}.csv"
    return Response(
        text,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@router.get(f"{API}/pcns/{{code}}", response_model=PcnDetail, tags=["organisations"])
def api_pcn(
    request: Request,
    code: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """One PCN: members with their list sizes, totals, band position, centroid."""
    return _open_pcn(request, principal, code, date)


@router.get(f"{API}/practices/{{code}}", response_model=PracticeDetail, tags=["organisations"])
def api_practice(
    request: Request,
    code: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """One practice: its PCN, list sizes, location, deprivation and CQC rating."""
    return _open_practice(request, principal, code, date)


@router.get(f"{API}/orgs/check", response_model=Check, tags=["organisations"])
def api_check(
    request: Request,
    ics: str = IcsQuery,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """The five formation rules for the ICS's PCNs on the date, each explained."""
    return check_of(request, _ics(ics), date)


@router.get(f"{API}/orgs/summary", response_model=Summary, tags=["organisations"])
def api_summary(
    request: Request,
    ics: str = IcsQuery,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """The ICS on the date: practices, PCNs, patients and how the PCNs sit against the band."""
    return summary_of(request, _ics(ics), date)


@router.get(f"{API}/ics/{{ics}}/geojson", response_model=FeatureCollection, tags=["maps"])
def api_geojson(
    request: Request,
    ics: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """PCN areas and practice points of the ICS in WGS84 (method in the collection's properties)."""
    return geojson_of(request, _ics(ics), date)


@router.get(f"{API}/pcns/{{code}}/pyramid", response_model=Pyramid, tags=["population"])
def api_pcn_pyramid(
    request: Request,
    code: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """Registered patients of the PCN by age band and sex (disclosure-controlled unless you
    have patient rights for the PCN)."""
    detail = _open_pcn(request, principal, code, date)
    return population(request, principal, kind="pcn", code=detail["code"], day=date)


@router.get(f"{API}/practices/{{code}}/pyramid", response_model=Pyramid, tags=["population"])
def api_practice_pyramid(
    request: Request,
    code: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """Registered patients of the practice by age band and sex (disclosure-controlled unless
    you have patient rights for the practice)."""
    detail = _open_practice(request, principal, code, date)
    return population(request, principal, kind="practice", code=detail["code"], day=date)
