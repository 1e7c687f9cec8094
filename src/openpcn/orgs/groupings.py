"""Custom groupings of practices (localities, districts) set beside the PCN hierarchy.

A grouping is not a rule: a PCN that straddles two localities is reported for information,
because localities are often older than PCNs and drawn for other purposes.
"""

from __future__ import annotations

import ibis

from openpcn.exceptions import NotFoundError
from openpcn.orgs.dates import DateLike
from openpcn.orgs.hierarchy import memberships_on
from openpcn.orgs.lists import lists_on


def _frame(con: ibis.BaseBackend, kind: str, date: DateLike):
    g = con.table("groupings")
    kinds = sorted(con.execute(g.select("grouping").distinct())["grouping"].astype(str))
    if kind not in kinds:
        known = ", ".join(kinds) if kinds else "none are loaded"
        raise NotFoundError(f"no grouping of kind {kind!r}", fix=f"use one of: {known}")
    on = memberships_on(con, date).select("practice_code", "pcn_code")
    pcns = con.table("pcns").select("pcn_code", pcn_name="name")
    lists = lists_on(con, date).select("practice_code", "registered_patients")
    expr = (
        g.filter(g.grouping == kind)
        .left_join(on, "practice_code")
        .select(~ibis.selectors.endswith("_right"))
        .left_join(pcns, "pcn_code")
        .select(~ibis.selectors.endswith("_right"))
        .left_join(lists, "practice_code")
        .select(~ibis.selectors.endswith("_right"))
    )
    return con.execute(expr.order_by(["group_code", "practice_code"]))


def groupings(con: ibis.BaseBackend, kind: str, date: DateLike) -> list[dict[str, object]]:
    """Each group of the kind: its practices, registered patients and the PCNs it overlaps."""
    frame = _frame(con, kind, date)
    out = []
    for (code, name), group in frame.groupby(["group_code", "group_name"], sort=True):
        practices = group.drop_duplicates("practice_code")
        pcns = []
        for pcn_code, members in group.dropna(subset=["pcn_code"]).groupby("pcn_code"):
            pcns.append(
                {
                    "pcn_code": str(pcn_code),
                    "name": str(members["pcn_name"].iloc[0]),
                    "practices": int(members["practice_code"].nunique()),
                }
            )
        out.append(
            {
                "group_code": str(code),
                "group_name": str(name),
                "practices": sorted(practices["practice_code"].astype(str)),
                "registered_patients": round(
                    float(practices["registered_patients"].fillna(0).sum()), 2
                ),
                "pcns": pcns,
                "practices_without_pcn": sorted(
                    group.loc[group["pcn_code"].isna(), "practice_code"].astype(str)
                ),
            }
        )
    return out


def straddling(con: ibis.BaseBackend, kind: str, date: DateLike) -> list[dict[str, object]]:
    """PCNs whose member practices fall in more than one group of the kind (informative).

    Only the PCNs' practices that appear in the grouping are seen; a PCN member missing from
    the grouping is listed under `ungrouped` by comparing with the PCN's full membership.
    """
    frame = _frame(con, kind, date).dropna(subset=["pcn_code"])
    on = con.execute(memberships_on(con, date).select("practice_code", "pcn_code"))
    out = []
    for pcn_code, members in frame.groupby("pcn_code", sort=True):
        groups = [
            {
                "group_code": str(code),
                "group_name": str(name),
                "practices": sorted(g["practice_code"].astype(str).unique()),
            }
            for (code, name), g in members.groupby(["group_code", "group_name"], sort=True)
        ]
        everyone = set(on.loc[on["pcn_code"] == pcn_code, "practice_code"].astype(str))
        ungrouped = sorted(everyone - set(members["practice_code"].astype(str)))
        if len(groups) > 1:
            out.append(
                {
                    "pcn_code": str(pcn_code),
                    "name": str(members["pcn_name"].iloc[0]),
                    "groups": groups,
                    "ungrouped": ungrouped,
                    "reason": (
                        f"its practices fall in {len(groups)} {kind} groups: "
                        + "; ".join(
                            f"{g['group_name']} ({', '.join(g['practices'])})" for g in groups
                        )
                    ),
                }
            )
    return out
