"""The quality API's response models (they name the OpenAPI schema's components)."""

from __future__ import annotations

from typing import Literal, get_args

from pydantic import BaseModel, Field

from openpcn.quality.ratings import RATING_KEYS
from openpcn.web.routes.orgs.models import Footprint

By = Literal["practice", "pcn"]
RatingKey = Literal["outstanding", "good", "requires_improvement", "inadequate", "not_rated"]
Flag = Literal["high", "low", "within"]
assert set(get_args(RatingKey)) == set(RATING_KEYS)  # one list of ratings


class CqcCounts(BaseModel):
    practices: int
    outstanding: int
    good: int
    requires_improvement: int
    inadequate: int
    not_rated: int


class IcsCqc(CqcCounts):
    date: str
    uncertain: list[str] = Field(description="rated in the date's own year: may not yet apply")
    rated_later: list[str] = Field(description="counted not_rated but rated after the date")
    rule: str
    caveat: str
    note: str | None = None


class GppsValue(BaseModel):
    year: int = Field(description="survey year used (the latest on or before the date's year)")
    value_pct: float | None = Field(description="weighted mean of the practices' values")
    weighting: Literal["responses", "list_size"] | None
    practices: int = Field(description="practices with a value")
    min_pct: float | None
    max_pct: float | None
    england_pct: float | None = None
    england_source: str | None = None
    note: str | None = None


class PcnQualityRow(BaseModel):
    pcn_code: str
    name: str
    cqc: CqcCounts
    gpps: dict[str, GppsValue]


class QualitySummary(BaseModel):
    ics: Footprint
    date: str
    cqc: IcsCqc
    gpps: dict[str, GppsValue] = Field(description="one entry per survey measure in the data")
    pcns: list[PcnQualityRow]


class Limits(BaseModel):
    limit95_lower_pct: float | None
    limit95_upper_pct: float | None
    limit998_lower_pct: float | None
    limit998_upper_pct: float | None


class VariationUnit(Limits):
    code: str
    name: str
    pcn_code: str | None = Field(description="null before PCNs began (1 July 2019)")
    pcn_name: str | None
    value_pct: float | None = Field(description="null: suppressed or not published")
    responses: int | None
    registered_patients: float | None
    ci_lower_pct: float | None = Field(description="Wilson 95%; null without responses")
    ci_upper_pct: float | None
    flag: Flag | None
    flag_level: float | None = Field(description="0.95 or 0.998: the widest limit crossed")


class CurvePoint(Limits):
    n: float = Field(description="responses (funnel) or registered patients (spread)")


class Flagged(BaseModel):
    high: list[str]
    low: list[str]


class Variation(BaseModel):
    ics: Footprint
    date: str
    measure: str
    label: str
    question: str | None
    year: int
    by: By
    method: Literal["funnel", "spread"]
    method_note: str
    target_pct: float = Field(description="the ICS value the limits centre on")
    weighting: Literal["responses", "list_size"]
    england_pct: float | None
    england_source: str | None
    units: list[VariationUnit]
    flagged: Flagged
    suppressed: list[str]
    curve: list[CurvePoint]
    x_axis: Literal["responses", "registered_patients"]
    source: str
    note: str | None = Field(None, description="e.g. why practices are not grouped in PCNs")


class PracticeRating(BaseModel):
    practice_code: str
    name: str | None
    rating: RatingKey = Field(description="the rating in force on the date")
    rating_year: int | None = Field(description="the year that rating was issued")
    uncertain: bool = Field(description="a newer rating was issued in the date's own year")
    rated_later: bool = Field(description="a rating was issued after the date")


class PcnMeasure(BaseModel):
    measure: str
    label: str
    year: int
    value_pct: float | None = Field(description="the PCN's value (weighted mean)")
    ics_pct: float | None
    england_pct: float | None
    weighting: Literal["responses", "list_size"] | None
    practices: int
    min_pct: float | None
    max_pct: float | None
    flag: Flag | None = Field(description="the PCN against the limits among the ICS's PCNs")
    flag_level: float | None
    method: Literal["funnel", "spread"]


class PcnQuality(BaseModel):
    kind: Literal["pcn"]
    code: str
    name: str
    date: str
    ics: str
    cqc: CqcCounts
    practices: list[PracticeRating]
    gpps: list[PcnMeasure]
    caveat: str


class PracticeMeasure(Limits):
    measure: str
    label: str
    year: int
    value_pct: float | None
    responses: int | None
    ci_lower_pct: float | None
    ci_upper_pct: float | None
    flag: Flag | None
    flag_level: float | None
    ics_pct: float | None
    england_pct: float | None
    method: Literal["funnel", "spread"]


class PracticeQuality(BaseModel):
    kind: Literal["practice"]
    code: str
    name: str
    date: str
    ics: str
    pcn_code: str | None
    cqc: PracticeRating
    gpps: list[PracticeMeasure]
    note: str | None = Field(None, description="why there are no survey values, if none")
