"""Case-finding pages (ICS view, PCN dashboard, worklists, risk model card) and their JSON API.

Every number comes from `openpcn.cohorts`; this module checks who may see what, shapes the
answer and renders it. Who sees what:

- counts on the ICS view are disclosure-controlled for everyone (1-7 hidden, others rounded
  to 5): nobody has patient rights over every PCN;
- a PCN dashboard shows raw counts only to the pcn_manager of that PCN (patient rights), and
  that view is audited; everyone else who may open the PCN sees disclosed counts;
- worklists (patient rows) only for the pcn_manager of the PCN or the practice_user of the
  practice; everyone else 403. Every view and export writes an audit row with the row count;
- the model card is aggregate and open to every role;
- a PCN's trend (cohort sizes, CAN-01 and CVD-02 at past dates) follows the dashboard's rule.

Summaries and risk models are cached per app and date: the warehouse is read-only.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterable, Mapping
from typing import Any, Literal, TypeVar

import ibis
from fastapi import APIRouter, Depends, Path, Query, Request
from fastapi.responses import HTMLResponse, Response
from pydantic import BaseModel, Field

from openpcn.cohorts import engine
from openpcn.cohorts.admission_risk import scored
from openpcn.cohorts.charts import calibration_spec, efi_spec, trend_spec
from openpcn.cohorts.definitions import SPECS, Definition, cohort_date, load_definitions
from openpcn.cohorts.efi import CATEGORIES
from openpcn.cohorts.summary import disclosed, summary
from openpcn.cohorts.trend import MAX_POINTS, MAX_STEP_MONTHS, disclosed_trend, trend
from openpcn.config import DEFAULT_DATE
from openpcn.exports import csv_text
from openpcn.web import audit
from openpcn.web.auth import Principal, Role, forbid_unless, require
from openpcn.web.routes import cached as cached_answer
from openpcn.web.routes import warehouse
from openpcn.web.routes.funding import may_see_ics
from openpcn.web.routes.orgs import (
    ICS_PATTERN,
    may_see_pcn,
    may_see_practice,
    pcn_detail,
    practice_detail,
)

router = APIRouter()

EVERYONE = (Role.ADMIN, Role.ICS_ANALYST, Role.PCN_MANAGER, Role.PRACTICE_USER)
ICS_WIDE = (Role.ADMIN, Role.ICS_ANALYST, Role.PCN_MANAGER)
API = "/api/v1"
DAY = dt.date.fromisoformat(DEFAULT_DATE)
DISCLOSURE_NOTE = "counts of 1-7 hidden, others rounded to the nearest 5"
T = TypeVar("T")

DEFINITIONS: dict[str, Definition] = load_definitions()
#: the cohort ids, as an enum so the OpenAPI schema lists them
CohortId = enum.StrEnum("CohortId", {d: d for d in DEFINITIONS})  # type: ignore[misc]

DateQuery = Query(DAY, description="the date to find patients on (YYYY-MM-DD)")
ICS_PATH = Path(pattern=ICS_PATTERN, description="commissioner or ICS code", examples=["11J"])
PCN_PATH = Path(pattern=r"^[A-Za-z]\d{5}$", description="PCN code", examples=["U42510"])
PRACTICE_PATH = Path(pattern=r"^[A-Za-z]\d{5}$", description="practice code", examples=["J81019"])
COHORT_PATH = Path(description="cohort id (see /api/v1/cohorts)")
PointsQuery = Query(8, ge=1, le=MAX_POINTS, description="how many dates, ending at `date`")
StepQuery = Query(3, ge=1, le=MAX_STEP_MONTHS, description="months between the dates")


# ---------------------------------------------------------------- response models (OpenAPI)
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


class Can01(Rate):
    about: str
    lower_pct: float
    upper_pct: float
    status: Literal["below", "between", "above", "unknown"]


class Cvd02(Rate):
    about: str
    expected_pct: float
    expected_source: str


class CohortCount(BaseModel):
    id: str
    spec: str
    spec_title: str
    title: str
    description: str
    count: int | None


class PcnCohorts(BaseModel):
    code: str
    name: str
    ics: str
    date: str
    disclosure_controlled: bool
    registered: int | None
    cohorts: list[CohortCount]
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
    about: str
    lower_pct: float
    upper_pct: float
    rates: list[Rate]


class TrendCvd02(BaseModel):
    about: str
    expected_pct: float
    expected_source: str
    rates: list[Rate]


class PcnTrend(BaseModel):
    code: str
    name: str
    date: str
    points: int
    step_months: int
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


class Worklist(BaseModel):
    kind: Literal["pcn", "practice"]
    code: str
    cohort: str
    title: str
    date: str
    count: int
    rows: list[WorklistRow]


class CohortDefinition(BaseModel):
    id: str
    spec: str
    spec_title: str
    title: str
    description: str
    criteria: str
    codelists: list[str]
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


# ---------------------------------------------------------------- cache and computations
_CACHE_SIZE = 64


def cached(request: Request, key: tuple[object, ...], compute: Callable[[], T]) -> T:
    """compute() once per app and key (see openpcn.web.routes.cached)."""
    return cached_answer(request, "cohorts", key, compute, _CACHE_SIZE)


def checked(day: dt.date) -> dt.date:
    """The date, if cohorts can be found on it (a 422 otherwise)."""
    return cohort_date(day)


def raw_summary(request: Request, con: ibis.BaseBackend, ics: str, day: dt.date) -> dict[str, Any]:
    """`openpcn.cohorts.summary.summary`, raw counts: never shown without a rights check."""
    checked(day)
    return cached(request, ("summary", ics, day), lambda: summary(con, ics, day))


def shown_summary(
    request: Request, con: ibis.BaseBackend, ics: str, day: dt.date, *, raw: bool
) -> dict[str, Any]:
    found = raw_summary(request, con, ics, day)
    if raw:
        return found
    return cached(request, ("disclosed", ics, day), lambda: disclosed(found))


def spec_refs() -> list[dict[str, Any]]:
    return [
        {
            "spec": spec,
            "title": title,
            "cohorts": [
                {"id": d.id, "title": d.title} for d in DEFINITIONS.values() if d.spec == spec
            ],
        }
        for spec, title in SPECS.items()
    ]


def ics_cohorts(
    request: Request, principal: Principal, con: ibis.BaseBackend, ics: str, day: dt.date
) -> dict[str, Any]:
    """Every PCN's cohort counts and eFI categories, disclosure-controlled for every viewer."""
    found = may_see_ics(request, principal, con, ics)
    code = str(found["code"])
    shown = shown_summary(request, con, code, day, raw=False)
    names = _pcn_names(request, con, code, day)
    pcns = []
    for pcn in sorted(shown["indicators"]["registered"]):
        counts: dict[str, int | None] = {}
        for spec in SPECS:
            counts |= shown[spec].get(pcn, {})
        pcns.append(
            {
                "code": pcn,
                "name": names.get(pcn, pcn),
                "registered": shown["indicators"]["registered"][pcn],
                "counts": counts,
                "efi": shown["efi"].get(pcn, dict.fromkeys(CATEGORIES, 0)),
            }
        )
    return {
        "ics": code,
        "name": str(found["name"]),
        "date": day.isoformat(),
        "disclosure_controlled": True,
        "specs": spec_refs(),
        "pcns": pcns,
    }


