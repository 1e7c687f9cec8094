"""The cohorts routes' own parameters: the date patients are found on, the cohort id, and the
trend's points and step (types for `Annotated` parameters, as in `openpcn.web.kit.params`)."""

from __future__ import annotations

import enum
from typing import Annotated

from fastapi import Path, Query

from openpcn.cohorts.trend import MAX_POINTS, MAX_STEP_MONTHS
from openpcn.web.auth import Role
from openpcn.web.kit.access import Ask, asked_by
from openpcn.web.kit.params import date_type
from openpcn.web.routes.cohorts.answers import DEFINITIONS

#: the cohort ids, as an enum so the OpenAPI schema lists them
CohortId = enum.StrEnum("CohortId", {d: d for d in DEFINITIONS})  # type: ignore[misc]

PatientDate = date_type("the date to find patients on (YYYY-MM-DD)")
CohortPath = Annotated[CohortId, Path(description="cohort id (see /api/v1/cohorts)")]
Points = Annotated[int, Query(ge=1, le=MAX_POINTS, description="how many dates, ending at `date`")]
Step = Annotated[int, Query(ge=1, le=MAX_STEP_MONTHS, description="months between the dates")]

# Worklists (patient rows) are for the roles that can hold patient rights.
PcnManager = Annotated[Ask, asked_by(Role.PCN_MANAGER)]
PatientLevel = Annotated[Ask, asked_by(Role.PCN_MANAGER, Role.PRACTICE_USER)]
