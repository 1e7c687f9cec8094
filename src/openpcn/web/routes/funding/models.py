"""The funding API's response models (they name the OpenAPI schema's components)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field

Basis = Literal["registered", "weighted"]


class StreamAmounts(BaseModel):
    core: float
    clinical_director: float
    network_participation: float = Field(description="the sum of the practices' own payments")
    extended_hours: float = Field(description="the extended hours access payment (to Sep 2022)")
    enhanced_access: float = Field(description="the enhanced access payment (from Oct 2022)")
    care_home_premium: float
    pcn_support: float = Field(description="the 2020/21 PCN support payment (Apr-Sep 2020)")
    leadership_management: float
    capacity_access: float = Field(description="the capacity and access support payment")
    capacity_access_improvement: float = Field(
        description="the most the capacity and access improvement payment could pay"
    )
    iif_max: float = Field(description="the most the Investment and Impact Fund could pay")
    arrs_sum: float = Field(description="the Additional Roles Reimbursement sum")
    arrs_gp: float = Field(description="the sum ring-fenced for ARRS GPs (from 1 Oct 2024)")
    total: float


class PcnFunding(StreamAmounts):
    pcn_code: str
    name: str
    year: str
    registered_patients: float
    weighted_patients: float
    list_as_of: str
    members_on: str
    practices: int
    practices_without_list: list[str]
    care_home_beds: int
    unconfirmed: list[str] = Field(description="streams resting on an UNCONFIRMED rate")


class IcsFunding(BaseModel):
    ics: str
    name: str
    year: str
    streams: list[str]
    items: list[PcnFunding]
    totals: StreamAmounts
    unconfirmed: list[str]


class PracticeShare(StreamAmounts):
    practice_code: str
    name: str
    registered_patients: float
    weighted_patients: float
    share: float = Field(description="the practice's share of the basis list (0 to 1)")


class PcnSplit(BaseModel):
    pcn_code: str
    name: str
    year: str
    basis: Basis
    pcn: PcnFunding
    practices: list[PracticeShare]
    totals: StreamAmounts = Field(description="the practices' shares added up: the PCN's total")


class RateOut(BaseModel):
    key: str
    value: float
    unit: str
    per: str = Field(description="year: an annual rate; period: the amount for from-to")
    from_: str = Field(alias="from", description="first day of the first month paid")
    to: str = Field(description="last day of the last month paid")
    months: int
    source: str
    unconfirmed: bool
    note: str
    rule: str = Field(description="the row in words, with its source")

    model_config = {"populate_by_name": True}


class RoleOut(BaseModel):
    key: str
    label: str
    max_reimbursement: float | None
    reimbursement_rate: float
    from_date: str
    max_wte: float | None
    max_wte_large_pcn: float | None
    source: str
    unconfirmed: bool
    note: str


class Rules(BaseModel):
    year: str
    start: str
    end: str
    list_date: str
    source_file: str
    checked_by: str
    checked_date: str
    years: list[str] = Field(description="every financial year with shipped rules")
    rates: list[RateOut]
    roles: list[RoleOut]
    iif: dict[str, Any]
