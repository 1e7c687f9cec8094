"""The quality API: the ICS's ratings and survey summary, one measure's variation (and its
funnel chart), the ratings chart, and a PCN's or practice's quality."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from openpcn.quality.charts import funnel_spec, ratings_spec
from openpcn.web.kit.access import Everyone
from openpcn.web.kit.params import API, DAY, Answer, HierarchyDate
from openpcn.web.routes.quality.answers import (
    pcn_quality,
    practice_quality,
    summary_for,
    variation_for,
)
from openpcn.web.routes.quality.models import (
    PcnQuality,
    PracticeQuality,
    QualitySummary,
    Variation,
)
from openpcn.web.routes.quality.params import VariationAsked

router = APIRouter()


@router.get(f"{API}/ics/{{ics}}/quality", response_model=QualitySummary, tags=["quality"])
def api_ics_quality(ics: str, ask: Everyone, date: HierarchyDate = DAY) -> Answer:
    """CQC ratings in force and GP Patient Survey measures for the ICS and each PCN."""
    return summary_for(ask.request, ics, date)


@router.get(
    f"{API}/ics/{{ics}}/quality/variation/{{measure}}",
    response_model=Variation,
    tags=["quality"],
)
def api_ics_variation(ask: Everyone, asked: VariationAsked) -> Answer:
    """Each practice's (or PCN's) value on a survey measure, its interval, the control limits
    around the ICS value and whether it lies outside them."""
    return variation_for(ask.request, asked)


@router.get(
    f"{API}/ics/{{ics}}/quality/variation/{{measure}}/chart",
    response_model=dict[str, Any],
    tags=["quality"],
)
def api_ics_variation_chart(ask: Everyone, asked: VariationAsked) -> Answer:
    """The funnel plot of the variation as a Vega-Lite v5 spec (data inline)."""
    return funnel_spec(variation_for(ask.request, asked), width="container")


@router.get(
    f"{API}/ics/{{ics}}/quality/ratings/chart", response_model=dict[str, Any], tags=["quality"]
)
def api_ics_ratings_chart(ics: str, ask: Everyone, date: HierarchyDate = DAY) -> Answer:
    """CQC ratings in force by PCN as a Vega-Lite v5 spec (stacked bars, data inline)."""
    return ratings_spec(summary_for(ask.request, ics, date), width="container")


@router.get(f"{API}/pcns/{{code}}/quality", response_model=PcnQuality, tags=["quality"])
def api_pcn_quality(code: str, ask: Everyone, date: HierarchyDate = DAY) -> Answer:
    """A PCN's member practices' CQC ratings and its survey values against the ICS and England."""
    return pcn_quality(ask, code, date)


@router.get(f"{API}/practices/{{code}}/quality", response_model=PracticeQuality, tags=["quality"])
def api_practice_quality(code: str, ask: Everyone, date: HierarchyDate = DAY) -> Answer:
    """A practice's CQC rating in force and its survey values with intervals and flags."""
    return practice_quality(ask, code, date)
