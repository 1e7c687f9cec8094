"""The organisation API's response models (they name the OpenAPI schema's components)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class PcnItem(BaseModel):
    code: str
    name: str
    practices: int
    registered_patients: float
    weighted_patients: float | None
    in_band: bool
    band_position: Literal["below", "in", "above"]
    exception: str | None = Field(None, description="why the PCN may sit outside the band")


class PcnList(BaseModel):
    ics: str
    date: str
    band: list[float]
    items: list[PcnItem]


class CodeName(BaseModel):
    code: str | None
    name: str | None


class Member(BaseModel):
    practice_code: str
    name: str | None
    status: str | None
    member_since: str | None
    registered_patients: float | None
    weighted_patients: float | None
    list_as_of: str | None
    list_source: str | None
    postcode: str | None
    lat: float | None
    lon: float | None


class Centroid(BaseModel):
    lat: float
    lon: float
    method: str
    unplaced: int


class PcnDetail(BaseModel):
    kind: Literal["pcn"]
    code: str
    name: str
    date: str
    commissioner: CodeName
    open_date: str | None
    close_date: str | None
    postcode: str | None
    members: list[Member]
    practices: int
    registered_patients: float
    weighted_patients: float | None
    band: list[float]
    band_position: Literal["below", "in", "above"]
    in_band: bool
    exception: str | None
    centroid: Centroid | None


class PracticePcn(BaseModel):
    code: str
    name: str | None
    since: str | None


class MembershipRow(BaseModel):
    pcn_code: str
    pcn_name: str | None
    start_date: str | None
    end_date: str | None
    source: str | None


class ListOnDate(BaseModel):
    as_of: str | None
    source: str
    registered_patients: float | None
    weighted_patients: float | None


class ListRow(BaseModel):
    as_of: str | None
    source: str
    registered_patients: float
    weighted_patients: float | None


class Location(BaseModel):
    postcode: str | None
    lat: float | None
    lon: float | None
    coord_source: str | None


class Cqc(BaseModel):
    rating: str
    year: int
    source: str


class PracticeDetail(BaseModel):
    kind: Literal["practice"]
    code: str
    name: str
    date: str
    status: str | None
    commissioner: CodeName
    open_date: str | None
    close_date: str | None
    contract_type: str | None
    pcn: PracticePcn | None
    pcns_on_date: int
    memberships: list[MembershipRow]
    list_on_date: ListOnDate | None
    lists: list[ListRow]
    location: Location
    imd2019_score: float | None = Field(None, description="IMD 2019 score (higher = deprived)")
    rurality: str | None
    dispensing: bool | None
    cqc: Cqc | None


class Footprint(BaseModel):
    code: str
    name: str
    commissioners: list[str]


class Finding(BaseModel):
    code: str
    name: str
    outcome: Literal["breach", "allowed", "note"]
    reason: str
    details: dict[str, Any]


class Rule(BaseModel):
    rule: str
    title: str
    status: Literal["pass", "fail"]
    summary: str
    findings: list[Finding]


class Check(BaseModel):
    ics: Footprint
    date: str
    band: list[float]
    status: Literal["pass", "fail"]
    rules: list[Rule]


class SizeOf(BaseModel):
    code: str
    name: str
    patients: float


class ListSource(BaseModel):
    source: str | None
    as_of: str | None
    practices: int


class Summary(BaseModel):
    ics: Footprint
    date: str
    practices: int
    pcns: int
    registered_patients: float
    weighted_patients: float | None
    band: list[float]
    band_source: str
    pcns_in_band: int
    pcns_below_band: int
    pcns_above_band: int
    pcns_with_exception: int
    pcn_size_min: SizeOf | None
    pcn_size_max: SizeOf | None
    pcn_size_median: float | None
    single_practice_pcns: int
    practices_per_pcn_max: int
    commissioned_practices: int
    commissioned_practices_in_pcns: int
    dormant_members: list[str]
    list_source: list[ListSource]


class Feature(BaseModel):
    type: Literal["Feature"]
    geometry: dict[str, Any]
    properties: dict[str, Any]


class FeatureCollection(BaseModel):
    type: Literal["FeatureCollection"]
    properties: dict[str, Any]
    features: list[Feature]


class PyramidRow(BaseModel):
    age_band: str
    sex: Literal["F", "M"]
    patients: int | None = Field(description="null when redacted (a count of 1 to 7)")


class Pyramid(BaseModel):
    kind: Literal["pcn", "practice"]
    code: str
    date: str
    disclosure_controlled: bool = Field(
        description="true: counts of 1-7 redacted and the rest rounded to the nearest 5"
    )
    total_patients: int = Field(description="sum of the counts shown (recomputed if controlled)")
    rows: list[PyramidRow]
    spec: dict[str, Any] = Field(description="Vega-Lite v5 spec of the pyramid")
