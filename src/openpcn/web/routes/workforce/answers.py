"""What the workforce pages and API answer: the what-if input read from a form or query, and
the ICS's GP workforce indicators for a principal who may see them.

Only aggregates are shown: no staff register row reaches a page or an answer. Nothing here is
cached: the register can change under the app.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from fastapi import Request

from openpcn.exceptions import InputError
from openpcn.web.kit.access import Ask, may_see_ics
from openpcn.web.kit.connections import appdb
from openpcn.workforce.indicators import staffing_indicators

WEIGHT, FTE = "w_", "fte_"  # what-if form fields: w_<role>=weight, fte_<role>=FTE in post


def _number(field: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not math.isfinite(value) or value < 0:
        raise InputError(f"{field} must be a number of 0 or more", fix="for example 1 or 0.5")
    return value


def what_if(request: Request) -> tuple[dict[str, float] | None, dict[str, float] | None]:
    """The page form's priorities (w_ROLE) and staff in post (fte_ROLE); blank counts as 0."""
    weights: dict[str, float] = {}
    staff: dict[str, float] = {}
    for name, text in request.query_params.multi_items():
        for prefix, into, what in ((WEIGHT, weights, "priority"), (FTE, staff, "staff in post")):
            if name.startswith(prefix) and len(name) > len(prefix):
                role = name[len(prefix) :]
                into[role] = _number(f"the {what} of {role}", text.strip() or "0")
    return weights or None, staff or None


def pairs(items: list[str], what: str) -> dict[str, float] | None:
    """ROLE:NUMBER query values (the API) as a dict."""
    out: dict[str, float] = {}
    for item in items:
        role, sep, number = item.partition(":")
        if not sep or not role:
            raise InputError(
                f"{what} {item!r} is not ROLE:NUMBER", fix="e.g. clinical_pharmacist:2"
            )
        out[role.strip()] = _number(f"the {what} of {role}", number)
    return out or None


def risk_answer(ask: Ask, ics: str, day: dt.date) -> dict[str, Any]:
    found = may_see_ics(ask, ics)
    return staffing_indicators(ask.con, appdb(ask.request), str(found["code"]), day)
