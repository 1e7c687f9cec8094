"""The evaluation routes' parameters, parsed once at the surface: who may run and who may
download, the run's query (method, caliper, ratio, seed), a new study from the form or the
API's body (turned into a `StudyDefinition` here, so a bad field is a 4xx naming it)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import Depends, Path, Query
from pydantic import BaseModel, Field, ValidationError

from openpcn.evaluation.definition import StudyDefinition
from openpcn.exceptions import UserError
from openpcn.store.studies import NAME_FIX, checked_name
from openpcn.web.auth import Role
from openpcn.web.kit.access import Ask, asked_by

#: who may define, run and delete studies (a PCN manager of the ICS only reads them)
Runner = Annotated[Ask, asked_by(Role.ADMIN, Role.ICS_ANALYST)]
#: who may download matched sets: the only role with patient-level rights (their PCN's rows)
Downloader = Annotated[Ask, asked_by(Role.PCN_MANAGER)]
Method = Literal["psm", "prognostic", "cem"]
Controls = Literal["other-pcns", "same-pcns", "all"]
Kind = Literal["event", "cohort"]
Chart = Literal["love", "overlap", "monthly"]
Outcome = Literal["emergency_admission", "ae", "elective_admission", "emergency_bed_days", "death"]
DEFAULT_SEED = 2019
StudyPath = Annotated[
    str, Path(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$", description="the study's name")
]


class RunAsk(BaseModel):
    """How a study is run (the API's body; the page's query has the same fields)."""

    method: Method = "psm"
    caliper: float = Field(0.2, gt=0, le=5, description="SDs of the logit of the score (psm)")
    ratio: int = Field(1, ge=1, le=10, description="controls per treated person")
    seed: int = Field(DEFAULT_SEED, ge=0, le=2**31 - 1, description="same seed, same matches")

    def parameters(self) -> dict[str, Any]:
        return {"caliper": self.caliper, "ratio": self.ratio, "seed": self.seed}


class RunQuery(RunAsk):
    run: bool = False


def run_query(
    run: bool = False,
    method: Method = "psm",
    caliper: Annotated[float, Query(gt=0, le=5)] = 0.2,
    ratio: Annotated[int, Query(ge=1, le=10)] = 1,
    seed: Annotated[int, Query(ge=0, le=2**31 - 1)] = DEFAULT_SEED,
) -> RunQuery:
    return RunQuery(run=run, method=method, caliper=caliper, ratio=ratio, seed=seed)


StudyRun = Annotated[RunQuery, Depends(run_query)]


class NewStudy(BaseModel):
    """A study to define (the API's body). `people` is for a list of patients the service
    saw: [patient_id, index_date] pairs, checked against the warehouse."""

    name: str = Field(..., min_length=1, max_length=100, description=NAME_FIX)
    kind: Literal["event", "cohort", "file"] = "event"
    code: str | None = Field(None, max_length=100, description="event code or cohort id")
    people: list[tuple[str, str]] = Field(default_factory=list, max_length=200_000)
    controls: Controls = "other-pcns"
    followup_months: int = Field(12, ge=1, le=60)
    prior_months: int = Field(12, ge=1, le=60)
    description: str = Field("", max_length=2000)

    def definition(self, ics: str) -> StudyDefinition:
        """The one conversion from what was sent to what the engine takes."""
        if self.kind != "file" and not (self.code or "").strip():
            raise UserError(
                f"an {self.kind} study needs a code", column="code",
                fix="give the event's clinical code, e.g. OPENPCN-ICT-REFERRAL, or a cohort id",
            )  # fmt: skip
        if self.kind != "file" and self.people:
            raise UserError("people are for a file study only", column="people", fix="drop them")
        payload = {
            "name": checked_name(self.name),
            "ics": ics,
            "intervention": {"kind": self.kind, "code": (self.code or "").strip() or None,
                             "people": [list(p) for p in self.people]},
            "controls": self.controls,
            "followup_months": self.followup_months,
            "prior_months": self.prior_months,
            "description": self.description.strip(),
        }  # fmt: skip
        return StudyDefinition.from_json(payload)


def from_form(
    ics: str, fields: dict[str, str], people: tuple[tuple[str, dt.date], ...] = ()
) -> StudyDefinition:
    """The new-study form's fields (text) as a definition: an event, a cohort, or the people
    of an uploaded file (read and checked by the caller)."""
    try:
        followup = int(fields.get("followup_months") or 12)
        prior = int(fields.get("prior_months") or 12)
    except ValueError:
        raise UserError(
            "the months must be whole numbers", column="followup_months", fix="e.g. 12"
        ) from None
    kind = fields.get("kind") or "event"
    if kind not in ("event", "cohort", "file"):
        raise UserError(
            "choose an event, a cohort or a file", column="kind", fix="pick one of the three"
        )
    try:
        body = NewStudy.model_validate(
            {
                "name": checked_name(fields.get("name") or ""),
                "kind": kind,
                "code": None if kind == "file" else fields.get("code") or None,
                "people": [(pid, day.isoformat()) for pid, day in people],
                "controls": fields.get("controls") or "other-pcns",
                "followup_months": followup,
                "prior_months": prior,
                "description": fields.get("description") or "",
            }
        )
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(p) for p in first["loc"]) or "form"
        raise UserError(
            f"{field}: {first['msg']}", column=field, fix="correct the field and send it again"
        ) from None
    return body.definition(ics)
