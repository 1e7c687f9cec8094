"""The access routes' own parameters: the months asked for (`from`, `to`, YYYY-MM), checked
once here (a bad month or a backwards range is a 422 before any work)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Literal

from fastapi import Depends, Query

from openpcn.access.months import checked_range

MONTH_PATTERN = r"^\d{4}-\d{2}$"
MonthQuery = Annotated[
    str | None,
    Query(pattern=MONTH_PATTERN, description="a month, YYYY-MM (default: every month loaded)"),
]
Chart = Literal["modes", "face_to_face", "lead_times", "dna"]
ChartQuery = Annotated[Chart, Query(description="which chart")]


@dataclass(frozen=True)
class Months:
    """The range asked for: 1sts of months, None for 'as loaded'."""

    first: dt.date | None
    last: dt.date | None

    def query(self) -> str:
        """The range as a query string for links ('' when none was asked)."""
        parts = [f"from={self.first:%Y-%m}"] if self.first else []
        parts += [f"to={self.last:%Y-%m}"] if self.last else []
        return "&".join(parts)


def _months(
    start: Annotated[MonthQuery, Query(alias="from")] = None,
    end: Annotated[MonthQuery, Query(alias="to")] = None,
) -> Months:
    return Months(*checked_range(start, end))


Asked = Annotated[Months, Depends(_months)]
