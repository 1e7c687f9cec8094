"""Quality pages (CQC ratings, GP Patient Survey variation) and the JSON API beside them.

Every figure comes from `openpcn.quality` (quality_summary, practice_ratings, variation); this
module checks who may see what, shapes the answer and renders it. Quality data is published at
practice level, so it is public to every signed-in role: no disclosure control and no audit.
A pcn_manager or practice_user may open the quality of their own PCN and practice only, with
the same scope rules (and the same helpers) as the organisation pages. Results share the
organisation pages' per-app cache.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal, get_args

import pandas as pd
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from openpcn.config import DEFAULT_ICS
from openpcn.exceptions import NotFoundError
from openpcn.figures import long_date
from openpcn.quality.charts import flag_text, funnel_spec, ratings_spec
from openpcn.quality.ratings import RATING_KEYS, practice_ratings
from openpcn.quality.summary import quality_summary
from openpcn.quality.variation import variation, variation_csv
from openpcn.web.auth import Principal, require
from openpcn.web.routes.orgs import (
    API,
    EVERYONE,
    DateQuery,
    Footprint,
    _cached,
    _open_pcn,
    _open_practice,
    _warehouse,
)

router = APIRouter()

MEASURE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
MeasurePath = Path(
    pattern=MEASURE_PATTERN, description="a GP Patient Survey measure, e.g. overall_good"
)
ByQuery = Query("practice", description="one unit per practice, or per PCN")
By = Literal["practice", "pcn"]
RatingKey = Literal["outstanding", "good", "requires_improvement", "inadequate", "not_rated"]
Flag = Literal["high", "low", "within"]
assert set(get_args(RatingKey)) == set(RATING_KEYS)  # one list of ratings


# ---------------------------------------------------------------- response models (OpenAPI)
class CqcCounts(BaseModel):
    practices: int
    outstanding: int
    good: int
    requires_improvement: int
    inadequate: int
    not_rated: int


class IcsCqc(CqcCounts):
    date: str
    uncertain: list[str] = Field(description="rated in the date's own year: may not yet apply")
    rated_later: list[str] = Field(description="counted not_rated but rated after the date")
    rule: str
    caveat: str
    note: str | None = None


class GppsValue(BaseModel):
    year: int = Field(description="survey year used (the latest on or before the date's year)")
    value_pct: float | None = Field(description="weighted mean of the practices' values")
    weighting: Literal["responses", "list_size"] | None
    practices: int = Field(description="practices with a value")
    min_pct: float | None
    max_pct: float | None
    england_pct: float | None = None
    england_source: str | None = None
    note: str | None = None


class PcnQualityRow(BaseModel):
    pcn_code: str
    name: str
    cqc: CqcCounts
    gpps: dict[str, GppsValue]


class QualitySummary(BaseModel):
    ics: Footprint
    date: str
    cqc: IcsCqc
    gpps: dict[str, GppsValue] = Field(description="one entry per survey measure in the data")
    pcns: list[PcnQualityRow]


class Limits(BaseModel):
    limit95_lower_pct: float | None
    limit95_upper_pct: float | None
    limit998_lower_pct: float | None
    limit998_upper_pct: float | None


class VariationUnit(Limits):
    code: str
    name: str
    pcn_code: str | None = Field(description="null before PCNs began (1 July 2019)")
    pcn_name: str | None
    value_pct: float | None = Field(description="null: suppressed or not published")
    responses: int | None
    registered_patients: float | None
    ci_lower_pct: float | None = Field(description="Wilson 95%; null without responses")
    ci_upper_pct: float | None
    flag: Flag | None
    flag_level: float | None = Field(description="0.95 or 0.998: the widest limit crossed")


class CurvePoint(Limits):
    n: float = Field(description="responses (funnel) or registered patients (spread)")


class Flagged(BaseModel):
    high: list[str]
    low: list[str]


class Variation(BaseModel):
    ics: Footprint
    date: str
    measure: str
    label: str
    question: str | None
    year: int
    by: By
    method: Literal["funnel", "spread"]
    method_note: str
    target_pct: float = Field(description="the ICS value the limits centre on")
    weighting: Literal["responses", "list_size"]
    england_pct: float | None
    england_source: str | None
    units: list[VariationUnit]
    flagged: Flagged
    suppressed: list[str]
    curve: list[CurvePoint]
    x_axis: Literal["responses", "registered_patients"]
    source: str
    note: str | None = Field(None, description="e.g. why practices are not grouped in PCNs")


class PracticeRating(BaseModel):
    practice_code: str
    name: str | None
    rating: RatingKey = Field(description="the rating in force on the date")
    rating_year: int | None = Field(description="the year that rating was issued")
    uncertain: bool = Field(description="a newer rating was issued in the date's own year")
    rated_later: bool = Field(description="a rating was issued after the date")


class PcnMeasure(BaseModel):
    measure: str
    label: str
    year: int
    value_pct: float | None = Field(description="the PCN's value (weighted mean)")
    ics_pct: float | None
    england_pct: float | None
    weighting: Literal["responses", "list_size"] | None
    practices: int
    min_pct: float | None
    max_pct: float | None
    flag: Flag | None = Field(description="the PCN against the limits among the ICS's PCNs")
    flag_level: float | None
    method: Literal["funnel", "spread"]


class PcnQuality(BaseModel):
    kind: Literal["pcn"]
    code: str
    name: str
    date: str
    ics: str
    cqc: CqcCounts
    practices: list[PracticeRating]
    gpps: list[PcnMeasure]
    caveat: str


class PracticeMeasure(Limits):
    measure: str
    label: str
    year: int
    value_pct: float | None
    responses: int | None
    ci_lower_pct: float | None
    ci_upper_pct: float | None
    flag: Flag | None
    flag_level: float | None
    ics_pct: float | None
    england_pct: float | None
    method: Literal["funnel", "spread"]


class PracticeQuality(BaseModel):
    kind: Literal["practice"]
    code: str
    name: str
    date: str
    ics: str
    pcn_code: str | None
    cqc: PracticeRating
    gpps: list[PracticeMeasure]
    note: str | None = Field(None, description="why there are no survey values, if none")


# ---------------------------------------------------------------- data (cached per app)
def _ics(ics: str) -> str:
    return ics.strip().upper()


def summary_for(request: Request, ics: str, day: dt.date) -> dict[str, Any]:
    con = _warehouse(request)
    key = ("quality-summary", _ics(ics), day)
    return _cached(request, key, lambda: quality_summary(con, _ics(ics), day))


def variation_for(
    request: Request, ics: str, day: dt.date, measure: str, by: By = "practice"
) -> dict[str, Any]:
    con = _warehouse(request)
    key = ("quality-variation", _ics(ics), day, measure, by)
    return _cached(request, key, lambda: variation(con, _ics(ics), day, measure, by))


def ratings_for(request: Request, codes: list[str], day: dt.date) -> list[dict[str, Any]]:
    """practice_ratings as plain dicts (years as int or None)."""
    con = _warehouse(request)

    def compute() -> list[dict[str, Any]]:
        frame = practice_ratings(con, codes, day)
        return [
            {
                "practice_code": str(r.practice_code),
                "rating": str(r.rating),
                "rating_year": None if pd.isna(r.rating_year) else int(r.rating_year),
                "uncertain": bool(r.uncertain),
                "rated_later": bool(r.rated_later),
            }
            for r in frame.itertuples()
        ]

    return _cached(request, ("quality-ratings", tuple(codes), day), compute)


def _ics_of(detail: dict[str, Any]) -> str:
    return str(detail["commissioner"]["code"] or DEFAULT_ICS)


def _summary_or_none(request: Request, ics: str, day: dt.date) -> dict[str, Any] | None:
    """The ICS summary, or None when the organisation's commissioner is not an ICS we know."""
    try:
        return summary_for(request, ics, day)
    except NotFoundError:
        return None