def _pcn_names(request: Request, con: ibis.BaseBackend, ics: str, day: dt.date) -> dict[str, str]:
    def compute() -> dict[str, str]:
        pcns = con.table("pcns").select("pcn_code", "name")
        return {str(r.pcn_code): str(r.name) for r in con.execute(pcns).itertuples()}

    return cached(request, ("names",), compute)


def can01_status(pct: float | None, lower: float, upper: float) -> str:
    if pct is None:
        return "unknown"
    if pct < lower:
        return "below"
    return "above" if pct >= upper else "between"


def pcn_cohorts(
    request: Request, principal: Principal, con: ibis.BaseBackend, code: str, day: dt.date
) -> dict[str, Any]:
    """The PCN's cohort sizes, indicators and eFI: raw for the PCN's manager (audited)."""
    detail = pcn_detail(request, code, DAY)  # 404 first: organisation data is public
    key = str(detail["code"])
    forbid_unless(may_see_pcn(request, principal, key, DAY))
    ics = str(detail["commissioner"]["code"] or "")
    rights = principal.patient_rights(pcn_code=key)
    shown = shown_summary(request, con, ics, day, raw=rights)
    indicators = shown["indicators"]
    cohorts = []
    for d in DEFINITIONS.values():
        cohorts.append(
            {
                "id": d.id,
                "spec": d.spec,
                "spec_title": SPECS[d.spec],
                "title": d.title,
                "description": d.description,
                "count": shown[d.spec].get(key, {}).get(d.id, 0),
            }
        )
    can01 = indicators["can01_fit_share"]
    fit = can01["pcns"].get(key) or _no_rate()
    lower, upper = can01["thresholds"]["lower_pct"], can01["thresholds"]["upper_pct"]
    cvd02 = indicators["cvd02_hypertension_register"]
    answer = {
        "code": key,
        "name": str(detail["name"]),
        "ics": ics,
        "date": day.isoformat(),
        "disclosure_controlled": not rights,
        "registered": indicators["registered"].get(key, 0),
        "cohorts": cohorts,
        "can01_fit_share": {
            **fit,
            "about": can01["about"],
            "lower_pct": lower,
            "upper_pct": upper,
            "status": can01_status(fit["pct"], lower, upper),
        },
        "cvd02_hypertension_register": {
            **(cvd02["pcns"].get(key) or _no_rate()),
            "about": cvd02["about"],
            "expected_pct": cvd02["expected_pct"],
            "expected_source": cvd02["expected_source"],
        },
        "efi": shown["efi"].get(key, dict.fromkeys(CATEGORIES, 0)),
    }
    if rights:
        people = sum(c["count"] or 0 for c in cohorts)
        _audit(request, principal, scope=f"pcn:{key}:cohort-counts", rows=people)
    return answer


