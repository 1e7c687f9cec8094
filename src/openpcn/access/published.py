"""Rows of the published table (`appointments_published`) for an ICS or a PCN, summed in the
database, and the one level each month is counted at.

The publication comes at CCG, PCN or practice level and a loaded file may hold several levels for
the same appointments, so each month is counted at the finest level loaded for it (practice, then
PCN, then CCG) and never at two.
"""

from __future__ import annotations

import datetime as dt

import ibis
import pandas as pd

#: Finest first: the level a month is counted at is the first of these with rows.
LEVELS = ("practice", "pcn", "ccg")
KEYS = ["month", "level", "org_code", "status", "hcp_type", "mode", "lead_time"]


def _scoped(con: ibis.BaseBackend, orgs: dict[str, list[str]]) -> ibis.Table:
    t = con.table("appointments_published")
    own = ibis.literal(False)
    for level, codes in orgs.items():
        if codes:
            own |= (t.level == level) & t.org_code.isin(codes)
    return t.filter(own)


def loaded_months(
    con: ibis.BaseBackend, orgs: dict[str, list[str]]
) -> tuple[dt.date, dt.date] | None:
    """The first and last month with published rows for these organisations, if any."""
    t = _scoped(con, orgs)
    frame = con.execute(t.aggregate(first=t.month.min(), last=t.month.max()))
    first, last = frame["first"].iloc[0], frame["last"].iloc[0]
    if first is None or pd.isna(first):
        return None
    return pd.Timestamp(first).date(), pd.Timestamp(last).date()


def published_counts(
    con: ibis.BaseBackend, orgs: dict[str, list[str]], first: dt.date, last: dt.date
) -> tuple[pd.DataFrame, list[str]]:
    """Counts per month, level, organisation and category in [first, last], and the sources."""
    t = _scoped(con, orgs)
    t = t.filter((t.month >= first) & (t.month <= last))
    frame = con.execute(t.group_by(KEYS).aggregate(count=t["count"].sum()))
    sources = con.execute(t.select("source").distinct())["source"]
    frame["month"] = pd.to_datetime(frame["month"]).dt.date
    frame["count"] = frame["count"].astype("int64")
    return frame, sorted(str(s) for s in sources.dropna())


def finest(frame: pd.DataFrame) -> pd.DataFrame:
    """Only the rows of each month's finest level, so no appointment is counted twice."""
    if frame.empty:
        return frame
    rank = frame["level"].map({level: i for i, level in enumerate(LEVELS)})
    best = rank.groupby(frame["month"]).transform("min")
    return frame[rank == best].reset_index(drop=True)
