"""Funding pages and the JSON API beside them.

Every figure comes from `openpcn.funding` (entitlements, split, rules); this module checks who
may see what, shapes the answer and renders it. Funding is an aggregate: admin and ics_analyst
see every PCN; a pcn_manager their own PCN and the ICS their PCN belongs to; a practice_user
their practice's PCN (not the ICS-wide table). Results are cached per app: the warehouse is
read-only and the rules files ship with the package.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, TypeVar

import ibis
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from openpcn.config import DEFAULT_DATE
from openpcn.exports import csv_text
from openpcn.funding.charts import STREAM_LABELS, streams_spec
from openpcn.funding.entitlements import STREAMS, entitlements
from openpcn.funding.rules import YearRules, financial_years, rules_for
from openpcn.funding.split import split
from openpcn.orgs.hierarchy import resolve_ics
from openpcn.web.auth import Principal, Role, forbid_unless, require
from openpcn.web.routes import cached as cached_answer
from openpcn.web.routes import warehouse
from openpcn.web.routes.orgs import ICS_PATTERN, may_see_pcn, pcn_detail

router = APIRouter()

EVERYONE = (Role.ADMIN, Role.ICS_ANALYST, Role.PCN_MANAGER, Role.PRACTICE_USER)
ICS_WIDE = (Role.ADMIN, Role.ICS_ANALYST, Role.PCN_MANAGER)
WHOLE_ICS = frozenset({Role.ADMIN, Role.ICS_ANALYST})
DAY = dt.date.fromisoformat(DEFAULT_DATE)  # the date a PCN's scope is read on
DEFAULT_YEAR = "2020/21"
YEAR_PATTERN = r"^\d{4}[/-]\d{2}$"
API = "/api/v1"

YearQuery = Query(
    DEFAULT_YEAR,
    pattern=YEAR_PATTERN,
    description="financial year, April to March, e.g. 2020/21 (or 2020-21)",
    examples=["2020/21"],
)
BasisQuery = Query(
    "registered", description="share the PCN's money by the practices' registered or weighted list"
)
Basis = Literal["registered", "weighted"]
ICS_PATH = Path(pattern=ICS_PATTERN, description="commissioner or ICS code", examples=["11J"])
PCN_PATH = Path(pattern=r"^[A-Za-z]\d{5}$", description="PCN code", examples=["U42510"])
T = TypeVar("T")


# ---------------------------------------------------------------- response models (OpenAPI)
class StreamAmounts(BaseModel):
    core: float
    clinical_director: float
    network_participation: float = Field(description="the sum of the practices' own payments")
    extended_access: float = Field(description="extended hours plus enhanced access")
    care_home_premium: float
    iif_max: float = Field(description="the most the Investment and Impact Fund could pay")
    arrs_sum: float = Field(description="the Additional Roles Reimbursement sum")
    total: float


class PcnFunding(StreamAmounts):
    pcn_code: str
    name: str
    year: str
    extended_hours: float
    enhanced_access: float
    registered_patients: float
    weighted_patients: float
    list_as_of: str
    members_on: str
    practices: int
    practices_without_list: list[str]
    care_home_beds: int
    unconfirmed: list[str] = Field(description="streams resting on an UNCONFIRMED rate")


class IcsFunding(BaseModel):
    ics: str
    name: str
    year: str
    streams: list[str]
    items: list[PcnFunding]
    totals: StreamAmounts
    unconfirmed: list[str]


class PracticeShare(StreamAmounts):
    practice_code: str
    name: str
    registered_patients: float
    weighted_patients: float
    share: float = Field(description="the practice's share of the basis list (0 to 1)")


class PcnSplit(BaseModel):
    pcn_code: str
    name: str
    year: str
    basis: Basis
    pcn: PcnFunding
    practices: list[PracticeShare]
    totals: StreamAmounts = Field(description="the practices' shares added up: the PCN's total")


class RateOut(BaseModel):
    key: str
    value: float
    unit: str
    months: int
    source: str
    unconfirmed: bool
    note: str


class RoleOut(BaseModel):
    key: str
    label: str
    max_reimbursement: float | None
    reimbursement_rate: float
    from_date: str
    max_wte: float | None
    max_wte_large_pcn: float | None
    source: str
    unconfirmed: bool
    note: str


class Rules(BaseModel):
    year: str
    start: str
    end: str
    list_date: str
    source_file: str
    checked_by: str
    checked_date: str
    years: list[str] = Field(description="every financial year with shipped rules")
    rates: list[RateOut]
    roles: list[RoleOut]
    iif: dict[str, Any]


# ---------------------------------------------------------------- cache and computations
_CACHE_SIZE = 256


def cached(request: Request, key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """compute() once per app and key (see openpcn.web.routes.cached)."""
    return cached_answer(request, "funding", key, compute, _CACHE_SIZE)


@functools.lru_cache(maxsize=16)
def year_rules(year: str) -> YearRules:
    """The shipped rules of a year (an unknown or malformed year is an InputError: 422)."""
    return rules_for(year)


def footprint(request: Request, con: ibis.BaseBackend, ics: str) -> dict[str, Any]:
    code = ics.strip().upper()
    return cached(request, ("footprint", code), lambda: resolve_ics(con, code).as_dict())


def may_see_ics(
    request: Request, principal: Principal, con: ibis.BaseBackend, ics: str
) -> dict[str, Any]:
    """The ICS's footprint, if the principal may see ICS-wide figures (a manager: their own)."""
    found = footprint(request, con, ics)  # 404 first: organisation data is public
    if principal.role in WHOLE_ICS:
        return found
    mine = principal.pcn_code
    own = principal.role is Role.PCN_MANAGER and mine is not None
    if own:
        commissioner = pcn_detail(request, mine, DAY)["commissioner"]["code"]
        own = commissioner in found["commissioners"]
    forbid_unless(own)
    return found


