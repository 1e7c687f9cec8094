"""The ICS report as a page, an HTML and PDF download, and its figures as JSON.

Everything comes from `openpcn.report` (which gathers it from orgs and quality); this module only
checks the role, caches per (ics, date) and serves. The report holds public, aggregate data only,
so every signed-in role may see it. The page sits in the app's layout with its stylesheet in
static/css/report.css (the CSP forbids inline style); the HTML download carries its CSS inline so
it opens anywhere. Charts are SVG rendered on the server from the same Vega-Lite specs.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field

from openpcn.reports.render import chart_svgs, render_body, render_html, render_pdf
from openpcn.reports.sections import ics_report_data
from openpcn.web.kit.access import Ask, Everyone, ics_code
from openpcn.web.kit.cache import Cache
from openpcn.web.kit.downloads import download
from openpcn.web.kit.pages import render
from openpcn.web.kit.params import API, DAY, Answer, date_type

router = APIRouter()

ReportDate = date_type("the date the report is made for (YYYY-MM-DD)")
cached = Cache("report", size=32)


# ---------------------------------------------------------------- response model (OpenAPI)
class Figure(BaseModel):
    value: Any = Field(description="the raw value (number or text; null when not available)")
    format: str = Field(description="int, patients, pct, year or text")
    label: str | None = None


class IcsFootprint(BaseModel):
    code: str
    name: str
    commissioners: list[str]


class Provenance(BaseModel):
    section: str
    table: str
    source: str
    date: str


class Report(BaseModel):
    title: str
    ics: IcsFootprint
    date: str
    sections: list[dict[str, Any]] = Field(
        description="each present section: key, title, figures, tables, charts (Vega-Lite)"
    )
    figures: dict[str, Figure] = Field(description="every figure in the text, by section.key")
    provenance: list[Provenance]


# ---------------------------------------------------------------- cached answers
def report_data(ask: Ask, ics: str, day: dt.date) -> dict[str, Any]:
    return cached(ask.request, ("data", ics, day), lambda: ics_report_data(ask.con, ics, day))


def report_svgs(ask: Ask, ics: str, day: dt.date) -> dict[str, str]:
    data = report_data(ask, ics, day)
    return cached(ask.request, ("svgs", ics, day), lambda: chart_svgs(data))


def report_html(ask: Ask, ics: str, day: dt.date) -> str:
    data = report_data(ask, ics, day)
    svgs = report_svgs(ask, ics, day)
    return cached(ask.request, ("html", ics, day), lambda: render_html(data, svgs))


# ---------------------------------------------------------------- page and downloads
@router.get("/ics/{ics}/report", response_class=HTMLResponse, include_in_schema=False)
def report_page(ics: str, ask: Everyone, date: ReportDate = DAY) -> HTMLResponse:
    code = ics_code(ics)
    data = report_data(ask, code, date)
    svgs = report_svgs(ask, code, date)
    body = cached(ask.request, ("body", code, date), lambda: render_body(data, svgs))
    stem = f"/ics/{code}/report"
    return render(
        ask.request,
        "report/ics.html",
        {
            "principal": ask.principal,
            "report": data,
            "body": Markup(body),
            "ics": code,
            "date": date,
            "html_url": f"{stem}.html?date={date.isoformat()}",
            "pdf_url": f"{stem}.pdf?date={date.isoformat()}",
            "api_url": f"{API}/ics/{code}/report?date={date.isoformat()}",
        },
    )


@router.get(
    "/ics/{ics}/report.html",
    response_class=Response,
    responses={200: {"content": {"text/html": {}}, "description": "the report as one file"}},
    tags=["report"],
)
def report_html_download(ics: str, ask: Everyone, date: ReportDate = DAY) -> Response:
    """The ICS report as one self-contained HTML file (CSS inline, charts as SVG)."""
    code = ics_code(ics)
    text = report_html(ask, code, date)
    return download(text, "text/html; charset=utf-8", f"report-{code}-{date.isoformat()}.html")


@router.get(
    "/ics/{ics}/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the report as PDF"}},
    tags=["report"],
)
def report_pdf_download(ics: str, ask: Everyone, date: ReportDate = DAY) -> Response:
    """The ICS report as an A4 PDF."""
    code = ics_code(ics)
    text = report_html(ask, code, date)
    pdf = cached(ask.request, ("pdf", code, date), lambda: render_pdf(text))
    return download(pdf, "application/pdf", f"report-{code}-{date.isoformat()}.pdf")


# ---------------------------------------------------------------- API
@router.get(f"{API}/ics/{{ics}}/report", response_model=Report, tags=["report"])
def api_report(ics: str, ask: Everyone, date: ReportDate = DAY) -> Answer:
    """Every figure, table and chart spec of the ICS report, with the source of each table."""
    return report_data(ask, ics_code(ics), date)
