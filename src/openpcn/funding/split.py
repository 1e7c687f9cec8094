"""Share a PCN's money among its member practices so the pennies add up exactly.

Each stream is shared by the practices' registered (or weighted) lists with the largest-remainder
method: everyone gets the floor of their exact share, and the pennies left over go to the largest
fractional parts (ties to the practice code that sorts first). Network participation is not
shared: each practice gets its own payment, which is how the PCN total was built.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Literal

import ibis

from openpcn.exceptions import InputError
from openpcn.funding.entitlements import (
    STREAMS,
    _value,
    entitlements,
    member_lists,
    practice_participation,
)
from openpcn.funding.rules import YearRules, rules_for

Basis = Literal["registered", "weighted"]


def largest_remainder(total: int, weights: list[float]) -> list[int]:
    """Integer shares of `total` in proportion to `weights`, summing to `total` exactly.

    All-zero (or no positive) weights share equally; negative weights are a programming error.
    """
    if not weights:
        return []
    if any(w < 0 for w in weights):
        raise ValueError("weights must not be negative")
    exact = [Fraction(str(w)) for w in weights]
    whole = sum(exact)
    if whole == 0:
        exact, whole = [Fraction(1)] * len(weights), Fraction(len(weights))
    quotas = [total * w / whole for w in exact]
    shares = [q.numerator // q.denominator for q in quotas]
    left = total - sum(shares)
    order = sorted(range(len(quotas)), key=lambda i: (-(quotas[i] - shares[i]), i))
    for i in order[:left]:
        shares[i] += 1
    return shares


def split(
    con: ibis.BaseBackend,
    pcn_code: str,
    year: str,
    basis: Basis = "registered",
    rules: YearRules | None = None,
) -> list[dict[str, Any]]:
    """One row per member practice: its share of every stream; the rows add up to the PCN's."""
    if basis not in ("registered", "weighted"):
        raise InputError(f"unknown basis {basis!r}", fix="use registered or weighted")
    rules = rules or rules_for(year)
    (pcn,) = entitlements(con, year, pcn=pcn_code, rules=rules)
    practices = member_lists(con, rules, [pcn["pcn_code"]])
    codes = [str(c) for c in practices["practice_code"]]
    weights = [_value(v) for v in practices[basis]]
    basis_total = sum(weights)
    shares: dict[str, list[int]] = {}
    for stream in STREAMS:
        total = round(pcn[stream] * 100)
        if stream == "network_participation":
            shares[stream] = [
                practice_participation(rules, _value(w)) for w in practices["weighted"]
            ]
        else:
            shares[stream] = largest_remainder(total, weights)
    rows = []
    for i, code in enumerate(codes):
        money = {s: shares[s][i] for s in STREAMS}
        rows.append(
            {
                "pcn_code": pcn["pcn_code"],
                "practice_code": code,
                "name": str(practices["name"].iloc[i]),
                "year": rules.year,
                "basis": basis,
                "registered_patients": _value(practices["registered"].iloc[i]),
                "weighted_patients": _value(practices["weighted"].iloc[i]),
                "share": weights[i] / basis_total if basis_total else 1 / len(codes),
                **{s: money[s] / 100 for s in STREAMS},
                "total": sum(money.values()) / 100,
            }
        )
    return rows
