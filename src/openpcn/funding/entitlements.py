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
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from typing import Any

import ibis
import pandas as pd

from openpcn.exceptions import NotFoundError
from openpcn.funding.rules import Rate, YearRules, rules_for
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
    "extended_hours",
    "enhanced_access",
    "care_home_premium",
    "pcn_support",
    "leadership_management",
    "capacity_access",
    "capacity_access_improvement",
    "iif_max",
    "arrs_sum",
    "arrs_gp",
)
#: the rules' stream key behind each money column (the same name but for the IIF and ARRS)
STREAM_RATES = {s: s for s in STREAMS} | {"iif_max": "iif", "arrs_sum": "arrs"}
_PENNY = Decimal("0.01")


@dataclass(frozen=True)
class MonthlyAmount:
    """What one stream pays the PCN for one month, with the rule that gives it."""

    month: dt.date  # first day of the month
    stream: str
    amount: Decimal  # to the penny
    rule: str  # e.g. "£1.50 per registered patient per year from 2019-04-01 to ... (source)"


def pennies(amount: Decimal | Fraction) -> int:
    """Round half-up to the penny once, as integer pennies."""
    if isinstance(amount, Fraction):
        return math.floor(amount * 100 + Fraction(1, 2))
    return int(amount.quantize(_PENNY, rounding=ROUND_HALF_UP) * 100)


def _d(value: float | int) -> Decimal:
    return Decimal(str(value))


def _f(value: float | int) -> Fraction:
    return Fraction(str(value))


def spread(months: list[Fraction]) -> list[int]:
    """Exact monthly amounts -> pennies that add up to the year's amount rounded once.

    Month k gets round(sum of months 1..k) - round(sum of months 1..k-1): each month is within a
    penny of its exact amount and the year is rounded half-up once, as before.
    """
    out, running, paid = [], Fraction(0), 0
    for amount in months:
        running += amount
        now = pennies(running)
        out.append(now - paid)
        paid = now
    return out


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


def _units(rules: YearRules, rate: Rate, registered: float, weighted: float, beds: int) -> Fraction:
    """How many of the row's unit the PCN has (IIF: points x list-size adjustment)."""
    if rate.unit == "per_registered_patient":
        return _f(registered)
    if rate.unit in ("per_weighted_patient", "per_adjusted_patient"):
        return _f(weighted)  # adjusted population taken to be the weighted list (UNCONFIRMED)
    if rate.unit == "per_bed":
        return Fraction(beds)
    if rate.unit == "per_point":
        iif = rules.iif
        if not iif:
            return Fraction(0)
        return _f(iif["points"]) * _f(registered) / _f(iif["average_pcn_list"])
    # role_caps (2019/20 ARRS): the roles' caps for the PCN's size
    total = Fraction(0)
    for role in rules.roles.values():
        wte = role.wte_cap(registered)
        if wte is not None and role.max_reimbursement is not None:
            total += _f(wte) * _f(role.max_reimbursement)
    return total


def exact_months(
    rules: YearRules, key: str, registered: float, weighted: float, beds: int = 0
) -> list[Fraction]:
    """The stream's exact amount for each month of the year (sum of its rows in force)."""
    rows = rules.rows(key)
    units = {id(r): _units(rules, r, registered, weighted, beds) for r in rows}
    return [
        sum((r.monthly() * units[id(r)] for r in rows if r.in_force(m)), Fraction(0))
        for m in rules.month_starts()
    ]


def practice_participation_months(rules: YearRules, weighted: float) -> list[int]:
    """One practice's network participation payment, month by month, in pennies."""
    return spread(exact_months(rules, "network_participation", 0, weighted))


def practice_participation(rules: YearRules, weighted: float) -> int:
    """One practice's network participation payment for the year, in pennies."""
    return sum(practice_participation_months(rules, weighted))


def stream_months(
    rules: YearRules, registered: float, weighted: float, beds: int, practice_weighted: list[float]
) -> dict[str, list[int]]:
    """Each stream for one PCN, month by month in pennies (network participation summed over
    the practices' own payments)."""
    out: dict[str, list[int]] = {}
    for stream in STREAMS:
        key = STREAM_RATES[stream]
        if stream == "network_participation":
            each = [practice_participation_months(rules, w) for w in practice_weighted]
            out[stream] = [sum(col) for col in zip(*each, strict=True)] if each else [0] * 12
        else:
            out[stream] = spread(exact_months(rules, key, registered, weighted, beds))
    return out


def stream_pennies(
    rules: YearRules, registered: float, weighted: float, beds: int, practice_weighted: list[float]
) -> dict[str, int]:
    """Each stream for one PCN for the year, in pennies (the sum of its months)."""
    months = stream_months(rules, registered, weighted, beds, practice_weighted)
    return {stream: sum(values) for stream, values in months.items()}


