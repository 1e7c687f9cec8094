"""Months as the user writes them (YYYY-MM) and as the warehouse holds them (the 1st)."""

from __future__ import annotations

import datetime as dt
import re

from openpcn.exceptions import InputError
from openpcn.orgs.dates import EARLIEST, LATEST

_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def checked_month(value: str, what: str = "the month") -> dt.date:
    """'2019-05' -> date(2019, 5, 1); anything else (or outside the dates OpenPCN answers
    for) is the user's to fix."""
    match = _MONTH.match(str(value).strip())
    month = int(match.group(2)) if match else 0
    if not match or not 1 <= month <= 12:
        raise InputError(
            f"{what} {value!r} is not a month".strip(), fix="write a month as YYYY-MM, e.g. 2019-05"
        )
    day = dt.date(int(match.group(1)), month, 1)
    if not EARLIEST <= day <= LATEST:
        raise InputError(
            f"{what} {value} is outside the dates OpenPCN answers for",
            fix=f"use a month from {EARLIEST:%Y-%m} to {LATEST:%Y-%m}",
        )
    return day


def checked_range(start: str | None, end: str | None) -> tuple[dt.date | None, dt.date | None]:
    """Both months checked, and from no later than to."""
    first = checked_month(start, "--from") if start else None
    last = checked_month(end, "--to") if end else None
    if first and last and first > last:
        raise InputError(
            f"the range runs backwards: from {first:%Y-%m} is after to {last:%Y-%m}",
            fix="give --from a month on or before --to",
        )
    return first, last


def month_text(day: dt.date) -> str:
    """date(2019, 5, 1) -> '2019-05'."""
    return f"{day:%Y-%m}"


def next_month(day: dt.date) -> dt.date:
    """The 1st of the month after the date's."""
    return dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
