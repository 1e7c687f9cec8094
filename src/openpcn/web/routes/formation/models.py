"""The formation API's response models (they name the OpenAPI schema's components)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, Field


class Footprint(BaseModel):
    code: str
    name: str
    commissioners: list[str]


class Centre(BaseModel):
    lat: float
    lon: float


class Network(BaseModel):
    code: str = Field(description="the current PCN whose name it carries, or NEWnn")
    name: str
    practices: list[str]
    patients: int
    position: Literal["below", "in", "above"]
    centre: Centre
    contiguous: bool


class Metrics(BaseModel):
    pcns_total: int
    pcns_in_band: int
    patients_outside_band: int = Field(description="summed distance of every network to the band")
    compactness_km: float
    moved: int
    patients_moved: int
    moved_bound: int | None = Field(
        None, description="least-change: the proved least number of practices that must move"
    )
    joined: int
    contiguous: int
    objective: float
    objective_meaning: str
    bound: float | None
    optimality_gap: float | None
    seconds: float
    status: str = Field(description="current, optimal, feasible, infeasible, unknown or cancelled")
    status_reason: str


class Move(BaseModel):
    practice_code: str
    name: str
    current_code: str | None
    proposed_code: str | None
    patients: int
    text: str = Field(description="the move in words, with the lists before and after")


class Configuration(BaseModel):
    kind: Literal["current", "proposal"]
    ics: Footprint
    date: str
    pcns: list[Network]
    metrics: Metrics
    moves: list[Move]
    explanation: list[str] = Field(description="why the band cannot be met, when it is not")
    unplaced: list[str]
    without_list: list[str]
    solver: list[dict[str, Any]]
    parameters: dict[str, Any]


class ScenarioSummary(BaseModel):
    name: str
    ics: str
    ics_name: str | None
    date: str
    mode: str
    pcns_total: int | None
    pcns_in_band: int | None
    patients_outside_band: float | None
    compactness_km: float | None
    moved: int | None
    status: str | None
    saved_by: str = Field(description="the account that saved it (`cli` from the command line)")
    created: str = Field(description="when, UTC (ISO 8601)")
