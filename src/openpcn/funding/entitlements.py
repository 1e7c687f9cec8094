"""What each PCN is owed in a financial year, stream by stream, from the warehouse's lists.

Lists: each member practice's list nearest the year's list date (1 January before the year;
`orgs.lists.lists_on`), and the as_of used is reported. Members: the core memberships open on
max(year start, 1 July 2019); a practice with none then but one starting later in the year is
counted from that membership (published ePCN data start on 1 Oct 2019). Money is computed in
Decimal and rounded half-up to the penny once per stream per PCN (network participation once
per practice, as it is paid to each practice), so totals reconcile exactly.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import ibis
import pandas as pd

from openpcn.exceptions import NotFoundError
from openpcn.funding.rules import YearRules, rules_for
from openpcn.orgs.dates import iso
from openpcn.orgs.hierarchy import resolve_ics
from openpcn.orgs.lists import lists_on

#: the day the Network Contract DES began
DES_START = dt.date(2019, 7, 1)
#: the money columns of an entitlement row, in display order; `total` is their sum
STREAMS = (
    "core",
    "clinical_director",
    "network_participation",
    "extended_access",
    "care_home_premium",
    "iif_max",
    "arrs_sum",
)
#: which rate keys feed each stream (for the `unconfirmed` list)
STREAM_RATES = {
    "core": ("core", "merged_core", "merged_core_adjusted"),
    "clinical_director": ("clinical_director",),
    "network_participation": ("network_participation",),
    "extended_access": ("extended_access", "enhanced_access"),
    "care_home_premium": ("care_home_premium",),
    "iif_max": ("iif",),
    "arrs_sum": ("arrs",),
}
_PENNY = Decimal("0.01")


def pennies(amount: Decimal) -> int:
    """Round half-up to the penny once, as integer pennies."""
    return int(amount.quantize(_PENNY, rounding=ROUND_HALF_UP) * 100)


def _d(value: float | int) -> Decimal:
    return Decimal(str(value))


def members_date(rules: YearRules) -> dt.date:
    """The date whose core memberships count for the year: max(year start, 1 July 2019)."""
    return max(rules.start, DES_START)


def member_lists(
    con: ibis.BaseBackend, rules: YearRules, pcn_codes: list[str] | None = None
) -> pd.DataFrame:
    """One row per member practice: pcn_code, practice_code, name, lists and as_of used."""
    day = members_date(rules)
    m = con.table("memberships")
    overlap = (m.start_date <= rules.end) & (m.end_date.isnull() | (m.end_date >= day))
    if pcn_codes is not None:
        overlap = overlap & m.pcn_code.isin(pcn_codes)
    members = con.execute(m.filter(overlap).select("practice_code", "pcn_code", "start_date"))
    if members.empty:
        return pd.DataFrame(
            columns=["pcn_code", "practice_code", "name", "registered", "weighted", "as_of"]
        )
    start = pd.to_datetime(members["start_date"]).dt.date
    # open on the day first (latest start wins), else the first membership later in the year
    members["_later"] = start > day
    members["_order"] = [
        (-s.toordinal() if not late else s.toordinal())
        for s, late in zip(start, members["_later"], strict=True)
    ]
    members = (
        members.sort_values(["practice_code", "_later", "_order", "pcn_code"])
        .drop_duplicates("practice_code")
        .loc[:, ["pcn_code", "practice_code"]]
    )
    lists = con.execute(
        lists_on(con, rules.list_date).select(
            "practice_code", "registered_patients", "weighted_patients", "as_of"
        )
    )
    p = con.table("practices")
    names = con.execute(p.select("practice_code", "name"))
    out = members.merge(lists, on="practice_code", how="left").merge(
        names, on="practice_code", how="left"
    )
    out = out.rename(columns={"registered_patients": "registered", "weighted_patients": "weighted"})
    out["name"] = out["name"].fillna(out["practice_code"])
    return out.sort_values(["pcn_code", "practice_code"]).reset_index(drop=True)


def _care_home_beds(con: ibis.BaseBackend) -> dict[str, int]:
    if "care_homes" not in con.list_tables():
        return {}
    c = con.table("care_homes")
    expr = (
        c.filter(c.aligned_pcn_code.notnull())
        .group_by("aligned_pcn_code")
        .aggregate(beds=c.beds.sum())
    )
    frame = con.execute(expr)
    return {str(k): int(v) for k, v in zip(frame["aligned_pcn_code"], frame["beds"], strict=True)}


def _value(x: object) -> float:
    """A list size as float, missing -> 0 (reported separately as a practice without a list)."""
    try:
        number = float(x)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0.0
    return 0.0 if number != number else number


def practice_participation(rules: YearRules, weighted: float) -> int:
    """One practice's network participation payment for the year, in pennies."""
    rate = rules.rates.get("network_participation")
    if rate is None:
        return 0
    return pennies(_d(rate.value) * _d(weighted) * rate.months / 12)


