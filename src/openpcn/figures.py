"""The parts every section of the ICS report is built from: `Section`, `Figures`, the per-report
cache (`shared`) and the report's chart font.

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
from typing import Any

import ibis

#: the report's chart font: vl-convert lays text out in it, so the PDF's Arial fits
FONT = "Arial, Helvetica, sans-serif"

SectionData = dict[str, Any]
#: build(con, ics code, date): a section's data, or None to leave the section out
SectionBuilder = Callable[[ibis.BaseBackend, str, dt.date], SectionData | None]


@dataclass(frozen=True)
class Section:
    """One section of the report: `build(con, ics, date)` returns its data, or None when there
    is nothing to report on that date (the section is then left out)."""

    key: str
    title: str
    build: SectionBuilder


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
