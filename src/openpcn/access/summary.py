"""`openpcn access summary`: appointments per month for an ICS (or a PCN), published beside
recorded.

Published: Appointments in General Practice rows of the ICS's commissioners (CCG level), its
PCNs or its practices, each month at the finest level loaded (`published.finest`), per 1,000
registered patients (`denominators`). Recorded: the `appointments` patient table over the same
practices and months, aggregated in the database; below ICS level its counts are disclosed
(`openpcn.cohorts.disclosure`) before any total or rate is worked out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import ibis
import pandas as pd

from openpcn.access.categories import categories
from openpcn.access.denominators import (
    PUBLISHED_DENOMINATOR,
    RECORDED_DENOMINATOR,
    recorded_registered,
    registered_by_month,
)
from openpcn.access.measures import DNA_RULE, Shown, as_published, month_measures
from openpcn.access.months import month_text, next_month
from openpcn.access.published import finest, loaded_months, published_counts
from openpcn.access.recorded import recorded_counts
from openpcn.cohorts.disclosure import disclose
from openpcn.exceptions import NotFoundError
from openpcn.orgs.hierarchy import memberships_on, resolve_ics

RECORDED_NOTE = (
    "the records hold no booking date, so no lead times; video and online are one category; "
    "nurses, pharmacists and other roles are 'other practice staff'; cancelled appointments are "
    "left out"
)
DISCLOSED_NOTE = (
    "recorded counts below ICS level are disclosed: 1-7 redacted, others rounded to the nearest "
    "5, totals and rates worked from what is shown"
)
CCG_ONLY = "only CCG-level data is loaded for {name}: no PCN or practice rows to show it apart"


class NoAppointments(NotFoundError):
    """No published appointments for what was asked: none loaded, or none in the range."""


@dataclass(frozen=True)
class Scope:
    """Whose appointments: the organisations whose published rows count, per level, and the
    practices whose recorded appointments count (members found per month for a PCN)."""

    kind: str  # ics | pcn
    code: str
    name: str
    orgs: dict[str, list[str]]
    practices: list[str]  # every practice that may count; a PCN's are narrowed per month
    commissioners: tuple[str, ...] = ()  # whose CCG rows give a PCN its months, if it has none


def _ics_scope(con: ibis.BaseBackend, ics: str) -> tuple[Scope, dict[str, Any]]:
    footprint = resolve_ics(con, ics)
    ccgs = list(footprint.commissioners)
    p, n = con.table("practices"), con.table("pcns")
    practices = con.execute(p.filter(p.commissioner_code.isin(ccgs)).select("practice_code"))
    pcns = con.execute(n.filter(n.commissioner_code.isin(ccgs)).select("pcn_code"))
    codes = sorted(practices["practice_code"].astype(str))
    orgs = {"ccg": ccgs, "pcn": sorted(pcns["pcn_code"].astype(str)), "practice": codes}
    return Scope("ics", footprint.code, footprint.name, orgs, codes), footprint.as_dict()


def _pcn_scope(con: ibis.BaseBackend, pcn: str) -> tuple[Scope, dict[str, Any]]:
    n = con.table("pcns")
    found = con.execute(
        n.filter(n.pcn_code == pcn.strip().upper()).select("pcn_code", "name", "commissioner_code")
    )
    if found.empty:
        raise NotFoundError(f"no PCN {pcn!r} in the warehouse", fix="check the PCN code")
    code, name = str(found["pcn_code"].iloc[0]), str(found["name"].iloc[0])
    m = con.table("memberships")
    ever = con.execute(m.filter(m.pcn_code == code).select("practice_code").distinct())
    codes = sorted(ever["practice_code"].astype(str))
    commissioner = found["commissioner_code"].dropna().astype(str).tolist()
    scope = Scope("pcn", code, name, {"pcn": [code], "practice": codes}, codes, tuple(commissioner))
    return scope, {
        "code": code,
        "name": name,
    }


def _members(con: ibis.BaseBackend, scope: Scope, day: dt.date) -> list[str]:
    """The practices that count on the day: all of an ICS's, a PCN's core members."""
    if scope.kind == "ics":
        return scope.practices
    m = memberships_on(con, day)
    expr = m.filter(m.pcn_code == scope.code).select("practice_code").distinct()
    return sorted(str(c) for c in con.execute(expr)["practice_code"])


def _published_months(con: ibis.BaseBackend, scope: Scope, frame: pd.DataFrame) -> list[dict]:
    months = []
    for month, own in finest(frame).groupby("month", sort=True):
        level = str(own["level"].iloc[0])
        orgs = sorted(own["org_code"].astype(str).unique())
        if scope.kind == "pcn" and level == "practice":
            members = set(_members(con, scope, month))
            own = own[own["org_code"].isin(members)]
            orgs = sorted(set(orgs) & members)
        months.append((month, level, orgs, own))
    lists = registered_by_month(con, [(month, level, orgs) for month, level, orgs, _ in months])
    rows = []
    for month, level, orgs, own in months:
        denominator = lists[month]
        rows.append(
            {
                "month": month_text(month),
                "level": level,
                "orgs": orgs,
                "registered_patients": denominator.registered,
                "practices": denominator.practices,
                "list_as_of": list(denominator.as_of),
                "without_list": list(denominator.without_list),
            }
            | month_measures(own, denominator.registered)
        )
    return rows


def _recorded_months(
    con: ibis.BaseBackend, scope: Scope, months: list[dt.date], shown: Shown
) -> list[dict]:
    if not months:
        return []
    frame = recorded_counts(con, scope.practices, months[0], months[-1])
    found = []
    for month in months:
        codes = _members(con, scope, month)
        own = frame[(frame["month"] == month) & frame["practice_code"].isin(codes)]
        if not own.empty:
            found.append((month, codes, own))
    registered = recorded_registered(con, [(month, codes) for month, codes, _ in found])
    rows = []
    for month, _, own in found:
        patients = shown(registered[month])
        rows.append(
            {"month": month_text(month), "registered_patients": patients}
            | month_measures(own, patients, shown)
        )
    return rows


def access_summary(
    con: ibis.BaseBackend, ics: str, first: dt.date | None = None, last: dt.date | None = None
) -> dict[str, Any]:
    """Published and recorded appointments per month for the ICS, from `first` to `last`
    (1sts of months; default: every month loaded)."""
    scope, header = _ics_scope(con, ics)
    return _summary(con, scope, first, last) | {"ics": header}


def pcn_access(
    con: ibis.BaseBackend, pcn: str, first: dt.date | None = None, last: dt.date | None = None
) -> dict[str, Any]:
    """The same for one PCN, from PCN- or practice-level rows; where only CCG rows are loaded
    the published part is empty and `note` says so. Recorded counts are disclosed."""
    scope, header = _pcn_scope(con, pcn)
    return _summary(con, scope, first, last) | {"pcn": header}


def _summary(
    con: ibis.BaseBackend, scope: Scope, first: dt.date | None, last: dt.date | None
) -> dict[str, Any]:
    loaded = loaded_months(con, scope.orgs)
    notes = []
    if loaded is None:
        if scope.kind == "ics":
            raise NoAppointments(
                f"no published appointments are loaded for {scope.name} ({scope.code})",
                fix="import the NHS Digital file with `openpcn import appointments FILE`",
            )
        notes.append(CCG_ONLY.format(name=scope.name))
        ccg = loaded_months(con, {"ccg": list(scope.commissioners)})
        start, end = first or (ccg and ccg[0]), last or (ccg and ccg[1])
        frame, sources = pd.DataFrame(), []
    else:
        start, end = first or loaded[0], last or loaded[1]
        if start > loaded[1] or end < loaded[0] or start > end:
            raise NoAppointments(
                f"no published appointments for {scope.name} ({scope.code}) from "
                f"{month_text(start)} to {month_text(end)}",
                fix=f"the months loaded run from {month_text(loaded[0])} to "
                f"{month_text(loaded[1])}: ask for months within them",
            )
        frame, sources = published_counts(con, scope.orgs, start, end)
    published = _published_months(con, scope, frame) if len(frame) else []
    if published:
        months = sorted(dt.date.fromisoformat(f"{r['month']}-01") for r in published)
    elif start and end:
        months = _months_between(start, end)
    else:
        months = []
    below_ics = scope.kind == "pcn"
    recorded = _recorded_months(con, scope, months, disclose if below_ics else as_published)
    if below_ics:
        notes.append(DISCLOSED_NOTE)
    return {
        "scope": {"kind": scope.kind, "code": scope.code, "name": scope.name},
        "from": month_text(start) if start else None,
        "to": month_text(end) if end else None,
        "loaded": [month_text(d) for d in loaded] if loaded else None,
        "levels": sorted({r["level"] for r in published}),
        "published": published,
        "recorded": recorded,
        "denominator": PUBLISHED_DENOMINATOR,
        "recorded_denominator": RECORDED_DENOMINATOR,
        "dna_rule": DNA_RULE,
        "recorded_note": RECORDED_NOTE,
        "notes": notes,
        "sources": sources,
        "categories_source": categories().source,
    }


def _months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    out, day = [], first
    while day <= last:
        out.append(day)
        day = next_month(day)
    return out
