"""Case-finding pages: the ICS view, the PCN dashboard and its trend section, worklists (and
their CSV downloads) and the risk model card."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from openpcn.cohorts.definitions import SPECS
from openpcn.cohorts.efi import CATEGORIES
from openpcn.web.kit.access import Ask, Everyone, IcsWide
from openpcn.web.kit.downloads import csv_response
from openpcn.web.kit.pages import is_htmx, render
from openpcn.web.kit.params import API, DAY, IcsPath, PcnPath, PracticePath
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
    CohortPath,
    PatientDate,
    PatientLevel,
    PcnManager,
    Points,
    Step,
)

router = APIRouter()
Kind = Literal["pcn", "practice"]


def _counts(ask: Ask, answer: dict[str, Any], date: dt.date) -> dict[str, Any]:
    """What the ICS view and the PCN dashboard both show their counts with."""
    return {
        "principal": ask.principal,
        "c": answer,
        "date": date,
        "note": DISCLOSURE_NOTE,
        "categories": CATEGORIES,
    }


@router.get("/ics/{ics}/cohorts", response_class=HTMLResponse, include_in_schema=False)
def ics_page(ics: IcsPath, ask: IcsWide, date: PatientDate = DAY) -> HTMLResponse:
    answer = ics_cohorts(ask, ics, date)
    q = f"date={date.isoformat()}"
    context = {
        **_counts(ask, answer, date),
        "csv_url": f"/ics/{answer['ics']}/cohorts.csv?{q}",
        "json_url": f"{API}/ics/{answer['ics']}/cohorts?{q}",
        "chart_url": f"{API}/ics/{answer['ics']}/cohorts/efi-chart?{q}",
    }
    return render(ask.request, "cohorts/ics.html", context)


@router.get("/ics/{ics}/cohorts.csv", include_in_schema=False)
def ics_csv(ics: IcsPath, ask: IcsWide, date: PatientDate = DAY) -> Response:
    answer = ics_cohorts(ask, ics, date)
    name = f"cohorts-{answer['ics']}-{date.isoformat()}.csv"
    return csv_response(ics_csv_rows(answer), ics_csv_columns(), name)


@router.get("/pcns/{code}/cohorts", response_class=HTMLResponse, include_in_schema=False)
def pcn_page(code: PcnPath, ask: Everyone, date: PatientDate = DAY) -> HTMLResponse:
    answer = pcn_cohorts(ask, code, date)
    q = f"date={date.isoformat()}"
    context = {
        **_counts(ask, answer, date),
        "specs": SPECS,
        "may_open_worklists": ask.principal.patient_rights(pcn_code=answer["code"]),
        "json_url": f"{API}/pcns/{answer['code']}/cohorts?{q}",
        "trend_url": f"/pcns/{answer['code']}/partials/cohort-trend?{q}",
        "q": q,
    }
    return render(ask.request, "cohorts/pcn.html", context)


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
    code: PcnPath, ask: Everyone, date: PatientDate = DAY, points: Points = 8, step: Step = 3
) -> HTMLResponse:
    """The dashboard's Trend section: htmx swaps the fragment in; without JavaScript the
    section's link opens it as a whole page."""
    answer = pcn_trend(ask, code, date, points=points, step=step)
    context = {
        "principal": ask.principal,
        "t": answer,
        "date": date,
        "rows": trend_rows(answer),
        "note": DISCLOSURE_NOTE,
        "steps": (1, 3, 6, 12),
        **_trend_urls(answer["code"], date, points, step),
    }
    template = "cohorts/_trend.html" if is_htmx(ask.request) else "cohorts/trend.html"
    return render(ask.request, template, context)


@router.get("/pcns/{code}/cohort-trend.csv", include_in_schema=False)
def pcn_trend_csv(
    code: PcnPath, ask: Everyone, date: PatientDate = DAY, points: Points = 8, step: Step = 3
) -> Response:
    answer = pcn_trend(ask, code, date, points=points, step=step, action="export")
    name = f"cohort-trend-{answer['code']}-{answer['date']}.csv"
    return csv_response(trend_rows(answer), ("row", "spec", "title", *answer["dates"]), name)


@router.get("/pcns/{code}/cohorts/{cohort}.csv", include_in_schema=False)
def pcn_worklist_csv(
    code: PcnPath, cohort: CohortPath, ask: PcnManager, date: PatientDate = DAY
) -> Response:
    return _worklist_csv(ask, "pcn", code, cohort, date)


@router.get("/practices/{code}/cohorts/{cohort}.csv", include_in_schema=False)
def practice_worklist_csv(
    code: PracticePath, cohort: CohortPath, ask: PatientLevel, date: PatientDate = DAY
) -> Response:
    return _worklist_csv(ask, "practice", code, cohort, date)


def _worklist_csv(ask: Ask, kind: Kind, code: str, cohort: str, date: dt.date) -> Response:
    answer = worklist(ask, kind=kind, code=code, cohort=cohort, day=date, action="export")
    rows = ({**r, "cohort": answer["cohort"]} for r in answer["rows"])
    name = f"worklist-{answer['code']}-{answer['cohort']}-{answer['date']}.csv"
    return csv_response(rows, WORKLIST_COLUMNS, name)


@router.get("/pcns/{code}/cohorts/{cohort}", response_class=HTMLResponse, include_in_schema=False)
def pcn_worklist_page(
    code: PcnPath, cohort: CohortPath, ask: PcnManager, date: PatientDate = DAY
) -> HTMLResponse:
    return _worklist_page(ask, "pcn", code, cohort, date)


@router.get(
    "/practices/{code}/cohorts/{cohort}", response_class=HTMLResponse, include_in_schema=False
)
def practice_worklist_page(
    code: PracticePath, cohort: CohortPath, ask: PatientLevel, date: PatientDate = DAY
) -> HTMLResponse:
    return _worklist_page(ask, "practice", code, cohort, date)


def _worklist_page(ask: Ask, kind: Kind, code: str, cohort: str, date: dt.date) -> HTMLResponse:
    answer = worklist(ask, kind=kind, code=code, cohort=cohort, day=date, action="view")
    base = "pcns" if answer["kind"] == "pcn" else "practices"
    q = f"date={date.isoformat()}"
    definition = DEFINITIONS[answer["cohort"]]
    dashboard = "/cohorts" if base == "pcns" else ""
    context = {
        "principal": ask.principal,
        "w": answer,
        "date": date,
        "definition": definition,
        "spec_title": SPECS[definition.spec],
        "back_url": f"/{base}/{answer['code']}{dashboard}?{q}",
        "csv_url": f"/{base}/{answer['code']}/cohorts/{answer['cohort']}.csv?{q}",
    }
    return render(ask.request, "cohorts/worklist.html", context)


@router.get("/cohorts/risk-model", response_class=HTMLResponse, include_in_schema=False)
def risk_model_page(ask: Everyone, date: PatientDate = DAY) -> HTMLResponse:
    card = risk_card(ask, date)
    q = f"date={date.isoformat()}"
    context = {
        "principal": ask.principal,
        "card": card,
        "date": date,
        "json_url": f"{API}/cohorts/risk-model?{q}",
        "chart_url": f"{API}/cohorts/risk-model/chart?{q}",
    }
    return render(ask.request, "cohorts/model.html", context)
