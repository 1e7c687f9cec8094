"""The ICS > PCN > practice hierarchy on any date, from dated memberships.

Memberships carry start and end dates (end null = still open), so every question here takes a
date. Queries are Ibis expressions (DuckDB or Spark); only the small per-ICS result is pulled
into pandas, as an `IcsView`, for the rules and the graph work.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass

import ibis
import ibis.expr.types as ir
import pandas as pd

from openpcn.codes import STP_CODE
from openpcn.exceptions import ConfigError, NotFoundError
from openpcn.orgs.dates import DateLike, as_date, open_on
from openpcn.orgs.lists import lists_on

#: practices.status values that count as a practice that exists (dormant still exists in ODS).
LIVE_STATUSES = ("active", "dormant")

_PRACTICE_COLUMNS = (
    "practice_code",
    "name",
    "postcode",
    "commissioner_code",
    "status",
    "rurality",
    "dispensing",
    "lat",
    "lon",
    "imd2019_score",
)


def memberships_on(con: ibis.BaseBackend, date: DateLike) -> ir.Table:
    """Core memberships open on the date: start_date <= date and (end_date null or >= date)."""
    day = as_date(date)
    m = con.table("memberships")
    return m.filter(open_on(m.start_date, m.end_date, day))


def practices_live_on(con: ibis.BaseBackend, date: DateLike) -> ir.Table:
    """Practices that exist on the date: active or dormant, opened by then and not yet closed.

    A practice whose status is closed still counts on dates before its close_date.
    """
    day = as_date(date)
    p = con.table("practices")
    live = p.status.isin(LIVE_STATUSES) | ((p.status == "closed") & (p.close_date >= day))
    opened = p.open_date.isnull() | (p.open_date <= day)
    closed = p.close_date.notnull() & (p.close_date < day)
    return p.filter(live & opened & ~closed)


def pcn_of(con: ibis.BaseBackend, practice_code: str, date: DateLike) -> str | None:
    """The PCN a practice is a core member of on the date (None if none).

    If a practice wrongly has two memberships open on the date, the latest started wins here;
    `check` reports the overlap (rule 2).
    """
    m = memberships_on(con, date)
    expr = (
        m.filter(m.practice_code == practice_code)
        .order_by([ibis.desc("start_date"), "pcn_code"])
        .limit(1)
        .select("pcn_code")
    )
    frame = con.execute(expr)
    return None if frame.empty else str(frame["pcn_code"].iloc[0])


def members_of(con: ibis.BaseBackend, pcn_code: str, date: DateLike) -> list[str]:
    """The practice codes that are core members of the PCN on the date, sorted."""
    m = memberships_on(con, date)
    expr = m.filter(m.pcn_code == pcn_code).select("practice_code").distinct()
    return sorted(con.execute(expr)["practice_code"].astype(str))


@dataclass(frozen=True)
class Footprint:
    """The commissioners an ICS code stands for: one CCG code, or every CCG of an ICS code."""

    code: str
    name: str
    commissioners: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {"code": self.code, "name": self.name, "commissioners": list(self.commissioners)}


def resolve_ics(con: ibis.BaseBackend, ics: str) -> Footprint:
    """Find the commissioners for an ICS code: a commissioner code like 11J, an ICS code like
    QVV, or an STP's ONS code like E54000041 (every CCG of that 2019 footprint).

    In 2019 data an ICS is asked for by its CCG code (Dorset: 11J, coterminous with QVV).
    """
    code = ics.strip().upper()
    c = con.execute(con.table("commissioners"))
    own = c[c["code"] == code]
    if not own.empty:
        return Footprint(code, str(own["name"].iloc[0]), (code,))
    group = c[c["ics_code"] == code].sort_values("code")
    if not group.empty:
        return Footprint(code, f"ICS {code}", tuple(group["code"].astype(str)))
    if STP_CODE.is_valid(code) and "stp_code" in c:
        stp = c[c["stp_code"] == code].sort_values("code")
        if not stp.empty:
            return Footprint(code, str(stp["stp_name"].iloc[0]), tuple(stp["code"].astype(str)))
    pcns = con.table("pcns")
    used = con.execute(pcns.filter(pcns.commissioner_code == code).count())
    if used:
        return Footprint(code, code, (code,))
    raise NotFoundError(
        f"no commissioner or ICS with code {code!r}",
        fix="use a commissioner (CCG / sub-ICB) code such as 11J, an ICS code such as QVV, or "
        "an STP code such as E54000041",
    )


@dataclass(frozen=True)
class IcsArea:
    """One STP (the 2019 footprint of an ICS) with its NHS region and CCGs: a unit England is
    worked through, one `resolve_ics(con, code)` each."""

    code: str  # ONS STP code, e.g. E54000041
    name: str
    region_code: str
    region_name: str
    commissioners: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "code": self.code,
            "name": self.name,
            "region_code": self.region_code,
            "region_name": self.region_name,
            "commissioners": list(self.commissioners),
        }


def ics_list(con: ibis.BaseBackend) -> list[IcsArea]:
    """Every STP the commissioners table names, sorted by region code then STP code, so a run
    over England goes region by region in a fixed order. CCGs without an STP are left out."""
    c = con.table("commissioners")
    cols = ("code", "stp_code", "stp_name", "region_code", "region_name")
    if "stp_code" not in c.columns:
        raise ConfigError(
            "this warehouse's commissioners have no STP columns (built before they were added)",
            fix="rebuild it with `openpcn init --force` (imported data will be lost)",
        )
    frame = con.execute(c.filter(c.stp_code.notnull()).select(*cols))
    frame = frame.sort_values(["region_code", "stp_code", "code"])
    return [
        IcsArea(
            code=str(stp),
            name=str(group["stp_name"].iloc[0]),
            region_code=str(group["region_code"].iloc[0]),
            region_name=str(group["region_name"].iloc[0]),
            commissioners=tuple(group["code"].astype(str)),
        )
        for stp, group in frame.groupby("stp_code", sort=False)
    ]


@dataclass(frozen=True)
class IcsView:
    """One ICS on one date, in pandas: small enough to hold, shaped for the rules.

    `members` has one row per open membership of an ICS PCN (a practice wrongly in two PCNs
    appears twice); `commissioned` has one row per live practice the ICS commissions; both
    carry the practice's attributes and its list size nearest the date (`lists_on`).
    """

    footprint: Footprint
    date: dt.date
    pcns: pd.DataFrame  # pcn_code, name, commissioner_code, postcode
    members: pd.DataFrame  # pcn_code, start_date + practice columns + list columns
    commissioned: pd.DataFrame  # practice columns + list columns
    memberships: pd.DataFrame  # every open membership of a practice in either set
    exceptions: pd.DataFrame  # pcn_code, reason: band exceptions open on the date
    commissioner_names: dict[str, str]

    def pcn_name(self, code: str) -> str:
        """The PCN's name, or the code itself when the pcns table does not know it."""
        hit = self.memberships.loc[self.memberships["pcn_code"] == code, "pcn_name"].dropna()
        if hit.empty:
            hit = self.pcns.loc[self.pcns["pcn_code"] == code, "name"]
        return str(hit.iloc[0]) if not hit.empty else code

    def practice_name(self, code: str) -> str:
        """The practice's name, or the code when the practices table does not know it."""
        for frame in (self.members, self.commissioned):
            hit = frame.loc[frame["practice_code"] == code, "name"].dropna()
            if not hit.empty:
                return str(hit.iloc[0])
        return code