def pcn_quality(request: Request, principal: Principal, code: str, day: dt.date) -> dict[str, Any]:
    """A PCN's quality: ratings of its member practices, its survey values against the ICS's
    and England's, and where it sits among the ICS's PCNs."""
    detail = _open_pcn(request, principal, code, day)  # 404, then 403 out of scope
    ics = _ics_of(detail)
    members = detail["members"]
    ratings = ratings_for(request, [m["practice_code"] for m in members], day)
    names = {m["practice_code"]: m["name"] for m in members}
    practices = [r | {"name": names.get(r["practice_code"])} for r in ratings]
    counts = {key: sum(r["rating"] == key for r in ratings) for key in RATING_KEYS}
    summary = _summary_or_none(request, ics, day)
    gpps = []
    own = None
    if summary is not None:
        own = next((p for p in summary["pcns"] if p["pcn_code"] == detail["code"]), None)
        for measure, whole in sorted(summary["gpps"].items()):
            mine = (own or {}).get("gpps", {}).get(measure)
            result = variation_for(request, ics, day, measure, "pcn")
            unit = next((u for u in result["units"] if u["code"] == detail["code"]), None)
            gpps.append(
                {
                    "measure": measure,
                    "label": result["label"],
                    "year": whole["year"],
                    "value_pct": mine["value_pct"] if mine else None,
                    "ics_pct": whole["value_pct"],
                    "england_pct": whole.get("england_pct"),
                    "weighting": mine["weighting"] if mine else None,
                    "practices": mine["practices"] if mine else 0,
                    "min_pct": mine["min_pct"] if mine else None,
                    "max_pct": mine["max_pct"] if mine else None,
                    "flag": unit["flag"] if unit else None,
                    "flag_level": unit["flag_level"] if unit else None,
                    "method": result["method"],
                }
            )
    caveat = summary["cqc"]["caveat"] if summary else ""
    return {
        "kind": "pcn",
        "code": detail["code"],
        "name": detail["name"],
        "date": day.isoformat(),
        "ics": ics,
        "cqc": {"practices": len(ratings), **counts},
        "practices": practices,
        "gpps": gpps,
        "caveat": caveat,
    }


