"""`openpcn prevalence summary`: QOF's published prevalence for an ICS, its PCNs and practices
against England, with Wilson 95% intervals, funnel limits around the ICS and the change from the
previous QOF year.

A PCN's or the ICS's prevalence is its practices' registers over their lists (QOF's own way of
aggregating), so a practice without a published register is left out of both sums and counted.
Intervals and limits come from `openpcn.quality.stats` (docs/quality.md); percentages are 0-100.
"""

from __future__ import annotations

from typing import Any

import ibis
import pandas as pd

from openpcn.prevalence.groups import load_groups, parse_year, previous_year, year_end
from openpcn.prevalence.published import (
    england_totals,
    group_names,
    ics_practice_frame,
    published_rows,
)
from openpcn.prevalence.records import pct
from openpcn.quality.stats import Z95, flag, funnel_limits, wilson_interval


def interval_pct(register: float, list_size: float) -> tuple[float, float] | tuple[None, None]:
    """Wilson 95% interval on 0-100, or (None, None) without a list to divide by."""
    if register is None or list_size is None or pd.isna(register) or not list_size > 0:
        return None, None
    lower, upper = wilson_interval(float(register), float(list_size), Z95)
    return 100 * lower, 100 * upper


def versus(lower: float | None, upper: float | None, benchmark: float | None) -> str | None:
    """'higher' or 'lower' when the 95% interval excludes the benchmark, else 'similar'."""
    if lower is None or upper is None or benchmark is None:
        return None
    if lower > benchmark:
        return "higher"
    if upper < benchmark:
        return "lower"
    return "similar"


def measure(register: Any, list_size: Any, england_pct: float | None = None) -> dict[str, Any]:
    """register, list_size, prevalence_pct, Wilson 95% interval and the comparison to England."""
    has = register is not None and not pd.isna(register) and list_size is not None
    has = has and not pd.isna(list_size)
    lower, upper = interval_pct(register, list_size) if has else (None, None)
    return {
        "register": int(register) if has else None,
        "list_size": int(list_size) if list_size is not None and not pd.isna(list_size) else None,
        "prevalence_pct": pct(register, list_size) if has else None,
        "ci_lower_pct": lower,
        "ci_upper_pct": upper,
        "vs_england": versus(lower, upper, england_pct),
    }


def funnel(value_pct: float | None, n: int | None, target_pct: float | None) -> dict[str, Any]:
    """Funnel limits around `target_pct` for a denominator n, and where the value sits."""
    if value_pct is None or not n or target_pct is None:
        return {"flag": None, "flag_level": None}
    target = target_pct / 100
    limits = funnel_limits(target, float(n))
    where = flag(value_pct / 100, float(n), target)
    out: dict[str, Any] = {"flag": where.label, "flag_level": where.level}
    for level, key in ((0.95, "limit95"), (0.998, "limit998")):
        lower, upper = limits[level]
        out[f"{key}_lower_pct"], out[f"{key}_upper_pct"] = 100 * lower, 100 * upper
    return out


def _sums(rows: pd.DataFrame) -> tuple[int | None, int | None, int]:
    valued = rows[rows["register"].notna() & rows["list_size"].notna()]
    if valued.empty:
        return None, None, 0
    return int(valued["register"].sum()), int(valued["list_size"].sum()), len(valued)


def prevalence_summary(con: ibis.BaseBackend, ics: str, year: str) -> dict[str, Any]:
    """Per QOF group: England, the ICS (and its previous-year value), each PCN and practice."""
    year = parse_year(year)
    before = previous_year(year)
    view, practices = ics_practice_frame(con, ics, year_end(year), year)
    codes = list(practices["practice_code"])
    rows = published_rows(con, year, codes).merge(practices, on="practice_code", how="left")
    earlier = published_rows(con, before, codes)
    england = england_totals(con, year)
    england_before = england_totals(con, before)
    names = group_names(con, year)
    rules = load_groups()
    order = [c for c in rules if c in set(rows["group_code"])] + sorted(
        set(rows["group_code"]) - set(rules)
    )
    conditions = []
    for code in order:
        own = rows[rows["group_code"] == code]
        eng = (
            measure(england.loc[code, "register"], england.loc[code, "list_size"])
            if code in england.index
            else measure(None, None)
        )
        eng_pct = eng["prevalence_pct"]
        reg, size, counted = _sums(own)
        ics_value = measure(reg, size, eng_pct) | {"practices": counted}
        old = earlier[earlier["group_code"] == code]
        old_reg, old_size, _ = _sums(old)
        ics_value["previous"] = measure(old_reg, old_size)
        ics_value["change_pct_points"] = (
            None
            if ics_value["prevalence_pct"] is None
            or ics_value["previous"]["prevalence_pct"] is None
            else ics_value["prevalence_pct"] - ics_value["previous"]["prevalence_pct"]
        )
        if code in england_before.index:
            eng["previous_pct"] = pct(
                england_before.loc[code, "register"], england_before.loc[code, "list_size"]
            )
        ics_pct = ics_value["prevalence_pct"]
        pcns = []
        for pcn_code, group in own[own["pcn_code"].notna()].groupby("pcn_code", sort=True):
            p_reg, p_size, p_n = _sums(group)
            value = measure(p_reg, p_size, eng_pct)
            pcns.append(
                {"pcn_code": pcn_code, "name": group["pcn_name"].iloc[0], "practices": p_n}
                | value
                | funnel(value["prevalence_pct"], value["list_size"], ics_pct)
            )
        old_pct = {
            r.practice_code: pct(r.register, r.list_size)
            for r in old.itertuples()
            if not pd.isna(r.register)
        }
        units = []
        for r in own.sort_values("practice_code").itertuples():
            value = measure(r.register, r.list_size, eng_pct)
            previous = old_pct.get(r.practice_code)
            units.append(
                {
                    "practice_code": r.practice_code,
                    "name": r.practice_name,
                    "pcn_code": r.pcn_code,
                }
                | value
                | {
                    "previous_pct": previous,
                    "change_pct_points": None
                    if previous is None or value["prevalence_pct"] is None
                    else value["prevalence_pct"] - previous,
                }
                | funnel(value["prevalence_pct"], value["list_size"], ics_pct)
            )
        group_rule = rules.get(code)
        description, list_type = names.get(code, (None, None))
        conditions.append(
            {
                "condition": code,
                "description": description or (group_rule.description if group_rule else code),
                "list_type": list_type or str(own["list_type"].dropna().iloc[0])
                if own["list_type"].notna().any()
                else list_type,
                "england": eng,
                "ics": ics_value,
                "pcns": pcns,
                "practices": units,
                "not_published": int(own["register"].isna().sum()),
            }
        )
    return {
        "ics": view.footprint.as_dict(),
        "year": year,
        "previous_year": before,
        "date": year_end(year).isoformat(),
        "pcn_date": view.date.isoformat(),
        "practices": len(practices),
        "practices_without_data": sorted(set(codes) - set(rows["practice_code"])),
        "conditions": conditions,
        "method": (
            "prevalence = register / list size of the group's QOF list type; ICS and PCN values "
            "sum their practices' registers and lists; 95% intervals are Wilson score "
            "intervals; funnel limits (95%, 99.8%) are around the ICS value for each "
            "denominator (normal approximation to the binomial, Spiegelhalter 2005)"
        ),
    }
