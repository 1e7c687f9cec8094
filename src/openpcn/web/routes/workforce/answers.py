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
from openpcn.workforce.planner import IN_POST, WEIGHTS, NumberRange

WEIGHT, FTE = "w_", "fte_"  # what-if form fields: w_<role>=weight, fte_<role>=FTE in post
#: what each what-if field holds, and its range (also the form's min, max and step)
FIELDS = {WEIGHT: ("priority", WEIGHTS), FTE: ("staff in post", IN_POST)}


def _refusal(text: str, valid: NumberRange) -> str | None:
    """Why the text is not a number in range, in words (None: it is)."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    return valid.refusal(value)


def what_if(
    request: Request,
) -> tuple[dict[str, float] | None, dict[str, float] | None, dict[str, str]]:
    """The page form's priorities (w_ROLE) and staff in post (fte_ROLE), blank counting as 0,
    and the error of each field that is not a number in its range (by field name), checked
    before any planning so each can be shown beside its field."""
    found: dict[str, dict[str, float]] = {WEIGHT: {}, FTE: {}}
    errors: dict[str, str] = {}
    for name, text in request.query_params.multi_items():
        for prefix, (what, valid) in FIELDS.items():
            if name.startswith(prefix) and len(name) > len(prefix):
                role = name[len(prefix) :]
                value = text.strip() or "0"
                why = _refusal(value, valid)
                if why:
                    errors[name] = f"The {what} of {role} {why}"
                else:
                    found[prefix][role] = float(value)
    return found[WEIGHT] or None, found[FTE] or None, errors


def pairs(items: list[str], what: str, valid: NumberRange) -> dict[str, float] | None:
    """ROLE:NUMBER query values (the API) as a dict; a number out of `valid` is a 422."""
    out: dict[str, float] = {}
    for item in items:
        role, sep, number = item.partition(":")
        if not sep or not role:
            raise InputError(
                f"{what} {item!r} is not ROLE:NUMBER", fix="e.g. clinical_pharmacist:2"
            )
        why = _refusal(number, valid)
        if why:
            raise InputError(
                f"the {what} of {role} {why}", fix=f"give ROLE:NUMBER with a number {valid.words}"
            )
        out[role.strip()] = float(number)
    return out or None


def risk_answer(ask: Ask, ics: str, day: dt.date) -> dict[str, Any]:
    found = may_see_ics(ask, ics)
    return staffing_indicators(ask.con, appdb(ask.request), str(found["code"]), day)
