"""The quality routes' own parameters: which survey measure, per practice or per PCN, and the
variation of a measure asked for with them (one dependency for the three routes that show it)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Path, Query

from openpcn.web.kit.params import DAY, HierarchyDate
from openpcn.web.routes.quality.models import By

MEASURE_PATTERN = r"^[a-z][a-z0-9_]{0,63}$"
MeasurePath = Annotated[
    str, Path(pattern=MEASURE_PATTERN, description="a GP Patient Survey measure, e.g. overall_good")
]
ByQuery = Annotated[By, Query(description="one unit per practice, or per PCN")]


@dataclass(frozen=True)
class Asked:
    """One measure's variation as asked for: the ICS, the measure, the units and the date."""

    ics: str
    measure: str
    by: By
    date: dt.date


def _asked(
    ics: str, measure: MeasurePath, by: ByQuery = "practice", date: HierarchyDate = DAY
) -> Asked:
    return Asked(ics, measure, by, date)


VariationAsked = Annotated[Asked, Depends(_asked)]
