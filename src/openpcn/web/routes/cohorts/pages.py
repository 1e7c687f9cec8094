"""Case-finding pages: the ICS view, the PCN dashboard and its trend section, worklists (and
their CSV downloads) and the risk model card."""

from __future__ import annotations

import datetime as dt
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from openpcn.cohorts.definitions import SPECS, YEARS
from openpcn.cohorts.efi import CATEGORIES
from openpcn.cohorts.worklists import PAGE_SIZE, SORT_KEYS, Page
from openpcn.web.kit.access import Ask, Everyone, IcsWide
from openpcn.web.kit.downloads import csv_response
from openpcn.web.kit.pages import is_htmx, render
from openpcn.web.kit.params import API, DAY, IcsPath, PcnPath, PracticePath
from openpcn.web.routes.cohorts.answers import (
    DISCLOSURE_NOTE,
    SPEC_WORKLIST_COLUMNS,
    WORKLIST_COLUMNS,
    Kind,
    Listing,
    definitions_on,
    ics_cohorts,
    ics_csv_columns,
    ics_csv_rows,
    pcn_cohorts,
    pcn_trend,
    risk_card,
    spec_csv_rows,
    spec_worklist,
    trend_rows,
    worklist,
)
from openpcn.web.routes.cohorts.params import (
    CohortPath,
    IndicatorYear,
    PatientDate,
    PatientLevel,
    PcnManager,
    PcnPage,
    PcnRows,
    Points,
    PracticePage,
    PracticeRows,
    SpecPath,
    Step,
)

router = APIRouter()


def _counts(
    ask: Ask, answer: dict[str, Any], date: dt.date, year: str | None = None
) -> dict[str, Any]:
    """What the ICS view and the PCN dashboard both show their counts with, and the years whose
    indicator definitions the form offers (`year`: the one asked for, None: the date's)."""
    return {
        "principal": ask.principal,
        "c": answer,
        "date": date,
        "note": DISCLOSURE_NOTE,
        "categories": CATEGORIES,
        "years": YEARS,
        "year": year,
    }


def _year_q(year: str | None) -> str:
    return f"&year={year}" if year else ""


@router.get("/ics/{ics}/cohorts", response_class=HTMLResponse, include_in_schema=False)
def ics_page(
    ics: IcsPath, ask: IcsWide, date: PatientDate = DAY, year: IndicatorYear = None
) -> HTMLResponse:
    answer = ics_cohorts(ask, ics, date, year or None)
    q = f"date={date.isoformat()}"
    context = {
        **_counts(ask, answer, date, year or None),
        "csv_url": f"/ics/{answer['ics']}/cohorts.csv?{q}{_year_q(year)}",
        "json_url": f"{API}/ics/{answer['ics']}/cohorts?{q}{_year_q(year)}",
        "chart_url": f"{API}/ics/{answer['ics']}/cohorts/efi-chart?{q}",
    }
    return render(ask.request, "cohorts/ics.html", context)


@router.get("/ics/{ics}/cohorts.csv", include_in_schema=False)
def ics_csv(
    ics: IcsPath, ask: IcsWide, date: PatientDate = DAY, year: IndicatorYear = None
) -> Response:
    answer = ics_cohorts(ask, ics, date, year or None)
    name = f"cohorts-{answer['ics']}-{date.isoformat()}.csv"
    return csv_response(ics_csv_rows(answer), ics_csv_columns(), name)


@router.get("/pcns/{code}/cohorts", response_class=HTMLResponse, include_in_schema=False)
def pcn_page(
    code: PcnPath, ask: Everyone, date: PatientDate = DAY, year: IndicatorYear = None
) -> HTMLResponse:
    answer = pcn_cohorts(ask, code, date, year or None)
    q = f"date={date.isoformat()}"
    context = {
        **_counts(ask, answer, date, year or None),
        "specs": SPECS,
        "may_open_worklists": ask.principal.patient_rights(pcn_code=answer["code"]),
        "json_url": f"{API}/pcns/{answer['code']}/cohorts?{q}{_year_q(year)}",
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
    code: PcnPath,
    cohort: CohortPath,
    ask: PcnManager,
    listing: PcnRows,
    date: PatientDate = DAY,
) -> Response:
    return _worklist_csv(ask, "pcn", code, cohort, date, listing)


@router.get("/practices/{code}/cohorts/{cohort}.csv", include_in_schema=False)
def practice_worklist_csv(
    code: PracticePath,
    cohort: CohortPath,
    ask: PatientLevel,
    listing: PracticeRows,
    date: PatientDate = DAY,
) -> Response:
    return _worklist_csv(ask, "practice", code, cohort, date, listing)


def _worklist_csv(
    ask: Ask, kind: Kind, code: str, cohort: str, date: dt.date, listing: Listing
) -> Response:
    """Every row of the filter (not one page), audited as an export of that many rows."""
    answer = worklist(
        ask, kind=kind, code=code, cohort=cohort, day=date, action="export", listing=listing
    )
    rows = ({**r, "cohort": answer["cohort"]} for r in answer["rows"])
    name = f"worklist-{_csv_stem(answer)}-{answer['cohort']}-{answer['date']}.csv"
    return csv_response(rows, WORKLIST_COLUMNS, name)


def _csv_stem(answer: dict[str, Any]) -> str:
    practice = answer["practice"]
    return answer["code"] if practice is None else f"{answer['code']}-{practice}"


@router.get("/pcns/{code}/cohorts/{cohort}", response_class=HTMLResponse, include_in_schema=False)
def pcn_worklist_page(
    code: PcnPath,
    cohort: CohortPath,
    ask: PcnManager,
    listing: PcnPage,
    date: PatientDate = DAY,
) -> HTMLResponse:
    return _worklist_page(ask, "pcn", code, cohort, date, listing)