def pcn_trend(
    request: Request,
    principal: Principal,
    con: ibis.BaseBackend,
    code: str,
    day: dt.date,
    *,
    points: int,
    step: int,
    action: Literal["view", "export"] = "view",
) -> dict[str, Any]:
    """The PCN's cohort sizes and indicators at past dates, with the dashboard's rule: raw for
    the PCN's manager (audited), disclosed for everyone else who may open the PCN."""
    detail = pcn_detail(request, code, DAY)
    key = str(detail["code"])
    forbid_unless(may_see_pcn(request, principal, key, DAY))
    checked(day)
    rights = principal.patient_rights(pcn_code=key)
    args = (key, day, points, step)
    raw = cached(
        request,
        ("trend", *args),
        lambda: trend(con, key, day, points=points, step_months=step, definitions=DEFINITIONS),
    )
    shown = raw if rights else cached(request, ("trend-disclosed", *args),
                                      lambda: disclosed_trend(raw))  # fmt: skip
    answer = {**shown, "name": str(detail["name"]), "disclosure_controlled": not rights}
    if rights:
        people = sum(n for c in raw["cohorts"] for n in c["counts"])
        _audit(request, principal, scope=f"pcn:{key}:cohort-trend", rows=people, action=action)
    return answer


def _no_rate() -> dict[str, Any]:
    return {"numerator": None, "denominator": None, "pct": None, "ci_lower_pct": None,
            "ci_upper_pct": None}  # fmt: skip


