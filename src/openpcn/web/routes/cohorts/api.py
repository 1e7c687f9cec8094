"""The cohorts API: definitions, the ICS's counts (and eFI chart), a PCN's counts, trend (and
chart) and worklists (per cohort, and per specification for a PCN or a practice), and the
risk model's card (and calibration chart)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from openpcn.cohorts.charts import calibration_spec, efi_spec, trend_spec
from openpcn.web.auth import Principal, require
from openpcn.web.kit.access import EVERYONE, Everyone, IcsWide
from openpcn.web.kit.params import API, DAY, Answer, IcsPath, PcnPath, PracticePath
from openpcn.web.routes.cohorts.answers import (
    definitions_answer,
    ics_cohorts,
    pcn_cohorts,
    pcn_trend,
    risk_card,
    spec_worklist,
    worklist,
)
from openpcn.web.routes.cohorts.models import (
    Definitions,
    IcsCohorts,
    ModelCard,
    PcnCohorts,
    PcnTrend,
    SpecWorklist,
    Worklist,
)
from openpcn.web.routes.cohorts.params import (
    CohortPath,
    IndicatorYear,
    PatientDate,
    PatientLevel,
    PcnManager,
    PcnSlice,
    Points,
    PracticeSlice,
    SpecPath,
    Step,
)

router = APIRouter()
SPEC = {"response_model": dict[str, Any], "tags": ["cohorts"]}  # a chart: a Vega-Lite spec


@router.get(f"{API}/cohorts", response_model=Definitions, tags=["cohorts"])
def api_definitions(principal: Principal = Depends(require(*EVERYONE))) -> Answer:
    """Every cohort definition: its spec, criteria in words, codelists and source."""
    return definitions_answer()


@router.get(f"{API}/ics/{{ics}}/cohorts", response_model=IcsCohorts, tags=["cohorts"])
def api_ics(
    ics: IcsPath, ask: IcsWide, date: PatientDate = DAY, year: IndicatorYear = None
) -> Answer:
    """Every PCN's people per cohort and per eFI category (disclosure-controlled)."""
    return ics_cohorts(ask, ics, date, year or None)


@router.get(f"{API}/ics/{{ics}}/cohorts/efi-chart", **SPEC)
def api_ics_efi_chart(
    ics: IcsPath, ask: IcsWide, date: PatientDate = DAY, year: IndicatorYear = None
) -> Answer:
    """The Vega-Lite v5 spec of eFI categories by PCN (disclosure-controlled counts)."""
    answer = ics_cohorts(ask, ics, date, year or None)
    title = f"People aged 65+ by eFI category, PCNs of {answer['name']}, {answer['date']}"
    return efi_spec(answer["pcns"], title=title)


@router.get(f"{API}/pcns/{{code}}/cohorts", response_model=PcnCohorts, tags=["cohorts"])
def api_pcn(
    code: PcnPath, ask: Everyone, date: PatientDate = DAY, year: IndicatorYear = None
) -> Answer:
    """The PCN's cohort sizes, the FIT indicator and CVD-02 and eFI categories (raw only for
    the PCN's manager, and then audited; disclosure-controlled for everyone else)."""
    return pcn_cohorts(ask, code, date, year or None)


@router.get(f"{API}/pcns/{{code}}/cohorts/trend", response_model=PcnTrend, tags=["cohorts"])
def api_pcn_trend(
    code: PcnPath, ask: Everyone, date: PatientDate = DAY, points: Points = 8, step: Step = 3
) -> Answer:
    """The PCN's cohort sizes, registered patients, CAN-01 and CVD-02 at `points` dates, `step`
    months apart, ending at `date` (dates before the PCN opened or the records start are left
    out, with the reason). Raw only for the PCN's manager, and then audited."""
    return pcn_trend(ask, code, date, points=points, step=step)


@router.get(f"{API}/pcns/{{code}}/cohorts/trend/chart", **SPEC)
def api_pcn_trend_chart(
    code: PcnPath, ask: Everyone, date: PatientDate = DAY, points: Points = 8, step: Step = 3
) -> Answer:
    """The Vega-Lite v5 spec of the PCN's trend: a line chart per specification and one of
    the indicators against their thresholds (the same counts as the trend API)."""
    answer = pcn_trend(ask, code, date, points=points, step=step)
    every = "month" if step == 1 else f"{step} months"
    title = f"{answer['name']}: cohorts every {every} to {answer['date']}"
    return trend_spec(answer, title=title)


@router.get(
    f"{API}/pcns/{{code}}/cohorts/{{cohort}}/worklist", response_model=Worklist, tags=["cohorts"]
)
def api_pcn_worklist(
    code: PcnPath,
    cohort: CohortPath,
    ask: PcnManager,
    listing: PcnSlice,
    date: PatientDate = DAY,
) -> Answer:
    """The patients of the PCN (or of one member practice) in the cohort with the reason each
    is on it, `limit` rows from `offset` of `total` (the PCN's manager only; every call is
    audited with the rows returned)."""
    return worklist(
        ask, kind="pcn", code=code, cohort=cohort, day=date, action="view", listing=listing
    )


@router.get(
    f"{API}/pcns/{{code}}/specs/{{spec}}/worklist", response_model=SpecWorklist, tags=["cohorts"]
)
def api_pcn_spec_worklist(
    code: PcnPath,
    spec: SpecPath,
    ask: PcnManager,
    listing: PcnSlice,
    date: PatientDate = DAY,
) -> Answer:
    """Every cohort of the specification as one list for the PCN (or one member practice): one
    row per person, with each cohort they are in and its reason (the PCN's manager only;
    audited with the rows returned)."""
    return spec_worklist(
        ask, kind="pcn", code=code, spec=spec, day=date, action="view", listing=listing
    )


@router.get(
    f"{API}/practices/{{code}}/specs/{{spec}}/worklist",
    response_model=SpecWorklist,
    tags=["cohorts"],
)
def api_practice_spec_worklist(
    code: PracticePath,
    spec: SpecPath,
    ask: PatientLevel,
    listing: PracticeSlice,
    date: PatientDate = DAY,
) -> Answer:
    """The practice's combined list of the specification (its practice_user or its PCN's
    manager; audited with the rows returned)."""
    return spec_worklist(
        ask, kind="practice", code=code, spec=spec, day=date, action="view", listing=listing
    )


@router.get(f"{API}/cohorts/risk-model", response_model=ModelCard, tags=["cohorts"])
def api_risk_model(ask: Everyone, date: PatientDate = DAY) -> Answer:
    """The emergency admission risk model's card: inputs, windows, AUROC and calibration."""
    return risk_card(ask, date)


@router.get(f"{API}/cohorts/risk-model/chart", **SPEC)
def api_risk_model_chart(ask: Everyone, date: PatientDate = DAY) -> Answer:
    """The Vega-Lite v5 spec of the risk model's calibration by decile."""
    card = risk_card(ask, date)
    title = f"Calibration of the risk model, test year from {card['test_window']['index_date']}"
    return calibration_spec(card["metrics"]["calibration"], title=title)
