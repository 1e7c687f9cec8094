"""Dates in, dates out: parsing what the user typed and writing ISO strings for JSON."""

from __future__ import annotations

import datetime as dt
import re

import ibis.expr.types as ir
import pandas as pd

from openpcn.exceptions import InputError

DateLike = dt.date | str
EARLIEST, LATEST = dt.date(1900, 1, 1), dt.date(2100, 12, 31)
"""The dates anything can be asked about, the same for every capability and surface (the web's
date parameters, the CLI's --date): refused before any work, not after it."""
RANGE_WORDS = f"from {EARLIEST.isoformat()} to {LATEST.isoformat()}"


def as_date(value: DateLike) -> dt.date:
    """Accept a date or an ISO string; anything else is the user's to fix."""
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value).strip())
    except ValueError:
        raise InputError(
            f"{value!r} is not a date", fix="write dates as YYYY-MM-DD, e.g. 2019-12-01"
        ) from None


def checked_date(value: DateLike, what: str = "the date") -> dt.date:
    """`as_date`, refusing a date outside EARLIEST..LATEST with the range in words."""
    day = as_date(value)
    if not EARLIEST <= day <= LATEST:
        raise InputError(
            f"{what} {day.isoformat()} is outside the dates OpenPCN answers for",
            fix=f"use a date {RANGE_WORDS}",
        )
    return day


def iso(value: object) -> str | None:
    """A date-like value (date, Timestamp, NaT, None) as an ISO date string or None."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp | dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


def open_on(start: ir.Column, end: ir.Column, date: dt.date) -> ir.BooleanValue:
    """start <= date <= end, where a null end means still open (both ends inclusive)."""
    return (start <= date) & (end.isnull() | (end >= date))


_YEAR = re.compile(r"^(\d{4})[/-](\d{2})$")


def normalise_year(year: str) -> str:
    """'2020/21' or '2020-21' -> '2020/21' (a financial year, April to March); anything else is
    the user's to fix."""
    match = _YEAR.match(str(year).strip())
    if not match or (int(match.group(1)) + 1) % 100 != int(match.group(2)):
        raise InputError(
            f"{year!r} is not a financial year",
            fix="write the year as 2020/21 (or 2020-21): April to March",
        )
    return f"{match.group(1)}/{match.group(2)}"


def financial_year(day: dt.date) -> str:
    """The financial year (April to March) the date falls in: 2019-12-01 -> '2019/20'."""
    start = day.year if day.month >= 4 else day.year - 1
    return f"{start}/{(start + 1) % 100:02d}"