_SHARED: ContextVar[dict[tuple[int, str, dt.date], IcsView] | None] = ContextVar(
    "openpcn_shared_views", default=None
)


@contextmanager
def shared_views() -> Iterator[None]:
    """Within the block, each (connection, ICS, date) view is gathered once and shared.

    For work that asks many capabilities about one ICS on one date (the ICS report asks six),
    on a warehouse that does not change meanwhile. Views are read, never changed, by callers.
    """
    token = _SHARED.set({})
    try:
        yield
    finally:
        _SHARED.reset(token)


def ics_view(con: ibis.BaseBackend, ics: str, date: DateLike) -> IcsView:
    """Gather the ICS's PCNs, their members and the practices it commissions on the date."""
    day = as_date(date)
    shared = _SHARED.get()
    if shared is None:
        return _gather(con, ics, day)
    key = (id(con), ics, day)
    if key not in shared:
        shared[key] = _gather(con, ics, day)
    return shared[key]


def _gather(con: ibis.BaseBackend, ics: str, day: dt.date) -> IcsView:
    footprint = resolve_ics(con, ics)
    commissioners = list(footprint.commissioners)
    on = memberships_on(con, day)
    p_all = con.table("practices")
    pcn_t = con.table("pcns")
    ics_pcns = pcn_t.filter(pcn_t.commissioner_code.isin(commissioners))
    with_members = on.select("pcn_code").distinct()
    pcn_open = open_on(
        pcn_t.open_date.fill_null(day), pcn_t.close_date, day
    )  # a PCN with no open_date counts as open
    pcns_expr = ics_pcns.filter(ics_pcns.pcn_code.isin(with_members.pcn_code) | pcn_open).select(
        "pcn_code", "name", "commissioner_code", "postcode"
    )
    pcns = con.execute(pcns_expr.order_by("pcn_code"))

    lists = lists_on(con, day)
    practice_cols = p_all.select(*_PRACTICE_COLUMNS)
    member_expr = (
        on.filter(on.pcn_code.isin(list(pcns["pcn_code"].astype(str)) or ["-"]))
        .select("practice_code", "pcn_code", "start_date")
        .left_join(practice_cols, "practice_code")
        .select(~ibis.selectors.endswith("_right"))
    )
    member_expr = _with_lists(member_expr, lists)
    members = con.execute(member_expr.order_by(["pcn_code", "practice_code"]))
    members["in_practices"] = members["name"].notna()

    live = practices_live_on(con, day)
    comm_expr = _with_lists(
        live.filter(live.commissioner_code.isin(commissioners)).select(*_PRACTICE_COLUMNS), lists
    )
    commissioned = con.execute(comm_expr.order_by("practice_code"))

    codes = sorted(set(members["practice_code"]) | set(commissioned["practice_code"]))
    ms_expr = on.filter(on.practice_code.isin(codes or ["-"])).left_join(
        pcn_t.select("pcn_code", pcn_name="name", pcn_commissioner="commissioner_code"),
        "pcn_code",
    )
    memberships = con.execute(
        ms_expr.select(~ibis.selectors.endswith("_right")).order_by(["practice_code", "start_date"])
    )
    ex = con.table("band_exceptions")
    exceptions = con.execute(
        ex.filter(open_on(ex.start_date, ex.end_date, day))
        .filter(ex.pcn_code.isin(list(pcns["pcn_code"].astype(str)) or ["-"]))
        .order_by(["pcn_code", "start_date"])
        .select("pcn_code", "reason")
    ).drop_duplicates("pcn_code")
    comm = con.execute(con.table("commissioners").select("code", "name"))
    names = dict(zip(comm["code"].astype(str), comm["name"].astype(str), strict=True))
    return IcsView(footprint, day, pcns, members, commissioned, memberships, exceptions, names)