def worklist(
    request: Request,
    principal: Principal,
    con: ibis.BaseBackend,
    *,
    kind: Literal["pcn", "practice"],
    code: str,
    cohort: str,
    day: dt.date,
    action: Literal["view", "export"],
) -> dict[str, Any]:
    """Patient rows of one cohort, only for a viewer with patient rights; always audited."""
    definition = DEFINITIONS[str(cohort)]
    checked(day)
    if kind == "pcn":
        detail = pcn_detail(request, code, DAY)
        key = str(detail["code"])
        forbid_unless(principal.patient_rights(pcn_code=key))
        frame = engine.run(con, definition.id, day, pcn=key, definitions=DEFINITIONS)
    else:
        detail = practice_detail(request, code, DAY)
        key = str(detail["code"])
        pcn = detail["pcn"]["code"] if detail.get("pcn") else None
        forbid_unless(
            may_see_practice(request, principal, key, pcn, DAY)
            and principal.patient_rights(pcn_code=pcn, practice_code=key)
        )
        frame = engine.run(con, definition.id, day, practice=key, definitions=DEFINITIONS)
    rows = frame.loc[:, ["patient_id", "practice_code", "reason"]].to_dict("records")
    _audit(request, principal, scope=f"{kind}:{key}:{definition.id}", rows=len(rows), action=action)
    return {
        "kind": kind,
        "code": key,
        "cohort": definition.id,
        "title": definition.title,
        "date": day.isoformat(),
        "count": len(rows),
        "rows": rows,
    }


def _audit(
    request: Request, principal: Principal, *, scope: str, rows: int, action: str = "view"
) -> None:
    """Patient-level rows or exact counts from them were shown: who, what, when, how many."""
    audit.record(
        request.app.state.appdb,
        principal=principal,
        route=request.url.path,
        scope=scope,
        rows=rows,
        action=action,
    )


def risk_card(request: Request, con: ibis.BaseBackend, day: dt.date) -> dict[str, Any]:
    checked(day)
    return cached(request, ("risk", day), lambda: scored(con, day).card)


def definitions_answer() -> dict[str, Any]:
    items = [d.as_dict() | {"spec_title": SPECS[d.spec]} for d in DEFINITIONS.values()]
    return {"items": items}