@router.get(
    "/practices/{code}/cohorts/{cohort}", response_class=HTMLResponse, include_in_schema=False
)
def practice_worklist_page(
    code: PracticePath,
    cohort: CohortPath,
    ask: PatientLevel,
    listing: PracticePage,
    date: PatientDate = DAY,
) -> HTMLResponse:
    return _worklist_page(ask, "practice", code, cohort, date, listing)


def _worklist_page(
    ask: Ask, kind: Kind, code: str, cohort: str, date: dt.date, listing: Listing
) -> HTMLResponse:
    answer = worklist(
        ask, kind=kind, code=code, cohort=cohort, day=date, action="view", listing=listing
    )
    definition = definitions_on(date)[answer["cohort"]]
    context = {
        "definition": definition,
        "spec_title": SPECS[definition.spec],
        "spec_url": _spec_path(answer, definition.spec),
    }
    path = f"/{_base(answer)}/{answer['code']}/cohorts/{answer['cohort']}"
    return _listing_page(ask, answer, date, listing, path, context)


@router.get(
    "/pcns/{code}/specs/{spec}/worklist", response_class=HTMLResponse, include_in_schema=False
)
def pcn_spec_worklist_page(
    code: PcnPath,
    spec: SpecPath,
    ask: PcnManager,
    listing: PcnPage,
    date: PatientDate = DAY,
) -> HTMLResponse:
    return _spec_page(ask, "pcn", code, spec, date, listing)


@router.get(
    "/practices/{code}/specs/{spec}/worklist",
    response_class=HTMLResponse,
    include_in_schema=False,
)
def practice_spec_worklist_page(
    code: PracticePath,
    spec: SpecPath,
    ask: PatientLevel,
    listing: PracticePage,
    date: PatientDate = DAY,
) -> HTMLResponse:
    return _spec_page(ask, "practice", code, spec, date, listing)


def _spec_page(
    ask: Ask, kind: Kind, code: str, spec: str, date: dt.date, listing: Listing
) -> HTMLResponse:
    answer = spec_worklist(
        ask, kind=kind, code=code, spec=spec, day=date, action="view", listing=listing
    )
    context = {"titles": {c["id"]: c["title"] for c in answer["cohorts"]}}
    return _listing_page(ask, answer, date, listing, _spec_path(answer, spec), context)


@router.get("/pcns/{code}/specs/{spec}/worklist.csv", include_in_schema=False)
def pcn_spec_worklist_csv(
    code: PcnPath,
    spec: SpecPath,
    ask: PcnManager,
    listing: PcnRows,
    date: PatientDate = DAY,
) -> Response:
    return _spec_csv(ask, "pcn", code, spec, date, listing)


@router.get("/practices/{code}/specs/{spec}/worklist.csv", include_in_schema=False)
def practice_spec_worklist_csv(
    code: PracticePath,
    spec: SpecPath,
    ask: PatientLevel,
    listing: PracticeRows,
    date: PatientDate = DAY,
) -> Response:
    return _spec_csv(ask, "practice", code, spec, date, listing)


def _spec_csv(
    ask: Ask, kind: Kind, code: str, spec: str, date: dt.date, listing: Listing
) -> Response:
    """The combined list, every row of the filter, audited as an export of that many rows."""
    answer = spec_worklist(
        ask, kind=kind, code=code, spec=spec, day=date, action="export", listing=listing
    )
    name = f"worklist-{_csv_stem(answer)}-{answer['spec']}-{answer['date']}.csv"
    return csv_response(spec_csv_rows(answer), SPEC_WORKLIST_COLUMNS, name)


def _base(answer: dict[str, Any]) -> str:
    return "pcns" if answer["kind"] == "pcn" else "practices"


def _spec_path(answer: dict[str, Any], spec: str) -> str:
    return f"/{_base(answer)}/{answer['code']}/specs/{spec}/worklist"


def _listing_page(
    ask: Ask,
    answer: dict[str, Any],
    date: dt.date,
    listing: Listing,
    path: str,
    extra: dict[str, Any],
) -> HTMLResponse:
    """A worklist page (one cohort or a whole specification): the filter form, the sort links
    and page links (each keeping the date, practice and order), and the CSV of the filter."""
    size = listing.limit or PAGE_SIZE
    page = Page(listing.offset // size + 1, answer["total"], size)
    kept = {"date": date.isoformat(), "practice": answer["practice"]}

    def url(where: str = path, **changed: Any) -> str:
        query = {**kept, "sort": listing.sort, "page": page.number, **changed}
        return f"{where}?{urlencode({k: v for k, v in query.items() if v is not None})}"

    dashboard = "/cohorts" if answer["kind"] == "pcn" else ""
    context = {
        "principal": ask.principal,
        "w": answer,
        "date": date,
        "page": page,
        "path": path,
        "back_url": f"/{_base(answer)}/{answer['code']}{dashboard}?date={date.isoformat()}",
        "csv_url": url(f"{path}.csv", page=None),
        "page_urls": {n: url(page=n) for n in (1, page.number - 1, page.number + 1, page.pages)},
        "sort_urls": {k: url(sort=_flip(listing.sort, k), page=1) for k in SORT_KEYS},
        **extra,
    }
    return render(ask.request, "cohorts/worklist.html", context)


def _flip(current: str, key: str) -> str:
    """The order a column's header link asks for: ascending, or descending if it is that now."""
    return f"-{key}" if current == key else key


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
