"""The cohorts API: definitions, the ICS's counts (and eFI chart), a PCN's counts, trend (and
chart) and worklist, and the risk model's card (and calibration chart)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import ibis
from fastapi import APIRouter, Depends, Request

from openpcn.cohorts.charts import calibration_spec, efi_spec, trend_spec
from openpcn.web.auth import Principal, Role, require
from openpcn.web.kit.access import EVERYONE, ICS_WIDE
from openpcn.web.kit.connections import warehouse
from openpcn.web.kit.params import API, ICS_PATH, PCN_PATH
from openpcn.web.routes.cohorts.answers import (
    definitions_answer,
    ics_cohorts,
    pcn_cohorts,
    pcn_trend,
    risk_card,
    worklist,
)
from openpcn.web.routes.cohorts.models import (
    Definitions,
    IcsCohorts,
    ModelCard,
    PcnCohorts,
    PcnTrend,
    Worklist,
)
from openpcn.web.routes.cohorts.params import (
    COHORT_PATH,
    CohortId,
    DateQuery,
    PointsQuery,
    StepQuery,
)

router = APIRouter()


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
