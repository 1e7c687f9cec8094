"""Quality pages: the ICS's CQC ratings and survey variation (with CSV downloads), and the
quality sections of the PCN and practice pages (htmx fragments, or pages without JavaScript)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response

from openpcn.quality.charts import flag_text
from openpcn.quality.variation import variation_csv
from openpcn.web.kit.access import Ask, Everyone
from openpcn.web.kit.downloads import CSV, download
from openpcn.web.kit.pages import is_htmx, render
from openpcn.web.kit.params import API, DAY, HierarchyDate
from openpcn.web.routes.quality.answers import (
    pcn_quality,
    practice_quality,
    summary_for,
    variation_for,
)
from openpcn.web.routes.quality.models import By
from openpcn.web.routes.quality.params import Asked, VariationAsked

router = APIRouter()


def _csv_url(ics: str, measure: str, day: dt.date, by: By = "practice") -> str:
    return f"/ics/{ics}/quality/variation/{measure}.csv?by={by}&date={day.isoformat()}"


def ics_quality(request: Request, ics: str, day: dt.date) -> dict[str, Any]:
    """What the ICS quality page shows: the summary and one variation per survey measure."""
    summary = summary_for(request, ics, day)
    code = summary["ics"]["code"]
    iso = day.isoformat()
    sections = []
    for measure, whole in sorted(summary["gpps"].items()):
        result = variation_for(request, Asked(code, measure, "practice", day))
        sections.append(
            {
                "measure": measure,
                "whole": whole,
                "result": result,
                "outside": [u for u in result["units"] if u["flag"] in ("high", "low")],
                "chart_url": f"{API}/ics/{code}/quality/variation/{measure}/chart?date={iso}",
                "json_url": f"{API}/ics/{code}/quality/variation/{measure}?date={iso}",
                "csv_url": _csv_url(code, measure, day),
                "csv_pcn_url": _csv_url(code, measure, day, "pcn"),
            }
        )
    return {
        "ics": code,
        "date": day,
        "summary": summary,
        "measures": sorted(summary["gpps"]),
        "sections": sections,
        "ratings_chart_url": f"{API}/ics/{code}/quality/ratings/chart?date={iso}",
        "json_url": f"{API}/ics/{code}/quality?date={iso}",
        "flag_text": flag_text,
    }


@router.get("/ics/{ics}/quality", response_class=HTMLResponse, include_in_schema=False)
def ics_quality_page(ics: str, ask: Everyone, date: HierarchyDate = DAY) -> HTMLResponse:
    context = {"principal": ask.principal, **ics_quality(ask.request, ics, date)}
    return render(ask.request, "quality/ics.html", context)


@router.get(
    "/ics/{ics}/quality/variation/{measure}.csv",
    response_class=Response,
    include_in_schema=False,
)
def ics_variation_csv(ask: Everyone, asked: VariationAsked) -> Response:
    """One row per practice (or PCN): value, interval, limits and flag, for a spreadsheet."""
    result = variation_for(ask.request, asked)
    ics, day = result["ics"]["code"], asked.date.isoformat()
    filename = f"{asked.measure}-{asked.by}-{ics}-{day}.csv"
    return download(variation_csv(result), CSV, filename)


def _section(ask: Ask, quality: dict[str, Any], date: dt.date) -> HTMLResponse:
    """A PCN's or practice's quality section: the fragment for htmx; without htmx (the
    no-JavaScript link) a whole page around it."""
    base = "pcns" if quality["kind"] == "pcn" else "practices"
    template = f"quality/_{quality['kind']}.html"
    context = {
        "principal": ask.principal,
        "flag_text": flag_text,
        "quality": quality,
        "date": date,
        "back_url": f"/{base}/{quality['code']}",
    }
    if is_htmx(ask.request):
        return render(ask.request, template, context)
    title = f"Quality: {quality['name']}"
    context |= {"fragment": template, "title": title}
    return render(ask.request, "quality/section.html", context)


@router.get("/pcns/{code}/partials/quality", response_class=HTMLResponse, include_in_schema=False)
def pcn_quality_partial(code: str, ask: Everyone, date: HierarchyDate = DAY) -> HTMLResponse:
    return _section(ask, pcn_quality(ask, code, date), date)


@router.get(
    "/practices/{code}/partials/quality", response_class=HTMLResponse, include_in_schema=False
)
def practice_quality_partial(code: str, ask: Everyone, date: HierarchyDate = DAY) -> HTMLResponse:
    return _section(ask, practice_quality(ask, code, date), date)