# ---------------------------------------------------------------- CSV
def _csv(rows: Iterable[Mapping[str, Any]], columns: tuple[str, ...], filename: str) -> Response:
    return Response(
        csv_text(rows, columns),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def ics_csv_columns() -> tuple[str, ...]:
    return ("pcn_code", "name", "registered", *DEFINITIONS, *(f"efi_{c}" for c in CATEGORIES))


def ics_csv_rows(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    return [
        {
            "pcn_code": p["code"],
            "name": p["name"],
            "registered": p["registered"],
            **p["counts"],
            **{f"efi_{c}": p["efi"][c] for c in CATEGORIES},
        }
        for p in answer["pcns"]
    ]


WORKLIST_COLUMNS = ("patient_id", "practice_code", "cohort", "reason")


def trend_rows(answer: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The trend as table rows, dates as columns: each cohort, the registered count, and the
    two indicators' percentages (the page's table and the CSV)."""
    dates = answer["dates"]

    def row(key: str, spec: str, title: str, kind: str, values: list[Any]) -> dict[str, Any]:
        cells = dict(zip(dates, values, strict=True))
        return {"row": key, "spec": spec, "title": title, "kind": kind, **cells}

    rows = [row(c["id"], c["spec_title"], c["title"], "count", c["counts"])
            for c in answer["cohorts"]]  # fmt: skip
    rows.append(row("registered", "", "Registered patients", "count", answer["registered"]))
    for key, title in (
        ("can01_fit_share", "CAN-01: lower-GI urgent referrals with a FIT (%)"),
        ("cvd02_hypertension_register", "CVD-02: hypertension register (% of registered)"),
    ):
        pcts = [r["pct"] for r in answer[key]["rates"]]
        rows.append(row(f"{key}_pct", "", title, "pct", pcts))
    return rows


# ---------------------------------------------------------------- pages
def _render(request: Request, template: str, context: dict[str, Any]) -> HTMLResponse:
    from openpcn.web.app import templates

    return templates.TemplateResponse(request, template, context)


@router.get("/ics/{ics}/cohorts", response_class=HTMLResponse, include_in_schema=False)
def ics_page(
    request: Request,
    ics: str = ICS_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*ICS_WIDE)),
) -> HTMLResponse:
    answer = ics_cohorts(request, principal, con, ics, date)
    q = f"date={date.isoformat()}"
    return _render(
        request,
        "cohorts/ics.html",
        {
            "principal": principal,
            "c": answer,
            "date": date,
            "note": DISCLOSURE_NOTE,
            "categories": CATEGORIES,
            "csv_url": f"/ics/{answer['ics']}/cohorts.csv?{q}",
            "json_url": f"{API}/ics/{answer['ics']}/cohorts?{q}",
            "chart_url": f"{API}/ics/{answer['ics']}/cohorts/efi-chart?{q}",
        },
    )


@router.get("/ics/{ics}/cohorts.csv", include_in_schema=False)
def ics_csv(
    request: Request,
    ics: str = ICS_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*ICS_WIDE)),
) -> Response:
    answer = ics_cohorts(request, principal, con, ics, date)
    name = f"cohorts-{answer['ics']}-{date.isoformat()}.csv"
    return _csv(ics_csv_rows(answer), ics_csv_columns(), name)


@router.get("/pcns/{code}/cohorts", response_class=HTMLResponse, include_in_schema=False)
def pcn_page(
    request: Request,
    code: str = PCN_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    answer = pcn_cohorts(request, principal, con, code, date)
    q = f"date={date.isoformat()}"
    return _render(
        request,
        "cohorts/pcn.html",
        {
            "principal": principal,
            "c": answer,
            "date": date,
            "note": DISCLOSURE_NOTE,
            "categories": CATEGORIES,
            "specs": SPECS,
            "may_open_worklists": principal.patient_rights(pcn_code=answer["code"]),
            "json_url": f"{API}/pcns/{answer['code']}/cohorts?{q}",
            "trend_url": f"/pcns/{answer['code']}/partials/cohort-trend?{q}",
            "q": q,
        },
    )


def _trend_urls(code: str, date: dt.date, points: int, step: int) -> dict[str, str]:
    q = f"date={date.isoformat()}&points={points}&step={step}"
    return {
        "partial_url": f"/pcns/{code}/partials/cohort-trend?{q}",
        "csv_url": f"/pcns/{code}/cohort-trend.csv?{q}",
        "json_url": f"{API}/pcns/{code}/cohorts/trend?{q}",
        "chart_url": f"{API}/pcns/{code}/cohorts/trend/chart?{q}",
    }


@router.get(
    "/pcns/{code}/partials/cohort-trend", response_class=HTMLResponse, include_in_schema=False
)
def pcn_trend_partial(
    request: Request,
    code: str = PCN_PATH,
    date: dt.date = DateQuery,
    points: int = PointsQuery,
    step: int = StepQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    """The dashboard's Trend section: htmx swaps the fragment in; without JavaScript the
    section's link opens it as a whole page."""
    answer = pcn_trend(request, principal, con, code, date, points=points, step=step)
    context = {
        "principal": principal,
        "t": answer,
        "date": date,
        "rows": trend_rows(answer),
        "note": DISCLOSURE_NOTE,
        "steps": (1, 3, 6, 12),
        **_trend_urls(answer["code"], date, points, step),
    }
    if request.headers.get("HX-Request") == "true":
        return _render(request, "cohorts/_trend.html", context)
    return _render(request, "cohorts/trend.html", context)


@router.get("/pcns/{code}/cohort-trend.csv", include_in_schema=False)
def pcn_trend_csv(
    request: Request,
    code: str = PCN_PATH,
    date: dt.date = DateQuery,
    points: int = PointsQuery,
    step: int = StepQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> Response:
    answer = pcn_trend(request, principal, con, code, date, points=points, step=step,
                       action="export")  # fmt: skip
    name = f"cohort-trend-{answer['code']}-{answer['date']}.csv"
    return _csv(trend_rows(answer), ("row", "spec", "title", *answer["dates"]), name)


@router.get("/pcns/{code}/cohorts/{cohort}.csv", include_in_schema=False)
def pcn_worklist_csv(
    request: Request,
    code: str = PCN_PATH,
    cohort: CohortId = COHORT_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(Role.PCN_MANAGER)),
) -> Response:
    answer = worklist(request, principal, con, kind="pcn", code=code, cohort=cohort, day=date,
                      action="export")  # fmt: skip
    return _worklist_csv(answer)


@router.get("/practices/{code}/cohorts/{cohort}.csv", include_in_schema=False)
def practice_worklist_csv(
    request: Request,
    code: str = PRACTICE_PATH,
    cohort: CohortId = COHORT_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(Role.PCN_MANAGER, Role.PRACTICE_USER)),
) -> Response:
    answer = worklist(request, principal, con, kind="practice", code=code, cohort=cohort,
                      day=date, action="export")  # fmt: skip
    return _worklist_csv(answer)


def _worklist_csv(answer: Mapping[str, Any]) -> Response:
    rows = ({**r, "cohort": answer["cohort"]} for r in answer["rows"])
    name = f"worklist-{answer['code']}-{answer['cohort']}-{answer['date']}.csv"
    return _csv(rows, WORKLIST_COLUMNS, name)


@router.get("/pcns/{code}/cohorts/{cohort}", response_class=HTMLResponse, include_in_schema=False)
def pcn_worklist_page(
    request: Request,
    code: str = PCN_PATH,
    cohort: CohortId = COHORT_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(Role.PCN_MANAGER)),
) -> HTMLResponse:
    answer = worklist(request, principal, con, kind="pcn", code=code, cohort=cohort, day=date,
                      action="view")  # fmt: skip
    return _worklist_page(request, principal, answer, date)


