"""The parts every section of the ICS report is built from: `Section` (with its `Audience`),
`Figures`, the per-report cache (`shared`) and the report's chart font.

They sit at the bottom of the package so that each capability can build its own section
(`orgs/report.py`, `quality/report.py`, ...) without importing `openpcn.reports`, which sits
above the capabilities and lists their sections in order (`reports/sections.py`).
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import ibis

#: the report's chart font: vl-convert lays text out in it, so the PDF's Arial fits
FONT = "Arial, Helvetica, sans-serif"

SectionData = dict[str, Any]
#: build(con, ics code, date): a section's data, or None to leave the section out
SectionBuilder = Callable[[ibis.BaseBackend, str, dt.date], SectionData | None]


class Audience(StrEnum):
    """Who may see a section: the rule of the pages it summarises. The web decides which
    audiences a viewer belongs to with those pages' own checks; the CLI, an operator's tool on
    the warehouse, belongs to all."""

    #: organisation, CQC and survey data: public, so every signed-in role
    EVERYONE = "everyone"
    #: ICS-wide funding, workforce and case-finding: the ICS pages' rule (`may_see_ics`)
    ICS_WIDE = "ics_wide"

    @property
    def needs(self) -> str:
        """What a viewer needs to be in this audience, as the report's note says it."""
        return NEEDS[self]


NEEDS = {
    Audience.EVERYONE: "a signed-in account",
    Audience.ICS_WIDE: "an ICS-wide view: admin, ICS analyst, or manager of a PCN in this ICS",
}
#: every audience: the operator's full report
EVERY_AUDIENCE = frozenset(Audience)


@dataclass(frozen=True)
class Section:
    """One section of the report: `build(con, ics, date)` returns its data, or None when there
    is nothing to report on that date (the section is then left out). `audience` says who may
    see it; a section is ICS-wide unless it says it is public (closed by default)."""

    key: str
    title: str
    build: SectionBuilder
    audience: Audience = Audience.ICS_WIDE


class Figures:
    """The named figures of one section: `add("practices", 81)` files it as
    `practices_networks.practices` with a display format (int, patients, pct, text)."""

    def __init__(self, section: str) -> None:
        self.section = section
        self.items: dict[str, dict[str, Any]] = {}

    def add(self, key: str, value: Any, fmt: str = "int", label: str | None = None) -> str:
        name = f"{self.section}.{key}"
        self.items[name] = {"value": value, "format": fmt, "label": label}
        return name


# Results shared between the sections of one report build (e.g. the quality summary feeds both
# the CQC and the survey section), so each underlying function runs once per report.
_SHARED: contextvars.ContextVar[dict[tuple[Any, ...], Any] | None] = contextvars.ContextVar(
    "report_shared", default=None
)


def shared(key: tuple[Any, ...], compute: Callable[[], Any]) -> Any:
    """compute() once per report build and key; outside a build, every time."""
    memo = _SHARED.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


@contextlib.contextmanager
def one_report() -> Iterator[None]:
    """A report build: within it, `shared` computes each key once."""
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def long_date(day: str | dt.date) -> str:
    """2019-12-01 -> 1 December 2019, as the report and the pages write dates."""
    day = dt.date.fromisoformat(str(day))
    return f"{day.day} {day:%B %Y}"
