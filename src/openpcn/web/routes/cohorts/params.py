"""The cohorts routes' own parameters: the date patients are found on, the cohort and
specification ids, the trend's points and step, and a worklist's practice filter, order and
page (or the API's limit and offset): types for `Annotated` parameters, as in
`openpcn.web.kit.params`."""

from __future__ import annotations

import enum
from typing import Annotated

from fastapi import Depends, Path, Query

from openpcn.codes import PRACTICE_CODE
from openpcn.cohorts.definitions import SPECS, YEARS
from openpcn.cohorts.trend import MAX_POINTS, MAX_STEP_MONTHS
from openpcn.cohorts.worklists import DEFAULT_SORT, PAGE_SIZE, SORTS
from openpcn.web.auth import Role
from openpcn.web.kit.access import Ask, asked_by
from openpcn.web.kit.params import case_blind, date_type
from openpcn.web.routes.cohorts.answers import DEFINITIONS, Listing

#: the cohort ids, as an enum so the OpenAPI schema lists them
CohortId = enum.StrEnum("CohortId", {d: d for d in DEFINITIONS})  # type: ignore[misc]

#: the service specification ids, likewise
SpecId = enum.StrEnum("SpecId", {s: s for s in SPECS})  # type: ignore[misc]
#: a worklist's orders: a column, `-` before it for descending
WorklistSort = enum.StrEnum("WorklistSort", {s: s for s in SORTS})  # type: ignore[misc]
DEFAULT_ORDER = WorklistSort(DEFAULT_SORT)

PatientDate = date_type("the date to find patients on (YYYY-MM-DD)")
#: the financial year whose indicator definitions apply; empty (the pages' form) = the date's
IndicatorYear = Annotated[
    str | None,
    Query(
        pattern="^(" + "|".join(YEARS) + ")?$",
        description=f"the financial year whose indicator definitions and thresholds apply: "
        f"{', '.join(YEARS)} (default or empty: the date's year, or the nearest with them)",
    ),
]
CohortPath = Annotated[CohortId, Path(description="cohort id (see /api/v1/cohorts)")]
Points = Annotated[int, Query(ge=1, le=MAX_POINTS, description="how many dates, ending at `date`")]
Step = Annotated[int, Query(ge=1, le=MAX_STEP_MONTHS, description="months between the dates")]

# Worklists (patient rows) are for the roles that can hold patient rights.
PcnManager = Annotated[Ask, asked_by(Role.PCN_MANAGER)]
PatientLevel = Annotated[Ask, asked_by(Role.PCN_MANAGER, Role.PRACTICE_USER)]

SpecPath = Annotated[SpecId, Path(description="service specification id, e.g. smr")]
PracticeFilter = Annotated[
    str | None,
    Query(
        pattern=case_blind(PRACTICE_CODE),
        description="only this member practice's patients (a PCN worklist)",
    ),
]
Sort = Annotated[WorklistSort, Query(description="the order: patient, practice or reason; "
                                                 "`-` before it for descending")]  # fmt: skip
PageNumber = Annotated[int, Query(ge=1, description="the page, counting from 1")]
Limit = Annotated[int, Query(ge=1, le=10_000, description="at most this many rows")]
Offset = Annotated[int, Query(ge=0, description="rows to skip (after sorting)")]


# A worklist's filter, order and slice, as one parameter: a page of the list (pages), every
# row of the filter (CSV), or `limit` rows from `offset` (API). A practice's own lists have no
# practice filter.
def pcn_page(
    practice: PracticeFilter = None, sort: Sort = DEFAULT_ORDER, page: PageNumber = 1
) -> Listing:
    return Listing(practice, str(sort), (page - 1) * PAGE_SIZE, PAGE_SIZE, paged=True)


def practice_page(sort: Sort = DEFAULT_ORDER, page: PageNumber = 1) -> Listing:
    return pcn_page(None, sort, page)


def pcn_rows(practice: PracticeFilter = None, sort: Sort = DEFAULT_ORDER) -> Listing:
    return Listing(practice, str(sort))


def practice_rows(sort: Sort = DEFAULT_ORDER) -> Listing:
    return Listing(None, str(sort))


def pcn_slice(
    practice: PracticeFilter = None,
    sort: Sort = DEFAULT_ORDER,
    limit: Limit = 1000,
    offset: Offset = 0,
) -> Listing:
    return Listing(practice, str(sort), offset, limit)


def practice_slice(sort: Sort = DEFAULT_ORDER, limit: Limit = 1000, offset: Offset = 0) -> Listing:
    return pcn_slice(None, sort, limit, offset)


PcnPage = Annotated[Listing, Depends(pcn_page)]
PracticePage = Annotated[Listing, Depends(practice_page)]
PcnRows = Annotated[Listing, Depends(pcn_rows)]
PracticeRows = Annotated[Listing, Depends(practice_rows)]
PcnSlice = Annotated[Listing, Depends(pcn_slice)]
PracticeSlice = Annotated[Listing, Depends(practice_slice)]
