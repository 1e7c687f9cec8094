"""Workforce pages (the ARRS planner, GP workforce risk) and the JSON API beside them.

Figures come from `openpcn.workforce` (`pcn_plan.pcn_plan`, `risk.risk`); this module checks
scope, reads the what-if form and renders. Scope is as for funding: a PCN's plan for admin,
ics_analyst and the PCN's manager or practice users; the ICS risk page for admin, ics_analyst
and a pcn_manager of a PCN in that ICS. Only aggregates are shown: no staff register row
reaches a page or an answer. Nothing here is cached: the register can change under the app.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any
from urllib.parse import urlencode

import ibis
from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from openpcn.exceptions import InputError
from openpcn.funding.rules import financial_years
from openpcn.web.auth import Principal, require
from openpcn.web.routes import appdb, warehouse
from openpcn.web.routes.funding import (
    API,
    DAY,
    EVERYONE,
    ICS_PATH,
    ICS_WIDE,
    PCN_PATH,
    YearQuery,
    may_see_ics,
    open_pcn,
    year_rules,
)
from openpcn.workforce.charts import gp_55_spec
from openpcn.workforce.indicators import staffing_indicators
from openpcn.workforce.pcn_plan import in_post, pcn_plan, planning_date

router = APIRouter()

WEIGHT, FTE = "w_", "fte_"  # what-if form fields: w_<role>=weight, fte_<role>=FTE in post
DateQuery = Query(
    DAY, description="the date the hierarchy and staff are read on (YYYY-MM-DD)", examples=[DAY]
)


# ---------------------------------------------------------------- response models (OpenAPI)
class PlanRole(BaseModel):
    key: str
    label: str
    fte: float = Field(description="new WTE the plan funds")
    existing_fte: float = Field(description="WTE in post (register, or the what-if value)")
    total_fte: float
    weight: float
    cost_per_wte: float = Field(description="what one WTE can claim for the part of the year")
    spend: float
    max_wte: float | None
    marginal_cost: float = Field(description="the cost of the next whole post")
    fits: bool = Field(description="whether one more whole post fits the money and the cap")
    why_not: str | None
    source: str
    unconfirmed: bool


class Excluded(BaseModel):
    key: str
    label: str
    reason: str


class ArrsPlan(BaseModel):
    pcn_code: str
    year: str
    arrs: dict[str, Any] = Field(description="the ARR sum and how it was reached")
    in_post_register: dict[str, float] = Field(description="WTE in post per role, per register")
    arrs_sum: float
    objective: str
    step_wte: float
    on: str | None
    year_fraction: float
    existing_spend: float
    new_spend: float
    spend: float
    remainder: float = Field(description="the ARR sum left unspent: money lost")
    new_fte: float
    total_fte: float
    roles: list[PlanRole]
    excluded: list[Excluded]
    solve_seconds: float


class Indicators(BaseModel):
    registered_patients: float | None
    gp_headcount: int
    gp_fte: float
    gp_55_plus: int
    gp_55_plus_pct: float | None
    gp_fte_per_10k: float | None
    staff_fte: float
    vacancy_posts: int | None
    vacancy_fte: float | None
    gp_vacancy_fte: float | None


class IcsIndicators(Indicators):
    code: str
    name: str
    commissioners: list[str]


class Beside(BaseModel):
    gp_fte_per_10k: float | None
    gp_55_plus_pct: float | None


class PcnIndicators(Indicators):
    code: str
    name: str
    practices: int
    ics: Beside


class PracticeIndicators(Indicators):
    code: str
    name: str | None
    pcn_code: str | None
    list_as_of: str | None
    ics: Beside


class RiskSource(BaseModel):
    kind: str = Field(description="register (the app database) or warehouse (synthetic fallback)")
    detail: str
    files: list[str]
    vacancies_recorded: bool
    denominator: str


class WorkforceRisk(BaseModel):
    ics: IcsIndicators
    date: str
    source: RiskSource
    gp_roles: list[str]
    england: None
    england_note: str
    pcns: list[PcnIndicators]
    practices: list[PracticeIndicators]


# ---------------------------------------------------------------- what-if input
def _number(field: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{field} must be a number of 0 or more", fix="for example 1 or 0.5")
    return value


def what_if(request: Request) -> tuple[dict[str, float] | None, dict[str, float] | None]:
    """The page form's priorities (w_ROLE) and staff in post (fte_ROLE); blank counts as 0."""
    weights: dict[str, float] = {}
    staff: dict[str, float] = {}
    for name, text in request.query_params.multi_items():
        for prefix, into, what in ((WEIGHT, weights, "priority"), (FTE, staff, "staff in post")):
            if name.startswith(prefix) and len(name) > len(prefix):
                role = name[len(prefix) :]
                into[role] = _number(f"the {what} of {role}", text.strip() or "0")
    return weights or None, staff or None


