"""The prevalence API: the ICS's published prevalence (and one condition's funnel chart), the
registers recorded in the records, the comparison of the two, and a PCN's own prevalence."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from openpcn.prevalence.charts import funnel_spec
from openpcn.web.kit.access import Everyone, IcsWide
from openpcn.web.kit.params import API, DAY, Answer, HierarchyDate
from openpcn.web.routes.prevalence.answers import (
    condition_of,
    ics_compare,
    ics_records,
    pcn_prevalence,
    summary_for,
)
from openpcn.web.routes.prevalence.models import (
    PcnPrevalence,
    PrevalenceCompare,
    PrevalenceRecords,
    PrevalenceSummary,
)
from openpcn.web.routes.prevalence.params import DEFAULT_QOF_YEAR, Condition, QofYear

router = APIRouter()


@router.get(f"{API}/ics/{{ics}}/prevalence", response_model=PrevalenceSummary, tags=["prevalence"])
def api_ics_prevalence(ics: str, ask: Everyone, year: QofYear = DEFAULT_QOF_YEAR) -> Answer:
    """QOF's published prevalence per condition: England, the ICS, each PCN and practice, with
    Wilson 95% intervals, funnel flags around the ICS and the change from the year before."""
    return summary_for(ask.request, ics, year)


@router.get(
    f"{API}/ics/{{ics}}/prevalence/chart", response_model=dict[str, Any], tags=["prevalence"]
)
def api_ics_prevalence_chart(
    ics: str, ask: Everyone, condition: Condition = "HYP", year: QofYear = DEFAULT_QOF_YEAR
) -> Answer:
    """One condition's funnel plot as a Vega-Lite v5 spec (data inline)."""
    summary = summary_for(ask.request, ics, year)
    entry = condition_of(summary, condition)
    return funnel_spec(entry, summary["ics"]["name"], summary["year"], width="container")


@router.get(
    f"{API}/ics/{{ics}}/prevalence/compare",
    response_model=PrevalenceCompare,
    tags=["prevalence"],
)
def api_ics_prevalence_compare(ics: str, ask: IcsWide, year: QofYear = DEFAULT_QOF_YEAR) -> Answer:
    """Registers recorded on the QOF year's end date against the published ones, per practice
    and condition, flagged on funnel limits (disclosure-controlled)."""
    return ics_compare(ask, ics, year)


@router.get(
    f"{API}/ics/{{ics}}/prevalence/records",
    response_model=PrevalenceRecords,
    tags=["prevalence"],
)
def api_ics_prevalence_records(ics: str, ask: IcsWide, date: HierarchyDate = DAY) -> Answer:
    """Registers recorded in the records on the date, for the ICS and each PCN, over QOF's
    list types (disclosure-controlled)."""
    return ics_records(ask, ics, date)


@router.get(f"{API}/pcns/{{code}}/prevalence", response_model=PcnPrevalence, tags=["prevalence"])
def api_pcn_prevalence(code: str, ask: Everyone, year: QofYear = DEFAULT_QOF_YEAR) -> Answer:
    """A PCN's prevalence per condition against the ICS and England, its practices, and their
    recorded registers against the published ones."""
    return pcn_prevalence(ask, code, year)
