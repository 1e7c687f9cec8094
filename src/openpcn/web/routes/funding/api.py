"""The funding API: the ICS's entitlements (and chart), a PCN's split, and the year's rules."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends

from openpcn.funding.charts import streams_spec
from openpcn.web.auth import Principal, require
from openpcn.web.kit.access import EVERYONE, Everyone, IcsWide
from openpcn.web.kit.params import API, DEFAULT_YEAR, Answer, IcsPath, PcnPath, Year
from openpcn.web.routes.funding.answers import ics_funding, pcn_funding, rules_answer
from openpcn.web.routes.funding.models import IcsFunding, PcnSplit, Rules
from openpcn.web.routes.funding.params import BasisQuery

router = APIRouter()


@router.get(f"{API}/ics/{{ics}}/funding", response_model=IcsFunding, tags=["funding"])
def api_ics_funding(ics: IcsPath, ask: IcsWide, year: Year = DEFAULT_YEAR) -> Answer:
    """What each PCN of the ICS is owed in the year, stream by stream, with the ICS totals
    (the `openpcn funding entitlements --ics` answer)."""
    return ics_funding(ask, ics, year)


@router.get(f"{API}/ics/{{ics}}/funding/chart", response_model=dict[str, Any], tags=["funding"])
def api_ics_funding_chart(ics: IcsPath, ask: IcsWide, year: Year = DEFAULT_YEAR) -> Answer:
    """The Vega-Lite v5 spec of the ICS funding chart (a stacked bar per PCN by stream)."""
    answer = ics_funding(ask, ics, year)
    title = f"What each PCN of {answer['name']} is owed in {answer['year']}, by stream"
    return streams_spec(answer["items"], title=title)


@router.get(f"{API}/pcns/{{code}}/funding", response_model=PcnSplit, tags=["funding"])
def api_pcn_funding(
    code: PcnPath, ask: Everyone, year: Year = DEFAULT_YEAR, basis: BasisQuery = "registered"
) -> Answer:
    """The PCN's streams for the year and their split among its member practices (the
    shares add up to the PCN's total to the penny)."""
    return pcn_funding(ask, code, year, basis)


@router.get(f"{API}/funding/rules", response_model=Rules, tags=["funding"])
def api_rules(
    year: Year = DEFAULT_YEAR, principal: Principal = Depends(require(*EVERYONE))
) -> Answer:
    """Every rate and ARRS role in force in the year, with its source and UNCONFIRMED flag."""
    return rules_answer(year)
