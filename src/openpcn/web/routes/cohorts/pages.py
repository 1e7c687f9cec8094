"""Case-finding pages: the ICS view, the PCN dashboard and its trend section, worklists (and
their CSV downloads) and the risk model card."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import ibis
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from openpcn.cohorts.definitions import SPECS
from openpcn.cohorts.efi import CATEGORIES
from openpcn.web.auth import Principal, Role, require
from openpcn.web.kit.access import EVERYONE, ICS_WIDE
from openpcn.web.kit.connections import warehouse
from openpcn.web.kit.downloads import csv_response
from openpcn.web.kit.pages import is_htmx, render
from openpcn.web.kit.params import API, ICS_PATH, PCN_PATH, PRACTICE_PATH
from openpcn.web.routes.cohorts.answers import (
    DEFINITIONS,
    DISCLOSURE_NOTE,
    WORKLIST_COLUMNS,
    ics_cohorts,
    ics_csv_columns,
    ics_csv_rows,
    pcn_cohorts,
    pcn_trend,
    risk_card,
    trend_rows,
    worklist,
)
from openpcn.web.routes.cohorts.params import (
    COHORT_PATH,
    CohortId,
    DateQuery,
    PointsQuery,
    StepQuery,
)

router = APIRouter()


@router.get("/ics/{ics}/cohorts", response_class=HTMLResponse, include_in_schema=False)
def ics_page(
    request: Request,
    ics: str = ICS_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*ICS_WIDE)),
) -> HTMLResponse:
    answer = ics_cohorts(request, principal, con, ics, date)
    q = f"date={date.isoformat()}"
    return render(
        request,
        "cohorts/ics.html",
        {
            "principal": principal,
            "c": answer,
            "date": date,
            "note": DISCLOSURE_NOTE,
            "categories": CATEGORIES,
            "csv_url": f"/ics/{answer['ics']}/cohorts.csv?{q}",
            "json_url": f"{API}/ics/{answer['ics']}/cohorts?{q}",
            "chart_url": f"{API}/ics/{answer['ics']}/cohorts/efi-chart?{q}",
        },
    )


@router.get("/ics/{ics}/cohorts.csv", include_in_schema=False)
def ics_csv(
    request: Request,
    ics: str = ICS_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*ICS_WIDE)),
) -> Response:
    answer = ics_cohorts(request, principal, con, ics, date)
    name = f"cohorts-{answer['ics']}-{date.isoformat()}.csv"
    return csv_response(ics_csv_rows(answer), ics_csv_columns(), name)


@router.get("/pcns/{code}/cohorts", response_class=HTMLResponse, include_in_schema=False)
def pcn_page(
    request: Request,
    code: str = PCN_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    answer = pcn_cohorts(request, principal, con, code, date)
    q = f"date={date.isoformat()}"
    return render(
        request,
        "cohorts/pcn.html",
        {
            "principal": principal,
            "c": answer,
            "date": date,
            "note": DISCLOSURE_NOTE,
            "categories": CATEGORIES,
            "specs": SPECS,
            "may_open_worklists": principal.patient_rights(pcn_code=answer["code"]),
            "json_url": f"{API}/pcns/{answer['code']}/cohorts?{q}",
            "trend_url": f"/pcns/{answer['code']}/partials/cohort-trend?{q}",
            "q": q,
        },
    )


def _trend_urls(code: str, date: dt.date, points: int, step: int) -> dict[str, str]:
    q = f"date={date.isoformat()}&points={points}&step={step}"
    return {
        "partial_url": f"/pcns/{code}/partials/cohort-trend?{q}",
        "csv_url": f"/pcns/{code}/cohort-trend.csv?{q}",
        "json_url": f"{API}/pcns/{code}/cohorts/trend?{q}",
        "chart_url": f"{API}/pcns/{code}/cohorts/trend/chart?{q}",
    }


@router.get(
    "/pcns/{code}/partials/cohort-trend", response_class=HTMLResponse, include_in_schema=False
)
def pcn_trend_partial(
    request: Request,
    code: str = PCN_PATH,
    date: dt.date = DateQuery,
    points: int = PointsQuery,
    step: int = StepQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    """The dashboard's Trend section: htmx swaps the fragment in; without JavaScript the
    section's link opens it as a whole page."""
    answer = pcn_trend(request, principal, con, code, date, points=points, step=step)
    context = {
        "principal": principal,
        "t": answer,
        "date": date,
        "rows": trend_rows(answer),
        "note": DISCLOSURE_NOTE,
        "steps": (1, 3, 6, 12),
        **_trend_urls(answer["code"], date, points, step),
    }
    if is_htmx(request):
        return render(request, "cohorts/_trend.html", context)
    return render(request, "cohorts/trend.html", context)


