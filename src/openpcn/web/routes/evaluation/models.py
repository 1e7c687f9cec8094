"""The evaluation API's response models (they name the OpenAPI schema's components). The run's
summary keeps the engine's own keys (docs/evaluation.md lists them)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class StudyListed(BaseModel):
    name: str
    description: str
    ics: str | None
    intervention: str | None = Field(description="event, cohort or file")
    code: str | None = Field(description="the event code or cohort id")
    controls: str | None
    author: str = Field(description="the account that defined it (`cli` from the command line)")
    created: str | None = Field(description="when, UTC (ISO 8601)")
    method: str | None = Field(description="the last run's matching method")
    run_by: str | None
    run_at: str | None = Field(description="when the last run finished, UTC")
    n_treated: int | None = Field(description="disclosure-controlled (null: 1-7)")
    n_matched: int | None = Field(description="disclosure-controlled (null: 1-7)")
    warnings: int = Field(description="how many warnings the last run gave")


class LastRun(BaseModel):
    method: str
    parameters: dict[str, Any] = Field(description="caliper, ratio and seed")
    run_by: str
    run_at: str


class Study(BaseModel):
    name: str
    author: str
    created: str
    definition: dict[str, Any] = Field(
        description="the definition as saved (a file's people as their number)"
    )
    design: list[str] = Field(description="the design in plain words")
    last_run: LastRun | None
    summary: dict[str, Any] | None = Field(
        description="the last run: n_treated, n_eligible_controls, n_matched, "
        "unmatched_treated, balance, overlap, outcomes, naive, sensitivity, monthly, "
        "warnings (counts disclosure-controlled)"
    )
    caveats: list[str] = Field(description="what each effect does and does not show, in words")
    unbalanced: list[str] = Field(description="covariates with |SMD| of 0.1 or more after matching")
    disclosure_controlled: bool
    disclosure_note: str
