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

from openpcn.orgs.hierarchy import LIVE_STATUSES, memberships_on, practices_live_on
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


def _denominator(codes: list[str], lists: pd.DataFrame) -> Denominator:
    """Sum the chosen lists (practice_code, registered_patients, as_of) of these practices."""
    listed = lists[lists["practice_code"].isin(codes) & lists["registered_patients"].notna()]
    return Denominator(
        float(listed["registered_patients"].sum()) if len(listed) else None,
        len(set(codes)),
        tuple(sorted({f"{d:%Y-%m-%d}" for d in pd.to_datetime(listed["as_of"])})),
        tuple(sorted(set(codes) - set(listed["practice_code"]))),
    )


def registered_on(con: ibis.BaseBackend, level: str, orgs: list[str], day: dt.date) -> Denominator:
    """One day's denominator straight from the orgs helpers (`practices_live_on`,
    `memberships_on`, `lists_on`): the reference `registered_by_month` is tested against."""
    codes = sorted(str(c) for c in con.execute(_practices(con, level, orgs, day))["practice_code"])
    lists = lists_on(con, day)
    chosen = con.execute(
        lists.filter(lists.practice_code.isin(codes or ["-"])).select(
            "practice_code", "registered_patients", "as_of"
        )
    )
    return _denominator(codes, chosen)


def _live(practices: pd.DataFrame, day: dt.date) -> pd.Series:
    """`openpcn.orgs.hierarchy.practices_live_on`'s rule, over fetched rows."""
    close, opened = practices["close_date"], practices["open_date"]
    status = practices["status"]
    live = status.isin(LIVE_STATUSES) | ((status == "closed") & close.notna() & (close >= day))
    return live & (opened.isna() | (opened <= day)) & ~(close.notna() & (close < day))


def _nearest(lists: pd.DataFrame, day: dt.date) -> pd.DataFrame:
    """`openpcn.orgs.lists.lists_on`'s rule, over fetched rows: per practice the list nearest
    the day; on a tie the earlier as_of, then the source that sorts first."""
    ranked = lists.assign(_distance=[abs((d - day).days) for d in lists["as_of"]])
    ranked = ranked.sort_values(["practice_code", "_distance", "as_of", "source"])
    return ranked.drop_duplicates("practice_code")


def _dates(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    for column in columns:
        frame[column] = [None if pd.isna(v) else pd.Timestamp(v).date() for v in frame[column]]
    return frame


def registered_by_month(
    con: ibis.BaseBackend, asked: list[tuple[dt.date, str, list[str]]]
) -> dict[dt.date, Denominator]:
    """For each (1st of a month, level, organisations): the registered patients of the practices
    they stand for, lists nearest the day. The same answer as `registered_on` day by day, from
    three small fetches instead of three queries a month (the orgs helpers' rules, applied to
    the fetched rows)."""
    wanted = {
        level: sorted({o for _, lv, orgs in asked if lv == level for o in orgs})
        for level in ("ccg", "pcn", "practice")
    }
    p, m = con.table("practices"), con.table("memberships")
    practices = _dates(
        con.execute(
            p.filter(p.commissioner_code.isin(wanted["ccg"] or ["-"])).select(
                "practice_code", "commissioner_code", "status", "open_date", "close_date"
            )
        ),
        "open_date",
        "close_date",
    )
    members = _dates(
        con.execute(
            m.filter(m.pcn_code.isin(wanted["pcn"] or ["-"])).select(
                "practice_code", "pcn_code", "start_date", "end_date"
            )
        ),
        "start_date",
        "end_date",
    )
    codes = sorted(
        set(practices["practice_code"]) | set(members["practice_code"]) | set(wanted["practice"])
    )
    t = con.table("practice_lists")
    lists = _dates(
        con.execute(
            t.filter(t.practice_code.isin(codes or ["-"])).select(
                "practice_code", "as_of", "registered_patients", "source"
            )
        ),
        "as_of",
    )
    out = {}
    for day, level, orgs in asked:
        if level == "practice":
            own = sorted(orgs)
        elif level == "pcn":
            start, end = members["start_date"], members["end_date"]
            open_ = (start <= day) & (end.isna() | (end >= day)) & members["pcn_code"].isin(orgs)
            own = sorted(set(members.loc[open_, "practice_code"]))
        else:
            live = _live(practices, day) & practices["commissioner_code"].isin(orgs)
            own = sorted(practices.loc[live, "practice_code"])
        out[day] = _denominator(own, _nearest(lists[lists["practice_code"].isin(own)], day))
    return out


def recorded_registered(
    con: ibis.BaseBackend, asked: list[tuple[dt.date, list[str]]]
) -> dict[dt.date, int]:
    """For each (day, practices): patients registered in the records there on the day
    (registered by then, not yet deregistered or dead), counted in one query."""
    if not asked:
        return {}
    codes = sorted({c for _, own in asked for c in own})
    days = ibis.memtable(pd.DataFrame({"day": pd.to_datetime([day for day, _ in asked])}))
    days = days.select(day=days.day.cast("date"))
    p = con.table("patients")
    p = p.filter(p.practice_code.isin(codes or ["-"])).select(
        "practice_code", "registration_date", "deregistration_date", "death_date"
    )
    on = p.cross_join(days)
    on = on.filter(
        (on.registration_date <= on.day)
        & (on.deregistration_date.isnull() | (on.deregistration_date > on.day))
        & (on.death_date.isnull() | (on.death_date > on.day))
    )
    frame = con.execute(on.group_by(["day", "practice_code"]).aggregate(n=on.count()))
    frame["day"] = pd.to_datetime(frame["day"]).dt.date
    return {
        day: int(frame.loc[(frame["day"] == day) & frame["practice_code"].isin(own), "n"].sum())
        for day, own in asked
    }