NO_SURVEY = "no GP Patient Survey results for the practices of {ics} on {date}"
NOT_A_MEMBER = (
    "the practice is not a core member of a PCN on this date, so it is not among the ICS's "
    "practices the survey variation is computed over"
)


def practice_quality(
    request: Request, principal: Principal, code: str, day: dt.date
) -> dict[str, Any]:
    """A practice's quality: its rating in force, its survey values with intervals and flags."""
    detail = _open_practice(request, principal, code, day)
    ics = _ics_of(detail)
    rating = ratings_for(request, [detail["code"]], day)[0] | {"name": detail["name"]}
    summary = _summary_or_none(request, ics, day)
    gpps = []
    note = None
    measures = sorted(summary["gpps"]) if summary else []
    for measure in measures:
        result = variation_for(request, ics, day, measure, "practice")
        unit = next((u for u in result["units"] if u["code"] == detail["code"]), None)
        if unit is None:
            note = NOT_A_MEMBER
            continue
        gpps.append(
            {
                "measure": measure,
                "label": result["label"],
                "year": result["year"],
                "ics_pct": result["target_pct"],
                "england_pct": result["england_pct"],
                "method": result["method"],
                **{k: unit[k] for k in PracticeMeasure.model_fields if k in unit},
            }
        )
    if not measures:
        note = NO_SURVEY.format(ics=ics, date=long_date(day.isoformat()))
    pcn = detail["pcn"]
    return {
        "kind": "practice",
        "code": detail["code"],
        "name": detail["name"],
        "date": day.isoformat(),
        "ics": ics,
        "pcn_code": pcn["code"] if pcn else None,
        "cqc": rating,
        "gpps": gpps,
        "note": note,
    }


