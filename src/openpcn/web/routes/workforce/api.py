"""The workforce API: a PCN's ARRS plan, and the ICS's GP workforce risk (and its chart)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Query

from openpcn.web.kit.access import Everyone, IcsWide, open_pcn
from openpcn.web.kit.connections import appdb
from openpcn.web.kit.params import API, DAY, DEFAULT_YEAR, Answer, IcsPath, PcnPath, Year
from openpcn.web.routes.funding.answers import year_rules
from openpcn.web.routes.workforce.answers import pairs, risk_answer
from openpcn.web.routes.workforce.models import ArrsPlan, WorkforceRisk
from openpcn.web.routes.workforce.params import StaffDate
from openpcn.workforce.charts import gp_55_spec
from openpcn.workforce.pcn_plan import pcn_plan
from openpcn.workforce.planner import IN_POST, WEIGHTS

router = APIRouter()


def _chart_title(answer: dict[str, Any]) -> str:
    day = dt.date.fromisoformat(answer["date"])
    return f"GPs aged 55 and over by PCN, {answer['ics']['name']}, {day.day} {day:%B %Y}"


@router.get(f"{API}/pcns/{{code}}/arrs-plan", response_model=ArrsPlan, tags=["workforce"])
def api_arrs_plan(
    code: PcnPath,
    ask: Everyone,
    year: Year = DEFAULT_YEAR,
    priority: list[str] = Query(
        [],
        description=f"ROLE:WEIGHT, repeatable, WEIGHT a number {WEIGHTS.words}; roles not "
        "named weigh 0 (none: most FTE)",
        examples=[["clinical_pharmacist:2"]],
    ),
    existing: list[str] = Query(
        [],
        description=f"ROLE:FTE in post, repeatable, FTE a number {IN_POST.words}; replaces "
        "the register's FTE for that role",
        examples=[["clinical_pharmacist:1"]],
    ),
    london: bool = Query(False, description="cost posts at the London caps (from 2021/22)"),
) -> Answer:
    """The PCN's ARRS mix for the year within its ARR sum (weighted roles covered with 1 WTE
    first, then balanced by weight), the money lost, and why each role got what it got (the
    `openpcn workforce plan --json` answer)."""
    detail = open_pcn(ask, code)
    rules = year_rules(year)
    return pcn_plan(
        ask.con,
        appdb(ask.request),
        str(detail["code"]),
        rules.year,
        priorities=pairs(priority, "priority", WEIGHTS),
        existing=pairs(existing, "staff in post", IN_POST),
        rules=rules,
        london=london,
    )


@router.get(f"{API}/ics/{{ics}}/workforce", response_model=WorkforceRisk, tags=["workforce"])
def api_risk(ics: IcsPath, ask: IcsWide, date: StaffDate = DAY) -> Answer:
    """GP headcount and FTE, % aged 55+, FTE per 10,000 patients and vacancies for the ICS,
    each PCN and each practice (the `openpcn workforce risk --json` answer)."""
    return risk_answer(ask, ics, date)


@router.get(f"{API}/ics/{{ics}}/workforce/chart", response_model=dict[str, Any], tags=["workforce"])
def api_risk_chart(ics: IcsPath, ask: IcsWide, date: StaffDate = DAY) -> Answer:
    """The Vega-Lite v5 spec of the % of GPs aged 55+ by PCN, with the ICS line."""
    answer = risk_answer(ask, ics, date)
    return gp_55_spec(answer, title=_chart_title(answer))
