"""What the formation page and API answer: today's configuration and proposals, kept per app.

A proposal is checked at once (unknown practices, contradictions: a 4xx before any solve) and
then worked out as a job (`openpcn.web.kit.jobs.soon`, cancellable by its owner) on the
instance already gathered for today's configuration. The maps are GeoJSON of the two
configurations, drawn as the ICS page draws PCNs, each proposed network in the colour of the
current PCN whose name it carries.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from openpcn.figures import long_date
from openpcn.formation import (
    Instance,
    Params,
    Proposal,
    checked_params,
    current,
    load_instance,
    propose_for,
)
from openpcn.orgs.geo import networks_geojson
from openpcn.web.auth import forbid_unless
from openpcn.web.kit.access import WHOLE_ICS, Ask
from openpcn.web.kit.cache import Cache
from openpcn.web.kit.jobs import cancel_event, soon

cached = Cache("formation", size=32)

CSV_COLUMNS = (
    "practice_code",
    "name",
    "patients",
    "current_code",
    "current_name",
    "proposed_code",
    "proposed_name",
    "moved",
)


def may_run(ask: Ask) -> bool:
    """Analysts and admins ask for proposals; a PCN manager only looks."""
    return ask.principal.role in WHOLE_ICS


def grouping_kinds(ask: Ask) -> list[str]:
    """The grouping kinds loaded (e.g. district), which `within` may name."""

    def kinds(con: Any) -> list[str]:
        g = con.table("groupings")
        return sorted(str(k) for k in con.execute(g.select("grouping").distinct())["grouping"])

    return cached.query(ask.request, ("kinds",), kinds)


def instance_of(ask: Ask, params: Params) -> Instance:
    key = ("instance", params.ics, params.date, params.within)
    return cached.query(ask.request, key, lambda con: load_instance(con, params))


def current_of(ask: Ask, params: Params) -> Proposal:
    """Today's configuration, measured against the band asked for."""
    key = ("current", params.ics, params.date, params.band, params.within)
    return cached.query(ask.request, key, lambda con: current(con, params))


def _label(params: Params) -> str:
    return (
        f"Proposed networks for {params.ics} on {long_date(params.date)} "
        f"({params.mode}, up to {params.time_limit:g} s)"
    )


def checked(ask: Ask, params: Params) -> Instance:
    """The instance, once the parameters pass the optimiser's own check (a 4xx otherwise)."""
    forbid_unless(may_run(ask))
    instance = instance_of(ask, params)
    checked_params(params, instance)
    return instance


def proposal_of(ask: Ask, params: Params, again: int = 0) -> Proposal:
    """The proposal for these parameters: kept, or worked out as a cancellable job (`again`:
    a new number asks afresh, e.g. after a cancelled solve, whose best-so-far is kept)."""
    instance = checked(ask, params)
    return soon(
        ask,
        cached,
        ("proposal", params, again),
        lambda con: propose_for(instance, params, cancel=cancel_event()),
        label=_label(params),
        cancellable=True,
    )


def kept_proposal(ask: Ask, params: Params, again: int = 0) -> Proposal | None:
    """The proposal if it has been worked out already (None: nobody has asked for it)."""
    forbid_unless(may_run(ask))
    found, value = cached.peek(ask.request, ("proposal", params, again))
    return value if found else None


def practice_rows(proposal: Proposal) -> list[dict[str, Any]]:
    """One row per practice: today's network and the proposed one, and whether it moves."""
    return [
        {**row, "moved": "yes" if row["proposed_code"] != row["current_code"] else "no"}
        for row in proposal.practices()
    ]


def maps(today: Proposal, proposal: Proposal | None) -> dict[str, Any]:
    """GeoJSON of today's networks and of the proposal (moved practices flagged)."""
    rows = pd.DataFrame(
        [
            {**r, "registered_patients": r["patients"]}
            for r in (practice_rows(proposal) if proposal else today.practices())
        ]
    )
    now = rows.assign(pcn_code=rows["current_code"])
    names = {n.code: n.name for n in today.instance.networks}
    drawn = networks_geojson(now, names)
    colours = {
        str(f["properties"]["code"]): str(f["properties"]["colour"])
        for f in drawn["features"]
        if f["properties"]["kind"] == "pcn"
    }
    out: dict[str, Any] = {"current": drawn}
    if proposal is not None:
        proposed = rows.assign(pcn_code=rows["proposed_code"], moved=rows["moved"] == "yes")
        named = {str(r["code"]): str(r["name"]) for r in proposal.pcns()}
        mapped = networks_geojson(proposed, named, colours, extra=("moved",))
        mapped["properties"]["links"] = False  # proposed networks have no page
        out["proposed"] = mapped
    return out


def view(ask: Ask, params: Params, proposal: Proposal | None) -> dict[str, Any]:
    """What the page shows: today's configuration and, once run, the proposal beside it."""
    today = current_of(ask, params)
    return {
        "current": today.as_dict(),
        "proposal": proposal.as_dict() if proposal is not None else None,
        "rows": practice_rows(proposal) if proposal is not None else [],
        "maps": maps(today, proposal),
    }
