"""The formation routes' parameters, parsed once at the surface into `openpcn.formation.Params`:
the page's query (the form: groups and fixes as text) and the API's JSON body (as lists).

Malformed input (min above max, a practice code that is not one, a fix without `=`) is refused
here with what to do instead; unknown practices and contradictions are refused by the
formation package's own check before any solve starts (`answers.checked`).
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from openpcn.codes import PRACTICE_CODE
from openpcn.exceptions import UserError
from openpcn.formation import Params
from openpcn.orgs.band import SizeBand
from openpcn.orgs.dates import EARLIEST, LATEST
from openpcn.web.auth import Role
from openpcn.web.kit.access import Ask, asked_by
from openpcn.web.kit.params import DAY, date_type

#: who may ask for a proposal (a PCN manager of the ICS only sees today's configuration)
Runner = Annotated[Ask, asked_by(Role.ADMIN, Role.ICS_ANALYST)]
WEB_TIME_LIMIT = 30.0  # seconds a web solve gets unless asked otherwise
MAX_TIME_LIMIT = 120.0
MAX_PATIENTS = 10_000_000
Mode = Literal["fresh", "least-change"]
KIND_PATTERN = r"^[A-Za-z0-9_ -]{1,40}$"
GROUP_FIX = "name two or more practice codes per group, separated by commas, e.g. J81002,J81003"
FIX_FIX = "give each fix as PRACTICE=PCN, e.g. J81052=U42510 (a PCN code or name)"


def _codes(text: str, what: str) -> tuple[str, ...]:
    codes = tuple(c.upper() for c in re.split(r"[\s,]+", text.strip()) if c)
    bad = [c for c in codes if not PRACTICE_CODE.match(c)]
    if bad:
        raise UserError(f"{what}: {bad[0][:12]!r} is not a practice code", fix=GROUP_FIX)
    return codes


def groups_from_text(text: str | None, what: str) -> tuple[tuple[str, ...], ...]:
    """One group a line (or between semicolons), its practices separated by commas."""
    lines = [line for line in re.split(r"[;\r\n]+", text or "") if line.strip()]
    return tuple(_codes(line, what) for line in lines)


def fixes_from_text(text: str | None) -> tuple[str, ...]:
    """PRACTICE=PCN items, one a line or separated by semicolons."""
    return tuple(item.strip() for item in re.split(r"[;\r\n]+", text or "") if item.strip())


def to_params(
    ics: str,
    *,
    date: dt.date,
    min: float,
    max: float,
    pcns: int | None,
    mode: str,
    within: str | None,
    keep_together: tuple[tuple[str, ...], ...],
    keep_apart: tuple[tuple[str, ...], ...],
    fix: tuple[str, ...],
    time_limit: float,
) -> Params:
    """The one conversion from what was sent to what the optimiser takes."""
    if min > max:
        raise UserError(
            f"the minimum ({min:,.0f}) is above the maximum ({max:,.0f})",
            fix="give a minimum list size at or below the maximum, e.g. 30,000 to 50,000",
        )
    pairs: list[tuple[str, str]] = []
    for item in fix:
        practice, sep, pcn = item.partition("=")
        practice, pcn = practice.strip().upper(), pcn.strip()
        if not sep or not pcn or not PRACTICE_CODE.match(practice):
            raise UserError(f"the fix {item[:40]!r} is not PRACTICE=PCN", fix=FIX_FIX)
        pairs.append((practice, pcn))
    kind = (within or "").strip()
    return Params(
        ics=ics,
        date=date,
        band=SizeBand(float(min), float(max)),
        pcns=pcns,
        mode=mode,
        within=None if kind.lower() in ("", "none") else kind,
        keep_together=keep_together,
        keep_apart=keep_apart,
        fix=tuple(pairs),
        time_limit=float(time_limit),
    )


class PageQuery(BaseModel):
    """The form's fields as sent (text), with `run` when a proposal is asked for."""

    date: dt.date
    min: float
    max: float
    pcns: int | None
    mode: Mode
    within: str
    keep_together: str
    keep_apart: str
    fix: str
    time_limit: float
    run: bool
    again: int = 0

    def params(self, ics: str) -> Params:
        return to_params(
            ics,
            date=self.date,
            min=self.min,
            max=self.max,
            pcns=self.pcns,
            mode=self.mode,
            within=self.within,
            keep_together=groups_from_text(self.keep_together, "keep together"),
            keep_apart=groups_from_text(self.keep_apart, "keep apart"),
            fix=fixes_from_text(self.fix),
            time_limit=self.time_limit,
        )