def pairs(items: list[str], what: str) -> dict[str, float] | None:
    """ROLE:NUMBER query values (the API) as a dict."""
    out: dict[str, float] = {}
    for item in items:
        role, sep, number = item.partition(":")
        if not sep or not role:
            raise InputError(
                f"{what} {item!r} is not ROLE:NUMBER", fix="e.g. clinical_pharmacist:2"
            )
        out[role.strip()] = _number(f"the {what} of {role}", number)
    return out or None


# ---------------------------------------------------------------- pages
def _render(
    request: Request, template: str, context: dict[str, Any], status_code: int = 200
) -> HTMLResponse:
    from openpcn.web.app import templates

    return templates.TemplateResponse(request, template, context, status_code=status_code)


def planner_context(
    request: Request, principal: Principal, con: ibis.BaseBackend, code: str, year: str
) -> tuple[dict[str, Any], int]:
    """What the planner page and its partial show; a what-if the planner refuses (over budget,
    above a cap, not a number) is shown beside the form (status 422) rather than as an error
    page, so the user can correct it."""
    detail = open_pcn(request, principal, code)
    rules = year_rules(year)
    pcn = str(detail["code"])
    db = appdb(request)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "year"]
    page_url = f"/pcns/{pcn}/arrs?" + urlencode([("year", rules.year), *query])
    context: dict[str, Any] = {
        "principal": principal,
        "pcn": detail,
        "year": rules.year,
        "rules": rules,
        "page_url": page_url,
        "partial_url": f"/pcns/{pcn}/partials/arrs",
        "years": financial_years(),
        "funding_url": f"/pcns/{pcn}/funding?year={rules.year}",
        "error": None,
        "result": None,
    }
    status = 200
    weights: dict[str, float] | None = None
    staff: dict[str, float] | None = None
    try:
        weights, staff = what_if(request)
        context["result"] = pcn_plan(
            con, db, pcn, rules.year, priorities=weights, existing=staff, rules=rules
        )
    except InputError as exc:
        context["error"] = {"what": exc.what, "fix": exc.fix}
        status = 422
    register = (
        context["result"]["in_post_register"]
        if context["result"]
        else in_post(db, con, pcn, rules, planning_date(rules))
    )
    api_query = [("year", rules.year)]
    api_query += [("priority", f"{k}:{v:g}") for k, v in (weights or {}).items()]
    api_query += [("existing", f"{k}:{v:g}") for k, v in (staff or {}).items()]
    context["json_url"] = f"{API}/pcns/{pcn}/arrs-plan?" + urlencode(api_query)
    raw = dict(request.query_params.multi_items())
    context["form"] = [
        {
            "key": key,
            "label": role.label,
            "weight": raw.get(WEIGHT + key, "1" if weights is None else "0"),
            "fte": raw.get(FTE + key, f"{register.get(key, 0.0):g}"),
        }
        for key, role in rules.roles.items()
    ]
    return context, status


