"""What the funding pages and API answer: `openpcn.funding` results (entitlements, split,
rules), cached per app, for the ICS or the PCN the principal may see.

Funding is an aggregate: admin and ics_analyst see every PCN; a pcn_manager their own PCN and
the ICS their PCN belongs to; a practice_user their practice's PCN (not the ICS-wide table).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

from openpcn.funding.entitlements import STREAM_RATES, STREAMS, entitlements
from openpcn.funding.rules import YearRules, financial_years, rules_for
from openpcn.funding.split import split
from openpcn.web.kit.access import Ask, may_see_ics, open_pcn
from openpcn.web.kit.cache import Cache
from openpcn.web.routes.funding.models import Basis

cached = Cache("funding", size=256)


@functools.lru_cache(maxsize=16)
def year_rules(year: str) -> YearRules:
    """The shipped rules of a year (an unknown or malformed year is an InputError: 422)."""
    return rules_for(year)


def totals_of(rows: Iterable[Mapping[str, Any]]) -> dict[str, float]:
    """Each stream and the total added up in whole pennies (so it matches to the penny)."""
    rows = list(rows)
    return {key: sum(round(float(r[key]) * 100) for r in rows) / 100 for key in (*STREAMS, "total")}


def ics_funding(ask: Ask, ics: str, year: str) -> dict[str, Any]:
    rules = year_rules(year)
    found = may_see_ics(ask, ics)
    code = str(found["code"])
    rows = cached(
        ask.request,
        ("entitlements", code, rules.year),
        lambda: entitlements(ask.con, rules.year, ics=code, rules=rules),
    )
    unconfirmed = sorted({s for r in rows for s in r["unconfirmed"]}, key=STREAMS.index)
    return {
        "ics": code,
        "name": str(found["name"]),
        "year": rules.year,
        "streams": list(STREAMS),
        "paid_streams": [s for s in STREAMS if rules.rows(STREAM_RATES[s])],
        "items": rows,
        "totals": totals_of(rows),
        "unconfirmed": unconfirmed,
    }


def pcn_funding(ask: Ask, code: str, year: str, basis: Basis) -> dict[str, Any]:
    detail = open_pcn(ask, code)
    rules = year_rules(year)
    key = str(detail["code"])
    (row,) = cached(
        ask.request,
        ("entitlements-pcn", key, rules.year),
        lambda: entitlements(ask.con, rules.year, pcn=key, rules=rules),
    )
    shares = cached(
        ask.request,
        ("split", key, rules.year, basis),
        lambda: split(ask.con, key, rules.year, basis, rules=rules),
    )
    return {
        "pcn_code": key,
        "name": row["name"],
        "year": rules.year,
        "basis": basis,
        "pcn": row,
        "practices": shares,
        "totals": totals_of(shares),
    }


def rules_answer(year: str) -> dict[str, Any]:
    rules = year_rules(year)
    return rules.as_dict() | {"years": financial_years()}