@router.get("/pcns/{code}/cohort-trend.csv", include_in_schema=False)
def pcn_trend_csv(
    request: Request,
    code: str = PCN_PATH,
    date: dt.date = DateQuery,
    points: int = PointsQuery,
    step: int = StepQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> Response:
    answer = pcn_trend(request, principal, con, code, date, points=points, step=step,
                       action="export")  # fmt: skip
    name = f"cohort-trend-{answer['code']}-{answer['date']}.csv"
    return csv_response(trend_rows(answer), ("row", "spec", "title", *answer["dates"]), name)


@router.get("/pcns/{code}/cohorts/{cohort}.csv", include_in_schema=False)
def pcn_worklist_csv(
    request: Request,
    code: str = PCN_PATH,
    cohort: CohortId = COHORT_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(Role.PCN_MANAGER)),
) -> Response:
    answer = worklist(request, principal, con, kind="pcn", code=code, cohort=cohort, day=date,
                      action="export")  # fmt: skip
    return _worklist_csv(answer)


@router.get("/practices/{code}/cohorts/{cohort}.csv", include_in_schema=False)
def practice_worklist_csv(
    request: Request,
    code: str = PRACTICE_PATH,
    cohort: CohortId = COHORT_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(Role.PCN_MANAGER, Role.PRACTICE_USER)),
) -> Response:
    answer = worklist(request, principal, con, kind="practice", code=code, cohort=cohort,
                      day=date, action="export")  # fmt: skip
    return _worklist_csv(answer)


def _worklist_csv(answer: Mapping[str, Any]) -> Response:
    rows = ({**r, "cohort": answer["cohort"]} for r in answer["rows"])
    name = f"worklist-{answer['code']}-{answer['cohort']}-{answer['date']}.csv"
    return csv_response(rows, WORKLIST_COLUMNS, name)


@router.get("/pcns/{code}/cohorts/{cohort}", response_class=HTMLResponse, include_in_schema=False)
def pcn_worklist_page(
    request: Request,
    code: str = PCN_PATH,
    cohort: CohortId = COHORT_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(Role.PCN_MANAGER)),
) -> HTMLResponse:
    answer = worklist(request, principal, con, kind="pcn", code=code, cohort=cohort, day=date,
                      action="view")  # fmt: skip
    return _worklist_page(request, principal, answer, date)


@router.get(
    "/practices/{code}/cohorts/{cohort}", response_class=HTMLResponse, include_in_schema=False
)
def practice_worklist_page(
    request: Request,
    code: str = PRACTICE_PATH,
    cohort: CohortId = COHORT_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(Role.PCN_MANAGER, Role.PRACTICE_USER)),
) -> HTMLResponse:
    answer = worklist(request, principal, con, kind="practice", code=code, cohort=cohort,
                      day=date, action="view")  # fmt: skip
    return _worklist_page(request, principal, answer, date)


def _worklist_page(
    request: Request, principal: Principal, answer: dict[str, Any], date: dt.date
) -> HTMLResponse:
    base = "pcns" if answer["kind"] == "pcn" else "practices"
    q = f"date={date.isoformat()}"
    definition = DEFINITIONS[answer["cohort"]]
    return render(
        request,
        "cohorts/worklist.html",
        {
            "principal": principal,
            "w": answer,
            "date": date,
            "definition": definition,
            "spec_title": SPECS[definition.spec],
            "back_url": f"/{base}/{answer['code']}"
            + ("/cohorts" if base == "pcns" else "")
            + f"?{q}",
            "csv_url": f"/{base}/{answer['code']}/cohorts/{answer['cohort']}.csv?{q}",
        },
    )


@router.get("/cohorts/risk-model", response_class=HTMLResponse, include_in_schema=False)
def risk_model_page(
    request: Request,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    card = risk_card(request, con, date)
    q = f"date={date.isoformat()}"
    return render(
        request,
        "cohorts/model.html",
        {
            "principal": principal,
            "card": card,
            "date": date,
            "json_url": f"{API}/cohorts/risk-model?{q}",
            "chart_url": f"{API}/cohorts/risk-model/chart?{q}",
        },
    )
