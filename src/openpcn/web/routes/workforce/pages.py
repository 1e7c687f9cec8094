"""Workforce pages: the ARRS planner with its what-if form (and the result partial), and the
ICS's GP workforce risk."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from openpcn.exceptions import InputError
from openpcn.funding.rules import financial_years
from openpcn.web.kit.access import Ask, Everyone, IcsWide, open_pcn
from openpcn.web.kit.connections import appdb
from openpcn.web.kit.pages import render
from openpcn.web.kit.params import API, DAY, DEFAULT_YEAR, Year
from openpcn.web.routes.funding.answers import year_rules
from openpcn.web.routes.workforce.answers import FIELDS, FTE, WEIGHT, risk_answer, what_if
from openpcn.web.routes.workforce.params import StaffDate
from openpcn.workforce.pcn_plan import FIRST_ROLES, in_post, pcn_plan, planning_date

router = APIRouter()


def planner_context(ask: Ask, code: str, year: str) -> tuple[dict[str, Any], int]:
    """What the planner page and its partial show; a what-if the planner refuses (over budget,
    above a cap, not a number) is shown beside the form (status 422) rather than as an error
    page, so the user can correct it."""
    request, con = ask.request, ask.con
    detail = open_pcn(ask, code)
    rules = year_rules(year)
    pcn = str(detail["code"])
    db = appdb(request)
    query = [(k, v) for k, v in request.query_params.multi_items() if k != "year"]
    page_url = f"/pcns/{pcn}/arrs?" + urlencode([("year", rules.year), *query])
    context: dict[str, Any] = {
        "principal": ask.principal,
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
    weights, staff, field_errors = what_if(request)
    london = request.query_params.get("london", "").lower() in ("1", "true", "on", "yes")
    context["london"] = london
    if field_errors:
        context["error"] = {"what": "Some what-if values are out of range", "fix": None}
        status = 422  # the summary lists field_errors, each linked to its field
    else:
        try:
            context["result"] = pcn_plan(
                con,
                db,
                pcn,
                rules.year,
                priorities=weights,
                existing=staff,
                rules=rules,
                london=london,
            )
        except InputError as exc:
            context["error"] = {"what": exc.what, "fix": exc.fix}
            status = 422
    context["field_errors"] = field_errors
    register = (
        context["result"]["in_post_register"]
        if context["result"]
        else in_post(db, con, pcn, rules, planning_date(rules))
    )
    api_query = [("year", rules.year)]
    api_query += [("priority", f"{k}:{v:g}") for k, v in (weights or {}).items()]
    api_query += [("existing", f"{k}:{v:g}") for k, v in (staff or {}).items()]
    api_query += [("london", "true")] if london else []
    context["json_url"] = f"{API}/pcns/{pcn}/arrs-plan?" + urlencode(api_query)
    raw = dict(request.query_params.multi_items())
    context["ranges"] = {name: valid for name, (_, valid) in FIELDS.items()}
    context["form"] = [
        {
            "key": key,
            "label": role.label,
            # unasked, the form shows the weights of the default plan (pcn_plan.FIRST_ROLES)
            "weight": raw.get(WEIGHT + key, f"{FIRST_ROLES.get(key, 0):g}" if not weights else "0"),
            "fte": raw.get(FTE + key, f"{register.get(key, 0.0):g}"),
        }
        for key, role in rules.roles.items()
    ]
    return context, status


@router.get("/pcns/{code}/arrs", response_class=HTMLResponse, include_in_schema=False)
def arrs_page(code: str, ask: Everyone, year: Year = DEFAULT_YEAR) -> HTMLResponse:
    context, status = planner_context(ask, code, year)
    return render(ask.request, "workforce/arrs.html", context, status)


@router.get("/pcns/{code}/partials/arrs", response_class=HTMLResponse, include_in_schema=False)
def arrs_partial(code: str, ask: Everyone, year: Year = DEFAULT_YEAR) -> HTMLResponse:
    """The planner's result region for htmx: answered 200 even when the what-if is refused
    (htmx swaps only 2xx answers; the region then holds the error summary)."""
    context, _ = planner_context(ask, code, year)
    context["oob"] = True  # the form's fields too, so each error shows beside its field
    response = render(ask.request, "workforce/_arrs_result.html", context)
    response.headers["HX-Push-Url"] = context["page_url"]
    return response


@router.get("/ics/{ics}/workforce", response_class=HTMLResponse, include_in_schema=False)
def risk_page(ics: str, ask: IcsWide, date: StaffDate = DAY) -> HTMLResponse:
    answer = risk_answer(ask, ics, date)
    code = answer["ics"]["code"]
    q = f"date={date.isoformat()}"
    context = {
        "principal": ask.principal,
        "r": answer,
        "date": date,
        "json_url": f"{API}/ics/{code}/workforce?{q}",
        "chart_url": f"{API}/ics/{code}/workforce/chart?{q}",
    }
    return render(ask.request, "workforce/ics.html", context)
