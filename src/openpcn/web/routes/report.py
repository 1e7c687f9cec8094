"""The ICS report as a page, an HTML and PDF download, and its figures as JSON.

Everything comes from `openpcn.reports` (which gathers it from the capabilities); this module
decides which sections the viewer may see, caches per (ics, date, what the viewer may see), audits
each view and download, and serves. Every signed-in role gets the report; each section follows the
rule of the pages it summarises (its `Audience`): the public sections for everyone, the ICS-wide
ones (funding, workforce, case-finding) by `sees_ics`, the ICS pages' own check. Sections left
out are not computed, and the report names them. The page sits in the app's layout with its
stylesheet in static/css/report.css (the CSP forbids inline style); the HTML download carries its
CSS inline so it opens anywhere. Charts are SVG rendered on the server from the same Vega-Lite
specs.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import ibis
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup
from pydantic import BaseModel, Field

from openpcn.figures import Audience, long_date
from openpcn.reports.render import chart_svgs, render_body, render_html, render_pdf
from openpcn.reports.sections import ics_report_data
from openpcn.web.kit.access import (
    EVERYONE,
    ICS_WIDE,
    Ask,
    Everyone,
    ics_code,
    ics_footprint,
    record_view,
    sees_ics,
)
from openpcn.web.kit.cache import Cache
from openpcn.web.kit.downloads import download
from openpcn.web.kit.jobs import soon
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


class LeftOut(BaseModel):
    key: str
    title: str
    needs: str = Field(description="who may see the section")


class Report(BaseModel):
    title: str
    ics: IcsFootprint
    date: str
    sections: list[dict[str, Any]] = Field(
        description="each present section: key, title, figures, tables, charts (Vega-Lite)"
    )
    left_out: list[LeftOut] = Field(description="the sections your role may not see")
    figures: dict[str, Figure] = Field(description="every figure in the text, by section.key")
    provenance: list[Provenance]


# ---------------------------------------------------------------- who sees what, cached answers
Seen = tuple[Audience, ...]


def audiences(ask: Ask, ics: str) -> Seen:
    """The audiences the viewer is in, by the checks of the pages the sections summarise: the
    route roles (`EVERYONE`, `ICS_WIDE`) and, for ICS-wide sections, `sees_ics` (404 first)."""
    found = ics_footprint(ask, ics)
    role = ask.principal.role
    held = [Audience.EVERYONE] if role in EVERYONE else []
    if role in ICS_WIDE and sees_ics(ask, found):
        held.append(Audience.ICS_WIDE)
    return tuple(held)


# The report's parts, each kept per (ics, date, what the viewer may see). The first time, the
# whole chain up to what the route serves is one job (`soon`): the figures (which may train
# the risk model and count every cohort), the charts as SVG, the page body, the HTML file, the
# PDF, each reusing what is kept already.
Part = tuple[Request, ibis.BaseBackend, str, dt.date, Seen]


def _data(part: Part) -> dict[str, Any]:
    request, con, ics, day, seen = part
    return cached(
        request, ("data", ics, day, seen), lambda: ics_report_data(con, ics, day, audiences=seen)
    )


def _svgs(part: Part) -> dict[str, str]:
    request, _, ics, day, seen = part
    data = _data(part)
    return cached(request, ("svgs", ics, day, seen), lambda: chart_svgs(data))


def _body(part: Part) -> str:
    request, _, ics, day, seen = part
    data, svgs = _data(part), _svgs(part)
    return cached(request, ("body", ics, day, seen), lambda: render_body(data, svgs))


def _html(part: Part) -> str:
    request, _, ics, day, seen = part
    data, svgs = _data(part), _svgs(part)
    return cached(request, ("html", ics, day, seen), lambda: render_html(data, svgs))


def _pdf(part: Part) -> bytes:
    request, _, ics, day, seen = part
    text = _html(part)
    return cached(request, ("pdf", ics, day, seen), lambda: render_pdf(text))


#: each part a route serves: how it is made (keeping it under its name) and what it is called
MAKERS: dict[str, tuple[Callable[[Part], Any], str]] = {
    "data": (_data, "The report's figures"),
    "body": (_body, "The report"),
    "html": (_html, "The report as HTML"),
    "pdf": (_pdf, "The report as PDF"),
}


def prepared(ask: Ask, ics: str, day: dt.date, seen: Seen, name: str) -> Any:
    """The report's part `name` (see MAKERS), as a job the first time."""
    make, what = MAKERS[name]
    return soon(
        ask,
        cached,
        (name, ics, day, seen),
        lambda con: make((ask.request, con, ics, day, seen)),
        label=f"{what} for {ics} on {long_date(day)}",
    )


def audited(ask: Ask, ics: str, day: dt.date, seen: Seen, action: str) -> dict[str, Any]:
    """The viewer's report data, with an audit row naming the ICS, date and sections shown."""
    data = prepared(ask, ics, day, seen, "data")
    shown = ",".join(s["key"] for s in data["sections"])
    record_view(ask, scope=f"ics:{ics}:{day.isoformat()} sections={shown}", rows=0, action=action)
    return data


# ---------------------------------------------------------------- page and downloads
@router.get("/ics/{ics}/report", response_class=HTMLResponse, include_in_schema=False)
def report_page(ics: str, ask: Everyone, date: ReportDate = DAY) -> HTMLResponse:
    code = ics_code(ics)
    seen = audiences(ask, code)
    body = prepared(ask, code, date, seen, "body")
    data = audited(ask, code, date, seen, "report.view")
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
    """The ICS report as one self-contained HTML file (CSS inline, charts as SVG), with the
    sections your role may see."""
    code = ics_code(ics)
    seen = audiences(ask, code)
    text = prepared(ask, code, date, seen, "html")
    audited(ask, code, date, seen, "report.download")
    return download(text, "text/html; charset=utf-8", f"report-{code}-{date.isoformat()}.html")


@router.get(
    "/ics/{ics}/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "the report as PDF"}},
    tags=["report"],
)
def report_pdf_download(ics: str, ask: Everyone, date: ReportDate = DAY) -> Response:
    """The ICS report as an A4 PDF, with the sections your role may see."""
    code = ics_code(ics)
    seen = audiences(ask, code)
    pdf = prepared(ask, code, date, seen, "pdf")
    audited(ask, code, date, seen, "report.download")
    return download(pdf, "application/pdf", f"report-{code}-{date.isoformat()}.pdf")


# ---------------------------------------------------------------- API
@router.get(f"{API}/ics/{{ics}}/report", response_model=Report, tags=["report"])
def api_report(ics: str, ask: Everyone, date: ReportDate = DAY) -> Answer:
    """Every figure, table and chart spec of the ICS report that your role may see, with the
    source of each table; `left_out` names the sections it may not."""
    code = ics_code(ics)
    return audited(ask, code, date, audiences(ask, code), "report.download")