FormationDate = date_type("the date the practices and networks are read on (YYYY-MM-DD)")
Patients = Annotated[float, Query(ge=0, le=MAX_PATIENTS, description="registered patients")]
Text = Annotated[str, Query(max_length=4000)]


def page_query(
    date: FormationDate = DAY,
    min: Patients = 30_000,
    max: Patients = 50_000,
    pcns: Annotated[
        str, Query(pattern=r"^\s*\d{0,4}\s*$", description="number of networks (empty: today's)")
    ] = "",
    mode: Mode = "fresh",
    within: Annotated[str, Query(pattern=r"^[A-Za-z0-9_ -]{0,40}$")] = "none",
    keep_together: Text = "",
    keep_apart: Text = "",
    fix: Text = "",
    time_limit: Annotated[float, Query(gt=0, le=MAX_TIME_LIMIT)] = WEB_TIME_LIMIT,
    run: bool = False,
    again: Annotated[int, Query(ge=0, le=10_000, description="a new number: solve afresh")] = 0,
) -> PageQuery:
    return PageQuery(
        date=date,
        min=min,
        max=max,
        pcns=int(pcns) if pcns.strip() else None,
        mode=mode,
        within=within or "none",
        keep_together=keep_together,
        keep_apart=keep_apart,
        fix=fix,
        time_limit=time_limit,
        run=run,
        again=again,
    )


FormationPage = Annotated[PageQuery, Depends(page_query)]


class ProposalAsk(BaseModel):
    """What a proposal is asked for with (the API's JSON body)."""

    date: dt.date = Field(DAY, ge=EARLIEST, le=LATEST, description="the date (YYYY-MM-DD)")
    min: float = Field(30_000, ge=0, le=MAX_PATIENTS, description="band minimum (patients)")
    max: float = Field(50_000, ge=0, le=MAX_PATIENTS, description="band maximum (patients)")
    pcns: int | None = Field(None, ge=1, le=5000, description="networks (null: today's number)")
    mode: Mode = "fresh"
    within: str = Field("none", pattern=KIND_PATTERN, description="a grouping kind, or none")
    keep_together: list[list[str]] = Field(default_factory=list, max_length=200)
    keep_apart: list[list[str]] = Field(default_factory=list, max_length=200)
    fix: list[str] = Field(
        default_factory=list, max_length=500, description="PRACTICE=PCN (PCN code or name)"
    )
    time_limit: float = Field(WEB_TIME_LIMIT, gt=0, le=MAX_TIME_LIMIT, description="seconds")
    again: int = Field(
        0, ge=0, le=10_000, description="a new number solves afresh (e.g. after a cancel)"
    )

    def params(self, ics: str) -> Params:
        return to_params(
            ics,
            date=self.date,
            min=self.min,
            max=self.max,
            pcns=self.pcns,
            mode=self.mode,
            within=self.within,
            keep_together=tuple(_codes(",".join(g), "keep together") for g in self.keep_together),
            keep_apart=tuple(_codes(",".join(g), "keep apart") for g in self.keep_apart),
            fix=tuple(self.fix),
            time_limit=self.time_limit,
        )


def current_query(
    date: FormationDate = DAY,
    min: Patients = 30_000,
    max: Patients = 50_000,
    within: Annotated[str, Query(pattern=KIND_PATTERN, description="grouping kind")] = "none",
) -> PageQuery:
    return page_query(date=date, min=min, max=max, within=within)


CurrentQuery = Annotated[PageQuery, Depends(current_query)]
