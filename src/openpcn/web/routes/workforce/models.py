"""The workforce API's response models (they name the OpenAPI schema's components)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class PlanRole(BaseModel):
    key: str
    label: str
    fte: float = Field(description="new WTE the plan funds")
    existing_fte: float = Field(description="WTE in post (register, or the what-if value)")
    total_fte: float
    weight: float
    cost_per_wte: float = Field(description="what one WTE can claim for the part of the year")
    spend: float
    max_wte: float | None
    marginal_cost: float = Field(description="the cost of the next post (step_wte WTE)")
    budget: str = Field(description="the sum that pays for the role: arrs, or gp (ring-fenced)")
    fits: bool = Field(description="whether one more post fits the money and the WTE limit")
    why_not: str | None
    why: str = Field(
        description="why the role got what it got: at its WTE limit, budget spent, not eligible "
        "until a date (costed from then), not weighted, or balanced against the weighted roles"
    )
    source: str
    unconfirmed: bool


class Excluded(BaseModel):
    key: str
    label: str
    reason: str


class Budget(BaseModel):
    key: str
    label: str
    sum: float
    existing_spend: float
    new_spend: float
    remainder: float


class ArrsPlan(BaseModel):
    pcn_code: str
    year: str
    arrs: dict[str, Any] = Field(description="the ARR sum and how it was reached")
    in_post_register: dict[str, float] = Field(description="WTE in post per role, per register")
    arrs_sum: float
    ringfence: float | None = Field(description="the ring-fenced GP sum (2024/25), else null")
    budgets: list[Budget]
    objective: str = Field(
        description="priorities (the user's weights) or first roles (no weights given: clinical "
        "pharmacist and social prescribing link worker weighted)"
    )
    step_wte: float = Field(description="the smallest post planned, in WTE")
    on: str | None
    london: bool
    year_fraction: float
    existing_spend: float
    new_spend: float
    spend: float
    remainder: float = Field(description="the ARR sum left unspent: money lost")
    new_fte: float
    total_fte: float
    roles: list[PlanRole]
    excluded: list[Excluded]
    solve_seconds: float


class Indicators(BaseModel):
    registered_patients: float | None
    gp_headcount: int
    gp_fte: float
    gp_55_plus: int
    gp_55_plus_pct: float | None
    gp_fte_per_10k: float | None
    staff_fte: float
    vacancy_posts: int | None
    vacancy_fte: float | None
    gp_vacancy_fte: float | None


class IcsIndicators(Indicators):
    code: str
    name: str
    commissioners: list[str]


class Beside(BaseModel):
    gp_fte_per_10k: float | None
    gp_55_plus_pct: float | None


class PcnIndicators(Indicators):
    code: str
    name: str
    practices: int
    ics: Beside


class PracticeIndicators(Indicators):
    code: str
    name: str | None
    pcn_code: str | None
    list_as_of: str | None
    ics: Beside


class RiskSource(BaseModel):
    kind: str = Field(description="register (the app database) or warehouse (synthetic fallback)")
    detail: str
    files: list[str]
    vacancies_recorded: bool
    denominator: str


class WorkforceRisk(BaseModel):
    ics: IcsIndicators
    date: str
    source: RiskSource
    gp_roles: list[str]
    england: None
    england_note: str
    pcns: list[PcnIndicators]
    practices: list[PracticeIndicators]
