"""Who the appointments are per 1,000 of.

Published counts are per 1,000 registered patients: the practice_lists row nearest the 1st of
the month (`openpcn.orgs.lists_on`) of the practices the counted rows stand for (a CCG's live
practices on that day, a PCN's core members, or the practices themselves). Recorded counts are
per 1,000 patients registered in the records on the 1st of the month, so each is over its own
population.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import ibis

from openpcn.orgs.hierarchy import memberships_on, practices_live_on
from openpcn.orgs.lists import lists_on

PUBLISHED_DENOMINATOR = (
    "registered patients from practice_lists nearest the 1st of each month (the list of the "
    "practices the counted rows stand for: a CCG's live practices, a PCN's core members, or the "
    "practices themselves)"
)
RECORDED_DENOMINATOR = (
    "patients registered in the records on the 1st of each month (registered by then, not yet "
    "deregistered or dead) at the same practices"
)


@dataclass(frozen=True)
class Denominator:
    """Registered patients of a set of practices on a day, and where the number came from."""

    registered: float | None
    practices: int
    as_of: tuple[str, ...]  # the practice_lists dates used (nearest the day)
    without_list: tuple[str, ...]


def practices_for(con: ibis.BaseBackend, level: str, orgs: list[str], day: dt.date) -> list[str]:
    """The practices the rows of these organisations stand for on the day."""
    if level == "practice":
        return sorted(orgs)
    if level == "pcn":
        m = memberships_on(con, day)
        expr = m.filter(m.pcn_code.isin(orgs or ["-"])).select("practice_code").distinct()
    else:
        live = practices_live_on(con, day)
        expr = live.filter(live.commissioner_code.isin(orgs or ["-"])).select("practice_code")
    return sorted(str(c) for c in con.execute(expr)["practice_code"])


def registered_on(con: ibis.BaseBackend, codes: list[str], day: dt.date) -> Denominator:
    """Summed registered patients of the practices, lists nearest the day."""
    lists = lists_on(con, day)
    frame = con.execute(
        lists.filter(lists.practice_code.isin(codes or ["-"])).select(
            "practice_code", "registered_patients", "as_of"
        )
    )
    frame = frame[frame["registered_patients"].notna()]
    missing = sorted(set(codes) - set(frame["practice_code"].astype(str)))
    as_of = sorted({f"{d:%Y-%m-%d}" for d in frame["as_of"]})
    total = float(frame["registered_patients"].sum()) if len(frame) else None
    return Denominator(total, len(codes), tuple(as_of), tuple(missing))


def recorded_registered(con: ibis.BaseBackend, codes: list[str], day: dt.date) -> int:
    """Patients registered in the records at these practices on the day."""
    p = con.table("patients")
    on = (
        p.practice_code.isin(codes or ["-"])
        & (p.registration_date <= day)
        & (p.deregistration_date.isnull() | (p.deregistration_date > day))
        & (p.death_date.isnull() | (p.death_date > day))
    )
    return int(con.execute(p.filter(on).count()))
