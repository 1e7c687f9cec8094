"""One PCN's ARRS plan for a year: its ARR sum, its role caps and its staff in post, solved.

The composition every surface needs (the CLI's `workforce plan`, the web planner and its API),
kept here so that no surface computes: the ARR sum from the funding rules and the warehouse's
lists, the ring-fenced GP sum (2024/25: its rate in the GP role's rules x the weighted list),
each role's WTE limit for the PCN's size on the planning date (100,000 patients or more: the
larger limit), the staff in post from the register (posts open at any time from the planning
date to the year's end), then `planner.plan`, costing each post by months to the year's end at
the caps in force (London caps when `london`). `existing` replaces the register's FTE per role
it names (what-if).

Without priorities, the PCN is planned as most began: the two roles the DES funded from its
first year (clinical pharmacist and social prescribing link worker, `FIRST_ROLES`) are covered
and balanced first, and the rest of the money buys the most WTE of the other roles. Weighting
every role alike instead would cover the cheapest roles first (a nursing associate from
October costs half a year) and leave a PCN without the pharmacist most PCNs employ first.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from typing import Any

import ibis

from openpcn.exceptions import NotFoundError
from openpcn.funding.entitlements import arrs_sum
from openpcn.funding.rules import Role, YearRules, rules_for
from openpcn.orgs.dates import DateLike, as_date, checked_date
from openpcn.orgs.hierarchy import members_of
from openpcn.store.appdb import AppDB
from openpcn.workforce.planner import plan
from openpcn.workforce.register import staff_for

#: the roles weighted when the user gives no priorities (the DES's two roles of 2019/20)
FIRST_ROLES = {"clinical_pharmacist": 1.0, "social_prescribing_link_worker": 1.0}


def planning_date(rules: YearRules, on: DateLike | None = None) -> dt.date:
    """The date whose eligible roles are planned: `on`, else the year's start or the first
    role's start (the DES began on 1 July 2019)."""
    if on is not None:
        return checked_date(on, "the planning date")
    first = min((r.from_date for r in rules.roles.values()), default=rules.start)
    return max(rules.start, first)


def roles_for_pcn(rules: YearRules, registered: float, on: dt.date) -> dict[str, Role]:
    """The year's roles with each WTE limit fixed for a PCN of `registered` patients on `on`
    (limits only rise within a year, so the one in force on the planning date holds)."""
    return {
        key: replace(
            role, max_wte=role.wte_cap(registered, on), max_wte_large_pcn=None, limit_changes=()
        )
        for key, role in rules.roles.items()
    }


def in_post(
    db: AppDB | None, con: ibis.BaseBackend, pcn: str, rules: YearRules, on: DateLike
) -> dict[str, float]:
    """FTE per ARRS role of the PCN's filled posts open at any time from `on` to the year's end."""
    if db is None:
        return {}
    day = as_date(on)
    posts = staff_for(db, pcn, practices=members_of(con, pcn, day))
    last, first_day = rules.end.isoformat(), day.isoformat()
    existing: dict[str, float] = {}
    for post in posts:
        overlaps = post["start_date"] <= last and (post["end_date"] or last) >= first_day
        if overlaps and not post["vacancy"] and post["role"] in rules.roles:
            existing[post["role"]] = round(existing.get(post["role"], 0.0) + float(post["fte"]), 4)
    return existing


def pcn_plan(
    con: ibis.BaseBackend,
    db: AppDB | None,
    pcn: str,
    year: str,
    *,
    priorities: dict[str, float] | None = None,
    on: DateLike | None = None,
    existing: dict[str, float] | None = None,
    rules: YearRules | None = None,
    london: bool = False,
) -> dict[str, Any]:
    """The PCN's optimal ARRS mix for the year (planner.plan's answer plus the PCN, the year,
    how the ARR sum was reached, and the register's staff in post as `in_post_register`)."""
    rules = rules or rules_for(year)
    code = pcn.strip().upper()
    pcns = con.table("pcns")
    if not int(con.execute(pcns.filter(pcns.pcn_code == code).count())):
        raise NotFoundError(
            f"no PCN with code {code!r} in the warehouse",
            fix="use a PCN code such as U42510 (`openpcn orgs summary` lists them)",
        )
    day = planning_date(rules, on)
    money = arrs_sum(con, code, rules.year, rules)
    registered = float(money["registered_patients"] or 0)
    roles = roles_for_pcn(rules, registered, day)
    ringfence = _ringfence(rules, money)
    register = in_post(db, con, code, rules, day)
    staff = dict(register)
    if existing is not None:
        staff.update(existing)
    staff = {key: fte for key, fte in staff.items() if fte}  # 0 WTE: no one, even if uncostable
    weights = priorities or {key: w for key, w in FIRST_ROLES.items() if key in roles}
    result = plan(
        float(money["arrs_sum"]),
        roles,
        priorities=weights or None,
        existing=staff,
        on=day,
        end=rules.end,
        london=london,
        ringfence=ringfence,
    )
    return {
        "pcn_code": code,
        "year": rules.year,
        "arrs": money,
        "in_post_register": register,
        **result,
        "objective": "priorities" if priorities else "first roles",
    }


def _ringfence(rules: YearRules, money: dict[str, Any]) -> float | None:
    """The ring-fenced GP sum (the funding stream `arrs_gp`: its rate x the weighted list);
    None when the year has no GP role to spend it on."""
    if not any(r.budget == "gp" for r in rules.roles.values()):
        return None
    return float(money.get("arrs_gp") or 0.0)
