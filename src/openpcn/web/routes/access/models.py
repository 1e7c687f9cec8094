"""The access API's response models (they name the OpenAPI schema's components)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from openpcn.web.routes.orgs.models import Footprint

Counts = dict[str, int | None]
Shares = dict[str, float | None]


class MonthFigures(BaseModel):
    month: str = Field(description="YYYY-MM")
    appointments: int
    registered_patients: float | None = Field(description="the denominator of per_1000")
    per_1000: float | None
    status: Counts = Field(description="attended, dna, unknown")
    dna_rate_pct: float | None = Field(description="dna / (attended + dna); unknown left out")
    modes: Counts
    modes_share_pct: Shares
    mode_per_1000: Shares
    face_to_face_share_pct: float | None
    staff: Counts = Field(description="gp, other_practice_staff, unknown")
    staff_share_pct: Shares
    lead_times: Counts | None = Field(description="null for recorded months (no booking date)")
    lead_times_share_pct: Shares | None


class PublishedMonth(MonthFigures):
    level: Literal["ccg", "pcn", "practice"] = Field(description="the finest level loaded")
    orgs: list[str] = Field(description="the organisations whose rows were counted")
    practices: int = Field(description="practices in the denominator")
    list_as_of: list[str] = Field(description="practice_lists dates used (nearest the 1st)")
    without_list: list[str]


class Scope(BaseModel):
    kind: Literal["ics", "pcn"]
    code: str
    name: str


class AccessAnswer(BaseModel):
    scope: Scope
    from_: str | None = Field(alias="from", serialization_alias="from")
    to: str | None
    loaded: list[str] | None = Field(description="first and last month loaded")
    levels: list[str]
    published: list[PublishedMonth]
    recorded: list[MonthFigures] = Field(description="months also in published")
    denominator: str
    recorded_denominator: str
    dna_rule: str
    recorded_note: str
    notes: list[str]
    sources: list[str]
    categories_source: str


class IcsAccess(AccessAnswer):
    ics: Footprint


class PcnHeader(BaseModel):
    code: str
    name: str


class PcnAccess(AccessAnswer):
    pcn: PcnHeader