@router.get("/pcns/{code}/arrs", response_class=HTMLResponse, include_in_schema=False)
def arrs_page(
    request: Request,
    code: str,
    year: str = YearQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    context, status = planner_context(request, principal, con, code, year)
    return _render(request, "workforce/arrs.html", context, status)


@router.get("/pcns/{code}/partials/arrs", response_class=HTMLResponse, include_in_schema=False)
def arrs_partial(
    request: Request,
    code: str,
    year: str = YearQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    """The planner's result region for htmx: answered 200 even when the what-if is refused
    (htmx swaps only 2xx answers; the region then holds the error summary)."""
    context, _ = planner_context(request, principal, con, code, year)
    response = _render(request, "workforce/_arrs_result.html", context)
    response.headers["HX-Push-Url"] = context["page_url"]
    return response


def risk_answer(
    request: Request, principal: Principal, con: ibis.BaseBackend, ics: str, day: dt.date
) -> dict[str, Any]:
    found = may_see_ics(request, principal, con, ics)
    return staffing_indicators(con, appdb(request), str(found["code"]), day)


def _chart_title(answer: dict[str, Any]) -> str:
    day = dt.date.fromisoformat(answer["date"])
    return f"GPs aged 55 and over by PCN, {answer['ics']['name']}, {day.day} {day:%B %Y}"


@router.get("/ics/{ics}/workforce", response_class=HTMLResponse, include_in_schema=False)
def risk_page(
    request: Request,
    ics: str,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*ICS_WIDE)),
) -> HTMLResponse:
    answer = risk_answer(request, principal, con, ics, date)
    code = answer["ics"]["code"]
    q = f"date={date.isoformat()}"
    return _render(
        request,
        "workforce/ics.html",
        {
            "principal": principal,
            "r": answer,
            "date": date,
            "json_url": f"{API}/ics/{code}/workforce?{q}",
            "chart_url": f"{API}/ics/{code}/workforce/chart?{q}",
        },
    )


# ---------------------------------------------------------------- API
@router.get(f"{API}/pcns/{{code}}/arrs-plan", response_model=ArrsPlan, tags=["workforce"])
def api_arrs_plan(
    request: Request,
    code: str = PCN_PATH,
    year: str = YearQuery,
    priority: list[str] = Query(
        [],
        description="ROLE:WEIGHT, repeatable; roles not named weigh 0 (none: most FTE)",
        examples=[["clinical_pharmacist:2"]],
    ),
    existing: list[str] = Query(
        [],
        description="ROLE:FTE in post, repeatable; replaces the register's FTE for that role",
        examples=[["clinical_pharmacist:1"]],
    ),
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """The PCN's optimal ARRS mix for the year within its ARR sum, the money lost and the cost
    of each next post (the `openpcn workforce plan --json` answer)."""
    detail = open_pcn(request, principal, code)
    rules = year_rules(year)
    return pcn_plan(
        con,
        appdb(request),
        str(detail["code"]),
        rules.year,
        priorities=pairs(priority, "priority"),
        existing=pairs(existing, "staff in post"),
        rules=rules,
    )


@router.get(f"{API}/ics/{{ics}}/workforce", response_model=WorkforceRisk, tags=["workforce"])
def api_risk(
    request: Request,
    ics: str = ICS_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*ICS_WIDE)),
) -> dict[str, Any]:
    """GP headcount and FTE, % aged 55+, FTE per 10,000 patients and vacancies for the ICS,
    each PCN and each practice (the `openpcn workforce risk --json` answer)."""
    return risk_answer(request, principal, con, ics, date)


@router.get(f"{API}/ics/{{ics}}/workforce/chart", response_model=dict[str, Any], tags=["workforce"])
def api_risk_chart(
    request: Request,
    ics: str = ICS_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*ICS_WIDE)),
) -> dict[str, Any]:
    """The Vega-Lite v5 spec of the % of GPs aged 55+ by PCN, with the ICS line."""
    answer = risk_answer(request, principal, con, ics, date)
    return gp_55_spec(answer, title=_chart_title(answer))