@router.get(
    "/practices/{code}/cohorts/{cohort}", response_class=HTMLResponse, include_in_schema=False
)
def practice_worklist_page(
    request: Request,
    code: str = PRACTICE_PATH,
    cohort: CohortId = COHORT_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(Role.PCN_MANAGER, Role.PRACTICE_USER)),
) -> HTMLResponse:
    answer = worklist(request, principal, con, kind="practice", code=code, cohort=cohort,
                      day=date, action="view")  # fmt: skip
    return _worklist_page(request, principal, answer, date)


def _worklist_page(
    request: Request, principal: Principal, answer: dict[str, Any], date: dt.date
) -> HTMLResponse:
    base = "pcns" if answer["kind"] == "pcn" else "practices"
    q = f"date={date.isoformat()}"
    definition = DEFINITIONS[answer["cohort"]]
    return _render(
        request,
        "cohorts/worklist.html",
        {
            "principal": principal,
            "w": answer,
            "date": date,
            "definition": definition,
            "spec_title": SPECS[definition.spec],
            "back_url": f"/{base}/{answer['code']}"
            + ("/cohorts" if base == "pcns" else "")
            + f"?{q}",
            "csv_url": f"/{base}/{answer['code']}/cohorts/{answer['cohort']}.csv?{q}",
        },
    )


@router.get("/cohorts/risk-model", response_class=HTMLResponse, include_in_schema=False)
def risk_model_page(
    request: Request,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> HTMLResponse:
    card = risk_card(request, con, date)
    q = f"date={date.isoformat()}"
    return _render(
        request,
        "cohorts/model.html",
        {
            "principal": principal,
            "card": card,
            "date": date,
            "json_url": f"{API}/cohorts/risk-model?{q}",
            "chart_url": f"{API}/cohorts/risk-model/chart?{q}",
        },
    )


# ---------------------------------------------------------------- API
@router.get(f"{API}/cohorts", response_model=Definitions, tags=["cohorts"])
def api_definitions(principal: Principal = Depends(require(*EVERYONE))) -> dict[str, Any]:
    """Every cohort definition: its spec, criteria in words, codelists and source."""
    return definitions_answer()


@router.get(f"{API}/ics/{{ics}}/cohorts", response_model=IcsCohorts, tags=["cohorts"])
def api_ics(
    request: Request,
    ics: str = ICS_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*ICS_WIDE)),
) -> dict[str, Any]:
    """Every PCN's people per cohort and per eFI category (disclosure-controlled)."""
    return ics_cohorts(request, principal, con, ics, date)