# ---------------------------------------------------------------- pages
def _render(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    from openpcn.web.app import templates

    return templates.TemplateResponse(request, template, context)


def _csv_url(ics: str, measure: str, day: dt.date, by: By = "practice") -> str:
    return f"/ics/{ics}/quality/variation/{measure}.csv?by={by}&date={day.isoformat()}"


def ics_quality(request: Request, ics: str, day: dt.date) -> dict[str, Any]:
    """What the ICS quality page shows: the summary and one variation per survey measure."""
    summary = summary_for(request, ics, day)
    code = summary["ics"]["code"]
    iso = day.isoformat()
    sections = []
    for measure, whole in sorted(summary["gpps"].items()):
        result = variation_for(request, code, day, measure, "practice")
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
def ics_quality_page(
    request: Request,
    ics: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    return _render(
        request, "quality/ics.html", {"principal": principal, **ics_quality(request, ics, date)}
    )


@router.get(
    "/ics/{ics}/quality/variation/{measure}.csv",
    response_class=Response,
    include_in_schema=False,
)
def ics_variation_csv(
    request: Request,
    ics: str,
    measure: str = MeasurePath,
    by: By = ByQuery,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> Response:
    """One row per practice (or PCN): value, interval, limits and flag, for a spreadsheet."""
    result = variation_for(request, ics, date, measure, by)
    filename = f"{measure}-{by}-{result['ics']['code']}-{date.isoformat()}.csv"
    return Response(
        variation_csv(result),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def _section(
    request: Request, principal: Principal, template: str, context: dict[str, Any], title: str
) -> HTMLResponse:
    """The fragment for htmx; without htmx (the no-JavaScript link) a whole page around it."""
    context = {"principal": principal, "flag_text": flag_text, **context}
    if request.headers.get("HX-Request") == "true":
        return _render(request, template, context)
    return _render(
        request, "quality/section.html", {**context, "fragment": template, "title": title}
    )


@router.get("/pcns/{code}/partials/quality", response_class=HTMLResponse, include_in_schema=False)
def pcn_quality_partial(
    request: Request,
    code: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    quality = pcn_quality(request, principal, code, date)
    return _section(
        request,
        principal,
        "quality/_pcn.html",
        {"quality": quality, "date": date, "back_url": f"/pcns/{quality['code']}"},
        f"Quality: {quality['name']}",
    )


@router.get(
    "/practices/{code}/partials/quality", response_class=HTMLResponse, include_in_schema=False
)
def practice_quality_partial(
    request: Request,
    code: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    quality = practice_quality(request, principal, code, date)
    return _section(
        request,
        principal,
        "quality/_practice.html",
        {"quality": quality, "date": date, "back_url": f"/practices/{quality['code']}"},
        f"Quality: {quality['name']}",
    )


# ---------------------------------------------------------------- API
@router.get(f"{API}/ics/{{ics}}/quality", response_model=QualitySummary, tags=["quality"])
def api_ics_quality(
    request: Request,
    ics: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """CQC ratings in force and GP Patient Survey measures for the ICS and each PCN."""
    return summary_for(request, ics, date)


@router.get(
    f"{API}/ics/{{ics}}/quality/variation/{{measure}}",
    response_model=Variation,
    tags=["quality"],
)
def api_ics_variation(
    request: Request,
    ics: str,
    measure: str = MeasurePath,
    by: By = ByQuery,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """Each practice's (or PCN's) value on a survey measure, its interval, the control limits
    around the ICS value and whether it lies outside them."""
    return variation_for(request, ics, date, measure, by)


@router.get(
    f"{API}/ics/{{ics}}/quality/variation/{{measure}}/chart",
    response_model=dict[str, Any],
    tags=["quality"],
)
def api_ics_variation_chart(
    request: Request,
    ics: str,
    measure: str = MeasurePath,
    by: By = ByQuery,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """The funnel plot of the variation as a Vega-Lite v5 spec (data inline)."""
    return funnel_spec(variation_for(request, ics, date, measure, by), width="container")


@router.get(
    f"{API}/ics/{{ics}}/quality/ratings/chart", response_model=dict[str, Any], tags=["quality"]
)
def api_ics_ratings_chart(
    request: Request,
    ics: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """CQC ratings in force by PCN as a Vega-Lite v5 spec (stacked bars, data inline)."""
    return ratings_spec(summary_for(request, ics, date), width="container")


@router.get(f"{API}/pcns/{{code}}/quality", response_model=PcnQuality, tags=["quality"])
def api_pcn_quality(
    request: Request,
    code: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """A PCN's member practices' CQC ratings and its survey values against the ICS and England."""
    return pcn_quality(request, principal, code, date)


@router.get(f"{API}/practices/{{code}}/quality", response_model=PracticeQuality, tags=["quality"])
def api_practice_quality(
    request: Request,
    code: str,
    date: dt.date = DateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """A practice's CQC rating in force and its survey values with intervals and flags."""
    return practice_quality(request, principal, code, date)