def open_pcn(request: Request, principal: Principal, code: str) -> dict[str, Any]:
    """The PCN (404 if unknown) if the principal may see its aggregates (403 otherwise)."""
    detail = pcn_detail(request, code, DAY)
    forbid_unless(may_see_pcn(request, principal, detail["code"], DAY))
    return detail


def totals_of(rows: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Each stream and the total added up in whole pennies (so it matches to the penny)."""
    rows = list(rows)
    return {key: sum(round(float(r[key]) * 100) for r in rows) / 100 for key in (*STREAMS, "total")}


def ics_funding(
    request: Request, principal: Principal, con: ibis.BaseBackend, ics: str, year: str
) -> dict[str, Any]:
    rules = year_rules(year)
    found = may_see_ics(request, principal, con, ics)
    code = str(found["code"])
    rows = cached(
        request,
        ("entitlements", code, rules.year),
        lambda: entitlements(con, rules.year, ics=code, rules=rules),
    )
    unconfirmed = sorted({s for r in rows for s in r["unconfirmed"]}, key=STREAMS.index)
    return {
        "ics": code,
        "name": str(found["name"]),
        "year": rules.year,
        "streams": list(STREAMS),
        "items": rows,
        "totals": totals_of(rows),
        "unconfirmed": unconfirmed,
    }


def pcn_funding(
    request: Request,
    principal: Principal,
    con: ibis.BaseBackend,
    code: str,
    year: str,
    basis: Basis,
) -> dict[str, Any]:
    detail = open_pcn(request, principal, code)
    rules = year_rules(year)
    key = str(detail["code"])
    (row,) = cached(
        request,
        ("entitlements-pcn", key, rules.year),
        lambda: entitlements(con, rules.year, pcn=key, rules=rules),
    )
    shares = cached(
        request,
        ("split", key, rules.year, basis),
        lambda: split(con, key, rules.year, basis, rules=rules),
    )
    return {
        "pcn_code": key,
        "name": row["name"],
        "year": rules.year,
        "basis": basis,
        "pcn": row,
        "practices": shares,
        "totals": totals_of(shares),
    }


def rules_answer(year: str) -> dict[str, Any]:
    rules = year_rules(year)
    return rules.as_dict() | {"years": financial_years()}


# ---------------------------------------------------------------- pages
def _render(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    from openpcn.web.app import templates

    return templates.TemplateResponse(request, template, context)


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
    return _render(
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
    return _csv(rows, columns, name)


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


def _csv(rows: list[Mapping[str, Any]], columns: tuple[str, ...], filename: str) -> Response:
    return Response(
        csv_text(rows, columns),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
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
    return _render(
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
    return _csv(rows, PCN_CSV_COLUMNS, name)


# ---------------------------------------------------------------- API
@router.get(f"{API}/ics/{{ics}}/funding", response_model=IcsFunding, tags=["funding"])
def api_ics_funding(
    request: Request,
    ics: str = ICS_PATH,
    year: str = YearQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*ICS_WIDE)),
) -> dict[str, Any]:
    """What each PCN of the ICS is owed in the year, stream by stream, with the ICS totals
    (the `openpcn funding entitlements --ics` answer)."""
    return ics_funding(request, principal, con, ics, year)


@router.get(f"{API}/ics/{{ics}}/funding/chart", response_model=dict[str, Any], tags=["funding"])
def api_ics_funding_chart(
    request: Request,
    ics: str = ICS_PATH,
    year: str = YearQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*ICS_WIDE)),
) -> dict[str, Any]:
    """The Vega-Lite v5 spec of the ICS funding chart (a stacked bar per PCN by stream)."""
    answer = ics_funding(request, principal, con, ics, year)
    title = f"What each PCN of {answer['name']} is owed in {answer['year']}, by stream"
    return streams_spec(answer["items"], title=title)


@router.get(f"{API}/pcns/{{code}}/funding", response_model=PcnSplit, tags=["funding"])
def api_pcn_funding(
    request: Request,
    code: str = PCN_PATH,
    year: str = YearQuery,
    basis: Basis = BasisQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """The PCN's streams for the year and their split among its member practices (the
    shares add up to the PCN's total to the penny)."""
    return pcn_funding(request, principal, con, code, year, basis)


@router.get(f"{API}/funding/rules", response_model=Rules, tags=["funding"])
def api_rules(
    year: str = YearQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """Every rate and ARRS role in force in the year, with its source and UNCONFIRMED flag."""
    return rules_answer(year)
