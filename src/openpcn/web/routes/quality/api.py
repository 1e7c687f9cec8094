"""The quality API: the ICS's ratings and survey summary, one measure's variation (and its
funnel chart), the ratings chart, and a PCN's or practice's quality."""

from __future__ import annotations

import datetime as dt
from typing import Any

from fastapi import APIRouter, Depends, Request

from openpcn.quality.charts import funnel_spec, ratings_spec
from openpcn.web.auth import Principal, require
from openpcn.web.kit.access import EVERYONE
from openpcn.web.kit.params import API, HierarchyDateQuery
from openpcn.web.routes.quality.answers import (
    pcn_quality,
    practice_quality,
    summary_for,
    variation_for,
)
from openpcn.web.routes.quality.models import (
    By,
    PcnQuality,
    PracticeQuality,
    QualitySummary,
    Variation,
)
from openpcn.web.routes.quality.params import ByQuery, MeasurePath

router = APIRouter()


@router.get(f"{API}/ics/{{ics}}/quality", response_model=QualitySummary, tags=["quality"])
def api_ics_quality(
    request: Request,
    ics: str,
    date: dt.date = HierarchyDateQuery,
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
    date: dt.date = HierarchyDateQuery,
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
    date: dt.date = HierarchyDateQuery,
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
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """CQC ratings in force by PCN as a Vega-Lite v5 spec (stacked bars, data inline)."""
    return ratings_spec(summary_for(request, ics, date), width="container")


@router.get(f"{API}/pcns/{{code}}/quality", response_model=PcnQuality, tags=["quality"])
def api_pcn_quality(
    request: Request,
    code: str,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """A PCN's member practices' CQC ratings and its survey values against the ICS and England."""
    return pcn_quality(request, principal, code, date)


@router.get(f"{API}/practices/{{code}}/quality", response_model=PracticeQuality, tags=["quality"])
def api_practice_quality(
    request: Request,
    code: str,
    date: dt.date = HierarchyDateQuery,
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """A practice's CQC rating in force and its survey values with intervals and flags."""
    return practice_quality(request, principal, code, date)
