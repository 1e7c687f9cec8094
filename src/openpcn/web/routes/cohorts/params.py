"""The cohorts routes' own parameters: the date patients are found on, the cohort id, and the
trend's points and step."""

from __future__ import annotations

import enum

from fastapi import Path, Query

from openpcn.cohorts.trend import MAX_POINTS, MAX_STEP_MONTHS
from openpcn.web.kit.params import date_query
from openpcn.web.routes.cohorts.answers import DEFINITIONS

#: the cohort ids, as an enum so the OpenAPI schema lists them
CohortId = enum.StrEnum("CohortId", {d: d for d in DEFINITIONS})  # type: ignore[misc]

DateQuery = date_query("the date to find patients on (YYYY-MM-DD)")
COHORT_PATH = Path(description="cohort id (see /api/v1/cohorts)")
PointsQuery = Query(8, ge=1, le=MAX_POINTS, description="how many dates, ending at `date`")
StepQuery = Query(3, ge=1, le=MAX_STEP_MONTHS, description="months between the dates")