def pcn_totals(view: IcsView) -> pd.DataFrame:
    """Per ICS PCN on the date: members, summed list sizes, and members lacking a list size.

    Sums keep the fractions of the published lists; rounding is for display only.
    """
    rows = []
    for pcn in view.pcns.itertuples():
        own = view.members[view.members["pcn_code"] == pcn.pcn_code]
        own = own.drop_duplicates("practice_code")
        weighted = own["weighted_patients"]
        rows.append(
            {
                "pcn_code": str(pcn.pcn_code),
                "name": str(pcn.name),
                "commissioner_code": str(pcn.commissioner_code),
                "practices": len(own),
                "registered_patients": float(own["registered_patients"].fillna(0).sum()),
                "weighted_patients": float(weighted.sum()) if weighted.notna().any() else None,
                "without_list": sorted(
                    own.loc[own["registered_patients"].isna(), "practice_code"].astype(str)
                ),
            }
        )
    columns = [
        "pcn_code",
        "name",
        "commissioner_code",
        "practices",
        "registered_patients",
        "weighted_patients",
        "without_list",
    ]
    return pd.DataFrame(rows, columns=columns)


def _with_lists(expr: ir.Table, lists: ir.Table) -> ir.Table:
    """Attach each practice's list size nearest the date (left join: missing stays null)."""
    chosen = lists.select(
        "practice_code",
        "registered_patients",
        "weighted_patients",
        list_as_of="as_of",
        list_source="source",
    )
    joined = expr.left_join(chosen, "practice_code")
    return joined.select(~ibis.selectors.endswith("_right"))
