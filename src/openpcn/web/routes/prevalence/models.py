"""The prevalence API's response models (they name the OpenAPI schema's components)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field

from openpcn.web.routes.orgs.models import Footprint

Flag = Literal["high", "low", "within"]
Versus = Literal["higher", "lower", "similar"]
Status = Literal["flag", "warning", "ok", "not_published", "no_records"]


class Measure(BaseModel):
    # `register` would shadow ABCMeta.register on BaseModel: the field keeps the JSON name
    register_: int | None = Field(alias="register", description="patients on the register")
    list_size: int | None
    prevalence_pct: float | None = Field(description="register / list size, 0-100")
    ci_lower_pct: float | None = Field(description="Wilson 95% interval")
    ci_upper_pct: float | None
    vs_england: Versus | None = Field(description="whether the 95% interval excludes England")


class Funnel(BaseModel):
    flag: Flag | None = Field(description="against the funnel limits around the ICS value")
    flag_level: float | None = Field(description="0.998 or 0.95: the widest limit breached")
    limit95_lower_pct: float | None = None
    limit95_upper_pct: float | None = None
    limit998_lower_pct: float | None = None
    limit998_upper_pct: float | None = None


class England(Measure):
    previous_pct: float | None = None


class IcsValue(Measure):
    practices: int = Field(description="practices with a published register")
    change_pct_points: float | None = Field(description="change from the previous QOF year")


class IcsWithPrevious(IcsValue):
    previous: Measure


class PcnValue(Measure, Funnel):
    pcn_code: str
    name: str | None
    practices: int


class PracticeValue(Measure, Funnel):
    practice_code: str
    name: str | None
    pcn_code: str | None
    previous_pct: float | None
    change_pct_points: float | None


class Condition(BaseModel):
    condition: str = Field(description="QOF group code, e.g. HYP")
    description: str
    list_type: str | None = Field(description="QOF's denominator list: TOTAL, 17OV, ...")
    england: England
    ics: IcsWithPrevious
    pcns: list[PcnValue]
    practices: list[PracticeValue]
    not_published: int = Field(description="practices with a blank register")


class PrevalenceSummary(BaseModel):
    ics: Footprint
    year: str
    previous_year: str
    date: str = Field(description="the QOF year's end: registers are counted on it")
    pcn_date: str = Field(description="the date the PCN memberships are read on")
    practices: int
    practices_without_data: list[str]
    conditions: list[Condition]
    method: str


class CompareRow(Funnel):
    practice_code: str
    pcn_code: str | None
    condition: str
    recorded_register: int | None
    recorded_list_size: int | None
    recorded_pct: float | None
    published_register: int | None
    published_list_size: int | None
    published_pct: float | None
    difference_pct_points: float | None = Field(description="recorded minus published")
    status: Status


class CompareCondition(BaseModel):
    practices: int
    flags_low: int
    flags_high: int
    warnings: int
    recorded_register: int | None
    recorded_list_size: int | None
    recorded_pct: float | None
    published_register: int
    published_list_size: int
    published_pct: float | None
    difference_pct_points: float | None


class CompareSummary(BaseModel):
    conditions: int
    practices_compared: int
    flags: int
    warnings: int
    by_condition: dict[str, CompareCondition]


class PrevalenceCompare(BaseModel):
    ics: Footprint
    year: str
    date: str
    summary: CompareSummary
    practices: list[CompareRow]
    method: str
    disclosure_controlled: bool
    disclosure_note: str | None


class RecordedTotal(BaseModel):
    condition: str
    register_: int | None = Field(alias="register", description="disclosure-controlled")
    list_size: int | None
    prevalence_pct: float | None


class PcnRecordedTotal(RecordedTotal):
    pcn_code: str
    name: str | None


class PrevalenceRecords(BaseModel):
    ics: Footprint
    date: str
    conditions: list[RecordedTotal]
    pcns: list[PcnRecordedTotal]
    disclosure_controlled: bool
    disclosure_note: str | None


class PcnCondition(BaseModel):
    condition: str
    description: str
    list_type: str | None
    pcn: PcnValue | None
    ics: IcsValue
    ics_previous_pct: float | None
    england: England
    practices: list[PracticeValue]


class PcnPrevalence(BaseModel):
    code: str
    name: str
    ics: Footprint
    year: str
    date: str
    conditions: list[PcnCondition]
    compare: list[CompareRow]
    disclosure_controlled: bool
    disclosure_note: str | None
