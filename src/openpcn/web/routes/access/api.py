"""The access API: an ICS's or a PCN's appointments per month (published beside recorded), and
the Vega-Lite spec of each chart the page draws."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter

from openpcn.access.charts import chart_spec
from openpcn.web.kit.access import Everyone
from openpcn.web.kit.params import API, Answer
from openpcn.web.routes.access.answers import ics_access, pcn_view
from openpcn.web.routes.access.models import IcsAccess, PcnAccess
from openpcn.web.routes.access.params import Asked, ChartQuery

router = APIRouter()


@router.get(f"{API}/ics/{{ics}}/access", response_model=IcsAccess, tags=["access"])
def api_ics_access(ics: str, ask: Everyone, months: Asked) -> Answer:
    """Appointments per month for the ICS: per 1,000, by mode, staff type and lead time, and
    the DNA rate, published (NHS Digital) beside recorded (the patient records)."""
    return ics_access(ask, ics, months)


@router.get(f"{API}/ics/{{ics}}/access/chart", response_model=dict[str, Any], tags=["access"])
def api_ics_access_chart(
    ics: str, ask: Everyone, months: Asked, name: ChartQuery = "modes"
) -> Answer:
    """One access chart as a Vega-Lite v5 spec (data inline): modes, face_to_face, lead_times
    or dna."""
    return chart_spec(ics_access(ask, ics, months), name, width="container")


@router.get(f"{API}/pcns/{{code}}/access", response_model=PcnAccess, tags=["access"])
def api_pcn_access(code: str, ask: Everyone, months: Asked) -> Answer:
    """The same for a PCN, from PCN- or practice-level rows (none: only CCG rows are loaded);
    recorded counts disclosed."""
    return pcn_view(ask, code, months)


@router.get(f"{API}/pcns/{{code}}/access/chart", response_model=dict[str, Any], tags=["access"])
def api_pcn_access_chart(
    code: str, ask: Everyone, months: Asked, name: ChartQuery = "modes"
) -> Answer:
    """One of a PCN's access charts as a Vega-Lite v5 spec (recorded counts disclosed)."""
    return chart_spec(pcn_view(ask, code, months), name, width="container")
