"""A matched-control study as data: who was treated and when, who may be a control, which
covariates are matched on and which outcomes are counted, so a saved study reruns exactly.

`StudyDefinition.to_json` / `from_json` are the stored form (the app database keeps the JSON);
`from_json` checks every field and names the one that is wrong, so a surface parses input once
and passes a typed definition inward.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from openpcn.exceptions import InputError

INTERVENTION_KINDS = ("event", "cohort", "file")
CONTROLS = ("other-pcns", "same-pcns", "all")
METHODS = ("psm", "prognostic", "cem")

CONTROL_WORDS = {
    "other-pcns": "people of the same ICS registered in PCNs where nobody was treated",
    "same-pcns": "untreated people registered in the PCNs where somebody was treated",
    "all": "every untreated person of the ICS",
}
METHOD_WORDS = {
    "psm": "propensity score matching (logistic regression; nearest neighbour without "
    "replacement within a caliper)",
    "prognostic": "prognostic score matching (expected emergency admissions from a model fitted "
    "on controls' prior period; nearest neighbour within a caliper)",
    "cem": "coarsened exact matching (exact strata of banded covariates, weighted)",
}

#: long-term conditions, one covariate each: name -> (label, the SNOMED CT code the risk model's
#: codelist openpcn-long-term-conditions.csv holds for it; hypertension has three)
CONDITIONS: dict[str, tuple[str, tuple[str, ...]]] = {
    "ltc_hypertension": ("Hypertension", ("38341003", "59621000", "1201005")),
    "ltc_diabetes": ("Type 2 diabetes", ("44054006",)),
    "ltc_chd": ("Ischaemic heart disease", ("414545008",)),
    "ltc_stroke": ("Stroke", ("230690007",)),
    "ltc_af": ("Atrial fibrillation", ("49436004",)),
    "ltc_heart_failure": ("Heart failure", ("84114007",)),
    "ltc_copd": ("COPD", ("13645005",)),
    "ltc_asthma": ("Asthma", ("195967001",)),
    "ltc_ckd": ("Chronic kidney disease", ("433144002",)),
    "ltc_depression": ("Depression", ("35489007",)),
    "ltc_dementia": ("Dementia", ("52448006",)),
    "ltc_cancer": ("Cancer", ("363346000",)),
    "ltc_osteoporosis": ("Osteoporosis", ("64859006",)),
    "ltc_pad": ("Peripheral arterial disease", ("840580004",)),
    "ltc_epilepsy": ("Epilepsy", ("84757009",)),
    "ltc_smi": ("Serious mental illness", ("58214004",)),
    "ltc_learning_disability": ("Learning disability", ("110359009",)),
    "ltc_rheumatoid_arthritis": ("Rheumatoid arthritis", ("69896004",)),
}

#: every covariate a study may match on, in words (all measured on the index date)
COVARIATE_WORDS: dict[str, str] = {
    "age": "age in whole years",
    "male": "sex (share male)",
    "imd_decile": "IMD 2019 decile of the home area (1 = most deprived)",
    "ethnicity": "ethnic group (share in each recorded group; Unknown is its own group)",
    "prior_emergency_admissions": "emergency admissions in the prior period",
    "prior_ae_attendances": "A&E attendances in the prior period",
    "prior_elective_admissions": "elective admissions in the prior period",
    "prior_emergency_bed_days": "emergency bed days in the prior period",
    "earlier_emergency_admissions": "emergency admissions in the period before the prior period",
    "earlier_ae_attendances": "A&E attendances in the period before the prior period",
    "efi_category": "electronic Frailty Index category (0 fit, 1 mild, 2 moderate, 3 severe)",
    **{name: f"{label} recorded" for name, (label, _) in CONDITIONS.items()},
    "care_home": "lives in a care home",
    "prior_appointments": "attended GP practice appointments in the prior period "
    "(the warehouse holds appointments from 2019-04-01 only)",
}

#: the groups `ethnicity` stands for, each a 0/1 column; White is the reference left out
ETHNIC_GROUPS = ("Asian", "Black", "Mixed", "Other", "Unknown")

OUTCOME_WORDS: dict[str, str] = {
    "emergency_admission": "emergency admissions",
    "ae": "A&E attendances",
    "elective_admission": "elective admissions",
    "emergency_bed_days": "emergency bed days",
    "death": "deaths",
}

DEFAULT_COVARIATES: tuple[str, ...] = tuple(COVARIATE_WORDS)
DEFAULT_OUTCOMES: tuple[str, ...] = tuple(OUTCOME_WORDS)
DEFAULT_ICS = "11J"
MAX_MONTHS = 60


def covariate_label(column: str) -> str:
    """Words for a covariate column, including the columns `ethnicity` expands to."""
    if column.startswith("ethnicity_"):
        return f"ethnic group: {column.removeprefix('ethnicity_').title()}"
    return COVARIATE_WORDS.get(column, column)


@dataclass(frozen=True)
class Intervention:
    """Who was treated and from when: by a coded event (the first per person), by membership
    of a cohort on `date`, or by a file of (patient_id, index_date) pairs."""

    kind: str  # "event" | "cohort" | "file"
    code: str | None = None  # event: the clinical code; cohort: the cohort id
    people: tuple[tuple[str, dt.date], ...] = ()  # file: (patient_id, index_date), validated
    date: dt.date | None = None  # cohort: the day membership is taken (the index date);
    # None = the extract date less the follow-up, so every member has the whole follow-up

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind}
        if self.code is not None:
            out["code"] = self.code
        if self.people:
            out["people"] = [[pid, day.isoformat()] for pid, day in self.people]
        if self.date is not None:
            out["date"] = self.date.isoformat()
        return out


@dataclass(frozen=True)
class StudyDefinition:
    """Everything a study needs to run again and give the same answer (with the same seed).

    Eligibility is data here: registered and alive on the index date, registered for
    `prior_months` before it, and aged `min_age` or over (None: the youngest treated person's
    age, so controls are never younger than everyone treated; the planted ICT study refers
    people of 65+, so 65).
    """

    name: str
    ics: str
    intervention: Intervention
    controls: str = "other-pcns"
    followup_months: int = 12
    prior_months: int = 12
    description: str = ""
    covariates: tuple[str, ...] = DEFAULT_COVARIATES
    outcomes: tuple[str, ...] = DEFAULT_OUTCOMES
    min_age: int | None = None

    def __post_init__(self) -> None:
        _check(self)

    def to_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ics": self.ics,
            "intervention": self.intervention.to_json(),
            "controls": self.controls,
            "followup_months": self.followup_months,
            "prior_months": self.prior_months,
            "description": self.description,
            "covariates": list(self.covariates),
            "outcomes": list(self.outcomes),
            "min_age": self.min_age,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> StudyDefinition:
        """A definition from its stored JSON, every field checked (InputError names it)."""
        if not isinstance(data, dict):
            raise InputError("a study definition must be a JSON object", fix="see to_json()")
        raw = data.get("intervention")
        if not isinstance(raw, dict):
            raise InputError(
                "the intervention is missing or not an object",
                column="intervention",
                fix='give {"kind": "event", "code": "OPENPCN-ICT-REFERRAL"} or a cohort or file',
            )
        intervention = Intervention(
            kind=_text(raw.get("kind"), "intervention.kind"),
            code=None if raw.get("code") is None else _text(raw.get("code"), "intervention.code"),
            people=_pairs(raw.get("people", [])),
            date=None if raw.get("date") is None else _date(raw["date"], "intervention.date"),
        )
        return cls(
            name=_text(data.get("name"), "name"),
            ics=_text(data.get("ics", DEFAULT_ICS), "ics").upper(),
            intervention=intervention,
            controls=_text(data.get("controls", "other-pcns"), "controls"),
            followup_months=_int(data.get("followup_months", 12), "followup_months"),
            prior_months=_int(data.get("prior_months", 12), "prior_months"),
            description=str(data.get("description") or ""),
            covariates=_names(data.get("covariates", DEFAULT_COVARIATES), "covariates"),
            outcomes=_names(data.get("outcomes", DEFAULT_OUTCOMES), "outcomes"),
            min_age=None if data.get("min_age") is None else _int(data["min_age"], "min_age"),
        )


def _check(d: StudyDefinition) -> None:
    """Refuse a definition that cannot run, naming the field and the fix."""
    if not d.name or not d.name.strip():
        raise InputError("the study needs a name", column="name", fix="give a short name")
    if not d.ics or not d.ics.strip():
        raise InputError("the study needs an ICS", column="ics", fix=f"e.g. {DEFAULT_ICS}")
    i = d.intervention
    if i.kind not in INTERVENTION_KINDS:
        raise InputError(
            f"unknown intervention kind {i.kind!r}",
            column="intervention.kind",
            fix=f"use one of {', '.join(INTERVENTION_KINDS)}",
        )
    if i.kind in ("event", "cohort") and not (i.code and i.code.strip()):
        raise InputError(
            f"an {i.kind} intervention needs a code",
            column="intervention.code",
            fix="give the event's clinical code"
            if i.kind == "event"
            else "give a cohort id from `openpcn cohorts list`",
        )
    if i.kind == "file" and not i.people:
        raise InputError(
            "a file intervention needs at least one (patient_id, index_date) pair",
            column="intervention.people",
            fix="give a CSV with columns patient_id,index_date",
        )
    if d.controls not in CONTROLS:
        raise InputError(
            f"unknown control group {d.controls!r}",
            column="controls",
            fix=f"use one of {', '.join(CONTROLS)}",
        )
    for name, value in (("followup_months", d.followup_months), ("prior_months", d.prior_months)):
        if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_MONTHS:
            raise InputError(
                f"{name} must be a whole number of months from 1 to {MAX_MONTHS}",
                column=name,
                fix="e.g. 12",
            )
    if d.min_age is not None and not (isinstance(d.min_age, int) and 0 <= d.min_age <= 120):
        raise InputError("min_age must be 0 to 120 years", column="min_age", fix="e.g. 65")
    unknown = [c for c in d.covariates if c not in COVARIATE_WORDS]
    if unknown or not d.covariates:
        raise InputError(
            f"unknown covariate(s): {', '.join(unknown)}" if unknown else "no covariates",
            column="covariates",
            fix=f"choose from {', '.join(COVARIATE_WORDS)}",
        )
    unknown = [o for o in d.outcomes if o not in OUTCOME_WORDS]
    if unknown or not d.outcomes:
        raise InputError(
            f"unknown outcome(s): {', '.join(unknown)}" if unknown else "no outcomes",
            column="outcomes",
            fix=f"choose from {', '.join(OUTCOME_WORDS)}",
        )


def _text(value: object, name: str) -> str:
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{name} must be non-empty text", column=name, fix=f"give {name}")
    return value.strip()


def _int(value: object, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise InputError(f"{name} must be a whole number", column=name, fix="e.g. 12")
    return value


def _date(value: object, name: str) -> dt.date:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise InputError(
            f"{name} is not a date", column=name, fix="write dates as YYYY-MM-DD"
        ) from None


def _names(value: object, name: str) -> tuple[str, ...]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise InputError(f"{name} must be a list of names", column=name, fix=f"e.g. {name}: [..]")
    return tuple(value)


def _pairs(value: object) -> tuple[tuple[str, dt.date], ...]:
    name = "intervention.people"
    if not isinstance(value, list | tuple):
        raise InputError(f"{name} must be a list of [patient_id, index_date]", column=name)
    out = []
    for k, pair in enumerate(value, start=1):
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise InputError(
                f"entry {k} is not a [patient_id, index_date] pair", column=name, row=k
            )
        out.append((_text(pair[0], name), _date(pair[1], name)))
    return tuple(out)
