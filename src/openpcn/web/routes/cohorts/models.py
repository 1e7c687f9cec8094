"""The cohorts API's response models (they name the OpenAPI schema's components)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field


class CohortRef(BaseModel):
    id: str
    title: str


class SpecRef(BaseModel):
    spec: str
    title: str
    cohorts: list[CohortRef]


class PcnCounts(BaseModel):
    code: str
    name: str
    registered: int | None
    counts: dict[str, int | None] = Field(description="people per cohort id (null: hidden)")
    efi: dict[str, int | None] = Field(description="people aged 65+ per eFI category")


class IcsCohorts(BaseModel):
    ics: str
    name: str
    date: str
    year: str = Field(description="the financial year whose definitions were used")
    year_note: str = Field(description="why it is not the date's own year, if it is not")
    disclosure_controlled: bool = Field(
        description="true: counts of 1-7 hidden (null) and the rest rounded to the nearest 5"
    )
    specs: list[SpecRef]
    pcns: list[PcnCounts]


class Rate(BaseModel):
    numerator: int | None
    denominator: int | None
    pct: float | None
    ci_lower_pct: float | None
    ci_upper_pct: float | None


class JudgedRate(Rate):
    status: Literal["below", "between", "above", "unknown", "suppressed"] = Field(
        description="against the thresholds, judged on the exact counts (suppressed: it would "
        "narrow a hidden count)"
    )


class Status(BaseModel):
    status_label: str = Field(description="how the status reads, e.g. 'Below 40%'")
    status_note: str | None = Field(description="why the status is not shown, if it is not")


class Can01(JudgedRate, Status):
    """The lower-GI FIT indicator of the year (kept under its first year's name, CAN-01)."""

    indicator: str = Field(description="the indicator of the year: CAN-01, CAN-02 or CAN-04")
    about: str
    source: str
    lower_pct: float
    upper_pct: float
    thresholds_confirmed: bool = Field(description="false: no published source was found")


class Cvd02Expected(BaseModel):
    """QOF's published hypertension prevalence of the PCN's practices: the expected register."""

    year: str = Field(description="the latest QOF year ended by the date")
    practices: int
    published_register: int
    published_list_size: int
    published_pct: float
    expected_register: int | None = Field(description="published % of the registered count")
    source: str


class Cvd02(Rate):
    """The hypertension register as a share of the list: a prevalence, not a target."""

    about: str
    expected: Cvd02Expected | None = None


class CohortCount(BaseModel):
    id: str
    spec: str
    spec_title: str
    title: str
    description: str
    indicator: str | None = Field(description="the national indicator it counts for, if any")
    local: str | None = Field(description="why it has no national definition, if it has none")
    count: int | None


class PcnCohorts(BaseModel):
    code: str
    name: str
    ics: str
    date: str
    disclosure_controlled: bool
    registered: int | None
    cohorts: list[CohortCount]
    year: str = Field(description="the financial year whose definitions were used")
    year_note: str = Field(description="why it is not the date's own year, if it is not")
    can01_fit_share: Can01
    cvd02_hypertension_register: Cvd02
    efi: dict[str, int | None]


class LeftOut(BaseModel):
    date: str
    reason: str


class TrendCohort(BaseModel):
    id: str
    spec: str
    spec_title: str
    title: str
    counts: list[int | None] = Field(description="people at each date (null: hidden)")


class TrendCan01(BaseModel):
    indicator: str
    about: str
    lower_pct: float
    upper_pct: float
    thresholds_confirmed: bool
    rates: list[JudgedRate]


class TrendCvd02(BaseModel):
    about: str
    rates: list[Rate]


class PcnTrend(BaseModel):
    code: str
    name: str
    date: str
    points: int
    step_months: int
    year: str
    year_note: str
    disclosure_controlled: bool
    dates: list[str] = Field(description="the dates kept, oldest first; lists run parallel")
    left_out: list[LeftOut] = Field(description="dates asked for but left out, and why")
    registered: list[int | None]
    cohorts: list[TrendCohort]
    can01_fit_share: TrendCan01
    cvd02_hypertension_register: TrendCvd02
    notes: list[str]


class WorklistRow(BaseModel):
    patient_id: str
    practice_code: str
    reason: str


class PracticeRef(BaseModel):
    code: str
    name: str


class Listed(BaseModel):
    """What every worklist answer says about its slice: the filter, the order and the total."""

    kind: Literal["pcn", "practice"]
    code: str
    practice: str | None = Field(description="the practice filter, if one was asked for")
    practices: list[PracticeRef] = Field(description="the PCN's member practices to filter by")
    sort: str
    title: str
    date: str
    total: int = Field(description="rows in the whole list (of the filter)")
    offset: int
    count: int = Field(description="rows in this answer")


class Worklist(Listed):
    cohort: str
    rows: list[WorklistRow]


class CohortReason(BaseModel):
    cohort: str
    reason: str


class SpecWorklistRow(BaseModel):
    patient_id: str
    practice_code: str
    cohorts: list[str]
    reasons: list[CohortReason]


class SpecWorklist(Listed):
    spec: str
    cohorts: list[CohortRef]
    rows: list[SpecWorklistRow]


class CohortDefinition(BaseModel):
    id: str
    spec: str
    spec_title: str
    title: str
    description: str
    criteria: str
    codelists: list[str]
    unverified_codelists: list[str] = Field(
        description="the codelists not taken whole from a published list (`openpcn codelists "
        "show NAME` says why)"
    )
    source: str
    checked_by: str
    date: str


class Definitions(BaseModel):
    items: list[CohortDefinition]


class Window(BaseModel):
    index_date: str
    outcomes_to: str
    people: int
    outcome_rate: float


class CalibrationRow(BaseModel):
    decile: int
    people: int
    mean_predicted: float
    observed_rate: float


class Metrics(BaseModel):
    auroc: float
    brier: float
    calibration: list[CalibrationRow]


class Input(BaseModel):
    name: str
    meaning: str


class ModelCard(BaseModel):
    name: str
    outcome: str
    population: str
    algorithm: str
    inputs: list[Input]
    scoring_date: str
    validation: str
    training_window: Window
    test_window: Window
    scoring_model_trained_on_index: str
    metrics: Metrics
    limits: list[str]