def stream_pennies(
    rules: YearRules, registered: float, weighted: float, beds: int, practice_weighted: list[float]
) -> dict[str, int]:
    """Each stream for one PCN, in pennies, from its lists, beds and practices' weighted lists."""
    r = rules.rates

    def per_year(key: str, units: float) -> Decimal:
        rate = r.get(key)
        return _d(rate.value) * _d(units) * rate.months / 12 if rate else Decimal(0)

    core = per_year("core", registered) + per_year("merged_core", registered)
    core += per_year("merged_core_adjusted", weighted)
    out = {
        "core": pennies(core),
        "clinical_director": pennies(per_year("clinical_director", registered)),
        "network_participation": sum(practice_participation(rules, w) for w in practice_weighted),
        "extended_hours": pennies(per_year("extended_access", registered)),
        "enhanced_access": pennies(per_year("enhanced_access", weighted)),
        "care_home_premium": pennies(per_year("care_home_premium", beds)),
        "iif_max": pennies(iif_max_amount(rules, registered)),
        "arrs_sum": pennies(arrs_amount(rules, registered, weighted)),
    }
    out["extended_access"] = out["extended_hours"] + out["enhanced_access"]
    return out


def iif_max_amount(rules: YearRules, registered: float, points: float | None = None) -> Decimal:
    """Points x GBP per point x (PCN registered list / average PCN list in England).

    The prevalence adjustment is not applied (UNCONFIRMED; no prevalence data is shipped).
    """
    iif = rules.iif
    if not iif or ("iif" in rules.rates and rules.rates["iif"].months == 0):
        return Decimal(0)
    months = rules.rates["iif"].months if "iif" in rules.rates else 12
    pts = _d(iif["points"] if points is None else points)
    return pts * _d(iif["per_point"]) * _d(registered) / _d(iif["average_pcn_list"]) * months / 12


def arrs_amount(rules: YearRules, registered: float, weighted: float) -> Decimal:
    """The ARR sum: weighted list x GBP per weighted patient, or (2019/20) the roles' caps."""
    rate = rules.rates.get("arrs")
    if rate is None:
        return Decimal(0)
    if rate.unit == "role_caps":
        total = Decimal(0)
        for role in rules.roles.values():
            wte = role.wte_cap(registered)
            if wte is None or role.max_reimbursement is None:
                continue
            total += _d(wte) * _d(role.max_reimbursement)
        return total * _d(rate.value) * rate.months / 12
    units = weighted if rate.unit == "per_weighted_patient" else registered
    return _d(rate.value) * _d(units) * rate.months / 12


def _pcn_codes(con: ibis.BaseBackend, ics: str | None, pcn: str | None) -> pd.DataFrame:
    p = con.table("pcns")
    if pcn is not None:
        code = pcn.strip().upper()
        frame = con.execute(p.filter(p.pcn_code == code).select("pcn_code", "name"))
        if frame.empty:
            raise NotFoundError(
                f"no PCN with code {code!r}",
                fix="use a PCN code from `openpcn orgs list` (U + 5 digits, e.g. U02749)",
            )
        return frame
    if ics is not None:
        footprint = resolve_ics(con, ics)
        expr = p.filter(p.commissioner_code.isin(list(footprint.commissioners)))
        return con.execute(expr.select("pcn_code", "name"))
    return con.execute(p.select("pcn_code", "name"))


