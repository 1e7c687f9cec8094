"""Prevalence pages: the ICS's (every condition, funnel plots, the change from the year before,
sortable tables, CSV) and a PCN's own, linked from its PCN page."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response

from openpcn.quality.charts import flag_text
from openpcn.web.kit.access import Everyone, ics_footprint, sees_ics
from openpcn.web.kit.downloads import CSV, download
from openpcn.web.kit.pages import render
from openpcn.web.kit.params import API
from openpcn.web.routes.prevalence.answers import ics_compare, pcn_prevalence, summary_for
from openpcn.web.routes.prevalence.params import DEFAULT_QOF_YEAR, QofYear

router = APIRouter()

CSV_COLUMNS = (
    "condition",
    "practice_code",
    "name",
    "pcn_code",
    "register",
    "list_size",
    "prevalence_pct",
    "ci_lower_pct",
    "ci_upper_pct",
    "vs_england",
    "previous_pct",
    "change_pct_points",
    "flag",
    "flag_level",
)


def summary_csv(summary: dict[str, Any]) -> str:
    """One row per condition and practice of a prevalence summary."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, CSV_COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for c in summary["conditions"]:
        for p in c["practices"]:
            writer.writerow({"condition": c["condition"]} | p)
    return buffer.getvalue()


@router.get("/ics/{ics}/prevalence", response_class=HTMLResponse, include_in_schema=False)
def ics_prevalence_page(ics: str, ask: Everyone, year: QofYear = DEFAULT_QOF_YEAR) -> HTMLResponse:
    summary = summary_for(ask.request, ics, year)
    code, shown_year = summary["ics"]["code"], summary["year"]
    query = f"year={shown_year}"
    # the comparison (counts from the records) is for ICS-wide roles only
    sees = sees_ics(ask, ics_footprint(ask, code))
    compare = ics_compare(ask, code, shown_year) if sees else None
    context = {
        "principal": ask.principal,
        "ics": code,
        "summary": summary,
        "compare": compare,
        "flag_text": flag_text,
        "chart_url": f"{API}/ics/{code}/prevalence/chart?{query}&condition=",
        "json_url": f"{API}/ics/{code}/prevalence?{query}",
        "compare_url": f"{API}/ics/{code}/prevalence/compare?{query}",
        "csv_url": f"/ics/{code}/prevalence.csv?{query}",
    }
    return render(ask.request, "prevalence/ics.html", context)


@router.get("/ics/{ics}/prevalence.csv", response_class=Response, include_in_schema=False)
def ics_prevalence_csv(ics: str, ask: Everyone, year: QofYear = DEFAULT_QOF_YEAR) -> Response:
    """Every practice's published prevalence per condition, for a spreadsheet."""
    summary = summary_for(ask.request, ics, year)
    name = f"prevalence-{summary['ics']['code']}-{summary['year'].replace('/', '-')}.csv"
    return download(summary_csv(summary), CSV, name)


@router.get("/pcns/{code}/prevalence", response_class=HTMLResponse, include_in_schema=False)
def pcn_prevalence_page(code: str, ask: Everyone, year: QofYear = DEFAULT_QOF_YEAR) -> HTMLResponse:
    answer = pcn_prevalence(ask, code, year)
    context = {
        "principal": ask.principal,
        "p": answer,
        "flag_text": flag_text,
        "json_url": f"{API}/pcns/{answer['code']}/prevalence?year={answer['year']}",
    }
    return render(ask.request, "prevalence/pcn.html", context)