@router.get(f"{API}/ics/{{ics}}/cohorts/efi-chart", response_model=dict[str, Any],
            tags=["cohorts"])  # fmt: skip
def api_ics_efi_chart(
    request: Request,
    ics: str = ICS_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*ICS_WIDE)),
) -> dict[str, Any]:
    """The Vega-Lite v5 spec of eFI categories by PCN (disclosure-controlled counts)."""
    answer = ics_cohorts(request, principal, con, ics, date)
    title = f"People aged 65+ by eFI category, PCNs of {answer['name']}, {answer['date']}"
    return efi_spec(answer["pcns"], title=title)


@router.get(f"{API}/pcns/{{code}}/cohorts", response_model=PcnCohorts, tags=["cohorts"])
def api_pcn(
    request: Request,
    code: str = PCN_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """The PCN's cohort sizes, CAN-01 and CVD-02 indicators and eFI categories (raw only for
    the PCN's manager, and then audited; disclosure-controlled for everyone else)."""
    return pcn_cohorts(request, principal, con, code, date)


@router.get(f"{API}/pcns/{{code}}/cohorts/trend", response_model=PcnTrend, tags=["cohorts"])
def api_pcn_trend(
    request: Request,
    code: str = PCN_PATH,
    date: dt.date = DateQuery,
    points: int = PointsQuery,
    step: int = StepQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """The PCN's cohort sizes, registered patients, CAN-01 and CVD-02 at `points` dates, `step`
    months apart, ending at `date` (dates before the PCN opened or the records start are left
    out, with the reason). Raw only for the PCN's manager, and then audited."""
    return pcn_trend(request, principal, con, code, date, points=points, step=step)


@router.get(f"{API}/pcns/{{code}}/cohorts/trend/chart", response_model=dict[str, Any],
            tags=["cohorts"])  # fmt: skip
def api_pcn_trend_chart(
    request: Request,
    code: str = PCN_PATH,
    date: dt.date = DateQuery,
    points: int = PointsQuery,
    step: int = StepQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """The Vega-Lite v5 spec of the PCN's trend: a line chart per specification and one of
    the indicators against their thresholds (the same counts as the trend API)."""
    answer = pcn_trend(request, principal, con, code, date, points=points, step=step)
    every = "month" if step == 1 else f"{step} months"
    title = f"{answer['name']}: cohorts every {every} to {answer['date']}"
    return trend_spec(answer, title=title)


@router.get(
    f"{API}/pcns/{{code}}/cohorts/{{cohort}}/worklist", response_model=Worklist, tags=["cohorts"]
)
def api_pcn_worklist(
    request: Request,
    code: str = PCN_PATH,
    cohort: CohortId = COHORT_PATH,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(Role.PCN_MANAGER)),
) -> dict[str, Any]:
    """The patients of the PCN in the cohort with the reason each is on it (the PCN's manager
    only; every call is audited)."""
    return worklist(request, principal, con, kind="pcn", code=code, cohort=cohort, day=date,
                    action="view")  # fmt: skip


@router.get(f"{API}/cohorts/risk-model", response_model=ModelCard, tags=["cohorts"])
def api_risk_model(
    request: Request,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """The emergency admission risk model's card: inputs, windows, AUROC and calibration."""
    return risk_card(request, con, date)


@router.get(f"{API}/cohorts/risk-model/chart", response_model=dict[str, Any], tags=["cohorts"])
def api_risk_model_chart(
    request: Request,
    date: dt.date = DateQuery,
    con: ibis.BaseBackend = Depends(warehouse),
    principal: Principal = Depends(require(*EVERYONE)),
) -> dict[str, Any]:
    """The Vega-Lite v5 spec of the risk model's calibration by decile."""
    card = risk_card(request, con, date)
    title = f"Calibration of the risk model, test year from {card['test_window']['index_date']}"
    return calibration_spec(card["metrics"]["calibration"], title=title)