def entitlements(
    con: ibis.BaseBackend,
    year: str,
    *,
    ics: str | None = None,
    pcn: str | None = None,
    rules: YearRules | None = None,
) -> list[dict[str, Any]]:
    """One row per PCN (all England when neither ics nor pcn is given), sorted by code.

    `total` is the sum of every stream, `iif_max` (the most the IIF could pay) included.
    `extended_access` is extended hours plus enhanced access (both shown separately too).
    `network_participation` is the sum of the member practices' own payments.
    """
    rules = rules or rules_for(year)
    pcns = _pcn_codes(con, ics, pcn).sort_values("pcn_code")
    codes = [str(c) for c in pcns["pcn_code"]]
    practices = member_lists(con, rules, codes if (ics or pcn) else None)
    beds = _care_home_beds(con)
    unconfirmed = [
        stream
        for stream, keys in STREAM_RATES.items()
        if any(k in rules.rates and rules.rates[k].unconfirmed for k in keys)
        or (stream == "iif_max" and rules.iif and rules.iif.get("unconfirmed"))
        or (stream == "arrs_sum" and _roles_unconfirmed(rules))
    ]
    groups: dict[str, list[tuple[str, object, object, object]]] = {}
    for key, *member in zip(
        practices["pcn_code"],
        practices["practice_code"],
        practices["registered"],
        practices["weighted"],
        practices["as_of"],
        strict=True,
    ):
        groups.setdefault(str(key), []).append(tuple(member))  # type: ignore[arg-type]
    rows = []
    for code, name in zip(pcns["pcn_code"], pcns["name"], strict=True):
        code = str(code)
        group = groups.get(code, [])
        registered_each = [_value(r) for _, r, _, _ in group]
        weighted_each = [_value(w) for _, _, w, _ in group]
        registered, weighted = sum(registered_each), sum(weighted_each)
        n_beds = beds.get(code, 0)
        money = stream_pennies(rules, registered, weighted, n_beds, weighted_each)
        total = sum(money[s] for s in STREAMS)
        missing = sorted(str(p) for p, r, w, _ in group if pd.isna(r) or pd.isna(w))
        as_of = sorted({iso(a) or "" for *_, a in group if not pd.isna(a)})
        row: dict[str, Any] = {
            "pcn_code": code,
            "name": str(name),
            "year": rules.year,
            **{s: money[s] / 100 for s in STREAMS[:4]},
            "extended_hours": money["extended_hours"] / 100,
            "enhanced_access": money["enhanced_access"] / 100,
            **{s: money[s] / 100 for s in STREAMS[4:]},
            "total": total / 100,
            "registered_patients": round(registered, 2),
            "weighted_patients": round(weighted, 2),
            "list_as_of": ", ".join(a for a in as_of if a),
            "members_on": members_date(rules).isoformat(),
            "practices": len(group),
            "practices_without_list": missing,
            "care_home_beds": n_beds,
            "unconfirmed": unconfirmed,
        }
        rows.append(row)
    return rows


def _roles_unconfirmed(rules: YearRules) -> bool:
    rate = rules.rates.get("arrs")
    return bool(
        rate and rate.unit == "role_caps" and any(r.unconfirmed for r in rules.roles.values())
    )


def arrs_sum(
    con: ibis.BaseBackend, pcn_code: str, year: str, rules: YearRules | None = None
) -> dict[str, Any]:
    """The PCN's Additional Roles Reimbursement sum for the year, with how it was reached."""
    rules = rules or rules_for(year)
    (row,) = entitlements(con, year, pcn=pcn_code, rules=rules)
    rate = rules.rates.get("arrs")
    per_weighted = rate.value if rate and rate.unit == "per_weighted_patient" else None
    return {
        "pcn_code": row["pcn_code"],
        "year": rules.year,
        "registered_patients": row["registered_patients"],
        "weighted_patients": row["weighted_patients"],
        "per_weighted_patient": per_weighted,
        "arrs_sum": row["arrs_sum"],
        "basis": rate.unit if rate else None,
        "source": rate.source if rate else "",
        "unconfirmed": bool(rate and rate.unconfirmed),
        "note": rate.note if rate else "no ARRS in this year's rules",
        "list_as_of": row["list_as_of"],
    }
