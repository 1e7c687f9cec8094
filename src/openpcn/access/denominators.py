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
import pandas as pd

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


def _practices(con: ibis.BaseBackend, level: str, orgs: list[str], day: dt.date) -> ibis.Table:
    """The practices the rows of these organisations stand for on the day (practice_code)."""
    if level == "practice":
        return ibis.memtable({"practice_code": sorted(orgs) or ["-"]})
    if level == "pcn":
        m = memberships_on(con, day)
        return m.filter(m.pcn_code.isin(orgs or ["-"])).select("practice_code").distinct()
    live = practices_live_on(con, day)
    return live.filter(live.commissioner_code.isin(orgs or ["-"])).select("practice_code")


def registered_by_month(
    con: ibis.BaseBackend, asked: list[tuple[dt.date, str, list[str]]]
) -> dict[dt.date, Denominator]:
    """For each (1st of a month, level, organisations): the summed registered patients of the
    practices they stand for, lists nearest the day, all months in one query."""
    if not asked:
        return {}
    parts = []
    for day, level, orgs in asked:
        practices = _practices(con, level, orgs, day)
        lists = lists_on(con, day).select("practice_code", "registered_patients", "as_of")
        lists = lists.filter(lists.practice_code.isin(practices.practice_code))
        joined = practices.left_join(lists, "practice_code")
        parts.append(
            joined.select(
                day=ibis.literal(day),
                practice_code=practices.practice_code,
                registered_patients=joined.registered_patients,
                as_of=joined.as_of,
            )
        )
    frame = con.execute(ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0])
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    out = {}
    for day, _, _ in asked:
        own = frame[frame["day"] == day]
        listed = own[own["registered_patients"].notna()]
        out[day] = Denominator(
            float(listed["registered_patients"].sum()) if len(listed) else None,
            int(own["practice_code"].nunique()),
            tuple(sorted({f"{d:%Y-%m-%d}" for d in pd.to_datetime(listed["as_of"])})),
            tuple(sorted(set(own["practice_code"]) - set(listed["practice_code"]))),
        )
    return out


def recorded_registered(
    con: ibis.BaseBackend, asked: list[tuple[dt.date, list[str]]]
) -> dict[dt.date, int]:
    """For each (day, practices): patients registered in the records there on the day."""
    if not asked:
        return {}
    p = con.table("patients")
    parts = []
    for day, codes in asked:
        on = (
            p.practice_code.isin(codes or ["-"])
            & (p.registration_date <= day)
            & (p.deregistration_date.isnull() | (p.deregistration_date > day))
            & (p.death_date.isnull() | (p.death_date > day))
        )
        own = p.filter(on)
        parts.append(own.aggregate(n=own.count()).mutate(day=ibis.literal(day)))
    frame = con.execute(ibis.union(*parts, distinct=False) if len(parts) > 1 else parts[0])
    return {pd.Timestamp(d).date(): int(n) for d, n in zip(frame["day"], frame["n"], strict=True)}