def iif_max_amount(rules: YearRules, registered: float, points: float | None = None) -> Fraction:
    """Points x GBP per point x (PCN registered list / average PCN list in England), over the
    months the IIF rows cover. The prevalence adjustment is not applied (not modelled yet)."""
    if not rules.iif or not rules.rows("iif"):
        return Fraction(0)
    full = sum(exact_months(rules, "iif", registered, 0), Fraction(0))
    if points is None:
        return full
    whole = _f(rules.iif["points"])
    return full * _f(points) / whole if whole else Fraction(0)


def arrs_amount(rules: YearRules, registered: float, weighted: float) -> Fraction:
    """The ARR sum: weighted list x GBP per weighted patient, or (2019/20) the roles' caps."""
    return sum(exact_months(rules, "arrs", registered, weighted), Fraction(0))


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
    `network_participation` is the sum of the member practices' own payments.
    """
    rules = rules or rules_for(year)
    pcns = _pcn_codes(con, ics, pcn).sort_values("pcn_code")
    codes = [str(c) for c in pcns["pcn_code"]]
    practices = member_lists(con, rules, codes if (ics or pcn) else None)
    beds = _care_home_beds(con)
    unconfirmed = unconfirmed_streams(rules)
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
            **{s: money[s] / 100 for s in STREAMS},
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


def unconfirmed_streams(rules: YearRules) -> list[str]:
    """The money columns resting on an UNCONFIRMED row (or IIF figure, or 2019/20 role cap)."""
    out = []
    for stream in STREAMS:
        key = STREAM_RATES[stream]
        if (
            rules.unconfirmed(key)
            or (stream == "iif_max" and rules.rows("iif") and rules.iif.get("unconfirmed"))
            or (stream == "arrs_sum" and _roles_unconfirmed(rules))
        ):
            out.append(stream)
    return out


def _roles_unconfirmed(rules: YearRules) -> bool:
    return any(r.unit == "role_caps" for r in rules.rows("arrs")) and any(
        r.unconfirmed for r in rules.roles.values()
    )


def monthly_entitlements(
    con: ibis.BaseBackend, year: str, pcn_code: str, rules: YearRules | None = None
) -> list[MonthlyAmount]:
    """What the PCN is owed month by month, stream by stream, to the penny, with the rule.

    One row per stream per month in which a row of the stream is in force; network
    participation is the sum of the member practices' own payments. The rows of a stream add up
    to its figure in `entitlements` exactly (the year is rounded once, months carry the pennies).
    """
    rules = rules or rules_for(year)
    (pcn,) = _pcn_codes(con, None, pcn_code)["pcn_code"]
    practices = member_lists(con, rules, [str(pcn)])
    weighted_each = [_value(w) for w in practices["weighted"]]
    registered = sum(_value(r) for r in practices["registered"])
    beds = _care_home_beds(con).get(str(pcn), 0)
    money = stream_months(rules, registered, sum(weighted_each), beds, weighted_each)
    out = []
    for i, month in enumerate(rules.month_starts()):
        for stream in STREAMS:
            in_force = [r for r in rules.rows(STREAM_RATES[stream]) if r.in_force(month)]
            if not in_force:
                continue
            rule = " + ".join(r.describe() for r in in_force)
            if stream == "iif_max" and rules.iif:
                rule = f"{rules.iif['points']:g} points x {rule}, x list / average PCN list"
            out.append(MonthlyAmount(month, stream, Decimal(money[stream][i]).scaleb(-2), rule))
    return out


def arrs_sum(
    con: ibis.BaseBackend, pcn_code: str, year: str, rules: YearRules | None = None
) -> dict[str, Any]:
    """The PCN's Additional Roles Reimbursement sum for the year, with how it was reached."""
    rules = rules or rules_for(year)
    (row,) = entitlements(con, year, pcn=pcn_code, rules=rules)
    rows = rules.rows("arrs")
    rate = rows[0] if rows else None
    per_weighted = rate.value if rate and rate.unit == "per_weighted_patient" else None
    return {
        "pcn_code": row["pcn_code"],
        "year": rules.year,
        "registered_patients": row["registered_patients"],
        "weighted_patients": row["weighted_patients"],
        "per_weighted_patient": per_weighted,
        "arrs_sum": row["arrs_sum"],
        "arrs_gp": row["arrs_gp"],
        "basis": rate.unit if rate else None,
        "source": rate.source if rate else "",
        "unconfirmed": bool(rate and rate.unconfirmed),
        "note": rate.note if rate else "no ARRS in this year's rules",
        "list_as_of": row["list_as_of"],
    }
